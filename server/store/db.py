"""The store: an async SQLAlchemy engine on SQLite (default) or PostgreSQL, and its queries.

SQLite (aiosqlite) needs nothing started: a file under the server's data directory. With
``--database-url postgresql+asyncpg://...`` several replicas share one database, and so
each other's traces and feedback. Every query that returns a caller's things is written
here once; owner scoping itself stays :meth:`server.auth.Caller.can_read`'s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from rewards import Tally
from server.store.learning import learn, load_table, uncounted
from server.store.migrate import migrate
from server.store.records import TraceRecord
from server.store.schema import CandidateRow, FeedbackRow, ReliabilityGroupRow, TraceRow

__all__ = ["Store", "default_database_url", "redact_url"]

log = logging.getLogger(__name__)

DATABASE_FILE = "bon-server.db"


def default_database_url(data_dir: Path) -> str:
    """SQLite in ``data_dir`` (the directory is made if missing)."""
    return f"sqlite+aiosqlite:///{data_dir / DATABASE_FILE}"


def redact_url(url: str) -> str:
    """The URL with its password hidden, for logs."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers are not blocked by the writer; a second process can read meanwhile.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Store:
    """Traces and feedback in a database (see :mod:`server.store.schema`)."""

    def __init__(self, url: str, *, connect_timeout_s: float = 5.0) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {}
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            # A lock another process holds is waited for this long, then the write fails.
            kwargs["connect_args"] = {"timeout": connect_timeout_s}
        elif self.dialect == "postgresql":
            kwargs["connect_args"] = {
                "timeout": connect_timeout_s,
                "command_timeout": connect_timeout_s,
            }
            kwargs["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Set once the schema is there (:meth:`start`); before, reads find nothing.
        self.ready = False

    async def start(self) -> None:
        """Create or upgrade the schema (Alembic; serialised across replicas on PostgreSQL)."""
        await migrate(self.engine)
        self.ready = True

    async def close(self, timeout_s: float = 5.0) -> None:
        """Close the pool's connections; bounded, so a stuck driver cannot hang shutdown."""
        closing = asyncio.ensure_future(self.engine.dispose())
        done, _pending = await asyncio.wait({closing}, timeout=timeout_s)
        if not done:
            log.warning("store: the database connections did not close in %g s", timeout_s)
        elif (error := closing.exception()) is not None:
            log.warning("store: closing the database failed: %s: %s", type(error).__name__, error)

    # Traces

    async def save(self, record: TraceRecord) -> None:
        """Store one trace and its candidates (a second save of the same id replaces it)."""
        async with self.sessions.begin() as session:
            await session.execute(delete(CandidateRow).where(CandidateRow.trace_id == record.id))
            await session.execute(delete(TraceRow).where(TraceRow.id == record.id))
            session.add(TraceRow(**record.trace_row()))
            await session.flush()
            session.add_all(CandidateRow(**row) for row in record.candidate_rows())

    async def get(self, trace_id: str) -> dict[str, Any] | None:
        """The trace body, unfiltered (callers check the owner)."""
        async with self.sessions() as session:
            body = await session.scalar(select(TraceRow.body).where(TraceRow.id == trace_id))
        return dict(body) if body is not None else None

    async def recent(self, owner: str | None, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` traces of ``owner`` (None: everyone's), newest first."""
        query = select(TraceRow.body).order_by(TraceRow.stored_at.desc()).limit(limit)
        if owner is not None:
            query = query.where(TraceRow.owner == owner)
        async with self.sessions() as session:
            return [dict(b) for b in (await session.scalars(query)).all()]

    async def candidates(self, trace_id: str) -> Sequence[CandidateRow]:
        async with self.sessions() as session:
            query = (
                select(CandidateRow)
                .where(CandidateRow.trace_id == trace_id)
                .order_by(CandidateRow.index)
            )
            return (await session.scalars(query)).all()

    async def prune(self, *, max_age_s: float | None, max_traces: int | None) -> int:
        """Delete traces (with their candidates and feedback) older than ``max_age_s`` or
        beyond the newest ``max_traces``; returns how many traces went."""
        doomed: set[str] = set()
        async with self.sessions.begin() as session:
            if max_age_s is not None:
                cutoff = time.time() - max_age_s
                old = select(TraceRow.id).where(TraceRow.stored_at < cutoff)
                doomed.update((await session.scalars(old)).all())
            if max_traces is not None:
                extra = select(TraceRow.id).order_by(TraceRow.stored_at.desc()).offset(max_traces)
                doomed.update((await session.scalars(extra)).all())
            ids = sorted(doomed)
            for start in range(0, len(ids), 500):  # bounded IN lists
                chunk = ids[start : start + 500]
                await session.execute(delete(FeedbackRow).where(FeedbackRow.trace_id.in_(chunk)))
                await session.execute(delete(CandidateRow).where(CandidateRow.trace_id.in_(chunk)))
                await session.execute(delete(TraceRow).where(TraceRow.id.in_(chunk)))
                # What their groups taught stays in the totals; only the per-trace
                # bookkeeping goes (no label can come for a trace that is gone).
                await session.execute(
                    delete(ReliabilityGroupRow).where(ReliabilityGroupRow.trace_id.in_(chunk))
                )
        return len(doomed)

    # Learned reward weights (server.store.learning)

    async def learn(self, trace_id: str) -> bool:
        """Recount one trace's labelled group into the reliability totals; True when they
        changed."""
        async with self.sessions.begin() as session:
            return await learn(session, trace_id)

    async def uncounted(self, limit: int) -> list[str]:
        """Traces with label feedback that no recount has read yet (a dropped relabel)."""
        async with self.sessions() as session:
            return await uncounted(session, limit)

    async def reliability(self) -> dict[tuple[str, str], dict[str, Tally]]:
        """Every (task, reward)'s evidence per owner, deployment-wide."""
        async with self.sessions() as session:
            return await load_table(session)

    # Feedback

    async def add_feedback(self, row: dict[str, Any]) -> tuple[FeedbackRow, bool]:
        """Insert one feedback row; returns (the stored row, created). Under an id the owner
        already used, the stored row comes back with ``created`` False (compare bodies)."""
        try:
            async with self.sessions.begin() as session:
                stored = FeedbackRow(**row)
                session.add(stored)
            return stored, True
        except IntegrityError:
            existing = await self.feedback_by_id(row["owner"], row["feedback_id"])
            if existing is None:  # pragma: no cover - a unique violation names a row
                raise
            return existing, False

    async def feedback_by_id(self, owner: str, feedback_id: str) -> FeedbackRow | None:
        async with self.sessions() as session:
            query = select(FeedbackRow).where(
                FeedbackRow.owner == owner, FeedbackRow.feedback_id == feedback_id
            )
            return (await session.scalars(query)).first()

    async def feedback_for(self, trace_id: str) -> Sequence[FeedbackRow]:
        async with self.sessions() as session:
            query = (
                select(FeedbackRow)
                .where(FeedbackRow.trace_id == trace_id)
                .order_by(FeedbackRow.created, FeedbackRow.pk)
            )
            return (await session.scalars(query)).all()
