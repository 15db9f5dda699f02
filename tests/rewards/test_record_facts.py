"""The group record's code, JSON, language and tool facts: each computed once a round,
read by every reader, usable offline, and a failed fact leaves its readers no signal."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import rewards.builtin.code_exec as code_exec
import rewards.builtin.json_valid as json_valid
import rewards.builtin.language as language_reward
import rewards.builtin.tools as tools
import rewards.language as language
import rewards.tool_calls as tool_calls
from rewards.builtin.code_exec import CodeExec, CodeSettings, code_scores
from rewards.builtin.json_agreement import JsonAgreement
from rewards.builtin.json_valid import JsonValid, json_scores
from rewards.builtin.language import LanguageConsistency
from rewards.builtin.tools import ToolAgreement, ToolValid
from rewards.group import FactError, GroupRecord
from rewards.sandbox import RunResult, TestOutcome
from rewards.tool_calls import invalid_in
from rewards.types import Candidate, RewardContext, Score, ToolCall

CODE_PROMPT = "Write add(a, b).\nassert add(1, 2) == 3\nassert add(0, 0) == 0"
GOOD = "```python\ndef add(a, b):\n    return a + b\n```"
BAD = "```python\ndef add(a, b):\n    return a - b\n```"


def _record(context: RewardContext, texts: list[str], **settings: Any) -> GroupRecord:
    record = GroupRecord(context, [Candidate(i, t) for i, t in enumerate(texts)])
    if settings:
        record.settings = settings  # type: ignore[attr-defined]
    return record


def _call(reward: Any, record: GroupRecord) -> list[Score]:
    texts = [c.text for c in record.candidates]
    scores: list[Score] = reward(
        completions=texts,
        context=record.context,
        candidates=list(record.candidates),
        group=record,
        vetoed=list(record.vetoed),
    )
    return scores


# --- code --------------------------------------------------------------------------------


class _FakeSandbox:
    """run_batch's stand-in: passes every test of code that adds, counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, jobs: Any, limits: Any, **kwargs: Any) -> list[RunResult | None]:
        self.calls += 1
        out: list[RunResult | None] = []
        for code, steps in jobs:
            counted = [s for s in steps if s.kind != "setup"]
            ok = "a + b" in code
            outcomes = [TestOutcome(s.name, ok, "" if ok else "AssertionError") for s in counted]
            out.append(RunResult(outcomes, len(counted)))
        return out


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> _FakeSandbox:
    fake = _FakeSandbox()
    monkeypatch.setattr(code_exec, "run_batch", fake)
    return fake


def test_the_code_fact_runs_once_a_round_whatever_reads_it(
    sandbox: _FakeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    extractions = 0
    real_extract = code_exec.extract_tests

    def counting_extract(text: str) -> Any:
        nonlocal extractions
        extractions += 1
        return real_extract(text)

    monkeypatch.setattr(code_exec, "extract_tests", counting_extract)
    record = _record(RewardContext(CODE_PROMPT, task="code"), [GOOD, BAD] * 4)
    first = _call(CodeExec(), record)
    again = _call(CodeExec(), record)  # a second reader (efficiency reads code_scores)
    assert code_scores(record.fact("code")) == first == again
    assert [s.value for s in first] == [1.0, 0.0] * 4
    assert record.computed["code"] == 1
    assert sandbox.calls == 1 and extractions == 1  # one batch, one test extraction


def test_the_code_fact_follows_the_records_settings_sandbox_off(sandbox: _FakeSandbox) -> None:
    record = _record(
        RewardContext(CODE_PROMPT, task="code"), [GOOD, BAD], code=CodeSettings(sandbox="off")
    )
    scores = _call(CodeExec(), record)
    assert sandbox.calls == 0
    assert all(s.evidence.startswith("sandbox off") for s in scores)


def test_code_exec_offline_builds_its_own_record_with_its_own_settings(
    sandbox: _FakeSandbox,
) -> None:
    ctx = RewardContext(CODE_PROMPT, task="code")
    off = CodeExec(sandbox="off")(completions=[GOOD, BAD], context=ctx, candidates=[])
    assert sandbox.calls == 0 and off[0].evidence.startswith("sandbox off")
    on = CodeExec()(completions=[GOOD, BAD], context=ctx, candidates=[])
    assert sandbox.calls == 1 and [s.value for s in on] == [1.0, 0.0]


def test_a_failed_code_fact_leaves_its_readers_no_signal(sandbox: _FakeSandbox) -> None:
    record = _record(RewardContext(CODE_PROMPT, task="code"), [GOOD, BAD])
    record.fail("code", "timeout after 20 s")
    with pytest.raises(FactError, match="timeout after 20 s"):
        _call(CodeExec(), record)
    assert sandbox.calls == 0  # a reader never recomputes a failed fact


# --- json --------------------------------------------------------------------------------

JSON_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "person",
        "schema": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            "required": ["name", "age"],
        },
    },
}
JSON_TEXTS = [
    '{"name": "Dan", "age": 20}',
    '{"age": 20, "name": "Dan"}',
    'Here: {"name": "Dan", "age": "20"}',
    "no JSON here",
]


def test_the_json_fact_parses_each_candidate_once_for_every_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parses = 0
    real_find = json_valid.find_json

    def counting_find(text: str) -> Any:
        nonlocal parses
        parses += 1
        return real_find(text)

    monkeypatch.setattr(json_valid, "find_json", counting_find)
    ctx = RewardContext("Give a person.", task="json", response_format=JSON_FORMAT)
    record = _record(ctx, JSON_TEXTS)
    valid = _call(JsonValid(), record)
    agreement = _call(JsonAgreement(), record)
    assert record.computed["json"] == 1 and parses == len(JSON_TEXTS)
    assert [s.value for s in valid] == [1.0, 1.0, pytest.approx(0.3), 0.0]
    assert [s.value is None for s in agreement] == [False, False, False, True]
    assert json_scores(record.fact("json"), ctx, record.candidates) == valid
    # The same scores offline, where each reward builds its own record.
    offline = JsonValid()(completions=JSON_TEXTS, context=ctx, candidates=[])
    assert offline == valid


def test_a_failed_json_fact_leaves_both_json_readers_no_signal() -> None:
    ctx = RewardContext("Give a person.", task="json", response_format=JSON_FORMAT)
    record = _record(ctx, JSON_TEXTS)
    record.fail("json", "timeout after 5 s")
    for reward in (JsonValid(), JsonAgreement()):
        with pytest.raises(FactError):
            _call(reward, record)


# --- languages ---------------------------------------------------------------------------


def test_the_languages_fact_detects_each_candidate_once(monkeypatch: pytest.MonkeyPatch) -> None:
    detections = 0
    real_detect = language.detect_language

    def counting_detect(text: str) -> Any:
        nonlocal detections
        detections += 1
        return real_detect(text)

    monkeypatch.setattr(language, "detect_language", counting_detect)
    monkeypatch.setattr(language_reward, "detect_language", counting_detect)
    ctx = RewardContext("Wie spät ist es in Tokio, wenn es in Berlin Mittag ist?")
    texts = ["In Tokio ist es dann 20 Uhr.", "It is 8 pm in Tokyo then."] * 4
    record = _record(ctx, texts)
    first = _call(LanguageConsistency(), record)
    again = _call(LanguageConsistency(), record)
    assert first == again and [s.value for s in first] == [1.0, 0.0] * 4
    assert record.computed["languages"] == 1
    # One detection a candidate (one sentence each) and the prompt's once a call.
    assert detections == len(texts) + 2
    reading = record.fact("languages")[0]
    assert (reading.language, reading.shares) == ("de", (("de", 1.0),))
    assert 0.0 < reading.confidence <= 1.0


def test_a_failed_languages_fact_leaves_the_language_reward_no_signal() -> None:
    record = _record(RewardContext("Wie spät ist es in Tokio?"), ["Es ist 20 Uhr in Tokio."])
    record.fail("languages", "LookupError: model")
    with pytest.raises(FactError):
        _call(LanguageConsistency(), record)


# --- tool checks -------------------------------------------------------------------------

TOOL = {
    "type": "function",
    "function": {
        "name": "f",
        "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}},
    },
}
TOOL_GROUP = [
    Candidate(0, "", tool_calls=(ToolCall("f", '{"x": 1}'),)),
    Candidate(1, "", tool_calls=(ToolCall("f", '{"x": 1}'),)),
    Candidate(2, "", tool_calls=(ToolCall("f", '{"x": "a"}'),)),
    Candidate(3, "Hi"),
]


def test_the_tool_checks_fact_parses_each_call_once_for_rewards_and_ranking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parses = 0
    real_parse = tool_calls.parse_arguments

    def counting_parse(raw: str) -> Any:
        nonlocal parses
        parses += 1
        return real_parse(raw)

    monkeypatch.setattr(tools, "parse_arguments", counting_parse)
    monkeypatch.setattr(tool_calls, "parse_arguments", counting_parse)
    ctx = RewardContext("", tools=(TOOL,), tool_choice="auto")
    record = GroupRecord(ctx, TOOL_GROUP)
    valid = _call(ToolValid(), record)
    agreement = _call(ToolAgreement(), record)
    assert invalid_in(record) == [False, False, True, False]
    assert record.computed["tool_checks"] == 1 and parses == 3  # three calls, once each
    assert [s.value for s in valid] == [1.0, 1.0, 0.5, None]
    assert [s.value for s in agreement] == [0.5, 0.5, 0.25, 0.25]
    # Offline (no record given) the same scores.
    alone = ToolAgreement()(completions=[], context=ctx, candidates=list(TOOL_GROUP))
    assert alone == agreement


def test_a_failed_tool_checks_fact_fails_the_ranking_closed() -> None:
    ctx = RewardContext("", tools=(TOOL,), tool_choice="auto")
    record = GroupRecord(ctx, TOOL_GROUP)
    record.fail("tool_checks", "timeout after 5 s")
    with pytest.raises(FactError):
        _call(ToolValid(), record)
    # Every candidate that made a call counts as invalid; the plain answer does not.
    assert invalid_in(record) == [True, True, True, False]


# --- the record goes to budget workers ---------------------------------------------------


def test_the_facts_pickle(sandbox: _FakeSandbox) -> None:
    ctx = RewardContext(CODE_PROMPT, task="code", tools=(TOOL,), tool_choice="auto")
    record = GroupRecord(ctx, [Candidate(0, GOOD), *TOOL_GROUP[1:]])
    for name in ("code", "json", "languages", "tool_checks"):
        record.fact(name)
    copy = pickle.loads(pickle.dumps(record.only(["code", "json", "languages", "tool_checks"])))
    assert copy.fact("tool_checks") == record.fact("tool_checks")
    assert copy.fact("code") == record.fact("code") and copy.computed["code"] == 0
