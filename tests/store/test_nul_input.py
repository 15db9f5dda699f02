"""A NUL character in client input that reaches the store (docs/attacks-session5-blackbox.md,
finding 5): PostgreSQL text cannot hold one, so a feedback comment or trace id with a NUL,
or ``GET /v1/traces/chatcmpl-%00``, answered 503 ``store_down`` there (201/404 on SQLite)
and logged a WARNING each time. Now, on both databases: a trace id outside its alphabet
is the 404 of a missing trace before any query, and a NUL in a comment is a 400."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.conftest import make_engine, make_settings
from tests.store.helpers import BUDGETS, ask, bearer

KEY = "sk-alice-0123456789"


@pytest.fixture
def c(database_url: str) -> Iterator[TestClient]:
    settings = make_settings(api_keys=KEY, database_url=database_url, **BUDGETS)
    with TestClient(create_app(settings, engine=make_engine())) as client:
        yield client


def test_nul_in_feedback_and_trace_ids_is_a_4xx_without_a_store_warning(
    c: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    tid = ask(c, bearer(KEY))
    ok = {"trace_id": tid, "candidate_index": 0, "name": "correct", "value": True}
    with caplog.at_level(logging.WARNING, logger="server"):
        r = c.post("/v1/feedback", json={**ok, "comment": "a\u0000b"}, headers=bearer(KEY))
        assert r.status_code == 400, r.text
        assert r.json()["error"]["param"] == "comment"
        r = c.post("/v1/feedback", json={**ok, "trace_id": "chatcmpl-\u0000"}, headers=bearer(KEY))
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "trace_not_found"
        for path in ("/v1/traces/chatcmpl-%00", "/traces/chatcmpl-%00", "/v1/traces/a%20b"):
            r = c.get(path, headers=bearer(KEY))
            assert r.status_code == 404, (path, r.status_code, r.text[:200])
    assert not [rec for rec in caplog.records if "store" in rec.getMessage()], caplog.text
    # The clean comment still goes in, and the trace still reads.
    r = c.post("/v1/feedback", json={**ok, "comment": "fine"}, headers=bearer(KEY))
    assert r.status_code == 201, r.text
    assert c.get(f"/v1/traces/{tid}", headers=bearer(KEY)).status_code == 200


def test_a_malformed_trace_id_is_not_queried(
    c: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store that fails every read: a malformed id never reaches it, so it is a 404 (a
    # well-formed missing id still reports the store's failure, a 503).
    traces = c.app.state.traces  # type: ignore[attr-defined]

    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("invalid byte sequence for encoding UTF8: 0x00")

    monkeypatch.setattr(traces.store, "get", broken)
    assert c.get("/v1/traces/chatcmpl-%00", headers=bearer(KEY)).status_code == 404
    assert c.get("/v1/traces/chatcmpl-missing", headers=bearer(KEY)).status_code == 503
