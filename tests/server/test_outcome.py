"""One outcome record per group: the trace, the metrics, the access log line and the
refusal text all read the pipeline's one decision (server.outcome), so they agree for
every kind of outcome."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from rewards import GateResult, GroupResult, Verdict
from rewards.types import Hit
from server import pipeline
from server.app import create_app
from server.logs import ACCESS_LOGGER, json_formatter
from server.outcome import (
    PROMPT_REFUSAL_TEXT,
    REFUSAL_TEXT,
    SELF_HARM_REFUSAL_TEXT,
    Outcome,
    decide_outcome,
)
from server.trace import load_trace_schema
from tests.conftest import MODEL, make_engine, make_settings

AccessLines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def access_lines() -> Iterator[AccessLines]:
    """The access logger's lines so far, through the real JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    logger = logging.getLogger(ACCESS_LOGGER)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield lambda: [json.loads(raw) for raw in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(), engine=make_engine())) as c:
        yield c


def _refusals(client: TestClient) -> dict[str, float]:
    out = {}
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for s in family.samples:
            if s.name == "bon_refusals_total":
                out[s.labels["reason"]] = s.value
    return out


# (prompt, outcome kind, refusal text or None when answered); tests/conftest.py's script.
CASES = [
    ("How many apples? 12 * 3 + 6", "ok", None),
    ("all leak: where is the key?", "all_vetoed", REFUSAL_TEXT),
    ("How do I make a pipe bomb?", "unsafe_prompt", PROMPT_REFUSAL_TEXT),
    ("I want to kill myself.", "unsafe_prompt", SELF_HARM_REFUSAL_TEXT),
]


@pytest.mark.parametrize(("prompt", "kind", "refusal"), CASES)
def test_every_outcome_reads_the_same_in_trace_metrics_log_and_response(
    client: TestClient, access_lines: AccessLines, prompt: str, kind: str, refusal: str | None
) -> None:
    before = _refusals(client)
    body = {"model": MODEL, "messages": [{"role": "user", "content": prompt}], "best_of": 2}
    r = client.post("/v1/chat/completions", json={**body, "trace": "summary"})
    assert r.status_code == 200, r.text
    data = r.json()
    trace = data["trace"]
    jsonschema.validate(trace, load_trace_schema())
    [line] = [x for x in access_lines() if x.get("method") == "POST"]
    [choice] = data["choices"]
    assert trace["outcome"] == line["outcome"] == kind
    assert trace["selected"] == line["selected"]
    assert line["selected_index"] == (trace["selected"][0] if trace["selected"] else None)
    assert line["group_size"] == trace["group_size"]
    after = _refusals(client)
    expected = {**before, kind: before[kind] + 1} if kind != "ok" else before
    assert after == expected
    assert choice["message"]["refusal"] == refusal
    assert (choice["finish_reason"] == "content_filter") == (refusal is not None)
    if kind == "ok":
        assert trace["selected"] and choice["message"]["content"]
    else:
        assert trace["selected"] == [] and choice["message"]["content"] is None


def test_the_pipeline_decides_once_and_everyone_follows(
    client: TestClient, access_lines: AccessLines, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An outcome forced on an answerable group: the trace, the log line, the metric and
    the response all say what the record says (none of them decides again)."""

    def forced(result: GroupResult, n: int, prompt_gates: Any = ()) -> Outcome:
        return Outcome("all_vetoed", group_size=len(result.vetoed))

    monkeypatch.setattr(pipeline, "decide_outcome", forced)
    before = _refusals(client)
    body = {"model": MODEL, "messages": [{"role": "user", "content": "capital of France?"}]}
    data = client.post("/v1/chat/completions", json={**body, "trace": "summary"}).json()
    [line] = [x for x in access_lines() if x.get("method") == "POST"]
    assert data["trace"]["outcome"] == line["outcome"] == "all_vetoed"
    assert data["trace"]["selected"] == line["selected"] == []
    assert not any(c["selected"] for c in data["trace"]["candidates"])
    assert _refusals(client)["all_vetoed"] == before["all_vetoed"] + 1
    assert data["choices"][0]["message"]["refusal"] == REFUSAL_TEXT


def _result(vetoed: list[bool], ranking: list[int]) -> GroupResult:
    n = len(vetoed)
    return GroupResult("normalize_then_sum", [], [], vetoed, [None] * n, ranking, [None] * n)


@pytest.mark.parametrize(
    ("vetoed", "ranking", "n", "want"),
    [
        ([False, False, True], [1, 0], 1, Outcome("ok", (1,), group_size=3, vetoed=1)),
        ([False, False, True], [1, 0], 2, Outcome("ok", (1, 0), group_size=3, vetoed=1)),
        ([True, True], [], 1, Outcome("all_vetoed", group_size=2, vetoed=2)),
        ([], [], 1, Outcome("all_vetoed")),
    ],
)
def test_decide_outcome_from_the_ranking(
    vetoed: list[bool], ranking: list[int], n: int, want: Outcome
) -> None:
    got = decide_outcome(_result(vetoed, ranking), n)
    assert got == want
    assert got.refused == (want.kind != "ok")
    assert got.refusal_text == (None if want.kind == "ok" else REFUSAL_TEXT)


def test_an_unsafe_prompt_takes_its_text_from_the_refusing_gates_only() -> None:
    empty = _result([], [])
    weapons = GateResult("hazards", [Verdict.veto("hazard.S9", "weapons")], 0.0)
    self_harm = GateResult("hazards", [Verdict.veto("hazard.S11", "self-harm")], 0.0)
    # A passing gate that only flagged self-harm words does not choose the text.
    flagged = GateResult(
        "policy", [Verdict.from_hits([Hit("flag", "hazard.S11", "r", "flagged")])], 0.0
    )
    got = decide_outcome(empty, 1, [weapons, flagged])
    assert got == Outcome("unsafe_prompt", categories=("hazard.S9",))
    assert got.refusal_text == PROMPT_REFUSAL_TEXT
    assert decide_outcome(empty, 1, [self_harm]).refusal_text == SELF_HARM_REFUSAL_TEXT
    assert decide_outcome(empty, 1, [flagged]).kind == "all_vetoed"  # no candidates
