"""A request's ``reference`` decides its candidates' stored verified outcome: a JSON
Schema (the candidate's JSON validates), tests (its code passes them in the sandbox; with
``--sandbox off`` nothing runs and nothing is decided). The reference ``answer`` case is
in test_feedback.py. Asserted on the stored rows, after the asynchronous write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.app import create_app
from server.store.schema import TraceRow
from tests.conftest import MODEL, make_engine, make_settings
from tests.store.helpers import BUDGETS, wait_for

SCRIPT: dict[str, Any] = {
    "rules": [
        {
            "match": "person",
            "candidates": [
                {"text": '{"name": "Ada", "age": 36}', "logprob": -0.3},
                {"text": '{"name": "Ada"}', "logprob": -0.2},
                {"text": "Ada is 36 years old.", "logprob": -0.4},
            ],
        },
        {
            "match": "add",
            "candidates": [
                {"text": "```python\ndef add(a, b):\n    return a + b\n```", "logprob": -0.3},
                {"text": "```python\ndef add(a, b):\n    return a - b\n```", "logprob": -0.2},
                {"text": "I would rather not write code.", "logprob": -0.4},
            ],
        },
    ]
}
SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}
TESTS = "assert add(2, 3) == 5\nassert add(0, 0) == 0"


def _client(tmp_path: Path, **settings: Any) -> TestClient:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ref.db'}"
    app = create_app(
        make_settings(database_url=url, **BUDGETS, **settings), engine=make_engine(SCRIPT)
    )
    return TestClient(app)


@pytest.fixture
def c(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path) as client:
        yield client


def _stored(c: TestClient, content: str, reference: dict[str, Any]) -> dict[int, Any]:
    """Ask, wait for the write, and return {index: (verified, verified_by)} from the rows."""
    body = {"model": MODEL, "messages": [{"role": "user", "content": content}], "best_of": 3}
    r = c.post("/v1/chat/completions", json={**body, "reference": reference})
    assert r.status_code == 200, r.text
    trace_id = r.headers["X-Bon-Trace-Id"]
    # The write is asynchronous: poll the store for the row (its reference is stored too).
    assert wait_for(lambda: _row(c, trace_id), f"the row of {trace_id}") == reference
    store = c.app.state.traces.store  # type: ignore[attr-defined]
    rows = c.portal.call(store.candidates, trace_id)  # type: ignore[union-attr]
    return {row.index: (row.verified, row.verified_by) for row in rows}


def _row(c: TestClient, trace_id: str) -> Any:
    store = c.app.state.traces.store  # type: ignore[attr-defined]

    async def read() -> Any:
        async with store.sessions() as session:
            return await session.scalar(select(TraceRow.reference).where(TraceRow.id == trace_id))

    return c.portal.call(read)  # type: ignore[union-attr]


def test_a_reference_schema_decides(c: TestClient) -> None:
    got = _stored(c, "Give the person as JSON.", {"json_schema": SCHEMA})
    assert got == {
        0: (True, "reference.json_schema"),
        1: (False, "reference.json_schema"),  # no "age"
        2: (False, "reference.json_schema"),  # no JSON at all
    }


def test_reference_tests_decide_by_running_them(c: TestClient) -> None:
    got = _stored(c, "Write a function add(a, b).", {"tests": TESTS})
    assert got == {
        0: (True, "reference.tests"),
        1: (False, "reference.tests"),  # runs, fails add(2, 3) == 5
        2: (False, "reference.tests"),  # no code: 0 of 2 tests
    }


def test_with_the_sandbox_off_reference_tests_decide_nothing(tmp_path: Path) -> None:
    with _client(tmp_path, sandbox="off") as c:
        got = _stored(c, "Write a function add(a, b).", {"tests": TESTS})
    assert all(verified is None for verified, _ in got.values()), got
