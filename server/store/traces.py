"""Traces as routes read them: this process's recent ones in memory, all in the store.

:class:`StoredTraces` is the app's trace store (``app.state.traces``). It keeps the
in-memory :class:`~server.trace.TraceStore` (``--trace-store-size`` newest, so a trace is
readable the moment its response is sent, before its row is written) and hands every
trace to the :class:`~server.store.writer.StoreWriter`. Reads look in memory first, then
in the database, where another replica's traces are. Owner scoping is
:meth:`server.auth.Caller.can_read`'s, the same for both: another key's trace is answered
exactly as a missing one.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from typing import Any

from rewards import Candidate
from server.auth import Caller
from server.errors import ServiceUnavailable
from server.learning import Learning
from server.store.db import Store
from server.store.learning import feedback_label
from server.store.writer import PendingTrace, StoreWriter
from server.trace import TraceStore

__all__ = ["StoredTraces", "could_be_trace_id"]

log = logging.getLogger(__name__)

# Every id the server hands out (``chatcmpl-<hex>``, ``cmpl-<hex>``, ``resp_<hex>``) is in
# this alphabet. One outside it cannot name a trace, so it is the 404 of a missing one
# before any query: PostgreSQL refused a NUL in the id as a read failure (a 503 and a
# WARNING per request, docs/attacks-session5-blackbox.md finding 5).
_TRACE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


def could_be_trace_id(trace_id: str) -> bool:
    """Whether ``trace_id`` is in the alphabet of the ids the server hands out."""
    return _TRACE_ID.fullmatch(trace_id) is not None


def _unavailable(exc: Exception) -> ServiceUnavailable:
    log.warning("store: read failed: %s: %s", type(exc).__name__, exc)
    return ServiceUnavailable("The trace store is unavailable; retry later.", code="store_down")


class StoredTraces(TraceStore):
    """The memory store plus the database (see the module docstring)."""

    def __init__(
        self, capacity: int, store: Store, writer: StoreWriter, learning: Learning
    ) -> None:
        super().__init__(capacity)
        self.store = store
        self.writer = writer
        self.learning = learning  # the learned reward weights the writer keeps fed

    def put(
        self,
        trace: dict[str, Any],
        *,
        candidates: Sequence[Candidate] = (),
        reference: dict[str, Any] | None = None,
    ) -> None:
        super().put(trace)
        self.writer.submit(PendingTrace(trace, tuple(candidates), reference, time.time()))

    def labelled(self, trace_id: str, name: str, value: float, value_type: str) -> None:
        """Feedback was stored: if it labels a candidate (``correct``), relearn its group
        off the request path."""
        if feedback_label(name, value, value_type) is not None:
            self.writer.relabel(trace_id)

    async def find(self, trace_id: str, caller: Caller) -> dict[str, Any] | None:
        """The trace if ``caller`` may read it (None: missing or someone else's).

        Raises:
            ServiceUnavailable: not in memory, and the database cannot be read.
        """
        if not could_be_trace_id(trace_id):
            return None
        trace = self.get(trace_id)
        if trace is None and self.store.ready:
            try:
                trace = await self.store.get(trace_id)
            except Exception as exc:
                raise _unavailable(exc) from exc
        if trace is None or not caller.can_read(trace.get("owner")):
            return None
        return trace

    async def find_recent(self, caller: Caller, limit: int = 20) -> list[dict[str, Any]]:
        """The newest ``limit`` traces ``caller`` may read, from memory and the database."""
        mine = self.listing(caller, limit)
        if not self.store.ready:
            return mine
        try:
            stored = await self.store.recent(None if caller.operator else caller.owner, limit)
        except Exception as exc:
            log.warning("store: listing from memory only: %s: %s", type(exc).__name__, exc)
            stored = []
        seen = {t["id"] for t in mine}
        merged = mine + [
            t for t in stored if t["id"] not in seen and caller.can_read(t.get("owner"))
        ]
        merged.sort(key=lambda t: t.get("created") or 0, reverse=True)
        return merged[:limit]

    async def feedback(self, trace_id: str) -> list[dict[str, Any]]:
        """The feedback given on a trace, oldest first (empty when the store cannot say)."""
        from server.feedback import feedback_view

        if not self.store.ready or not could_be_trace_id(trace_id):
            return []
        try:
            rows = await self.store.feedback_for(trace_id)
        except Exception as exc:
            log.warning("store: feedback not read: %s: %s", type(exc).__name__, exc)
            return []
        return [feedback_view(r) for r in rows]
