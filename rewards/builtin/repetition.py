"""``repetition``: penalises repeated word n-grams (degenerate loops).

The score is the share of distinct word n-grams among all of the candidate's
n-grams, as in open-r1's repetition penalty (which reports ``distinct/total - 1``
scaled to a negative penalty). Natural prose scores close to 1; a sampler
stuck in a loop ("the the the ...") scores close to 0.
"""

from __future__ import annotations

from typing import Any

from rewards.types import Candidate, RewardContext, Score


class RepetitionReward:
    """Share of distinct word n-grams: 1 = no repetition.

    Args:
        ngram_size: the n of the n-grams (open-r1 uses 3).

    Example:
        >>> reward = RepetitionReward(ngram_size=2)
        >>> ctx = RewardContext(prompt="hi")
        >>> [s.value for s in reward(completions=["a b a b a b"], context=ctx, candidates=[])]
        [0.4]
    """

    name = "repetition"

    def __init__(self, ngram_size: int = 3) -> None:
        if ngram_size < 1:
            raise ValueError(f"ngram_size must be at least 1, got {ngram_size}")
        self.ngram_size = ngram_size

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext,
        candidates: list[Candidate],
        **kwargs: Any,
    ) -> list[Score]:
        """Scores a group.

        Args:
            completions: the candidates' texts.
            context: the request context (unused).
            candidates: the candidates (unused).
            **kwargs: ignored, for forward compatibility.
        """
        return [self._score_one(text) for text in completions]

    def _score_one(self, text: str) -> Score:
        words = text.lower().split()
        n = self.ngram_size
        if len(words) < n:
            return Score(1.0, f"{len(words)} words: too short to repeat a {n}-gram")
        grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
        distinct = len(set(grams))
        return Score(distinct / len(grams), f"{distinct}/{len(grams)} distinct word {n}-grams")
