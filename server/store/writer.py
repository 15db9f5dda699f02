"""The store's writes, off the request path: a bounded queue and one writer task.

A completion hands its trace to :meth:`StoreWriter.submit`, which never waits: it puts
the trace on a bounded queue, or, when the queue is full (a slow or stalled database),
drops it. The writer task builds each record (verification may run math-verify: in a
thread) and saves it under a time limit. A write that fails or runs out of time is
dropped too. Every drop is logged and counted (``bon_store_dropped_writes_total`` by
reason); a completion never fails or slows because of the store.

Retention runs in the same task: at start and then at most every ``prune_every_s``.

So does learning (:mod:`server.store.learning`): after a trace with a verified outcome
is written, and when feedback labels one of its candidates (:meth:`StoreWriter.relabel`),
its group is recounted into the reward reliability totals, in a transaction of its own
(a learning failure never costs the trace). A trace with no verified outcome costs no
learning query: it has nothing to teach until feedback labels it. The totals are
handed to ``on_reliability`` (the server's in-memory snapshot, which works out the
weights: in a thread, off the loop) at start, at least every ``reliability_refresh_s``
(so a replica sees what the others learned within that time), and after a change once
the queue is empty: under a sustained load, at most once per ``reliability_refresh_s``,
not once per write.

A relabel that finds the queue full is dropped (counted, logged), but not lost: its
feedback rows stay uncounted in the database, and every refresh recounts up to
:data:`SWEEP_LIMIT` such traces (and so does the start, after a restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rewards import Candidate, CodeExec, Tally
from server.store.db import Store
from server.store.records import build_record

__all__ = ["DropReason", "PendingTrace", "Relabel", "Retention", "StoreWriter"]

log = logging.getLogger(__name__)

DropReason = str  # "queue_full" | "error" | "timeout" | "shutdown"
DROP_REASONS = ("queue_full", "error", "timeout", "shutdown")


@dataclass(frozen=True)
class PendingTrace:
    """A trace waiting to be written, with what its record is built from."""

    trace: dict[str, Any]
    candidates: tuple[Candidate, ...]
    reference: dict[str, Any] | None
    stored_at: float


@dataclass(frozen=True)
class Relabel:
    """Feedback labelled a candidate of this trace: recount its group."""

    trace_id: str


@dataclass(frozen=True)
class Retention:
    """How long traces are kept: by age and by count (None: no limit of that kind)."""

    max_age_s: float | None = None
    max_traces: int | None = None
    prune_every_s: float = 60.0

    @property
    def active(self) -> bool:
        return self.max_age_s is not None or self.max_traces is not None


SWEEP_LIMIT = 200
"""Traces with uncounted label feedback recounted per refresh (bounds a refresh's work)."""

_STOP_TRIES = 10
_STOP_WAIT_S = 0.5


def _id_of(item: PendingTrace | Relabel) -> Any:
    return f"{item.trace_id} (relabel)" if isinstance(item, Relabel) else item.trace.get("id")


class StoreWriter:
    """Writes traces to a :class:`Store` from a bounded queue (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        *,
        queue_size: int,
        write_timeout_s: float,
        retention: Retention | None = None,
        code_exec: CodeExec | None = None,
        on_write: Callable[[], None] = lambda: None,
        on_drop: Callable[[DropReason], None] = lambda reason: None,
        on_reliability: Callable[[dict[tuple[str, str], dict[str, Tally]]], None] | None = None,
        reliability_refresh_s: float = 30.0,
    ) -> None:
        self.store = store
        self.write_timeout_s = write_timeout_s
        self.retention = retention or Retention()
        self.code_exec = code_exec  # runs a reference's tests (None: they decide nothing)
        self._on_write = on_write
        self._on_drop = on_drop
        self._queue_size = queue_size
        self._on_reliability = on_reliability
        self.reliability_refresh_s = reliability_refresh_s
        self._last_reliability = 0.0
        self._stale = False  # the totals changed since the snapshot was last handed on
        self._queue: asyncio.Queue[PendingTrace | Relabel] = asyncio.Queue(maxsize=queue_size)
        self._task: asyncio.Task[None] | None = None
        self._last_prune = 0.0
        self._ready = asyncio.Event()

    def depth(self) -> int:
        """Traces waiting to be written."""
        return self._queue.qsize()

    def submit(self, pending: PendingTrace) -> None:
        """Queue a trace for writing; never blocks (a full queue drops it, counted)."""
        try:
            self._queue.put_nowait(pending)
        except asyncio.QueueFull:
            self._drop("queue_full", pending.trace.get("id"))

    def relabel(self, trace_id: str) -> None:
        """Queue a recount of a trace's group (feedback labelled it); never blocks: with a
        full queue it is dropped, counted, and the labels count at the next refresh (the
        feedback rows are stored uncounted: see the module docstring)."""
        try:
            self._queue.put_nowait(Relabel(trace_id))
        except asyncio.QueueFull:
            self._drop("queue_full", f"{trace_id} (relabel; counted at the next refresh)")

    def _drop(self, reason: DropReason, trace_id: Any, error: BaseException | None = None) -> None:
        self._on_drop(reason)
        detail = f": {type(error).__name__}: {error}" if error is not None else ""
        log.warning("store: trace %s not written (%s)%s", trace_id, reason, detail)

    async def start(self, wait_s: float = 10.0) -> None:
        """Start the writer task; wait up to ``wait_s`` for the schema, so that a server
        on a reachable database serves its old traces from its first request (an
        unreachable one is retried in the background while the server serves)."""
        self._ready = asyncio.Event()
        # An asyncio queue belongs to the loop it first waited in: an app started again
        # (another loop, as tests and some ASGI hosts do) gets a fresh one. Nothing is
        # queued between a stop (which empties it) and the next start.
        if self._queue.empty():
            self._queue = asyncio.Queue(maxsize=self._queue_size)
        self._task = asyncio.create_task(self._run(), name="bon-store-writer")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=wait_s)

    async def stop(self, drain_s: float = 5.0) -> None:
        """Write what is queued for up to ``drain_s``, then drop the rest (counted)."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), timeout=drain_s)
        task, self._task = self._task, None
        # A cancellation delivered while the task is inside the database driver can be
        # swallowed there (seen with SQLAlchemy + aiosqlite during the start-up prune): the
        # task then goes on to wait on the queue for ever, and so would a plain
        # ``await task``. Cancel again until it ends; give up (and say so) after a bound.
        for _ in range(_STOP_TRIES):
            task.cancel()
            done, _pending = await asyncio.wait({task}, timeout=_STOP_WAIT_S)
            if done:
                if not task.cancelled() and (error := task.exception()) is not None:
                    log.warning("store: the writer had failed: %s: %s", type(error).__name__, error)
                break
        else:
            log.warning("store: the writer did not stop; abandoned")
        while not self._queue.empty():
            self._drop("shutdown", _id_of(self._queue.get_nowait()))

    async def _migrate(self) -> None:
        """Create or upgrade the schema, retrying while the database is unreachable (the
        server serves meanwhile; traces queue up to the bound, then are dropped)."""
        delay = 0.5
        while True:
            try:
                await self.store.start()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("store: cannot open the database: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    async def _run(self) -> None:
        await self._migrate()
        await self._sweep()
        await self._refresh_reliability()
        self._ready.set()
        await self._prune()
        while True:
            wait_s = self._last_reliability + self.reliability_refresh_s - time.monotonic()
            try:
                pending = await asyncio.wait_for(self._queue.get(), timeout=max(wait_s, 0.01))
            except TimeoutError:  # idle: look at what other replicas learned
                await self._sweep()
                await self._refresh_reliability()
                continue
            try:
                if isinstance(pending, Relabel):
                    await self._learn(pending.trace_id)
                else:
                    await self._write(pending)
            finally:
                self._queue.task_done()
            if time.monotonic() - self._last_reliability >= self.reliability_refresh_s:
                await self._sweep()
                await self._refresh_reliability()
            elif self._stale and self._queue.empty():
                await self._refresh_reliability()
            if time.monotonic() - self._last_prune >= self.retention.prune_every_s:
                await self._prune()

    async def _learn(self, trace_id: str) -> None:
        """Recount a trace's group; on a change, hand the new totals on now if nothing is
        waiting (else once the queue is empty, or at the next refresh)."""
        if self._on_reliability is None:
            return
        try:
            changed = await self.store.learn(trace_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the trace is stored; its labels stay uncounted: swept
            log.warning("store: learning from %s failed: %s: %s", trace_id, type(exc).__name__, exc)
            return
        if changed:
            self._stale = True
            if self._queue.empty():
                await self._refresh_reliability()

    async def _sweep(self) -> None:
        """Recount the traces whose label feedback no recount has read (a dropped
        relabel, a failed recount, feedback stored before its trace): bounded."""
        if self._on_reliability is None:
            return
        try:
            trace_ids = await self.store.uncounted(SWEEP_LIMIT)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # found at a later refresh
            log.warning("store: uncounted labels not read: %s: %s", type(exc).__name__, exc)
            return
        for trace_id in trace_ids:
            try:
                self._stale |= await self.store.learn(trace_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "store: learning from %s failed: %s: %s", trace_id, type(exc).__name__, exc
                )

    async def _refresh_reliability(self) -> None:
        self._last_reliability = time.monotonic()
        if self._on_reliability is None:
            return
        try:
            table = await self.store.reliability()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the snapshot in memory stays as it was
            log.warning("store: reliability not read: %s: %s", type(exc).__name__, exc)
            return
        self._stale = False
        # The snapshot works out each learned reward's Beta quantile (mpmath: up to tens of
        # ms each): in a thread, so that requests on the loop never wait for it.
        await asyncio.to_thread(self._on_reliability, table)

    async def _write(self, pending: PendingTrace) -> None:
        trace_id = pending.trace.get("id")
        try:
            record = await asyncio.to_thread(
                build_record,
                pending.trace,
                candidates=list(pending.candidates),
                reference=pending.reference,
                stored_at=pending.stored_at,
                code_exec=self.code_exec,
            )
            # Not cancelled from here: a write cut off mid-transaction can leave its
            # connection holding the database's lock. The drivers bound it instead
            # (SQLite's busy timeout, asyncpg's command timeout: --store-write-timeout-s).
            await self.store.save(record)
        except TimeoutError as exc:
            self._drop("timeout", trace_id, exc)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a database down, locked, full: never the request's problem
            self._drop("error", trace_id, exc)
        else:
            # Learned before the write is counted: whoever waits for the count (tests,
            # an operator's dashboard) sees what the trace taught. Nothing verified: no
            # labels yet (feedback, stored after the trace, relabels or is swept).
            if record.verified:
                await self._learn(record.id)
            self._on_write()

    async def _prune(self) -> None:
        self._last_prune = time.monotonic()
        if not self.retention.active:
            return
        try:
            gone = await asyncio.wait_for(
                self.store.prune(
                    max_age_s=self.retention.max_age_s, max_traces=self.retention.max_traces
                ),
                timeout=self.write_timeout_s * 4,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("store: retention failed: %s: %s", type(exc).__name__, exc)
            return
        if gone:
            log.info("store: retention removed %d trace(s)", gone)
