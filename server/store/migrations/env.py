"""Alembic's environment for the store: run on a connection the server hands over.

The server runs the migrations itself at startup (:func:`server.store.db.migrate`), on
its async engine: it opens a connection and calls Alembic inside ``run_sync``, passing
the connection in ``config.attributes["connection"]``. Nothing here reads an ini file.
"""

from __future__ import annotations

from alembic import context

from server.store.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the server runs these migrations
    raise RuntimeError("bon-server runs its migrations itself (server.store.db.migrate)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite alters tables by copying them; batch mode does that for later migrations.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
