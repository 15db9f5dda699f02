"""Group-relative aggregation (GRPO at inference time).

For reward r and candidate i with raw score ``s_ri``, the advantage is
``a_ri = (s_ri - mean_r) / scale_r`` over the candidates the reward applies to
(population std, vetoed candidates excluded). How ``scale_r`` is chosen
(:data:`Scaling`):

* ``floor`` (the default): ``scale_r = max(std_r, floor_r)`` with
  ``floor_r = FLOOR_SHARE * range_r`` (the width of the reward's score range, 1 for
  every builtin reward) unless a floor is given for it (such as its typical spread
  across groups). A reward whose scores spread (max - min) less than its floor
  carries no signal. Small differences stay small: ``language`` at 1.0 for seven
  candidates and 0.976 for one is noise (spread 0.024 under a floor of 0.1), not
  an advantage of -2.6 that outweighs the answer;
* ``std``: ``scale_r = std_r + EPS``, GRPO's standardisation; any variation above
  ``MIN_STD`` decides, however small (kept for comparison: bench/selection_scaling.py);
* ``range``: ``scale_r = range_r``, no division by the group's std (as Dr. GRPO):
  differences count at their size on the reward's scale.

A reward with fewer than two applicable scores, or without signal as above, has
advantages 0 and does not decide; ``RewardStats.scale`` and ``floor`` record what
was used, for the trace.

Two ways to combine (:data:`AggregationMode`):

* ``normalize_then_sum``: ``combined_i = sum_r w_r * a_ri`` (not applicable -> 0);
* ``sum_then_normalize``: ``raw_i = sum_r w_r * s_ri`` (not applicable -> the
  reward's group mean; rewards without signal left out), then ``combined_i`` is
  ``raw_i`` normalised over the group the same way.

:data:`DEFAULT_MODE` is provisional until the quality benchmark picks one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from rewards.types import Score

AggregationMode = Literal["normalize_then_sum", "sum_then_normalize"]
AGGREGATION_MODES: tuple[AggregationMode, ...] = get_args(AggregationMode)
DEFAULT_MODE: AggregationMode = "normalize_then_sum"
Scaling = Literal["floor", "std", "range"]
SCALINGS: tuple[Scaling, ...] = get_args(Scaling)
DEFAULT_SCALING: Scaling = "floor"

EPS = 1e-4  # as TRL's GRPO: keeps a near-constant reward from exploding
MIN_STD = 1e-6  # below this a reward's scores are treated as not varying
# The floor as a share of a reward's range (bench/selection_scaling.py compares values).
FLOOR_SHARE = 0.1


@dataclass(frozen=True)
class RewardStats:
    """One reward's group statistics.

    Attributes:
        advantages: per candidate; None where not applicable or vetoed.
        mean: mean of the applicable scores (None if there are none).
        std: population std of the applicable scores (None if there are none).
        applicable: how many non-vetoed candidates had a score.
        no_signal: True when the reward cannot rank this group (it did not decide).
        scale: what differences from the mean were divided by (None without signal).
        floor: the floor the scale could not go under (``floor`` scaling), else None.
    """

    advantages: list[float | None]
    mean: float | None
    std: float | None
    applicable: int
    no_signal: bool
    scale: float | None = None
    floor: float | None = None


@dataclass(frozen=True)
class Aggregation:
    """The outcome of :func:`aggregate`: statistics per reward and the combined scores."""

    mode: AggregationMode
    rewards: dict[str, RewardStats]
    combined: list[float | None]


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def _scale(
    present: Sequence[float], std: float, scaling: Scaling, value_range: float, floor: float | None
) -> tuple[float | None, float | None]:
    """The scale and the floor used; scale None when the scores carry no signal."""
    if scaling == "std":
        return (None if std < MIN_STD else std + EPS), None
    if scaling == "range":
        return (None if std < MIN_STD else value_range), None
    floor = FLOOR_SHARE * value_range if floor is None else floor
    spread = max(present) - min(present)
    if spread < max(floor, MIN_STD):
        return None, floor
    return max(std, floor), floor


def reward_stats(
    values: Sequence[float | None],
    vetoed: Sequence[bool],
    *,
    scaling: Scaling = DEFAULT_SCALING,
    value_range: float = 1.0,
    floor: float | None = None,
) -> RewardStats:
    """Group statistics and advantages of one reward.

    Args:
        values: raw scores, None where not applicable; non-finite counts as None.
        vetoed: candidates to leave out of the statistics (their advantage is None).
        scaling: how differences are scaled (see the module docstring).
        value_range: the width of the reward's score range (1 for 0..1 scores).
        floor: the ``floor`` scaling's floor; None for ``FLOOR_SHARE * value_range``.

    >>> st = reward_stats([1.0] * 7 + [0.976], [False] * 8)
    >>> st.no_signal, st.floor, st.advantages[-1]
    (True, 0.1, 0.0)
    >>> round(reward_stats([1.0] * 7 + [0.976], [False] * 8, scaling="std").advantages[-1], 2)
    -2.61
    """
    clean = [None if cut else _finite(v) for v, cut in zip(values, vetoed, strict=True)]
    present = [v for v in clean if v is not None]
    if not present:
        floor = FLOOR_SHARE * value_range if floor is None and scaling == "floor" else floor
        return RewardStats([None] * len(clean), None, None, 0, True, None, floor)
    mean, std = _mean_std(present)
    scale, used_floor = _scale(present, std, scaling, value_range, floor)
    if len(present) < 2:
        scale = None
    advantages: list[float | None] = [
        None if v is None else 0.0 if scale is None else (v - mean) / scale for v in clean
    ]
    return RewardStats(advantages, mean, std, len(present), scale is None, scale, used_floor)


def aggregate(
    scores: Mapping[str, Sequence[Score]],
    weights: Mapping[str, float],
    *,
    mode: AggregationMode = DEFAULT_MODE,
    vetoed: Sequence[bool] | None = None,
    scaling: Scaling = DEFAULT_SCALING,
    floors: Mapping[str, float] | None = None,
) -> Aggregation:
    """Combines per-reward scores into one group-relative score per candidate.

    Args:
        scores: each reward's scores, one per candidate, all lists the same length.
        weights: weight by reward name; every reward in ``scores`` needs one.
        mode: how to combine (see the module docstring).
        vetoed: candidates excluded from the statistics; their combined score is None.
            It also gives the group size when ``scores`` is empty.
        scaling: how each reward's differences are scaled (see the module docstring).
        floors: the ``floor`` scaling's floor by reward name (a reward's typical
            spread across groups); a reward not in it gets ``FLOOR_SHARE`` of its range.

    Raises:
        ValueError: lengths differ, a weight is missing, or the mode is unknown.

    >>> from rewards.types import Score
    >>> agg = aggregate({"r": [Score(1.0), Score(0.0)]}, {"r": 1.0})
    >>> [round(c, 3) for c in agg.combined]
    [1.0, -1.0]
    """
    if mode not in AGGREGATION_MODES:
        raise ValueError(
            f"unknown aggregation mode {mode!r}; known: {', '.join(AGGREGATION_MODES)}"
        )
    first = next(iter(scores.values()), [])
    n = len(vetoed) if vetoed is not None else len(first)
    if any(len(column) != n for column in scores.values()):
        raise ValueError(f"every reward needs exactly one score per candidate ({n})")
    cut = list(vetoed) if vetoed is not None else [False] * n
    missing = [name for name in scores if name not in weights]
    if missing:
        raise ValueError(f"no weight for reward(s): {', '.join(missing)}")

    if scaling not in SCALINGS:
        raise ValueError(f"unknown scaling {scaling!r}; known: {', '.join(SCALINGS)}")
    floors = floors or {}
    stats = {
        name: reward_stats([s.value for s in column], cut, scaling=scaling, floor=floors.get(name))
        for name, column in scores.items()
    }
    if mode == "normalize_then_sum":
        combined: list[float | None] = [
            None
            if cut[i]
            else sum(weights[name] * (st.advantages[i] or 0.0) for name, st in stats.items())
            for i in range(n)
        ]
        return Aggregation(mode, stats, combined)

    raw: list[float] = [0.0] * n
    for name, st in stats.items():
        if st.no_signal or st.mean is None:
            continue  # a constant would not change the normalisation; leave it out exactly
        for i, score in enumerate(scores[name]):
            value = _finite(score.value)
            raw[i] += weights[name] * (st.mean if value is None else value)
    kept = [raw[i] for i in range(n) if not cut[i]]
    mean, std = _mean_std(kept) if kept else (0.0, 0.0)
    # The weighted sum's range is the sum of the weights of the rewards with signal.
    width = sum(weights[name] for name, st in stats.items() if not st.no_signal)
    scale = _scale(kept, std, scaling, width or 1.0, None)[0] if len(kept) > 1 else None
    combined = [
        None if cut[i] else 0.0 if scale is None else (raw[i] - mean) / scale for i in range(n)
    ]
    return Aggregation(mode, stats, combined)
