"""Ranking: best first by combined score, then the tie-breakers."""

from __future__ import annotations

from collections.abc import Sequence

from rewards.builtin.math_answers import truncated
from rewards.types import Candidate

# Combined scores equal up to float noise (sums taken in another order) count as a tie.
_TIE_DECIMALS = 9


def rank_candidates(
    combined: Sequence[float | None], candidates: Sequence[Candidate]
) -> tuple[list[int], list[int | None]]:
    """Orders the candidates best first.

    Order: combined score (higher first); then complete before truncated
    (``finish_reason="length"``: a cut-off answer never wins a tie with a finished
    one); then mean log-probability (higher first, unknown last); then length
    (shorter first: tokens when every candidate has token ids, else characters);
    then index. A candidate whose combined score is
    None (vetoed) is not ranked.

    Args:
        combined: combined score per candidate, None for vetoed ones.
        candidates: the candidates, in the same order.

    Returns:
        The candidate indices best first, and each candidate's rank: its position
        in that order (0 = best, as the trace schema says), None for vetoed ones.

    >>> rank_candidates([0.5, None, 1.0], [Candidate(0, "a"), Candidate(1, "b"), Candidate(2, "c")])
    ([2, 0], [1, None, 0])
    """
    if len(combined) != len(candidates):
        raise ValueError(f"{len(combined)} combined scores for {len(candidates)} candidates")
    use_tokens = all(c.token_ids for c in candidates)

    def key(item: tuple[int, float]) -> tuple[float, bool, bool, float, int, int]:
        i, score = item
        logprob = candidates[i].mean_logprob
        size = candidates[i].num_tokens if use_tokens else len(candidates[i].text)
        cut = truncated(candidates[i].finish_reason)
        return (-round(score, _TIE_DECIMALS), cut, logprob is None, -(logprob or 0.0), size, i)

    ranked = [(i, score) for i, score in enumerate(combined) if score is not None]
    order = [i for i, _ in sorted(ranked, key=key)]
    ranks: list[int | None] = [None] * len(candidates)
    for rank, i in enumerate(order):
        ranks[i] = rank
    return order, ranks
