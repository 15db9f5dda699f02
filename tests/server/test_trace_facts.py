"""The group record's facts in the trace and the metrics: a fact that fails leaves its
readers without signal, and the trace says which fact and why (the exception's type only:
a fact reads every candidate, vetoed ones included)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from rewards.group import FACTS, GroupRecord
from server.app import create_app
from server.trace import load_trace_schema
from tests.conftest import MODEL, make_engine, make_settings

SECRET_WORDS = "the text this fact choked on"


def broken_fact(record: GroupRecord) -> Any:
    """Importable by name, so a budget worker runs it as the server's own facts."""
    raise ValueError(SECRET_WORDS)


def _ask(client: TestClient) -> dict[str, Any]:
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "What is 7 + 5?"}],
        "best_of": 4,
        "trace": "full",
    }
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    trace: dict[str, Any] = r.json()["trace"]
    return trace


def test_every_fact_is_in_the_trace_and_valid() -> None:
    import jsonschema

    with TestClient(create_app(make_settings(), engine=make_engine())) as client:
        trace = _ask(client)
    names = [f["name"] for f in trace["facts"]]
    assert "answers" in names and "answer_classes" in names
    assert all(f["error"] is None for f in trace["facts"])
    jsonschema.validate(trace, load_trace_schema())


def test_a_failed_fact_is_named_in_the_trace_without_its_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(FACTS, "answer_classes", f"{__name__}:broken_fact")
    with TestClient(create_app(make_settings(), engine=make_engine())) as client:
        trace = _ask(client)
    [fact] = [f for f in trace["facts"] if f["name"] == "answer_classes"]
    assert fact["error"] == "ValueError"
    agreement = next(r for r in trace["rewards"] if r["name"] == "answer_agreement")
    assert agreement["no_signal"]
    assert agreement["error"] == "fact 'answer_classes' unavailable: ValueError"
    assert SECRET_WORDS not in str(trace)
