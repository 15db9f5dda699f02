"""``answer_agreement``: self-consistency of the final answer (math).

Each candidate's final answer is compared with the others'; the score is the
share of the other candidates that reach an equivalent answer. Without a
reference answer this is majority voting made group-relative: the answer most
candidates agree on scores highest.

Cost: answers are grouped into classes of equivalent answers, and a new answer
is compared with one representative per class, so a group where most candidates
agree needs few ``verify`` calls. A group of many distinct symbolic answers is
the expensive case (about 10 ms per call on polynomials); once ``budget_s`` is
spent the remaining answers are compared as text only, and their evidence says
so. A single math-verify call cannot be interrupted (see ``math_answers``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from rewards.builtin.math_answers import ParsedAnswer, equivalent, extract_answer, parse_answer
from rewards.types import Candidate, RewardContext, Score

_SHOWN_CHARS = 40


class AnswerAgreement:
    """Scores each candidate by how many others give an equivalent final answer.

    Args:
        budget_s: seconds of parsing and ``verify`` per group before falling back
            to comparing answers as text.

    Example:
        >>> reward = AnswerAgreement()
        >>> ctx = RewardContext(prompt="What is 1/2 as a decimal?", task="math")
        >>> texts = ["\\\\boxed{1/2}", "It is 0.5", "Answer: 0.25"]
        >>> [s.value for s in reward(completions=texts, context=ctx, candidates=[])]
        [0.5, 0.5, 0.0]
    """

    name = "answer_agreement"

    def __init__(self, budget_s: float = 3.0) -> None:
        if budget_s < 0:
            raise ValueError(f"budget_s must be >= 0, got {budget_s}")
        self.budget_s = budget_s

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
            context: the request context (unused: agreement needs no reference).
            candidates: the candidates (unused).
            **kwargs: ignored, for forward compatibility.
        """
        n = len(completions)
        if n < 2:
            return [Score(None, "single candidate: nothing to agree with")] * n
        answers = [extract_answer(text) for text in completions]
        classes, text_only = self._classes(a for a in answers if a is not None)
        class_size: dict[int, int] = {}
        for answer in answers:
            if answer is not None:
                class_size[classes[answer]] = class_size.get(classes[answer], 0) + 1

        scores: list[Score] = []
        for answer in answers:
            if answer is None:
                scores.append(Score(0.0, "no final answer"))
                continue
            agreeing = class_size[classes[answer]] - 1
            shown = answer if len(answer) <= _SHOWN_CHARS else answer[:_SHOWN_CHARS] + "..."
            note = f" ({text_only[answer]})" if answer in text_only else ""
            evidence = f"answer {shown} agrees with {agreeing}/{n - 1} others{note}"
            scores.append(Score(agreeing / (n - 1), evidence))
        return scores

    def _classes(self, answers: Iterable[str]) -> tuple[dict[str, int], dict[str, str]]:
        """Assigns each distinct answer an equivalence class id.

        Returns:
            The class id per answer, and for answers not compared by math-verify why.
        """
        deadline = time.monotonic() + self.budget_s
        parsed: dict[str, ParsedAnswer] = {}
        representatives: list[str] = []
        class_of: dict[str, int] = {}
        text_only: dict[str, str] = {}
        spent = "compared as text: verify budget spent"
        for answer in dict.fromkeys(answers):
            if time.monotonic() > deadline:
                text_only[answer] = spent
                parsed[answer] = ParsedAnswer(answer, (), False)
            else:
                parsed[answer] = parse_answer(answer)
                if not parsed[answer].verifiable:
                    text_only[answer] = "compared as text"
            for class_id, representative in enumerate(representatives):
                if parsed[answer].verifiable and time.monotonic() > deadline:
                    text_only[answer] = spent
                    parsed[answer] = ParsedAnswer(answer, (), False)
                if equivalent(parsed[answer], parsed[representative]):
                    class_of[answer] = class_id
                    break
            else:
                class_of[answer] = len(representatives)
                representatives.append(answer)
        return class_of, text_only
