"""``length``: efficiency, shorter relative to the group is better.

``1 - (len - min) / (max - min)`` over the group's complete candidates, on token
counts when every candidate has its token ids, else on characters. A candidate
cut off by the token limit (``finish_reason == "length"``) scores 0: it is not
short, it is unfinished, and it stays out of the min/max. A candidate a gate vetoed
(keyword ``vetoed``, or the ``group`` record's) stays out too and scores ``None``: the
range quoted in every kept candidate's evidence is the kept candidates' only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rewards.types import Candidate, RewardContext, Score


def _vetoed(kwargs: Mapping[str, Any], n: int) -> list[bool]:
    """Per candidate, whether a gate vetoed it: the ``vetoed`` keyword, else the round's
    record's (``group``); none when neither gives one flag a candidate."""
    flags = kwargs.get("vetoed")
    if flags is None and kwargs.get("group") is not None:
        flags = getattr(kwargs["group"], "vetoed", None)
    flags = list(flags or ())
    return [bool(v) for v in flags] if len(flags) == n else [False] * n


class LengthReward:
    """Relative brevity within the group; truncated candidates score 0.

    Example:
        >>> reward = LengthReward()
        >>> ctx = RewardContext(prompt="hi")
        >>> scores = reward(completions=["ab", "abcd", "abc"], context=ctx, candidates=[])
        >>> [s.value for s in scores]
        [1.0, 0.0, 0.5]
    """

    name = "length"

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
            candidates: the candidates, for token counts and finish reasons; may be
                empty (e.g. from a trainer), then text length is used.
            **kwargs: ``vetoed`` or ``group`` (the veto: vetoed candidates are left
                out); the rest is ignored, for forward compatibility.
        """
        use_tokens = len(candidates) == len(completions) and all(c.token_ids for c in candidates)
        unit = "tokens" if use_tokens else "chars"
        sizes = [c.num_tokens for c in candidates] if use_tokens else [len(t) for t in completions]
        truncated = [
            i < len(candidates) and candidates[i].finish_reason == "length"
            for i in range(len(completions))
        ]
        vetoed = _vetoed(kwargs, len(completions))
        complete = [
            size
            for size, cut, out in zip(sizes, truncated, vetoed, strict=True)
            if not cut and not out
        ]
        low, high = (min(complete), max(complete)) if complete else (0, 0)
        scores: list[Score] = []
        for size, cut, out in zip(sizes, truncated, vetoed, strict=True):
            if out:
                scores.append(Score(None, "vetoed: not compared"))
            elif cut:
                scores.append(Score(0.0, f"truncated at {size} {unit} (finish_reason=length)"))
            elif high == low:
                scores.append(Score(1.0, f"{size} {unit} (group range {low}-{high})"))
            else:
                value = 1.0 - (size - low) / (high - low)
                scores.append(Score(value, f"{size} {unit} (group range {low}-{high})"))
        return scores
