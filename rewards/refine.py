"""Refinement: the automatic selection adjusted after seeing the candidates.

:func:`refine_selection` runs between generation and scoring: a reasoning model's
``<think>`` output weighs ``format`` up; a math group that disagrees on the final
answer gets a second look (``math_steps`` up, ``judge`` when configured). A client's
or a profile's set is never changed.

The second look reads the group record's answer classes (``rewards.group``): the
same notion of "the same answer" the rewards and auto's stopping rule use, computed
once a round. ``rewards.scoring.score_group(refine=True)`` refines after the gates,
on the round's record, so the counts are the kept candidates' only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from rewards.group import FactError, GroupRecord
from rewards.selection import RewardChoice, Selection
from rewards.types import Candidate, RewardContext


def refiner(
    optional: Iterable[str] = (), then: Callable[[Selection], Selection] | None = None
) -> Callable[[Selection, GroupRecord], Selection]:
    """:func:`refine_selection` bound to its options, for ``score_group(refine=...)``.

    Args:
        optional: the optional rewards the second look may add (``judge``).
        then: applied to the refined selection (the server's learned weights), so the
            weights scored are the weights the trace shows.
    """
    enabled = tuple(optional)

    def refine(selection: Selection, record: GroupRecord) -> Selection:
        refined = refine_selection(
            selection, record.context, record.candidates, optional=enabled, group=record
        )
        return then(refined) if then is not None else refined

    return refine


def refine_reads(selection: Selection, context: RewardContext, n: int) -> tuple[str, ...]:
    """The group record's facts :func:`refine_selection` reads for this group."""
    if selection.source == "automatic" and context.task == "math" and n > 1:
        return ("answers", "answer_classes")
    return ()


def _second_look_weight(selection: Selection, name: str) -> float | None:
    for choice in selection.rewards:
        if choice.name == name:
            return choice.weight
    return None


def refine_selection(
    selection: Selection,
    context: RewardContext,
    candidates: Sequence[Candidate],
    *,
    optional: Iterable[str] = (),
    group: GroupRecord | None = None,
) -> Selection:
    """Adjusts an automatic selection after seeing the candidates.

    ``group`` is the round's record (its answer classes are read); without one a
    record of ``candidates`` is built here.

    Only the context selector's sets change; a client's or a profile's set is kept as
    it is. Each change is recorded in ``decisions`` and in the reward's reason:

    * a reasoning model's ``<think>`` output (in a kept candidate: one a gate vetoed
      does not count): ``format`` checks the reasoning is closed and the answer outside
      it (added, or its weight raised to 0.5);
    * intermediate goals: when a math group disagrees on the final answer (the most
      common answer has under half of the answered candidates), the step checker's
      weight is raised for a second look, and the judge is added when configured.

    >>> from rewards.selection import select_rewards
    >>> from rewards.types import Candidate, RewardContext
    >>> ctx = RewardContext(prompt="What is 6 * 7?", task="math")
    >>> sel = select_rewards(ctx, task_evidence=[])
    >>> texts = ["6 * 7 = 42", "6 * 7 = 36", "6 * 7 = 48", "It is 41"]
    >>> refined = refine_selection(sel, ctx, [Candidate(i, t) for i, t in enumerate(texts)])
    >>> refined.decisions[0].startswith("second look")
    True
    """
    if selection.source != "automatic" or not candidates:
        return selection
    rewards = list(selection.rewards)
    decisions = list(selection.decisions)
    enabled = set(optional)

    def put(name: str, weight: float, reason: str) -> None:
        for i, choice in enumerate(rewards):
            if choice.name == name:
                if choice.weight >= weight:
                    return
                rewards[i] = RewardChoice(
                    name, weight, f"{choice.reason}; {reason}", "after_generation"
                )
                return
        rewards.append(RewardChoice(name, weight, reason, "after_generation"))

    # The kept candidates only: this decision is shown whatever the gates said, and a
    # vetoed candidate must not change the kept ones' weights.
    kept = (
        [candidates[i] for i in group.kept]
        if group is not None and len(group.vetoed) == len(candidates)
        else list(candidates)
    )
    thinking = sum(1 for c in kept if "<think>" in c.text)
    if thinking:
        why = f"{thinking} of {len(kept)} candidates reason in <think>"
        put("format", 0.5, f"{why}: reasoning must be closed, the answer outside it")
        decisions.append(f"format weighted 0.5: {why}")

    if context.task == "math" and len(candidates) > 1:
        record = group if group is not None else GroupRecord(context, candidates)
        # Answers of finished (kept) candidates; equivalent ones ("20", "20.0") are one.
        try:
            answers = record.fact("answers")
            classes = record.fact("answer_classes")
        except FactError as exc:  # out of time, say: no second look, and the trace says why
            decisions.append(f"no second look: {exc}")
            answers, classes = (), None
        voters = [
            i
            for i, a in enumerate(answers)
            if a.voting and classes is not None and classes.classes[i] is not None
        ]
        if classes is not None and voters:
            count = classes.votes(voters).most_common(1)[0][1]
            if count * 2 < len(voters):
                # Counts only, never the answer: decisions are shown whatever the gates
                # said, and the most common answer may be a vetoed one (a card number).
                why = (
                    f"group disagrees on the final answer (the most common has {count} of"
                    f" {len(voters)} answered)"
                )
                before = _second_look_weight(selection, "math_steps") or 0.0
                put("math_steps", max(1.0, before), f"second look: {why}")
                if "judge" in enabled:
                    put("judge", 0.5, f"second look: {why}")
                decisions.append(
                    f"second look: {why}; math_steps {before:g} -> {max(1.0, before):g}"
                    + ("; judge added" if "judge" in enabled else "")
                )
    if rewards == selection.rewards and decisions == list(selection.decisions):
        return selection
    return replace(selection, rewards=rewards, decisions=decisions)
