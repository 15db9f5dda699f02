"""Run the store's Alembic migrations from the server, on its async engine.

Alembic's recipe for asyncio (its cookbook, "Programmatic API use (connection sharing)
With Asyncio"): open a connection on the async engine and run ``command.upgrade``
inside ``connection.run_sync``, handing the connection to ``env.py`` through
``config.attributes``. The migration scripts ship inside the package
(``server/store/migrations``), so an installed server needs no ini file or checkout.

Alembic is imported only when a migration runs: it logs as it is imported, and the
server configures logging (``--log-format json``) after importing the app.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["current_revision", "head", "migrate"]

# One number for PostgreSQL's advisory lock that serialises migrations across replicas.
_MIGRATION_LOCK = 0x626F6E  # "bon"


def _config(connection: Connection | None = None) -> Config:
    # Alembic says at INFO what it does at every start (plugins, DDL mode): not news.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("server.store").joinpath("migrations"))
    )
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision the shipped migrations define."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def _upgrade(connection: Connection) -> None:
    from alembic import command

    command.upgrade(_config(connection), "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the database to the newest schema (idempotent; a no-op when it is there).

    Two replicas starting at once on one PostgreSQL would race to create the tables: the
    migration runs under a transaction-scoped advisory lock, so the second waits and then
    finds the schema made. (SQLite's own write lock serialises it there.)
    """
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
        await conn.run_sync(_upgrade)


def _current(connection: Connection) -> Any:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    async with engine.connect() as conn:
        revision = await conn.run_sync(_current)
    return str(revision) if revision is not None else None
