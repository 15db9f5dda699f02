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

A candidate a gate vetoed neither votes nor counts in the denominator: the group's
facts are its kept candidates' (the group record's ``answer_classes``).

The answers, their classes and the steps are the group record's facts
(``rewards.group``), shared with ``efficiency``, the refinement and auto's stopping
rule: one notion of "the same answer". Equivalence runs in a math-verify worker
process with its timeouts on (see ``rewards.mathverify_pool``); when that is not
possible the evidence says how the answers were compared instead.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rewards.builtin.math_answers import truncated
from rewards.builtin.math_reasoning import ReasoningReport
from rewards.builtin.math_steps import StepReport
from rewards.group import GroupRecord
from rewards.types import Candidate, RewardContext, Score

_SHOWN_CHARS = 40
TRUNCATED_FACTOR = 0.5


class AnswerAgreement:
    """Scores each candidate by its answer cluster's quality-weighted vote share.

    Args:
        budget_s: seconds of math-verify work per group before comparing the
            remaining answers as text (when it builds its own group record; the
            server's record has its own budget).
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
    reads: ClassVar[tuple[str, ...]] = ("answers", "answer_classes", "steps", "reasoning")

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
            **kwargs: ``group`` (the round's record) and ``vetoed`` (used when it
                builds its own record); the rest is ignored, for forward compatibility.
        """
        n = len(completions)
        if n < 2:
            return [Score(None, "single candidate: nothing to agree with")] * n
        record = GroupRecord.of(
            completions,
            context,
            candidates,
            kwargs.get("group"),
            kwargs.get("vetoed"),
            verify_budget_s=self.budget_s,
        )
        answers = record.fact("answers")
        result = record.fact("answer_classes")
        steps = record.fact("steps") if self.weighted else None
        reasoning = (
            record.fact("reasoning") if self.weighted and self.steps == "reasoning" else None
        )
        cut = [truncated(c.finish_reason) for c in record.candidates]
        weights: list[float] = []
        parts: list[str] = []
        for i in range(n):
            if record.vetoed[i]:
                weight, why = 0.0, "0 (vetoed: does not vote)"
            elif cut[i]:
                weight, why = 0.0, "0 (truncated: does not vote)"
            else:
                weight, why = self._weight(
                    steps[i] if steps else None, reasoning[i] if reasoning else None
                )
            weights.append(weight)
            parts.append(why)
        cluster_of = {i: c for i, c in enumerate(result.classes) if c is not None}
        # A truncated candidate forms and joins no cluster; a vetoed one has no class.
        voters = [i for i in cluster_of if answers[i].voting is not None]
        total = sum(weights)
        raw = result.votes(voters)
        mass: dict[int, float] = {}
        for i in voters:
            mass[cluster_of[i]] = mass.get(cluster_of[i], 0.0) + weights[i]
        quiet = result.where == "worker" or result.where.startswith("text (one distinct")
        how = "" if quiet else f"; compared: {result.where}"
        if result.timeouts:
            how += f"; {result.timeouts} math-verify call(s) timed out"

        scores: list[Score] = []
        for i in range(n):
            answer = answers[i].answer
            if record.vetoed[i]:
                scores.append(Score(None, "vetoed: not compared"))
                continue
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
            note = f" ({result.notes[i]})" if i in result.notes else ""
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

    def _weight(
        self, report: StepReport | None, checked: ReasoningReport | None
    ) -> tuple[float, str]:
        """A complete candidate's vote weight and its parts, for the evidence."""
        if not self.weighted or report is None:
            return 1.0, "1 (unweighted)"
        if checked is not None and checked.steps:  # no step: as no claim, below
            weight = ((checked.held + 1) / (checked.total + 2)) ** self.steps_power
            return weight, f"{weight:.2f} (steps {checked.held}/{checked.total})"
        weight = ((report.held + 1) / (len(report.claims) + 2)) ** self.steps_power
        return weight, f"{weight:.2f} (steps {report.held}/{len(report.claims)})"
