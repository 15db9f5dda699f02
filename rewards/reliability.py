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
* **One group is one observation.** A group adds one unit per reward: the share ``s``
  of its separated pairs the reward ordered right counts as ``s`` successes and
  ``1 - s`` failures. Pairs grow as the square of the group size (a best_of 64 group of
  8 correct and 56 incorrect candidates is 448 pairs): counted as pairs, one request
  outweighed a hundred honest ones. A group that only ties counts no unit.
* **One owner cannot decide alone.** Each owner's (the trace's key hash) groups count
  at most :data:`OWNER_CAP` groups' worth per (task, reward) (scaled down, its share
  kept), and learning applies only when the groups come from :data:`MIN_OWNERS`
  distinct owners (:meth:`Tally.pooled`). An operator's labels are trusted: uncapped,
  and enough owners on their own (the operator set the profile weights and may turn
  them down). With no keys configured everyone is the one anonymous owner: there are
  no tenants to keep apart, so the server passes no cap and one owner suffices.
* **Beta posterior, prior Beta(1, 1)** (uniform) on the chance ``p`` that the reward
  orders a group's pairs right: Beta(1 + right, 1 + wrong), over units.
* **The weight used is the profile's weight times** ``factor = max(0, (lcb - 0.5) / 0.5)``
  where ``lcb`` is the posterior's 5% quantile (a one-sided 95% lower bound). Chance is
  0.5: a reward whose lower bound is at or under chance gets factor 0 and stops deciding
  (it still runs and is still measured, so it can earn its weight back); a perfect one
  keeps the whole profile weight. The factor is never above 1: learning only turns a
  reward *down* from what the operator set, never up past it, so labels (feedback from
  tenants included) cannot make a reward decide more than its profile allows. Linear in
  the margin over chance, because under normalize-then-sum the weights are relative:
  a reward right in 0.75 of pairs counts half as much as one always right.
* **Cold start**: below :data:`MIN_GROUPS` groups (or from fewer owners) the profile's
  weight is used unchanged (with few groups the lower bound sits under chance for every
  reward and would silence all of them at once).
* A client's explicit ``rewards`` keep the client's weights (the client chose them for
  this request); the groups still count toward learning.

Pure: no server, no database. :func:`group_pairs` counts one group; :class:`Tally` adds
groups up and pools owners; :func:`reliability_of` and :func:`reweigh` turn counts into weights.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for types: the selection's classes are replaced, not built
    from rewards.selection import RewardChoice, Selection

__all__ = [
    "CHANCE",
    "MIN_GROUPS",
    "MIN_OWNERS",
    "OWNER_CAP",
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

MIN_GROUPS = 10
"""Labelled groups' worth (units) a (task, reward) needs before its learned weight is used."""

MIN_OWNERS = 3
"""Distinct owners whose labels those groups must come from (unless an operator's count)."""

OWNER_CAP = 10
"""At most this many groups' worth per owner per (task, reward) (operators uncapped)."""

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
    """A (task, reward)'s evidence: each separating group one unit (what the store keeps).

    ``right`` of ``groups`` units: a group adds 1 to ``groups`` and the share of its
    separated pairs ordered right to ``right`` (so a group of 64 weighs what a group of
    4 weighs: pairs grow as the square of the group size, a label's weight must not).
    ``pairs_right``/``pairs``/``ties`` are the raw pair counts, shown, never weighed.
    ``owners``: distinct owners whose groups these are; ``trusted``: an operator's are
    among them (see :meth:`pooled`). A store row is one owner's tally.
    """

    right: float = 0.0
    groups: float = 0.0
    pairs_right: int = 0
    pairs: int = 0
    ties: int = 0
    owners: int = 0
    trusted: bool = False

    def plus(self, count: PairCount) -> Tally:
        """This tally with one more group's pairs (a group that separated none adds only
        its ties: it says nothing about the reward's order)."""
        unit = 1.0 if count.pairs else 0.0
        return replace(
            self,
            right=self.right + (count.right / count.pairs if count.pairs else 0.0),
            groups=self.groups + unit,
            pairs_right=self.pairs_right + count.right,
            pairs=self.pairs + count.pairs,
            ties=self.ties + count.ties,
            owners=max(self.owners, 1),
        )

    @staticmethod
    def pooled(
        per_owner: Mapping[str, Tally],
        *,
        cap: float | None = OWNER_CAP,
        trusted: Collection[str] = (),
    ) -> Tally:
        """One (task, reward)'s tally from its owners' tallies: each owner's groups count
        at most ``cap`` groups' worth (scaled down, its share kept), except a ``trusted``
        owner's (an operator's) and except where ``cap`` is None (no keys: one owner,
        everyone). ``owners`` counts the owners with at least one separating group.
        """
        right = groups = 0.0
        pairs_right = pairs = ties = owners = 0
        has_trusted = False
        for owner, t in per_owner.items():
            scale = 1.0
            if cap is not None and owner not in trusted and t.groups > cap:
                scale = cap / t.groups
            right += t.right * scale
            groups += t.groups * scale
            pairs_right += t.pairs_right
            pairs += t.pairs
            ties += t.ties
            if t.groups > 0:
                owners += 1
                has_trusted |= owner in trusted
        return Tally(right, groups, pairs_right, pairs, ties, owners, has_trusted)


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
    """A (task, reward)'s reliability: its evidence and what it earns."""

    task: str
    reward: str
    tally: Tally
    min_groups: int = MIN_GROUPS
    min_owners: int = MIN_OWNERS

    @property
    def share(self) -> float | None:
        """Share of its groups' worth ordered right (None: none yet)."""
        t = self.tally
        return t.right / t.groups if t.groups > 0 else None

    @property
    def lcb(self) -> float:
        """The posterior Beta(1 + right, 1 + wrong)'s 5% quantile, over group units."""
        t = self.tally
        return beta_quantile(QUANTILE, 1.0 + t.right, 1.0 + max(t.groups - t.right, 0.0))

    @property
    def learned(self) -> bool:
        """Enough groups, from enough owners (or from an operator), for the learned
        weight to be used."""
        t = self.tally
        return t.groups >= self.min_groups - _TIE and (t.owners >= self.min_owners or t.trusted)

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
            "groups": round(t.groups, 4),
            "right": round(t.right, 4),
            "owners": t.owners,
            "pairs": t.pairs,
            "pairs_right": t.pairs_right,
            "ties": t.ties,
            "share": None if self.share is None else round(self.share, 4),
            "lcb": round(self.lcb, 4),
            "learned": self.learned,
            "factor": round(self.factor, 4),
        }


def reliability_of(
    table: Mapping[tuple[str, str], Tally],
    task: str,
    reward: str,
    min_groups: int = MIN_GROUPS,
    min_owners: int = MIN_OWNERS,
) -> Reliability:
    """The reliability of ``reward`` for ``task`` from a table of tallies (zero if absent)."""
    return Reliability(task, reward, table.get((task, reward), Tally()), min_groups, min_owners)


def _owners(n: int) -> str:
    return f"{n:,} owner" + ("" if n == 1 else "s")


def weigh(weight: float, rel: Reliability) -> tuple[float, str]:
    """The weight to use for a profile weight and a reliability, and where it came from."""
    t = rel.tally
    if not rel.learned:
        needs = f"{rel.min_groups:,} groups"
        if rel.min_owners > 1:
            needs += f" from {_owners(rel.min_owners)}"
        return weight, (
            f"profile weight: {t.groups:,.4g} labelled {rel.task} groups from"
            f" {_owners(t.owners)} so far (learning starts at {needs})"
        )
    record = (
        f"orders verified pairs right in {rel.share:.2f} of {t.groups:,.4g} {rel.task} groups"
        f" from {_owners(t.owners)} ({t.pairs:,} pairs; 95% lower bound {rel.lcb:.2f})"
    )
    if rel.factor <= 0.0:
        return 0.0, f"learned: no better than chance for {rel.task}, so it stops deciding: {record}"
    return weight * rel.factor, f"learned: {record}; profile weight {weight:g} x {rel.factor:.2f}"


def reweigh(
    selection: Selection,
    table: Mapping[tuple[str, str], Tally],
    *,
    frozen: bool = False,
    min_groups: int = MIN_GROUPS,
    min_owners: int = MIN_OWNERS,
) -> Selection:
    """The selection with each reward's weight the learned one, and its source said.

    ``table``: pooled tallies (:meth:`Tally.pooled`). ``frozen`` (the operator's
    choice): every weight as the profile set it, said so. A client's explicit set keeps
    the client's weights.
    """
    choices: list[RewardChoice] = []
    for choice in selection.rewards:
        if selection.explicit:
            weight, source = choice.weight, "the client's weight (learning leaves explicit sets)"
        elif frozen:
            weight, source = choice.weight, "frozen by operator"
        else:
            rel = reliability_of(table, selection.task, choice.name, min_groups, min_owners)
            weight, source = weigh(choice.weight, rel)
        choices.append(replace(choice, weight=weight, weight_source=source))
    return replace(selection, rewards=choices)
