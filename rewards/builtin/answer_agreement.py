"""``answer_agreement``: self-consistency of the final answer, weighted by quality.

Plain majority voting trusts every candidate alike. Here each candidate votes
for its answer's *cluster* (the class of equivalent final answers, by text and
math-verify) with a weight from its own quality:

    w_i = steps_i

* ``steps_i = ((held + 1) / (claims + 2)) ** 2``: the share of its arithmetic
  claims that hold (see ``math_steps``), smoothed (Laplace) so that no claims
  gives 0.5 before squaring; squared so that checked steps count: no claims
  0.25, one true claim 0.44, one false claim 0.11, five true claims 0.73
  (``steps_power``; ``bench/math_agreement.py`` compares the choices).

A candidate cut off by the token limit (``finish_reason: length``) never votes:
it forms no cluster and adds nothing to one (``math_answers.voting_answer``).
Its last number is where it stopped, not an answer ("... left: 1 + 7" is not
7). If it *stated* an answer before the cut (``\\boxed{}``, an answer phrase:
``math_answers.find_answer``), it scores :data:`TRUNCATED_FACTOR` times the share
of the complete candidates' cluster it matches, so it ranks below a complete
candidate with the same answer; without one it scores 0.

A ``<think>`` left open has no final answer (``math_answers.final_segment``), so
such a candidate does not vote. Whether the answer was marked ("the answer
is") is not weighted: SmolLM2 marks its wrong answers as readily, and weighting
it lowered the benchmark's accuracy.

The score is the cluster's weighted vote share, ``sum of w_j in i's cluster /
sum of w_j over the group`` (candidates without a final answer count in the
denominator: they vote for no answer). With equal weights it is the plain
majority share ``count / n``. The evidence shows the answer, the cluster's raw
count, its weighted share and the candidate's own weight with its parts.

Equivalence runs in a math-verify worker process with its timeouts on (see
``rewards.mathverify_pool``); when that is not possible the evidence says how
the answers were compared instead.
"""

from __future__ import annotations

from typing import Any

from rewards.builtin.math_answers import extract_answer, truncated, voting_answer
from rewards.builtin.math_reasoning import check_reasoning, question_of
from rewards.builtin.math_steps import check_steps
from rewards.mathverify_pool import classify_answers
from rewards.types import Candidate, RewardContext, Score

_SHOWN_CHARS = 40
TRUNCATED_FACTOR = 0.5


class AnswerAgreement:
    """Scores each candidate by its answer cluster's quality-weighted vote share.

    Args:
        budget_s: seconds of math-verify work per group before comparing the
            remaining answers as text.
        weighted: False gives every vote weight 1 (plain majority share).
        steps_power: the exponent on the smoothed share of true claims.
        steps: ``arithmetic`` (the share of ``math_steps``' claims that hold) or
            ``reasoning`` (the share of ``math_reasoning``'s steps that hold: true, with
            the question's numbers and operation, ending at the stated answer).

    Example:
        >>> reward = AnswerAgreement()
        >>> ctx = RewardContext(prompt="What is 6 * 7?", task="math")
        >>> texts = ["6 * 7 = 42, so \\\\boxed{42}", "It is 42.0", "6 * 7 = 41, so 41"]
        >>> [round(s.value, 2) for s in reward(completions=texts, context=ctx, candidates=[])]
        [0.86, 0.86, 0.14]
    """

    name = "answer_agreement"

    def __init__(
        self,
        budget_s: float = 3.0,
        weighted: bool = True,
        steps_power: float = 2.0,
        steps: str = "reasoning",
    ) -> None:
        if budget_s < 0 or steps_power < 0:
            raise ValueError(f"budget_s and steps_power must be >= 0: {budget_s}, {steps_power}")
        self.budget_s = budget_s
        self.weighted = weighted
        self.steps_power = steps_power
        if steps not in ("arithmetic", "reasoning"):
            raise ValueError(f"steps must be 'arithmetic' or 'reasoning': {steps!r}")
        self.steps = steps

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
            candidates: the candidates, for their finish reasons; may be empty.
            **kwargs: ignored, for forward compatibility.
        """
        n = len(completions)
        if n < 2:
            return [Score(None, "single candidate: nothing to agree with")] * n
        reasons = [c.finish_reason for c in candidates] if len(candidates) == n else [None] * n
        cut = [truncated(r) for r in reasons]
        found = [extract_answer(text, r) for text, r in zip(completions, reasons, strict=True)]
        weights: list[float] = []
        parts: list[str] = []
        answers: dict[int, str] = {}
        for i, (text, answer) in enumerate(zip(completions, found, strict=True)):
            weight, why = (
                (0.0, "0 (truncated: does not vote)") if cut[i] else self._weight(text, context)
            )
            weights.append(weight)
            parts.append(why)
            if answer is not None:
                answers[i] = answer
        voters = {i for i in answers if voting_answer(completions[i], reasons[i]) is not None}

        answered = list(answers)
        result = classify_answers(list(answers.values()), self.budget_s)
        cluster_of = dict(zip(answered, result.classes, strict=True))
        note_of = {answered[pos]: note for pos, note in result.notes.items()}
        total = sum(weights)
        raw: dict[int, int] = {}
        mass: dict[int, float] = {}
        for i, cluster in cluster_of.items():
            if i in voters:  # a truncated candidate forms and joins no cluster
                raw[cluster] = raw.get(cluster, 0) + 1
                mass[cluster] = mass.get(cluster, 0.0) + weights[i]
        quiet = result.where == "worker" or result.where.startswith("text (one distinct")
        how = "" if quiet else f"; compared: {result.where}"
        if result.timeouts:
            how += f"; {result.timeouts} math-verify call(s) timed out"

        scores: list[Score] = []
        for i in range(n):
            answer = found[i]
            if answer is None:
                why = "truncated before stating an answer" if cut[i] else "no final answer"
                scores.append(Score(0.0, f"{why}; weight {parts[i]}"))
                continue
            cluster = cluster_of[i]
            share = mass.get(cluster, 0.0) / total if total > 0 else 0.0
            if cut[i]:
                share *= TRUNCATED_FACTOR
            shown = answer
            shown = shown if len(shown) <= _SHOWN_CHARS else shown[:_SHOWN_CHARS] + "..."
            note = f" ({note_of[i]})" if i in note_of else ""
            evidence = (
                f"answer {shown}{note}: cluster {raw.get(cluster, 0)}/{n} candidates, "
                f"weighted share {share:.2f}; own weight {parts[i]}{how}"
            )
            if cut[i]:
                evidence = (
                    f"truncated, stated answer {shown}{note}: matches a cluster of "
                    f"{raw.get(cluster, 0)} complete candidate(s); scored {TRUNCATED_FACTOR:g}"
                    f" x its share = {share:.2f}; does not vote{how}"
                )
            scores.append(Score(share, evidence))
        return scores

    def _weight(self, text: str, context: RewardContext) -> tuple[float, str]:
        """A complete candidate's vote weight and its parts, for the evidence."""
        if not self.weighted:
            return 1.0, "1 (unweighted)"
        if self.steps == "reasoning":
            checked = check_reasoning(question_of(context), text)
            if checked is not None and checked.steps:  # no step: as no claim, below
                weight = ((checked.held + 1) / (checked.total + 2)) ** self.steps_power
                return weight, f"{weight:.2f} (steps {checked.held}/{checked.total})"
        report = check_steps(text)
        weight = ((report.held + 1) / (len(report.claims) + 2)) ** self.steps_power
        return weight, f"{weight:.2f} (steps {report.held}/{len(report.claims)})"
