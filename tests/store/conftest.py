"""The store tests' databases: SQLite in a file, and a real PostgreSQL on loopback.

``database_url`` is parametrised over both, so a test written once runs on each. The
PostgreSQL server (:mod:`tests.store.postgres`) starts once per session, only when a
test asks for it, and is stopped at the end; every test gets a database of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.postgres import PostgresServer, alive

DATABASES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        pid = server.pid()
        server.close()
        assert server.pid() is None and not server.root.exists()
        if pid is not None:  # nothing left running
            assert not alive(pid), f"postgres {pid} still running"


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store: a SQLite file, or a database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()
