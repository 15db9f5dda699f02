"""Adaptive group size (``best_of="auto"``): sample in rounds, stop when settled.

The server generates a first round (e.g. 4 candidates), scores the group, and asks
:func:`settle` whether the answer is settled; if not it generates another round and
scores the whole, larger group again, up to a budget. A group is settled when:

* the winner is *verified*: ``code_exec`` gives it the full score when the prompt
  carries tests, or ``json_valid`` when there is a JSON Schema (while such a check
  exists and nobody passes it, sampling goes on);
* or the group *agrees*: on a math task, the most common final answer among the
  candidates that gave one (and were not cut off by the token limit) has at least
  ``min_agreement`` of them (answers equal by math-verify count as one), leads the
  runner-up by at least ``min_margin`` votes, and the winner gives that answer; on
  a JSON task without a schema, the winner's fields agree with at least
  ``min_agreement`` of the JSON answers (``json_agreement``);
* or there is nothing to settle on: no verifiable reward applies and no candidate
  gives a final answer (general chat), so more samples would not be judged better.

A group where every candidate was vetoed is never settled: another round may
produce an answer that passes the gates.

The answers and their classes are the round's group record's (``result.group``, see
``rewards.group``): the classes ``answer_agreement`` and ``efficiency`` read, never
computed again here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rewards.builtin.code_exec import extract_tests, ran_tests
from rewards.builtin.json_valid import schema_for
from rewards.builtin.math_answers import normalize_text
from rewards.group import FactError, GroupRecord
from rewards.scoring import GroupResult
from rewards.types import Candidate, RewardContext


def _verifiable(context: RewardContext) -> dict[str, str]:
    """The rewards whose full score verifies a candidate for this request, and against
    what: ``code_exec`` only when the prompt carries tests (else it checks syntax),
    ``json_valid`` only when there is a schema (else it checks that JSON parses)."""
    checks: dict[str, str] = {}
    tests = context.references.get("tests")
    if tests is None and context.task == "code":
        tests = extract_tests(context.user_text)
    if any(getattr(t, "kind", "") != "setup" for t in tests or ()):
        checks["code_exec"] = "the prompt's tests"
    if schema_for(context) is not None:
        checks["json_valid"] = "the JSON schema"
    return checks


def _json_agreed(result: GroupResult, best: int, policy: AdaptivePolicy) -> Settlement:
    """A JSON answer without a schema is settled when its fields agree with the group."""
    for reward in result.rewards:
        if reward.name == "json_agreement":
            value = reward.scores[best].value
            if value is None:
                return Settlement(False, "no two JSON answers to compare yet")
            summary = f"winner's fields agree with {value:.0%} of the JSON answers"
            if value >= policy.min_agreement:
                return Settlement(True, f"agreed: {summary}")
            return Settlement(False, f"not settled: {summary}")
    return Settlement(True, "nothing to settle on: no schema and no json_agreement reward")


@dataclass(frozen=True)
class AdaptivePolicy:
    """How ``best_of="auto"`` samples.

    Attributes:
        first_round: candidates in the first round.
        round_size: candidates in each later round.
        max_samples: the budget: at most this many candidates in all.
        min_agreement: least share of the answered candidates on the top answer.
        min_margin: least lead, in candidates, of the top answer over the runner-up.
    """

    first_round: int = 4
    round_size: int = 4
    max_samples: int = 16
    min_agreement: float = 0.6
    min_margin: int = 2

    def __post_init__(self) -> None:
        if min(self.first_round, self.round_size, self.max_samples) < 1:
            raise ValueError("round sizes and the budget must be >= 1")
        if not 0 < self.min_agreement <= 1:
            raise ValueError("min_agreement must be in (0, 1]")

    def rounds(self) -> Iterator[int]:
        """The size of each round, until the budget is spent.

        >>> list(AdaptivePolicy(first_round=4, round_size=4, max_samples=10).rounds())
        [4, 4, 2]
        """
        used = 0
        size = self.first_round
        while used < self.max_samples:
            size = min(size, self.max_samples - used)
            yield size
            used += size
            size = self.round_size


@dataclass(frozen=True)
class Settlement:
    """:func:`settle`'s answer: whether to stop, and why (for the trace)."""

    settled: bool
    reason: str


def settle(
    context: RewardContext,
    candidates: Sequence[Candidate],
    result: GroupResult,
    policy: AdaptivePolicy,
) -> Settlement:
    """Whether the scored group's answer is settled (see the module docstring).

    Args:
        context: the request context: final answers count on math tasks only.
        candidates: the whole group so far.
        result: :func:`~rewards.scoring.score_group`'s result for that group.
        policy: the thresholds.
    """
    best = result.best
    if best is None:
        return Settlement(False, "every candidate vetoed")
    checks = _verifiable(context)
    for reward in result.rewards:
        if reward.name in checks:
            value = reward.scores[best].value
            ran = reward.name != "code_exec" or ran_tests(reward.scores[best])  # not "sandbox off"
            if value is not None and value >= 1.0 and ran:
                return Settlement(True, f"winner verified by {reward.name} ({checks[reward.name]})")
    if checks:
        return Settlement(False, f"no candidate verified yet ({', '.join(checks.values())})")
    if context.task == "json":
        return _json_agreed(result, best, policy)
    if context.task != "math":
        return Settlement(True, "nothing to settle on: no verifiable reward, no final answers")
    record = result.group
    if record is None or len(record.candidates) != len(candidates):
        record = GroupRecord(context, candidates, result.vetoed)
    try:
        found = record.fact("answers")
        classes = record.fact("answer_classes")
    except FactError as exc:
        return Settlement(False, f"not settled: {exc}")
    # The kept candidates' voting answers (a cut-off one never votes); equivalent
    # answers ("20", "20.0", "\\frac{40}{2}") are one class, as math-verify decides.
    voters = [i for i, a in enumerate(found) if a.voting and classes.classes[i] is not None]
    if not voters:
        return Settlement(True, "nothing to settle on: no verifiable reward, no final answers")
    counts = classes.votes(voters).most_common(2)
    top, votes = counts[0]
    runner_up = counts[1][1] if len(counts) > 1 else 0
    share = votes / len(voters)
    lead = votes - runner_up
    shown = normalize_text(str(next(found[i].voting for i in voters if classes.classes[i] == top)))
    summary = f"top answer {shown!r}: {votes} of {len(voters)} ({share:.0%}), lead {lead}"
    if share >= policy.min_agreement and lead >= policy.min_margin:
        if best in voters and classes.classes[best] == top:
            return Settlement(True, f"agreed: {summary}")
        return Settlement(False, f"winner does not give the agreed answer; {summary}")
    return Settlement(False, f"not settled: {summary}")
