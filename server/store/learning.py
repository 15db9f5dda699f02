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
difference from what that group added before (``reliability_groups``) to its owner's
totals (``reliability_owners``: one unit per group, see :mod:`rewards.reliability`) by
increments, so that replicas writing at once on one
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
    row = (
        await session.execute(select(TraceRow.task, TraceRow.owner).where(TraceRow.id == trace_id))
    ).first()
    if row is None:  # not written yet (its write will count it) or pruned
        return False
    task, owner = row
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
    # What this group adds, as the difference from what it added before: one unit per
    # reward that separated a pair (rewards.Tally.plus), under the trace's owner.
    deltas: dict[tuple[str, str], Tally] = {}
    for reward, (right, pairs, ties) in (previous.counts or {}).items():
        deltas[(previous.task, reward)] = _minus(Tally().plus(PairCount(right, pairs, ties)))
    for reward, count in new.items():
        old = deltas.get((task, reward), Tally())
        deltas[(task, reward)] = _sum(old, Tally().plus(count))
    changed = False
    now = time.time()
    table = ReliabilityRow.__table__
    for (row_task, reward), d in sorted(deltas.items()):
        if _sum(d, Tally()) == Tally():  # this group's share is unchanged
            continue
        changed = True
        values = {
            "right": d.right,
            "groups": round(d.groups),
            "pairs_right": d.pairs_right,
            "pairs": d.pairs,
            "ties": d.ties,
        }
        await session.execute(
            insert(ReliabilityRow)
            .values(task=row_task, reward=reward, owner=owner, updated=now, **values)
            .on_conflict_do_update(
                index_elements=["task", "reward", "owner"],
                set_={**{k: table.c[k] + v for k, v in values.items()}, "updated": now},
            )
        )
    previous.task = task
    previous.counts = {r: [c.right, c.pairs, c.ties] for r, c in new.items()}
    return changed


def _minus(t: Tally) -> Tally:
    return Tally(-t.right, -t.groups, -t.pairs_right, -t.pairs, -t.ties)


def _sum(a: Tally, b: Tally) -> Tally:
    return Tally(
        a.right + b.right,
        a.groups + b.groups,
        a.pairs_right + b.pairs_right,
        a.pairs + b.pairs,
        a.ties + b.ties,
    )


async def load_table(session: AsyncSession) -> dict[tuple[str, str], dict[str, Tally]]:
    """Every (task, reward)'s tallies, per owner (pooled by the caller, who knows the cap
    and the operators: :meth:`rewards.Tally.pooled`)."""
    rows = (await session.scalars(select(ReliabilityRow))).all()
    out: dict[tuple[str, str], dict[str, Tally]] = {}
    for r in rows:
        out.setdefault((r.task, r.reward), {})[r.owner] = Tally(
            r.right, float(r.groups), r.pairs_right, r.pairs, r.ties, 1 if r.groups > 0 else 0
        )
    return out


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
