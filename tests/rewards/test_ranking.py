"""Ranking: combined score, then log-probability, then length, then index."""

from rewards.ranking import rank_candidates
from rewards.types import Candidate


def cand(i: int, tokens: int, logprob: float | None) -> Candidate:
    return Candidate(i, "t" * tokens, tuple(range(tokens)), "stop", logprob)


def test_orders_by_combined_score() -> None:
    cands = [cand(0, 5, -1.0), cand(1, 5, -1.0), cand(2, 5, -1.0)]
    assert rank_candidates([0.1, 0.9, -0.5], cands) == ([1, 0, 2], [1, 0, 2])


def test_tie_broken_by_mean_logprob_then_unknown_last() -> None:
    # mean log-probs: -0.5, -0.2, unknown
    cands = [cand(0, 10, -5.0), cand(1, 10, -2.0), cand(2, 10, None)]
    assert rank_candidates([0.0, 0.0, 0.0], cands)[0] == [1, 0, 2]


def test_tie_broken_by_length_then_index() -> None:
    # same mean log-prob (-0.1), different lengths; then equal everything
    cands = [cand(0, 20, -2.0), cand(1, 10, -1.0), cand(2, 10, -1.0)]
    assert rank_candidates([1.0, 1.0, 1.0], cands)[0] == [1, 2, 0]


def test_float_noise_counts_as_a_tie() -> None:
    cands = [cand(0, 10, -9.0), cand(1, 10, -1.0)]
    assert rank_candidates([0.3 + 1e-12, 0.3], cands)[0] == [1, 0]


def test_vetoed_are_not_ranked() -> None:
    cands = [cand(0, 5, -1.0), cand(1, 5, -1.0), cand(2, 5, -1.0)]
    assert rank_candidates([None, 0.2, None], cands) == ([1], [None, 0, None])
    assert rank_candidates([None, None, None], cands) == ([], [None, None, None])
