"""rewards.reliability: pairs counted within groups, a Beta lower bound, the weight it earns."""

from __future__ import annotations

import pytest

from rewards.reliability import (
    MIN_GROUPS,
    MIN_OWNERS,
    LabelledCandidate,
    PairCount,
    Tally,
    beta_quantile,
    group_pairs,
    reliability_of,
    reweigh,
)
from rewards.selection import RewardChoice, Selection


def _group(right_for: str, wrong_for: str) -> list[LabelledCandidate]:
    """Two correct, two incorrect; ``right_for`` scores the correct ones higher,
    ``wrong_for`` the incorrect ones, ``flat`` ties everything."""
    out = []
    for correct in (True, True, False, False):
        hi, lo = (1.0, 0.0) if correct else (0.0, 1.0)
        out.append(LabelledCandidate({right_for: hi, wrong_for: lo, "flat": 0.5}, correct))
    return out


def _table(groups: int, owners: int | None = None) -> dict[tuple[str, str], Tally]:
    """``groups`` labelled groups, each its own owner's (or spread over ``owners``)."""
    per: dict[tuple[str, str], dict[str, Tally]] = {}
    for n in range(groups):
        owner = f"o{n % owners if owners else n}"
        for name, count in group_pairs(_group("truth", "liar")).items():
            mine = per.setdefault(("math", name), {})
            mine[owner] = mine.get(owner, Tally()).plus(count)
    return {key: Tally.pooled(owners_of, cap=None) for key, owners_of in per.items()}


def _selection(explicit: bool = False) -> Selection:
    return Selection(
        task="math",
        rewards=[RewardChoice(n, 1.0, "test") for n in ("truth", "liar", "flat")],
        explicit=explicit,
    )


def test_pairs_within_a_group_ties_skipped() -> None:
    counts = group_pairs(_group("truth", "liar"))
    assert counts["truth"] == PairCount(right=4, pairs=4, ties=0)
    assert counts["liar"] == PairCount(right=0, pairs=4, ties=0)
    assert counts["flat"] == PairCount(right=0, pairs=0, ties=4)


def test_a_group_without_both_labels_counts_nothing() -> None:
    good = LabelledCandidate({"a": 1.0}, True)
    assert group_pairs([good, good]) == {}


def test_unscored_candidates_and_self_grading_are_skipped() -> None:
    good = LabelledCandidate({"code_exec": 1.0, "other": 1.0}, True, graded_by="code_exec")
    bad = LabelledCandidate({"code_exec": 0.0, "other": None}, False, graded_by="code_exec")
    # code_exec decided the outcome: not graded on it; other did not score the bad one.
    assert group_pairs([good, bad]) == {}


def test_a_reward_ranking_against_the_truth_loses_its_weight() -> None:
    chosen = reweigh(_selection(), _table(groups=10))  # 10 groups of 10 owners: learned
    by = {c.name: c for c in chosen.rewards}
    assert by["liar"].weight == 0.0
    assert "no better than chance" in by["liar"].weight_source
    assert "stops deciding" in by["liar"].weight_source


def test_a_reward_ranking_with_the_truth_keeps_its_weight() -> None:
    # 30 groups (not 10 as under pairs: a group of four is one unit now, not four pairs).
    chosen = reweigh(_selection(), _table(groups=30))
    truth = next(c for c in chosen.rewards if c.name == "truth")
    rel = reliability_of(_table(30), "math", "truth")
    assert rel.share == 1.0 and rel.lcb > 0.9
    assert truth.weight == pytest.approx(rel.factor) and truth.weight > 0.8
    assert truth.weight_source.startswith(
        "learned: orders verified pairs right in 1.00 of 30 math groups from 30 owners (120 pairs;"
    )


def test_cold_start_keeps_the_profile_weight() -> None:
    chosen = reweigh(_selection(), _table(groups=1))  # one group: too few
    for choice in chosen.rewards:
        assert choice.weight == 1.0
        assert (
            f"learning starts at {MIN_GROUPS} groups from {MIN_OWNERS} owners"
            in choice.weight_source
        )


def test_a_reward_that_only_ties_never_learns() -> None:
    flat = reliability_of(_table(groups=50), "math", "flat")
    assert flat.tally.pairs == 0 and flat.tally.ties == 200 and not flat.learned
    assert flat.tally.groups == 0


def test_frozen_and_explicit_keep_their_weights() -> None:
    frozen = reweigh(_selection(), _table(10), frozen=True)
    assert [(c.weight, c.weight_source) for c in frozen.rewards] == [
        (1.0, "frozen by operator")
    ] * 3
    explicit = reweigh(_selection(explicit=True), _table(10))
    assert all(c.weight == 1.0 and "client" in c.weight_source for c in explicit.rewards)


def test_another_task_learns_separately() -> None:
    chosen = reweigh(Selection(task="code", rewards=_selection().rewards), _table(10))
    assert all(c.weight == 1.0 for c in chosen.rewards)


def test_beta_quantile_matches_known_values() -> None:
    # Beta(1, 1) is uniform; Beta(a, 1) has CDF x**a, so its q quantile is q**(1/a).
    assert beta_quantile(0.05, 1.0, 1.0) == pytest.approx(0.05, abs=1e-9)
    assert beta_quantile(0.05, 10.0, 1.0) == pytest.approx(0.05**0.1, abs=1e-9)


def test_chance_level_is_weight_zero_even_with_many_pairs() -> None:
    table = {("math", "coin"): Tally(right=500, groups=1000, owners=5)}
    rel = reliability_of(table, "math", "coin")
    assert rel.lcb < 0.5 and rel.factor == 0.0


def test_the_modules_examples_hold() -> None:
    import doctest

    import rewards.reliability

    assert doctest.testmod(rewards.reliability).failed == 0


def _big_group(correct: int, incorrect: int) -> list[LabelledCandidate]:
    """``liar`` prefers every incorrect candidate."""
    return [LabelledCandidate({"liar": 0.0}, True)] * correct + [
        LabelledCandidate({"liar": 1.0}, False)
    ] * incorrect


def test_a_group_is_one_unit_whatever_its_size() -> None:
    """The attack: best_of 64, 8 correct x 56 incorrect = 448 pairs; one unit."""
    (count,) = group_pairs(_big_group(8, 56)).values()
    assert count.pairs == 448
    tally = Tally().plus(count)
    assert tally.groups == 1 and tally.right == 0 and tally.pairs == 448
    mixed = Tally().plus(PairCount(right=3, pairs=4))
    assert mixed.groups == 1 and mixed.right == 0.75


def test_one_owner_is_capped_and_cannot_decide_alone() -> None:
    one = Tally()
    for _ in range(100):
        one = one.plus(group_pairs(_big_group(8, 56))["liar"])
    alone = Tally.pooled({"sha256:a": one}, cap=10)
    assert alone.groups == 10 and alone.owners == 1
    assert not reliability_of({("math", "liar"): alone}, "math", "liar").learned
    # Two honest owners' two groups each outweigh the attacker's hundred (capped at 10)
    # only in owners, not in units: learned (3 owners, 14 units), share 4/14.
    honest = Tally().plus(PairCount(1, 1)).plus(PairCount(1, 1))
    pooled = Tally.pooled({"sha256:a": one, "sha256:b": honest, "sha256:c": honest}, cap=10)
    assert pooled.owners == 3 and pooled.groups == 14 and pooled.right == 4
    rel = reliability_of({("math", "liar"): pooled}, "math", "liar")
    assert rel.learned and rel.factor == 0.0


def test_an_operators_labels_are_uncapped_and_count_alone() -> None:
    op = Tally()
    for _ in range(20):
        op = op.plus(PairCount(0, 3))
    pooled = Tally.pooled({"sha256:op": op}, cap=5, trusted={"sha256:op"})
    assert pooled.groups == 20 and pooled.trusted
    rel = reliability_of({("math", "liar"): pooled}, "math", "liar")
    assert rel.learned and rel.factor == 0.0
