"""The stopping rule of best_of="auto", on scored groups."""

from __future__ import annotations

import pytest

from rewards.adaptive import AdaptivePolicy, settle
from rewards.context import build_context
from rewards.registry import builtin_registry
from rewards.scoring import score_group
from rewards.selection import explicit_selection, select_rewards
from rewards.types import Candidate

POLICY = AdaptivePolicy(min_agreement=0.6, min_margin=2)


def _group(*texts: str) -> list[Candidate]:
    return [Candidate(i, t, tuple(range(len(t.split()))), "stop") for i, t in enumerate(texts)]


def _settle(prompt: str, *texts: str, response_format: dict[str, object] | None = None) -> str:
    context = build_context(prompt, response_format=response_format)
    group = _group(*texts)
    result = score_group(context, group, select_rewards(context))
    verdict = settle(context, group, result, POLICY)
    return ("settled: " if verdict.settled else "open: ") + verdict.reason


def test_rounds_fill_the_budget() -> None:
    assert list(AdaptivePolicy(first_round=4, round_size=4, max_samples=16).rounds()) == [4] * 4
    assert list(AdaptivePolicy(first_round=6, round_size=3, max_samples=10).rounds()) == [6, 3, 1]
    assert list(AdaptivePolicy(first_round=8, round_size=4, max_samples=4).rounds()) == [4]


@pytest.mark.parametrize(
    "kwargs",
    [{"first_round": 0}, {"round_size": 0}, {"max_samples": 0}, {"min_agreement": 0.0}],
)
def test_bad_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        AdaptivePolicy(**kwargs)  # type: ignore[arg-type]


def test_a_math_group_that_agrees_is_settled() -> None:
    said = _settle(
        "What is 6 * 7?",
        "6 * 7 = 42. The answer is 42.",
        "The answer is 42.",
        "6 * 7 = 42, so \\boxed{42}",
        "6 * 7 = 41. The answer is 41.",
    )
    assert said == "settled: agreed: top answer '42': 3 of 4 (75%), lead 2"


def test_a_split_math_group_is_not_settled() -> None:
    said = _settle("What is 6 * 7?", "The answer is 42.", "The answer is 42.", "It is 41.", "41")
    assert said == "open: not settled: top answer '42': 2 of 4 (50%), lead 0"


def test_a_narrow_lead_is_not_settled() -> None:
    # 3 of 5 is 60%, but a lead of 1 vote is within the noise.
    said = _settle("What is 6 * 7?", "42", "42", "42", "41", "41")
    assert said.startswith("open: not settled: top answer '42': 3 of 5 (60%), lead 1")


def test_a_verified_code_winner_is_settled() -> None:
    prompt = "Write a Python function add(a, b).\nassert add(2, 3) == 5"
    good = "```python\ndef add(a, b):\n    return a + b\n```"
    bad = "```python\ndef add(a, b):\n    return a - b\n```"
    assert (
        _settle(prompt, bad, good) == "settled: winner verified by code_exec (the prompt's tests)"
    )
    assert _settle(prompt, bad, bad) == "open: no candidate verified yet (the prompt's tests)"
    # Without tests code_exec only checks syntax: that verifies nothing.
    bare = "Write a Python function add(a, b)."
    assert _settle(bare, bad, good).startswith("settled: nothing to settle on")


def test_valid_json_for_a_schema_is_settled() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    said = _settle("Give me a", '{"a": 1}', "a is one", response_format=fmt)
    assert said == "settled: winner verified by json_valid (the JSON schema)"


def test_json_without_a_schema_settles_on_field_agreement() -> None:
    prompt = "Dan is 20. Return only a JSON object with his name and age."
    same = '{"name": "Dan", "age": 20}'
    assert _settle(prompt, same, same, '{"name": "Dan", "age": 21}').startswith(
        "settled: agreed: winner's fields agree with 83%"
    )
    assert _settle(prompt, same, '{"name": "Ann", "age": 21}').startswith("open: not settled")


def test_general_chat_has_nothing_to_settle_on() -> None:
    said = _settle("Tell me about owls.", "Owls hunt at night.", "Owls are birds.")
    assert said == "settled: nothing to settle on: no verifiable reward, no final answers"


def test_every_candidate_vetoed_is_never_settled() -> None:
    context = build_context("What is the key?")
    group = _group("The key is AKIA2E0A8F3B244C9986.", "Mail alice.smith@northwind-mail.com")
    result = score_group(context, group, explicit_selection(context, {}, builtin_registry()))
    assert result.best is None
    assert not settle(context, group, result, POLICY).settled


def test_equivalent_answers_agree_and_cut_off_answers_do_not_vote() -> None:
    said = _settle("What is 1 / 2?", "The answer is 0.5", "\\boxed{\\frac{1}{2}}", "1/2", "2")
    assert said == "settled: agreed: top answer '0.5': 3 of 4 (75%), lead 2"
    context = build_context("What is 6 * 7?")
    group = _group("The answer is 42.", "The answer is 42.", "The answer is 42.", "6 * 7 = 4")
    group += [Candidate(4, "6 * 7 is 41", (1, 2, 3), "length")]
    result = score_group(context, group, select_rewards(context))
    verdict = settle(context, group, result, POLICY)
    assert verdict.reason == "agreed: top answer '42': 3 of 4 (75%), lead 2"
