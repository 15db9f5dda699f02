"""Aggregation: hand-computed advantages, no signal, both modes, vetoes, scalings."""

import math

import pytest

from rewards.aggregate import (
    DEFAULT_MODE,
    DEFAULT_SCALING,
    EPS,
    FLOOR_SHARE,
    aggregate,
    reward_stats,
)
from rewards.types import Score


def s(*values: float | None) -> list[Score]:
    return [Score(v) for v in values]


def test_default_mode() -> None:
    assert DEFAULT_MODE == "normalize_then_sum"


def test_hand_computed_advantages() -> None:
    # mean 0.5, population std 0.5
    stats = reward_stats([1.0, 0.0, 1.0, 0.0], [False] * 4, scaling="std")
    assert stats.mean == 0.5
    assert stats.std == 0.5
    assert stats.advantages == pytest.approx([0.5 / (0.5 + EPS), -0.5 / (0.5 + EPS)] * 2)
    assert not stats.no_signal


def test_three_values() -> None:
    # mean 2, std sqrt(2/3)
    stats = reward_stats([1.0, 2.0, 3.0], [False] * 3, scaling="std")
    std = math.sqrt(2 / 3)
    assert stats.std == pytest.approx(std)
    assert stats.advantages == pytest.approx([-1 / (std + EPS), 0.0, 1 / (std + EPS)])


def test_not_applicable_is_left_out_of_the_statistics() -> None:
    stats = reward_stats([1.0, None, 0.0], [False] * 3)
    assert stats.applicable == 2
    assert stats.mean == 0.5
    assert stats.advantages[1] is None


@pytest.mark.parametrize(
    "values", [[0.7, 0.7, 0.7], [1.0, None, None], [None, None], [0.5, 0.5 + 1e-9]]
)
def test_no_signal(values: list[float | None]) -> None:
    stats = reward_stats(values, [False] * len(values))
    assert stats.no_signal
    assert all(a in (0.0, None) for a in stats.advantages)


def test_no_signal_reward_does_not_decide_in_either_mode() -> None:
    scores = {"flat": s(1.0, 1.0, 1.0), "real": s(0.0, 1.0, 0.5)}
    for mode in ("normalize_then_sum", "sum_then_normalize"):
        with_flat = aggregate(scores, {"flat": 100.0, "real": 1.0}, mode=mode)
        alone = aggregate({"real": scores["real"]}, {"real": 1.0}, mode=mode)
        assert with_flat.combined == pytest.approx(alone.combined)
        assert with_flat.rewards["flat"].no_signal


def test_normalize_then_sum_by_hand() -> None:
    # each reward: mean 0.5, std 0.5, advantages +-0.5 / (0.5 + EPS)
    a = 0.5 / (0.5 + EPS)
    result = aggregate({"x": s(1.0, 0.0), "y": s(0.0, 1.0)}, {"x": 2.0, "y": 1.0}, scaling="std")
    assert result.combined == pytest.approx([2 * a - a, -2 * a + a])


def test_normalize_then_sum_counts_not_applicable_as_zero() -> None:
    result = aggregate({"x": s(1.0, 0.0, None)}, {"x": 1.0})
    assert result.combined[2] == 0.0


def test_sum_then_normalize_by_hand() -> None:
    # raw = 2*[1, 0, 0.5] + 1*[0, 1, 0] = [2, 1, 1]; mean 4/3, std sqrt(2)/3
    result = aggregate(
        {"x": s(1.0, 0.0, 0.5), "y": s(0.0, 1.0, 0.0)},
        {"x": 2.0, "y": 1.0},
        mode="sum_then_normalize",
        scaling="std",
    )
    mean, std = 4 / 3, math.sqrt(2) / 3
    assert result.combined == pytest.approx([(r - mean) / (std + EPS) for r in (2.0, 1.0, 1.0)])


def test_sum_then_normalize_fills_not_applicable_with_the_mean() -> None:
    # y's mean over applicable = 0.5, so candidate 2 gets 0.5 for y
    result = aggregate(
        {"x": s(1.0, 0.0, 0.0), "y": s(0.0, 1.0, None)},
        {"x": 1.0, "y": 1.0},
        mode="sum_then_normalize",
        scaling="std",
    )
    raw = [1.0, 1.0, 0.5]
    mean = sum(raw) / 3
    std = math.sqrt(sum((r - mean) ** 2 for r in raw) / 3)
    assert result.combined == pytest.approx([(r - mean) / (std + EPS) for r in raw])


def test_modes_can_disagree() -> None:
    # A reward with a large spread dominates the raw sum but not the sum of advantages.
    scores = {"wide": s(10.0, 0.0, 5.0), "narrow": s(0.0, 0.3, 0.3)}
    weights = {"wide": 1.0, "narrow": 1.0}
    nts = aggregate(scores, weights, mode="normalize_then_sum").combined
    stn = aggregate(scores, weights, mode="sum_then_normalize").combined
    assert nts[0] is not None and nts[2] is not None
    assert stn[0] is not None and stn[2] is not None
    assert nts[2] > nts[0]  # narrow's signal counts as much as wide's
    assert stn[0] > stn[2]  # wide dominates the raw sum


def test_vetoed_are_excluded_from_statistics_and_get_none() -> None:
    result = aggregate({"x": s(100.0, 1.0, 0.0)}, {"x": 1.0}, vetoed=[True, False, False])
    assert result.combined[0] is None
    assert result.rewards["x"].mean == 0.5
    assert result.rewards["x"].advantages[0] is None
    for mode in ("normalize_then_sum", "sum_then_normalize"):
        assert aggregate(
            {"x": s(1.0, 1.0)}, {"x": 1.0}, mode=mode, vetoed=[True, True]
        ).combined == [None, None]


def test_non_finite_scores_are_treated_as_not_applicable() -> None:
    result = aggregate({"x": s(math.nan, 1.0, 0.0)}, {"x": 1.0})
    assert result.rewards["x"].applicable == 2
    assert result.combined[0] == 0.0


def test_no_rewards_gives_zeros() -> None:
    assert aggregate({}, {}, vetoed=[False, True]).combined == [0.0, None]


def test_errors() -> None:
    with pytest.raises(ValueError, match="one score per candidate"):
        aggregate({"x": s(1.0), "y": s(1.0, 2.0)}, {"x": 1.0, "y": 1.0})
    with pytest.raises(ValueError, match="no weight"):
        aggregate({"x": s(1.0)}, {})
    with pytest.raises(ValueError, match="unknown aggregation mode"):
        aggregate({"x": s(1.0)}, {"x": 1.0}, mode="max")  # type: ignore[arg-type]


def test_default_scaling_is_the_floor() -> None:
    assert DEFAULT_SCALING == "floor"
    assert FLOOR_SHARE == 0.1


def test_issue_14_language_noise_does_not_outweigh_the_answer() -> None:
    # Issue 14: language 1.0 for seven candidates, 0.976 for one (a stray German word).
    # Under GRPO's std that candidate's advantage was -2.6; x 0.3 it outweighed the
    # answer. Its spread (0.024) is under the floor (0.1 of the range): no signal.
    language = s(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.976)
    answer = s(0.45, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.5)  # the last is right
    weights = {"answer_agreement": 1.0, "language": 0.3}
    scores = {"answer_agreement": answer, "language": language}
    old = aggregate(scores, weights, scaling="std")
    assert old.rewards["language"].advantages[7] == pytest.approx(-2.6, abs=0.05)
    assert (old.combined[0] or 0.0) > (old.combined[7] or 0.0)  # noise decided
    new = aggregate(scores, weights)
    lang = new.rewards["language"]
    assert lang.no_signal and lang.floor == pytest.approx(0.1) and lang.scale is None
    assert lang.advantages == [0.0] * 8
    best = max(range(8), key=lambda i: new.combined[i] or 0.0)
    assert best == 7


def test_floor_scales_a_small_real_spread_by_the_floor() -> None:
    # spread 0.2 is signal, but its std (0.094) is under the floor (0.1): scaled by the floor
    stats = reward_stats([1.0, 0.8, 1.0], [False] * 3)
    assert not stats.no_signal
    assert stats.scale == pytest.approx(0.1)
    assert stats.advantages[1] == pytest.approx((0.8 - 2.8 / 3) / 0.1)


def test_floor_leaves_a_wide_spread_to_its_std() -> None:
    stats = reward_stats([1.0, 0.0, 1.0, 0.0], [False] * 4)
    assert stats.scale == 0.5 and stats.floor == pytest.approx(0.1)
    assert stats.advantages == [1.0, -1.0, 1.0, -1.0]


def test_a_given_floor_replaces_the_share_of_the_range() -> None:
    result = aggregate({"r": s(1.0, 0.7, 1.0)}, {"r": 1.0}, floors={"r": 0.5})
    assert result.rewards["r"].no_signal  # spread 0.3 < its typical spread 0.5
    assert result.rewards["r"].floor == 0.5


def test_range_scaling_does_not_divide_by_the_std() -> None:
    stats = reward_stats([1.0, 0.98, 1.0], [False] * 3, scaling="range")
    assert stats.scale == 1.0
    assert stats.advantages[1] == pytest.approx(0.98 - 2.98 / 3)


def test_unknown_scaling() -> None:
    with pytest.raises(ValueError, match="unknown scaling"):
        aggregate({"x": s(1.0)}, {"x": 1.0}, scaling="mad")  # type: ignore[arg-type]
