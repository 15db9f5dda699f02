"""What the store learns from labelled groups: each (task, reward)'s pair counts.

A group is labelled where its candidates' outcomes are known: a verifier or the
request's ``reference`` decided (``candidates.verified``, written with the trace), or the
trace's owner said so with feedback. Feedback counts when its ``name`` is ``correct``
and its value a boolean, or the number 1 (correct) or 0 (incorrect); other names
(``thumbs``, a score) and other numbers are kept but teach nothing: they say how much
someone liked an answer, not whether it was right. The newest such feedback on a
candidate overrides its verified outcome (the owner saw what the verifier could not).
Vetoed candidates are never counted (selection never returns them).

:func:`learn` recounts one trace's group (:func:`rewards.group_pairs`) and adds the
difference from what that group added before (``reliability_groups``) to the totals
(``reward_reliability``) by increments, so that replicas writing at once on one
PostgreSQL never overwrite each other's counts, and a trace labelled twice (its write,
then feedback) counts once, with its newest labels.

A recount marks the feedback rows it read ``counted``; :func:`uncounted` finds the
traces whose ``correct`` feedback is not yet counted (its recount was dropped with a
full writer queue, failed, or came before the trace's row was written), so the writer
recounts them at its next refresh: the feedback rows, not the queue, are the record.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from rewards import LabelledCandidate, PairCount, Tally, group_pairs
from server.store.schema import (
    CandidateRow,
    FeedbackRow,
    ReliabilityGroupRow,
    ReliabilityRow,
    TraceRow,
)

__all__ = ["LABEL_NAME", "feedback_label", "labelled", "learn", "load_table", "uncounted"]

LABEL_NAME = "correct"
"""The feedback name that labels a candidate correct or incorrect."""

# Verifier rewards whose verdict can be a candidate's verified outcome: they are not
# graded on groups they decided themselves.
_VERIFIER_REWARDS = frozenset({"code_exec", "json_valid"})


def feedback_label(name: str, value: float, value_type: str) -> bool | None:
    """Whether a piece of feedback labels its candidate correct (True), incorrect (False),
    or neither (None): see the module docstring."""
    if name != LABEL_NAME:
        return None
    if value_type == "boolean":
        return bool(value)
    if value in (0.0, 1.0):
        return value == 1.0
    return None


def labelled(
    candidates: Sequence[CandidateRow], feedback: Sequence[FeedbackRow]
) -> list[LabelledCandidate]:
    """The group's labelled, non-vetoed candidates (feedback oldest first: newest wins)."""
    labels: dict[int, tuple[bool, str | None]] = {
        c.index: (c.verified, c.verified_by) for c in candidates if c.verified is not None
    }
    for fb in feedback:
        label = feedback_label(fb.name, fb.value, fb.value_type)
        if label is not None:
            labels[fb.candidate_index] = (label, None)
    out = []
    for c in candidates:
        if c.vetoed or c.index not in labels:
            continue
        correct, by = labels[c.index]
        grader = by if by in _VERIFIER_REWARDS else None
        out.append(LabelledCandidate(dict(c.scores), correct, grader))
    return out


def _insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, for its ON CONFLICT (both SQLite and PostgreSQL have one)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def learn(session: AsyncSession, trace_id: str) -> bool:
    """Recount one trace's group and apply the difference (inside the caller's
    transaction); True when the totals changed."""
    task = await session.scalar(select(TraceRow.task).where(TraceRow.id == trace_id))
    if task is None:  # not written yet (its write will count it) or pruned
        return False
    insert = _insert(session)
    # The group's contribution row, made if missing, then locked (PostgreSQL: FOR UPDATE;
    # SQLite: the insert took the database's write lock): one recount at a time per trace.
    await session.execute(
        insert(ReliabilityGroupRow)
        .values(trace_id=trace_id, task=task, counts={})
        .on_conflict_do_nothing(index_elements=["trace_id"])
    )
    previous = await session.scalar(
        select(ReliabilityGroupRow)
        .where(ReliabilityGroupRow.trace_id == trace_id)
        .with_for_update()
    )
    assert previous is not None  # made just above
    candidates = (
        await session.scalars(
            select(CandidateRow)
            .where(CandidateRow.trace_id == trace_id)
            .order_by(CandidateRow.index)
        )
    ).all()
    feedback = (
        await session.scalars(
            select(FeedbackRow)
            .where(FeedbackRow.trace_id == trace_id)
            .order_by(FeedbackRow.created, FeedbackRow.pk)
        )
    ).all()
    if feedback:  # these are counted now (rows stored meanwhile stay uncounted: found later)
        await session.execute(
            update(FeedbackRow)
            .where(FeedbackRow.pk.in_([fb.pk for fb in feedback]))
            .values(counted=True)
        )
    new = group_pairs(labelled(candidates, feedback))
    deltas: dict[tuple[str, str], tuple[PairCount, int]] = {}
    for reward, (right, pairs, ties) in (previous.counts or {}).items():
        deltas[(previous.task, reward)] = (PairCount() - PairCount(right, pairs, ties), -1)
    for reward, count in new.items():
        old, groups = deltas.get((task, reward), (PairCount(), 0))
        deltas[(task, reward)] = (old + count, groups + 1)
    changed = False
    now = time.time()
    table = ReliabilityRow.__table__
    for (row_task, reward), (d, groups) in sorted(deltas.items()):
        if d == PairCount() and groups == 0:
            continue
        changed = True
        await session.execute(
            insert(ReliabilityRow)
            .values(
                task=row_task,
                reward=reward,
                pairs_right=d.right,
                pairs=d.pairs,
                ties=d.ties,
                groups=groups,
                updated=now,
            )
            .on_conflict_do_update(
                index_elements=["task", "reward"],
                set_={
                    "pairs_right": table.c.pairs_right + d.right,
                    "pairs": table.c.pairs + d.pairs,
                    "ties": table.c.ties + d.ties,
                    "groups": table.c.groups + groups,
                    "updated": now,
                },
            )
        )
    previous.task = task
    previous.counts = {r: [c.right, c.pairs, c.ties] for r, c in new.items()}
    return changed


async def load_table(session: AsyncSession) -> dict[tuple[str, str], Tally]:
    """Every (task, reward)'s totals."""
    rows = (await session.scalars(select(ReliabilityRow))).all()
    return {(r.task, r.reward): Tally(r.pairs_right, r.pairs, r.ties, r.groups) for r in rows}


async def uncounted(session: AsyncSession, limit: int) -> list[str]:
    """Up to ``limit`` traces with ``correct`` feedback no recount has read yet, among
    those whose trace row is written (the others wait for it)."""
    query = (
        select(FeedbackRow.trace_id)
        .where(FeedbackRow.counted.is_(False), FeedbackRow.name == LABEL_NAME)
        .where(FeedbackRow.trace_id.in_(select(TraceRow.id)))
        .distinct()
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
