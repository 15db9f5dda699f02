"""Group-relative aggregation (GRPO at inference time).

For reward r and candidate i with raw score ``s_ri``, the advantage is
``a_ri = (s_ri - mean_r) / (std_r + EPS)`` over the candidates the reward applies
to (population std, vetoed candidates excluded). A reward with fewer than two
applicable scores, or whose scores do not vary (``std_r < MIN_STD``), carries no
signal: its advantages are 0 and it does not decide.

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

EPS = 1e-4  # as TRL's GRPO: keeps a near-constant reward from exploding
MIN_STD = 1e-6  # below this a reward's scores are treated as not varying


@dataclass(frozen=True)
class RewardStats:
    """One reward's group statistics.

    Attributes:
        advantages: per candidate; None where not applicable or vetoed.
        mean: mean of the applicable scores (None if there are none).
        std: population std of the applicable scores (None if there are none).
        applicable: how many non-vetoed candidates had a score.
        no_signal: True when the reward cannot rank this group (it did not decide).
    """

    advantages: list[float | None]
    mean: float | None
    std: float | None
    applicable: int
    no_signal: bool


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


def reward_stats(values: Sequence[float | None], vetoed: Sequence[bool]) -> RewardStats:
    """Group statistics and advantages of one reward.

    Args:
        values: raw scores, None where not applicable; non-finite counts as None.
        vetoed: candidates to leave out of the statistics (their advantage is None).
    """
    clean = [None if cut else _finite(v) for v, cut in zip(values, vetoed, strict=True)]
    present = [v for v in clean if v is not None]
    if not present:
        return RewardStats([None] * len(clean), None, None, 0, True)
    mean, std = _mean_std(present)
    no_signal = len(present) < 2 or std < MIN_STD
    advantages: list[float | None] = [
        None if v is None else 0.0 if no_signal else (v - mean) / (std + EPS) for v in clean
    ]
    return RewardStats(advantages, mean, std, len(present), no_signal)


def aggregate(
    scores: Mapping[str, Sequence[Score]],
    weights: Mapping[str, float],
    *,
    mode: AggregationMode = DEFAULT_MODE,
    vetoed: Sequence[bool] | None = None,
) -> Aggregation:
    """Combines per-reward scores into one group-relative score per candidate.

    Args:
        scores: each reward's scores, one per candidate, all lists the same length.
        weights: weight by reward name; every reward in ``scores`` needs one.
        mode: how to combine (see the module docstring).
        vetoed: candidates excluded from the statistics; their combined score is None.
            It also gives the group size when ``scores`` is empty.

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

    stats = {name: reward_stats([s.value for s in column], cut) for name, column in scores.items()}
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
    flat = len(kept) < 2 or std < MIN_STD
    combined = [
        None if cut[i] else 0.0 if flat else (raw[i] - mean) / (std + EPS) for i in range(n)
    ]
    return Aggregation(mode, stats, combined)
