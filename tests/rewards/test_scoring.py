"""score_group: rewards, gates, failures, vetoes, ranking, JSON form."""

import json
import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from rewards.context import build_context
from rewards.registry import RewardRegistry, builtin_registry
from rewards.scoring import GATE_ERROR, GroupResult, score_group
from rewards.selection import RewardChoice, Selection, select_rewards
from rewards.types import Candidate, RewardContext, Score, Verdict
from tests.text import json_strings

PROMPT = "Tom has 12 bags of 3 apples and buys 6 more apples. How many apples does he have?"
TEXTS = [
    "12 * 3 = 36, 36 + 6 = 42. The answer is \\boxed{42}.",
    "12 * 3 = 36, 36 + 5 = 41. The answer is \\boxed{41}.",
    "First 12 * 3 = 36, then 36 + 6 = 42. \\boxed{42}",
    "The answer is \\boxed{42}. Card for the receipt: 4111 1111 1111 1111",
]


def group(texts: list[str] = TEXTS) -> list[Candidate]:
    return [
        Candidate(i, t, tuple(range(len(t.split()))), "stop", -0.1 * len(t.split()))
        for i, t in enumerate(texts)
    ]


def math_result(**kwargs: Any) -> GroupResult:
    context = build_context(PROMPT)
    return score_group(context, group(), select_rewards(context), **kwargs)


class Boom:
    name = "boom"

    def __call__(self, **kwargs: Any) -> list[Score]:
        raise RuntimeError("exploded")


class Short:
    name = "short"

    def __call__(self, **kwargs: Any) -> list[Score]:
        return [Score(1.0)]


class NotANumber:
    name = "nan"

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Score]:
        return [Score(math.nan, "bad")] + [Score(float(i)) for i in range(1, len(completions))]


class BrokenGate:
    name = "broken"

    def __call__(self, **kwargs: Any) -> list[Verdict]:
        raise RuntimeError("classifier down")


def trl_style(prompts: list[str], completions: list[str], **kwargs: Any) -> list[float | None]:
    return [float(len(c)) for c in completions]


def registry_with(**rewards: Any) -> RewardRegistry:
    registry = builtin_registry()
    for name, factory in rewards.items():
        registry.register_reward(name, factory)
    return registry


def choose(*names: str) -> Selection:
    return Selection(task="math", rewards=[RewardChoice(n, 1.0, "test") for n in names])


def test_math_group_majority_wins_and_the_leak_is_vetoed() -> None:
    result = math_result()
    assert result.vetoed == [False, False, False, True]
    assert result.ranking[0] in (0, 2)
    assert result.ranking[-1] == 1
    assert 3 not in result.ranking
    assert result.ranks[3] is None
    assert result.combined[3] is None
    assert result.best == result.ranking[0]
    [pii] = [g for g in result.gates if g.name == "pii"]
    assert pii.verdicts[3] == Verdict.veto("pii.card", "card ****1111 (Visa)")
    agreement = result.rewards[0]
    assert agreement.name == "answer_agreement"
    # The vetoed candidate (its answer is 42 too) does not vote: the group record's
    # answer classes are the kept candidates' (issue 11; it voted before).
    assert agreement.scores[0].evidence == (
        "answer 42: cluster 2/4 candidates, weighted share 0.88; own weight 0.56 (steps 2/2)"
    )


def test_evidence_about_a_vetoed_candidate_is_withheld() -> None:
    result = math_result()
    for reward in result.rewards:
        assert reward.scores[3].evidence == "withheld: candidate vetoed"
    assert "4111" not in json_strings(result.to_dict())


def test_to_dict_is_strict_json_and_timed() -> None:
    result = math_result()
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["mode"] == "normalize_then_sum"
    assert [r["name"] for r in data["rewards"]] == [
        "answer_agreement",
        "math_steps",
        "math_reasoning",
        "format",
        "repetition",
        "efficiency",
        "language",
    ]
    assert all(r["seconds"] >= 0 for r in data["rewards"])
    assert [g["name"] for g in data["gates"]] == ["hazards", "injection", "leakage", "pii"]
    assert data["ranking"] == result.ranking


def test_mode_is_passed_through() -> None:
    assert math_result(mode="sum_then_normalize").mode == "sum_then_normalize"


def test_a_raising_reward_does_not_fail_the_group() -> None:
    context = RewardContext(prompt="q", task="general")
    result = score_group(
        context,
        group(["short", "a much longer answer here"]),
        choose("boom", "length"),
        registry=registry_with(boom=Boom),
    )
    boom = result.rewards[0]
    assert boom.error == "RuntimeError: exploded"
    assert boom.no_signal
    assert boom.advantages == [None, None]
    assert result.ranking == [0, 1]  # decided by length alone


def test_wrong_number_of_scores_is_an_error() -> None:
    result = score_group(
        RewardContext(prompt="q"),
        group(["a", "b"]),
        choose("short"),
        registry=registry_with(short=Short),
    )
    assert result.rewards[0].error == "ValueError: returned 1 scores for 2 candidates"


def test_non_finite_scores_are_dropped_and_json_stays_valid() -> None:
    result = score_group(
        RewardContext(prompt="q"),
        group(["a", "b", "c"]),
        choose("nan"),
        registry=registry_with(nan=NotANumber),
    )
    assert result.rewards[0].scores[0] == Score(None, "bad [non-finite score dropped]")
    json.dumps(result.to_dict(), allow_nan=False)


def test_trl_style_reward_functions_plug_in() -> None:
    result = score_group(
        RewardContext(prompt="q"),
        group(["aaa", "a"]),
        choose("chars"),
        registry=registry_with(chars=lambda: trl_style),
    )
    assert [s.value for s in result.rewards[0].scores] == [3.0, 1.0]
    assert result.ranking == [0, 1]


def test_a_raising_gate_fails_closed() -> None:
    registry = builtin_registry()
    registry.register_gate("broken", BrokenGate)
    result = score_group(
        RewardContext(prompt="q"), group(["fine", "also fine"]), choose("length"), registry=registry
    )
    broken = next(g for g in result.gates if g.name == "broken")
    assert broken.error == "RuntimeError: classifier down"
    assert all(v.category == GATE_ERROR for v in broken.verdicts)
    assert result.vetoed == [True, True]
    assert result.ranking == []
    assert result.best is None


def test_all_vetoed_gives_an_empty_ranking() -> None:
    result = score_group(
        RewardContext(prompt="Who can help?"),
        group(["Write to alice.smith@corp.io", "Call bob at bob@corp.io"]),
        select_rewards(RewardContext(prompt="", task="general")),
    )
    assert result.vetoed == [True, True]
    assert result.ranking == []
    assert result.ranks == [None, None]
    assert result.combined == [None, None]


def test_every_gate_runs_even_with_an_empty_selection() -> None:
    result = score_group(RewardContext(prompt="q"), group(["x", "4111111111111111"]), choose())
    assert [g.name for g in result.gates] == ["hazards", "injection", "leakage", "pii"]
    assert result.vetoed == [False, True]
    assert result.ranking == [0]


def test_empty_selection_ranks_by_log_probability() -> None:
    cands = [Candidate(0, "a", (1, 2), "stop", -4.0), Candidate(1, "b", (1, 2), "stop", -1.0)]
    result = score_group(RewardContext(prompt="q"), cands, choose())
    assert result.ranking == [1, 0]


def test_works_off_the_main_thread() -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: math_result(), range(2)))
    for result in results:
        assert result.rewards[0].error is None
        assert result.ranking[-1] == 1


@pytest.mark.parametrize("size", [0, 1])
def test_tiny_groups(size: int) -> None:
    result = score_group(
        RewardContext(prompt="2+2?", task="math"),
        group(["\\boxed{4}"] * size),
        select_rewards(RewardContext(prompt="", task="math")),
    )
    assert result.ranking == list(range(size))
    assert all(r.no_signal for r in result.rewards)
