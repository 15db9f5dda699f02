"""``judge``: a model's opinion of each answer, from an injected scorer.

``rewards`` imports no inference engine, so the model behind the judge comes from
outside: a *scorer*, ``scorer(prompt, answers) -> [score or None, ...]`` with scores
in 0..1. The server builds one on its serving engine (``server/judge.py``: the
model rates each answer 1-10); a trainer can pass any callable (a reward model, an
API). Off unless configured, and never the only reward: a model judging its own
answers is weak evidence (optillm's self-judged best-of-n gained under a point on
Arena-Hard), which is why verifiable rewards come first.

Range 0..1 (a 1-10 rating ``r`` maps to ``(r - 1) / 9``). ``None`` when no scorer is
configured or the scorer gave no usable score for that answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from rewards.types import Candidate, RewardContext, Score

__all__ = ["JUDGE_INSTRUCTIONS", "JudgeReward", "JudgeScorer", "judge_messages", "parse_rating"]

JudgeScorer = Callable[[str, Sequence[str]], Sequence[float | None]]
"""``(prompt, answers) -> one score in 0..1 (or None) per answer``."""

JUDGE_INSTRUCTIONS = (
    "You are a strict grader. Rate how correct and helpful the answer is for the "
    "question, from 1 (wrong or useless) to 10 (correct and complete). "
    "Reply with the number only."
)
_MAX_PROMPT_CHARS = 4000
_MAX_ANSWER_CHARS = 4000
_RATING = re.compile(r"(?<![\d.])(10|[1-9])(?:\.\d+)?(?:\s*(?:/|out of)\s*10)?(?![\d.])")


# Worked examples before the real question: small models answer in the shown format
# (SmolLM2-135M replies with prose to the bare instruction, with a number after these).
_EXAMPLES = (
    ("What is 2 + 2?", "4", "10"),
    ("What is the capital of Spain?", "Lisbon.", "1"),
    ("Name a primary colour.", "Blue is a primary colour.", "9"),
    ("What is 10 / 2?", "3", "2"),
)


def _rating_request(question: str, answer: str) -> str:
    return f"Question:\n{question}\n\nAnswer:\n{answer}\n\nRating (1-10):"


def judge_messages(prompt: str, answer: str) -> list[dict[str, str]]:
    """The chat messages that ask a model to rate one answer (long texts are cut).

    The instructions, four worked examples (question, answer, rating), then the
    question and answer to rate.
    """
    messages = [{"role": "system", "content": JUDGE_INSTRUCTIONS}]
    for question, example, rating in _EXAMPLES:
        messages.append({"role": "user", "content": _rating_request(question, example)})
        messages.append({"role": "assistant", "content": rating})
    shown = _rating_request(prompt[-_MAX_PROMPT_CHARS:], answer[:_MAX_ANSWER_CHARS])
    messages.append({"role": "user", "content": shown})
    return messages


def parse_rating(text: str) -> float | None:
    """A 1-10 rating in a judge's reply, as a score in 0..1; None if there is none.

    >>> parse_rating("8"), parse_rating("Rating: **7/10**"), parse_rating("I'd say 10 out of 10")
    (0.7777777777777778, 0.6666666666666666, 1.0)
    >>> parse_rating("no idea") is None, parse_rating("42") is None
    (True, True)
    """
    match = _RATING.search(text)
    if match is None:
        return None
    return (int(match.group(1)) - 1) / 9


def _answer_part(text: str) -> str:
    lower = text.lower()
    cut = lower.rfind("</think>")
    return text[cut + len("</think>") :].strip() if cut != -1 else text.strip()


class JudgeReward:
    """Scores each answer with an injected judge (a model, through ``scorer``).

    Args:
        scorer: ``(prompt, answers) -> scores`` in 0..1; None means not configured.
        label: names the judge in the evidence (e.g. ``serving model``).

    Example:
        >>> def by_length(prompt, answers):  # a stand-in scorer for the example
        ...     return [min(len(a) / 20, 1.0) for a in answers]
        >>> reward = JudgeReward(by_length, label="toy judge")
        >>> ctx = RewardContext(prompt="Name a colour.")
        >>> [s.value for s in reward(completions=["Red.", "<think>hm</think>Blue"], context=ctx,
        ...                          candidates=[])]
        [0.2, 0.2]
    """

    name = "judge"
    runs_in_worker = False  # it calls the engine (or a loaded model) of this process

    def __init__(self, scorer: JudgeScorer | None = None, *, label: str = "judge") -> None:
        self.scorer = scorer
        self.label = label

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext,
        candidates: list[Candidate],
        **kwargs: Any,
    ) -> list[Score]:
        """Scores a group; the judge sees the user's words and each answer (no reasoning).

        Args:
            completions: the candidates' texts.
            context: the request context: the user's words.
            candidates: the candidates (unused).
            **kwargs: ignored, for forward compatibility.

        Raises:
            ValueError: the scorer returned the wrong number of scores.
        """
        if self.scorer is None:
            return [Score(None, "no judge configured")] * len(completions)
        answers = [_answer_part(text) for text in completions]
        raw = list(self.scorer(context.user_text, answers))
        if len(raw) != len(completions):
            raise ValueError(f"{self.label} returned {len(raw)} scores for {len(completions)}")
        scores: list[Score] = []
        for value in raw:
            if value is None or not math.isfinite(value):
                scores.append(Score(None, f"{self.label}: no usable rating"))
            else:
                clamped = min(max(float(value), 0.0), 1.0)
                scores.append(Score(clamped, f"{self.label}: {clamped:.2f}"))
        return scores
