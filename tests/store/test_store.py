"""The store on SQLite and on a real PostgreSQL (``database_url``, tests/store/conftest.py):
schema by migrations, what a trace row holds, owner scoping from the database, restart
survival, retention; and on SQLite a locked database never failing a completion (the
PostgreSQL counterparts, a database that dies and two replicas, are in test_postgres.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from server.app import create_app
from server.process import running_server
from server.store.db import Store
from server.store.migrate import current_revision, head
from server.store.records import build_record
from server.store.schema import Base
from tests.conftest import MATH_SCRIPT, MODEL, make_engine, make_settings
from tests.store.helpers import ASK, BUDGET_ARGS, BUDGETS, ask, bearer, metric, wait_for, written

KEY_A = "sk-alice-0123456789"
KEY_B = "sk-bob-abcdefghijk"
OPERATOR = "sk-operator-999999"


def _url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def test_migrations_build_the_models_tables(database_url: str) -> None:
    async def check() -> None:
        store = Store(database_url)
        await store.start()
        await store.start()  # idempotent
        assert await current_revision(store.engine) == head() == "0004"
        async with store.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: sorted(inspect(c).get_table_names()))
            columns = await conn.run_sync(
                lambda c: {t: {col["name"] for col in inspect(c).get_columns(t)} for t in tables}
            )
        await store.close()
        models = {t.name: {c.name for c in t.columns} for t in Base.metadata.sorted_tables}
        assert {t: columns[t] for t in models} == models

    asyncio.run(check())


@pytest.fixture
def keyed(database_url: str) -> Iterator[TestClient]:
    """Keys A and B and an operator; memory holds no trace, so reads come from the store."""
    settings = make_settings(
        api_keys=f"{KEY_A},{KEY_B}",
        operator_keys=OPERATOR,
        database_url=database_url,
        trace_store_size=0,
        **BUDGETS,
    )
    with TestClient(create_app(settings, engine=make_engine())) as c:
        yield c


def test_trace_row_holds_scores_advantages_verdicts_selection(keyed: TestClient) -> None:
    trace_id = ask(keyed, bearer(KEY_A), trace="full")
    written(keyed, headers=bearer(OPERATOR))
    got = keyed.get(f"/v1/traces/{trace_id}", headers=bearer(KEY_A))
    assert got.status_code == 200
    trace = got.json()
    store = keyed.app.state.traces.store  # type: ignore[attr-defined]
    rows = keyed.portal.call(store.candidates, trace_id)  # type: ignore[union-attr]
    assert [r.index for r in rows] == [c["index"] for c in trace["candidates"]]
    for row, cand in zip(rows, trace["candidates"], strict=True):
        assert row.scores == {k: v["raw"] for k, v in cand["scores"].items()}
        assert row.advantages == {k: v["advantage"] for k, v in cand["scores"].items()}
        assert set(row.verdicts) == set(cand["gates"])
        assert row.selected == cand["selected"] and row.vetoed == cand["vetoed"]


def test_owner_scoping_from_the_store(keyed: TestClient) -> None:
    trace_id = ask(keyed, bearer(KEY_A))
    written(keyed, headers=bearer(OPERATOR))
    missing = keyed.get("/v1/traces/chatcmpl-nope", headers=bearer(KEY_B))
    foreign = keyed.get(f"/v1/traces/{trace_id}", headers=bearer(KEY_B))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"]["code"] == missing.json()["error"]["code"] == "trace_not_found"
    assert keyed.get(f"/v1/traces/{trace_id}", headers=bearer(KEY_A)).status_code == 200
    assert keyed.get(f"/v1/traces/{trace_id}", headers=bearer(OPERATOR)).status_code == 200
    assert trace_id in keyed.get("/traces", headers=bearer(KEY_A)).text
    assert trace_id not in keyed.get("/traces", headers=bearer(KEY_B)).text
    assert trace_id in keyed.get("/traces", headers=bearer(OPERATOR)).text
    page = keyed.get(f"/traces/{trace_id}", headers=bearer(KEY_B))
    assert page.status_code == 404


def test_retention_by_count_and_age(database_url: str) -> None:
    async def check() -> None:
        store = Store(database_url)
        await store.start()
        for i in range(5):
            trace = {"id": f"t{i}", "owner": "o", "created": i, "candidates": []}
            await store.save(build_record(trace, stored_at=1000.0 + i))
        assert await store.prune(max_age_s=None, max_traces=3) == 2
        assert [t["id"] for t in await store.recent(None, 10)] == ["t4", "t3", "t2"]
        # Everything stored at 1000 s after the epoch is older than a day.
        assert await store.prune(max_age_s=86_400, max_traces=None) == 3
        assert await store.recent(None, 10) == []
        await store.close()

    asyncio.run(check())


def test_a_new_server_process_sees_the_old_trace(tmp_path: Path, database_url: str) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(MATH_SCRIPT))
    db = tmp_path / "data"
    args = ["--engine", "scripted", "--script", str(script), "--served-model-name", MODEL]
    args += [*BUDGET_ARGS, "--data-dir", str(db)]
    if database_url.startswith("postgresql"):
        args += ["--database-url", database_url]
    # else the default URL: SQLite in the data directory
    with running_server(args, log_path=tmp_path / "one.log", start_timeout_s=120) as url:
        r = httpx.post(f"{url}/v1/chat/completions", json=ASK, timeout=120)
        assert r.status_code == 200
        trace_id = r.headers["X-Bon-Trace-Id"]
        first = httpx.get(f"{url}/v1/traces/{trace_id}", timeout=30).json()
    assert (db / "bon-server.db").exists() == database_url.startswith("sqlite")
    with running_server(args, log_path=tmp_path / "two.log", start_timeout_s=120) as url:
        again = httpx.get(f"{url}/v1/traces/{trace_id}", timeout=30)
        assert again.status_code == 200
        assert again.json() == first
        assert trace_id in httpx.get(f"{url}/traces", timeout=30).text


def _dropped(c: TestClient) -> float:
    text = c.get("/metrics").text
    reasons = ("queue_full", "error", "timeout")
    return sum(metric(text, "bon_store_dropped_writes_total", f'reason="{r}"') for r in reasons)


def test_a_locked_database_never_fails_a_completion(tmp_path: Path) -> None:
    """Another process holds SQLite's write lock: every completion still succeeds, the
    traces that cannot be written are dropped and counted."""
    path = tmp_path / "locked.db"
    settings = make_settings(
        database_url=_url(path), store_queue_size=1, store_write_timeout_s=0.5, **BUDGETS
    )
    with TestClient(create_app(settings, engine=make_engine())) as c:
        ask(c)
        written(c)  # the schema exists and one write went through
        holder = sqlite3.connect(path, timeout=0)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            for _ in range(4):
                ask(c)
            wait_for(
                lambda: (
                    sum(
                        metric(
                            c.get("/metrics").text,
                            "bon_store_dropped_writes_total",
                            f'reason="{r}"',
                        )
                        for r in ("queue_full", "error", "timeout")
                    )
                    >= 1
                ),
                "a counted drop",
            )
        finally:
            holder.rollback()
            holder.close()
        # The database is back: later traces are written again.
        before = metric(c.get("/metrics").text, "bon_store_writes_total")
        ask(c)
        written(c, int(before) + 1)
