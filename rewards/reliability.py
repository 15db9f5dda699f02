"""How well each reward predicts the verified outcome, and the weight that earns it.

A reward is useful to best-of-N selection exactly as far as it orders a group's correct
candidates above its incorrect ones. So its reliability for a task is counted over
*pairs*: in every labelled group (some candidates known correct, some known incorrect),
each (correct, incorrect) pair the reward scored both of is one trial, a success when it
scores the correct one higher. Counting within groups, never across them, is what
matters: selection only ever compares candidates of one group, and a reward's scale
may drift between prompts.

Decisions, and why:

* **Ties are skipped** (counted in ``ties``, not in ``pairs``). A reward that scores a
  pair equal adds nothing to either side of it: its weight changes nothing there. Only
  the pairs it separates say whether its weight should count, so a verifier that is
  right whenever it speaks keeps its weight however rarely it speaks (``json_valid``
  ties every pair of two valid answers). Counting ties as half would pull such a
  reward toward chance for being quiet.
* **A reward is not graded on its own verdict.** Where a verifier reward decided the
  outcome (``code_exec`` ran the tests), that reward's pairs are not counted for that
  group: it would agree with itself every time.
* **Beta posterior, prior Beta(1, 1)** (uniform) on the chance ``p`` that the reward
  orders a pair right: Beta(1 + right, 1 + wrong).
* **The weight used is the profile's weight times** ``factor = max(0, (lcb - 0.5) / 0.5)``
  where ``lcb`` is the posterior's 5% quantile (a one-sided 95% lower bound). Chance is
  0.5: a reward whose lower bound is at or under chance gets factor 0 and stops deciding
  (it still runs and is still measured, so it can earn its weight back); a perfect one
  keeps the whole profile weight. The factor is never above 1: learning only turns a
  reward *down* from what the operator set, never up past it, so labels (feedback from
  tenants included) cannot make a reward decide more than its profile allows. Linear in
  the margin over chance, because under normalize-then-sum the weights are relative:
  a reward right in 0.75 of pairs counts half as much as one always right.
* **Cold start**: below :data:`MIN_PAIRS` separated pairs the profile's weight is used
  unchanged (with few pairs the lower bound sits under chance for every reward and would
  silence all of them at once).
* A client's explicit ``rewards`` keep the client's weights (the client chose them for
  this request); the groups still count toward learning.

Pure: no server, no database. :func:`group_pairs` counts one group; :class:`Tally` adds
groups up; :func:`reliability_of` and :func:`reweigh` turn counts into weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for types: the selection's classes are replaced, not built
    from rewards.selection import RewardChoice, Selection

__all__ = [
    "CHANCE",
    "MIN_PAIRS",
    "QUANTILE",
    "LabelledCandidate",
    "PairCount",
    "Reliability",
    "Tally",
    "beta_quantile",
    "group_pairs",
    "reliability_of",
    "reweigh",
    "weigh",
]

CHANCE = 0.5
"""The share of pairs a reward that knows nothing orders right."""

QUANTILE = 0.05
"""The lower confidence bound is this quantile of the posterior (one-sided 95%)."""

MIN_PAIRS = 30
"""Separated pairs a (task, reward) needs before its learned weight is used."""

_TIE = 1e-9


@dataclass(frozen=True)
class LabelledCandidate:
    """One candidate of a labelled group: each reward's raw score and whether it was right.

    ``graded_by`` names the reward whose verdict decided ``correct`` (``code_exec``,
    ``json_valid``), if one did: that reward is not graded on this candidate.
    """

    scores: Mapping[str, float | None]
    correct: bool
    graded_by: str | None = None


@dataclass(frozen=True)
class PairCount:
    """One reward's pairs: ``right`` of ``pairs`` separated ones, ``ties`` not separated."""

    right: int = 0
    pairs: int = 0
    ties: int = 0

    def __add__(self, other: PairCount) -> PairCount:
        return PairCount(self.right + other.right, self.pairs + other.pairs, self.ties + other.ties)

    def __sub__(self, other: PairCount) -> PairCount:
        return PairCount(self.right - other.right, self.pairs - other.pairs, self.ties - other.ties)

    @property
    def seen(self) -> bool:
        """Whether the reward met at least one (correct, incorrect) pair."""
        return self.pairs + self.ties > 0


def _usable(score: float | None) -> float | None:
    if score is None or not isinstance(score, int | float) or not math.isfinite(score):
        return None
    return float(score)


def group_pairs(candidates: Sequence[LabelledCandidate]) -> dict[str, PairCount]:
    """Each reward's (correct, incorrect) pairs in one group (see the module docstring).

    >>> good = LabelledCandidate({"a": 1.0, "b": 0.0}, True)
    >>> bad = LabelledCandidate({"a": 0.0, "b": 0.0}, False)
    >>> group_pairs([good, bad])
    {'a': PairCount(right=1, pairs=1, ties=0), 'b': PairCount(right=0, pairs=0, ties=1)}
    """
    names = sorted({name for c in candidates for name in c.scores})
    out: dict[str, PairCount] = {}
    for name in names:
        right = pairs = ties = 0
        for good in candidates:
            if not good.correct or good.graded_by == name:
                continue
            g = _usable(good.scores.get(name))
            if g is None:
                continue
            for bad in candidates:
                if bad.correct or bad.graded_by == name:
                    continue
                b = _usable(bad.scores.get(name))
                if b is None:
                    continue
                if abs(g - b) <= _TIE:
                    ties += 1
                else:
                    pairs += 1
                    right += g > b
        count = PairCount(right, pairs, ties)
        if count.seen:
            out[name] = count
    return out


@dataclass(frozen=True)
class Tally:
    """A (task, reward)'s counts over every labelled group: what the store keeps."""

    right: int = 0
    pairs: int = 0
    ties: int = 0
    groups: int = 0

    def plus(self, count: PairCount, groups: int = 1) -> Tally:
        return Tally(
            self.right + count.right,
            self.pairs + count.pairs,
            self.ties + count.ties,
            self.groups + groups,
        )


@lru_cache(maxsize=4096)
def beta_quantile(q: float, a: float, b: float) -> float:
    """The ``q`` quantile of Beta(a, b) (mpmath's regularised incomplete beta, bisected).

    >>> round(beta_quantile(0.05, 1.0, 1.0), 6)
    0.05
    """
    import mpmath  # type: ignore[import-untyped]

    lo, hi = 0.0, 1.0
    for _ in range(50):  # 2**-50: far below any figure shown
        mid = (lo + hi) / 2
        if float(mpmath.betainc(a, b, 0, mid, regularized=True)) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@dataclass(frozen=True)
class Reliability:
    """A (task, reward)'s reliability: its counts and what they earn."""

    task: str
    reward: str
    tally: Tally
    min_pairs: int = MIN_PAIRS

    @property
    def share(self) -> float | None:
        """Share of separated pairs ordered right (None: none yet)."""
        t = self.tally
        return t.right / t.pairs if t.pairs else None

    @property
    def lcb(self) -> float:
        """The posterior Beta(1 + right, 1 + wrong)'s 5% quantile."""
        t = self.tally
        return beta_quantile(QUANTILE, 1.0 + t.right, 1.0 + t.pairs - t.right)

    @property
    def learned(self) -> bool:
        """Enough pairs for the learned weight to be used."""
        return self.tally.pairs >= self.min_pairs

    @property
    def factor(self) -> float:
        """What the profile's weight is multiplied by (1.0 until learned)."""
        if not self.learned:
            return 1.0
        return max(0.0, (self.lcb - CHANCE) / (1.0 - CHANCE))

    def to_dict(self) -> dict[str, object]:
        t = self.tally
        return {
            "task": self.task,
            "pairs": t.pairs,
            "right": t.right,
            "ties": t.ties,
            "groups": t.groups,
            "share": None if self.share is None else round(self.share, 4),
            "lcb": round(self.lcb, 4),
            "learned": self.learned,
            "factor": round(self.factor, 4),
        }


def reliability_of(
    table: Mapping[tuple[str, str], Tally], task: str, reward: str, min_pairs: int = MIN_PAIRS
) -> Reliability:
    """The reliability of ``reward`` for ``task`` from a table of tallies (zero if absent)."""
    return Reliability(task, reward, table.get((task, reward), Tally()), min_pairs)


def weigh(weight: float, rel: Reliability) -> tuple[float, str]:
    """The weight to use for a profile weight and a reliability, and where it came from."""
    t = rel.tally
    if not rel.learned:
        return weight, (
            f"profile weight: {t.pairs:,} separated {rel.task} pairs so far"
            f" (learning starts at {rel.min_pairs:,})"
        )
    record = (
        f"orders verified pairs right in {rel.share:.2f} of {t.pairs:,} pairs over"
        f" {t.groups:,} {rel.task} groups (95% lower bound {rel.lcb:.2f})"
    )
    if rel.factor <= 0.0:
        return 0.0, f"learned: no better than chance for {rel.task}, so it stops deciding: {record}"
    return weight * rel.factor, f"learned: {record}; profile weight {weight:g} x {rel.factor:.2f}"


def reweigh(
    selection: Selection,
    table: Mapping[tuple[str, str], Tally],
    *,
    frozen: bool = False,
    min_pairs: int = MIN_PAIRS,
) -> Selection:
    """The selection with each reward's weight the learned one, and its source said.

    ``frozen`` (the operator's choice): every weight as the profile set it, said so. A
    client's explicit set keeps the client's weights.
    """
    choices: list[RewardChoice] = []
    for choice in selection.rewards:
        if selection.explicit:
            weight, source = choice.weight, "the client's weight (learning leaves explicit sets)"
        elif frozen:
            weight, source = choice.weight, "frozen by operator"
        else:
            rel = reliability_of(table, selection.task, choice.name, min_pairs)
            weight, source = weigh(choice.weight, rel)
        choices.append(replace(choice, weight=weight, weight_source=source))
    return replace(selection, rewards=choices)
