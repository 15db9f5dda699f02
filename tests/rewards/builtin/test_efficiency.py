"""Tests for the efficiency reward: brevity among the answers that look correct."""

from __future__ import annotations

import json

import pytest

from rewards.builtin.efficiency import Efficiency
from rewards.types import Candidate, RewardContext, Score


def run(ctx: RewardContext, texts: list[str], finish: list[str] | None = None) -> list[Score]:
    finish = finish or ["stop"] * len(texts)
    candidates = [
        Candidate(i, t, tuple(range(len(t.split()))), finish[i]) for i, t in enumerate(texts)
    ]
    reward = Efficiency(code_timeout_s=30.0, code_budget_s=60.0)  # roomy on loaded machines
    return reward(completions=texts, context=ctx, candidates=candidates)


def test_math_compares_only_the_majority_answer() -> None:
    ctx = RewardContext(prompt="Tom has 3 bags of 4 apples. How many apples?", task="math")
    texts = [
        "3 * 4 = 12. The answer is 12.",
        "Each bag has 4 apples and there are 3 bags, so 3 times 4 gives 12 apples in total. "
        "The answer is 12.",
        "The answer is 7.",  # shortest, but wrong: not rewarded for brevity
        "Three bags with four apples each give 12 apples, so 12.",
    ]
    scores = run(ctx, texts)  # one token per word here: 9, 23, 4 and 11
    assert [s.value for s in scores] == [1.0, 0.0, None, pytest.approx(1 - 2 / 14)]
    assert "the majority answer '12' (3 of 4)" in scores[0].evidence
    assert scores[0].evidence.startswith("9 tokens, compared range 9-23")
    assert scores[2].evidence.startswith("not compared")


def test_truncated_candidates_score_zero() -> None:
    ctx = RewardContext(prompt="Say hi.")
    scores = run(
        ctx, ["Hi!", "Hello there, how are", "Hello there friend!"], ["stop", "length", "stop"]
    )
    assert [s.value for s in scores] == [1.0, 0.0, 0.0]
    assert scores[1].evidence == "truncated at 4 tokens (finish_reason=length)"
    assert "no correctness signal" in scores[0].evidence


def test_code_compares_the_candidates_that_pass_the_tests() -> None:
    ctx = RewardContext(
        prompt="Write square(x).\nassert square(3) == 9\nassert square(-2) == 4", task="code"
    )
    texts = [
        "```python\ndef square(x):\n    return x * x\n```",
        "```python\ndef square(x):\n    result = x ** 2\n    # the square\n    return result\n```",
        "```python\ndef square(x):\n    return 9\n```",  # short and half right
    ]
    scores = run(ctx, texts)
    assert [s.value for s in scores] == [1.0, 0.0, None]
    assert "the best test result (100% passed)" in scores[0].evidence


def test_json_compares_the_valid_documents() -> None:
    ctx = RewardContext(
        prompt="Give the user as JSON.",
        task="json",
        response_format={"type": "json_object"},
    )
    texts = ['{"name": "Ada"}', '{"name": "Ada", "born": 1815, "field": "maths"}', "{name: Ada}"]
    scores = run(ctx, texts)
    assert [s.value for s in scores] == [1.0, 0.0, None]


def test_group_without_majority_compares_everyone() -> None:
    ctx = RewardContext(prompt="What is 2 + 3?", task="math")
    scores = run(ctx, ["It is 5", "That makes 6 in total"])
    assert [s.value for s in scores] == [1.0, 0.0]
    assert "no majority final answer" in scores[0].evidence


def test_code_with_the_sandbox_off_has_no_correctness_signal() -> None:
    ctx = RewardContext(prompt="Write square(x).\nassert square(3) == 9", task="code")
    texts = [
        "```python\ndef square(x):\n    return x * x\n```",
        "```python\ndef square(x):\n    return 9\n```",
    ]
    reward = Efficiency(sandbox="off")
    scores = reward(completions=texts, context=ctx, candidates=[])
    assert all(s.value is not None for s in scores)  # all compared: nothing says which is right
    assert "sandbox off: tests not run" in scores[0].evidence


def test_a_schema_slow_to_check_is_cut_by_the_budget_not_the_scoring_thread() -> None:
    """Red team: a self-recursive schema applied twice per level costs 2**depth; efficiency
    runs on the scoring thread, so its JSON check goes to a killable budget worker."""
    schema = {
        "type": "object",
        "properties": {"x": {"allOf": [{"$ref": "#"}, {"$ref": "#"}]}},
    }
    doc: dict[str, object] = {}
    for _ in range(40):
        doc = {"x": doc}
    text = json.dumps(doc)
    ctx = RewardContext(
        prompt="Give JSON",
        task="json",
        response_format={"type": "json_schema", "json_schema": {"name": "s", "schema": schema}},
    )
    scores = Efficiency(json_timeout_s=0.5)(completions=[text, text], context=ctx, candidates=[])
    # No correctness signal: brevity among all complete answers, and the trace says why.
    assert [s.value for s in scores] == [1.0, 1.0]
    assert "no correctness signal (JSON check ran out of time (0.5 s))" in scores[0].evidence
