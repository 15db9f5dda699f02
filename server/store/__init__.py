"""The store: traces and feedback in SQLite or PostgreSQL, kept across restarts.

``schema`` (the tables), ``migrations`` (Alembic, run at startup), ``db`` (the
engine and queries), ``records`` (what is kept of a trace, verified outcomes included),
``writer`` (the bounded write queue), ``traces`` (what routes read). See docs/store.md.
"""

from __future__ import annotations

from server.config import Settings
from server.learning import Learning
from server.metrics import Metrics
from server.sandbox_mode import code_exec_for
from server.store.db import Store, default_database_url, redact_url
from server.store.traces import StoredTraces
from server.store.writer import Retention, StoreWriter

__all__ = [
    "Store",
    "StoreWriter",
    "StoredTraces",
    "build_traces",
    "database_url",
    "redact_url",
]

_DAY_S = 86_400.0


def database_url(settings: Settings) -> str:
    """The store's URL: ``--database-url``, else SQLite in ``--data-dir``."""
    return settings.database_url or default_database_url(settings.data_dir)


def build_traces(settings: Settings, metrics: Metrics) -> StoredTraces:
    """The app's trace store: memory plus the database, with its writer (not started:
    the app's lifespan starts and stops it)."""
    store = Store(database_url(settings), connect_timeout_s=settings.store_write_timeout_s)
    learning = Learning(settings, metrics)  # learned reward weights, fed by the writer
    retention = Retention(
        max_age_s=settings.store_max_age_days * _DAY_S or None,
        max_traces=settings.store_max_traces or None,
    )
    writer = StoreWriter(
        store,
        queue_size=settings.store_queue_size,
        write_timeout_s=settings.store_write_timeout_s,
        retention=retention,
        # A reference's tests run as code_exec runs the prompt's: the operator's sandbox
        # mode and limits (with --sandbox off they run nowhere).
        code_exec=code_exec_for(settings)(),
        on_write=metrics.store_writes.inc,
        on_drop=lambda reason: metrics.store_dropped.labels(reason=reason).inc(),
        on_reliability=learning.load,
        reliability_refresh_s=settings.reward_learning_refresh_s,
    )
    metrics.store_queue.set_function(lambda: float(writer.depth()))
    return StoredTraces(settings.trace_store_size, store, writer, learning)
