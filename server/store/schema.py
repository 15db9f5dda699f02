"""The store's tables, as SQLAlchemy 2 declarative models.

One row per request (``traces``), one per candidate of its group (``candidates``) and
one per piece of feedback (``feedback``). The trace itself is kept whole in
``traces.body``, exactly as ``GET /v1/traces/{id}`` returns it (its text already at the
level the request asked for and the operator allows: vetoed text never). Next to it, the
facts later parts read without parsing bodies: per candidate its reward scores,
advantages, gate verdicts and verified outcome (learned reward weights), the selected
index, task, profile and owner (exports and their filters).

The schema is created and changed only by the Alembic migrations in
``server/store/migrations``; a test checks that the migrations build exactly these tables.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "CandidateRow",
    "FeedbackRow",
    "ReliabilityGroupRow",
    "ReliabilityRow",
    "TraceRow",
]

ID_LENGTH = 128


class Base(DeclarativeBase):
    """The store's declarative base (its metadata is what the migrations create)."""

    type_annotation_map = {dict[str, Any]: JSON}


class TraceRow(Base):
    """One request's trace and the facts about it that queries filter on."""

    __tablename__ = "traces"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))
    # When the server stored it (seconds since the epoch, float): retention and order.
    stored_at: Mapped[float] = mapped_column(Float)
    created: Mapped[int] = mapped_column(Integer)
    endpoint: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(256))
    task: Mapped[str] = mapped_column(String(32))
    profile: Mapped[str | None] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(32))
    group_size: Mapped[int] = mapped_column(Integer)
    # The first returned candidate (None: refused, nothing returned).
    selected_index: Mapped[int | None] = mapped_column(Integer)
    # The client's ``reference`` extension (answer, tests, schema): for evaluation and
    # data only; never in ``body``, never shown to the rewards.
    reference: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_traces_owner_stored_at", "owner", "stored_at"),
        Index("ix_traces_stored_at", "stored_at"),
        Index("ix_traces_task", "task"),
    )


class CandidateRow(Base):
    """One candidate of a trace's group: what each reward and gate said of it."""

    __tablename__ = "candidates"

    trace_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("traces.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    # {reward: raw score or None}, {reward: advantage or None}
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    advantages: Mapped[dict[str, Any]] = mapped_column(JSON)
    # {gate: {"passed", "action", "category", "rule"}} (no evidence: that is in the body)
    verdicts: Mapped[dict[str, Any]] = mapped_column(JSON)
    vetoed: Mapped[bool] = mapped_column(Boolean)
    selected: Mapped[bool] = mapped_column(Boolean)
    rank: Mapped[int | None] = mapped_column(Integer)
    combined: Mapped[float | None] = mapped_column(Float)
    # Where a verifier decided: True/False, which one (code_exec, json_valid,
    # reference.answer, reference.json_schema, reference.tests) and why; else None.
    verified: Mapped[bool | None] = mapped_column(Boolean)
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verified_evidence: Mapped[str | None] = mapped_column(String(512))


class FeedbackRow(Base):
    """One judgement of one candidate by the trace's owner (``POST /v1/feedback``).

    ``feedback_id`` is the client's idempotency key (or one the server chose), unique per
    owner. No foreign key to ``traces``: a trace's row is written off the request path and
    may land after its feedback; retention removes a trace's feedback with it.
    """

    __tablename__ = "feedback"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feedback_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    owner: Mapped[str] = mapped_column(String(80))
    trace_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    candidate_index: Mapped[int] = mapped_column(Integer)
    choice_index: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    value_type: Mapped[str] = mapped_column(String(8))  # "boolean" | "number"
    comment: Mapped[str | None] = mapped_column(Text)
    created: Mapped[float] = mapped_column(Float)
    # Whether learning has read this row (server.store.learning): a label whose recount
    # was dropped (a full writer queue, a failed recount) is found by it and counted at
    # the writer's next refresh, so feedback rows, not the queue, are the source of truth.
    counted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        UniqueConstraint("owner", "feedback_id", name="uq_feedback_owner_id"),
        Index("ix_feedback_trace_id", "trace_id"),
        Index("ix_feedback_counted", "counted"),
    )


class ReliabilityRow(Base):
    """How well one reward orders a task's labelled groups, per owner (the trace's key
    hash), over the whole deployment.

    The sum of that owner's labelled groups' contributions (:class:`ReliabilityGroupRow`),
    kept up to date by increments, so that several replicas add to it without losing each
    other's counts. Per owner, because one owner's groups are capped and learning needs
    several owners (:meth:`rewards.Tally.pooled`; migration 0004). Retention removes
    traces, not what was learned from them.
    """

    __tablename__ = "reliability_owners"

    task: Mapped[str] = mapped_column(String(32), primary_key=True)
    reward: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(80), primary_key=True)
    # Group units: separating groups, and the sum of each one's share ordered right.
    right: Mapped[float] = mapped_column(Float)
    groups: Mapped[int] = mapped_column(Integer)
    # Raw (correct, incorrect) pairs: ordered right, separated, tied (shown, not weighed).
    pairs_right: Mapped[int] = mapped_column(Integer)
    pairs: Mapped[int] = mapped_column(Integer)
    ties: Mapped[int] = mapped_column(Integer)
    updated: Mapped[float] = mapped_column(Float)


class ReliabilityGroupRow(Base):
    """What one trace's group added to :class:`ReliabilityRow` (so that a later label on
    it, feedback or a rewrite, replaces its contribution instead of adding twice)."""

    __tablename__ = "reliability_groups"

    trace_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    task: Mapped[str] = mapped_column(String(32))
    # {reward: [right, pairs, ties]}
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
