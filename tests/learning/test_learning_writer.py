"""What the store writer learns from, and that a dropped relabel still counts.

A trace with no verified outcome (no ``reference``, no verifier) has nothing to teach:
its write must cost no learning query (the profile in docs/overhead.md found a recount
after every write). A relabel dropped on a full writer queue must not lose its feedback:
the feedback rows stay uncounted and the writer's next refresh recounts their groups.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.store.writer import Relabel
from tests.learning.test_learning_app import ASK, _app
from tests.store.helpers import metric, wait_for, written


class CountedLearn:
    """Wraps the store's ``learn``: the trace ids it was asked to recount."""

    def __init__(self, learn: Any) -> None:
        self.learn = learn
        self.calls: list[str] = []

    async def __call__(self, trace_id: str) -> bool:
        self.calls.append(trace_id)
        changed: bool = await self.learn(trace_id)
        return changed


@pytest.fixture
def c(tmp_path: Path) -> Iterator[TestClient]:
    with _app(tmp_path, reward_learning_refresh_s=0.2) as client:
        yield client


def _counted(client: TestClient) -> CountedLearn:
    store = client.app.state.traces.writer.store  # type: ignore[attr-defined]
    counted = CountedLearn(store.learn)
    store.learn = counted
    return counted


def _ask(client: TestClient, **extra: Any) -> dict[str, Any]:
    body = {**ASK, "best_of": 4, "reward_profile": "learnme", "trace": "full", **extra}
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    trace: dict[str, Any] = r.json()["trace"]
    return trace


def test_a_trace_without_a_verified_outcome_costs_no_learning_query(c: TestClient) -> None:
    counted = _counted(c)
    plain = _ask(c)
    written(c, 1)
    assert counted.calls == []
    labelled = _ask(c, reference={"answer": "42"})
    written(c, 2)
    assert plain["id"] not in counted.calls
    assert labelled["id"] in counted.calls


def _label(client: TestClient, trace: dict[str, Any]) -> None:
    for cand in trace["candidates"]:
        fb = client.post(
            "/v1/feedback",
            json={
                "trace_id": trace["id"],
                "candidate_index": cand["index"],
                "name": "correct",
                "value": "41" not in cand["text"],
            },
        )
        assert fb.status_code == 201, fb.text


def _pairs(client: TestClient) -> int:
    pairs: int = client.app.state.traces.learning.of("math", "contrarian").tally.pairs  # type: ignore[attr-defined]
    return pairs


def test_a_relabel_dropped_on_a_full_queue_is_counted_at_the_next_refresh(
    c: TestClient,
) -> None:
    trace = _ask(c)  # no reference: only feedback labels it
    written(c, 1)
    writer = c.app.state.traces.writer  # type: ignore[attr-defined]
    queue = writer._queue
    put = queue.put_nowait

    def full_for_relabels(item: Any) -> None:
        if isinstance(item, Relabel):
            raise asyncio.QueueFull
        put(item)

    queue.put_nowait = full_for_relabels
    counted = _counted(c)
    _label(c, trace)
    page = c.get("/metrics").text
    dropped = metric(page, "bon_store_dropped_writes_total", 'reason="queue_full"')
    assert dropped == len(trace["candidates"])
    # Nothing was queued, yet the refresh finds the uncounted feedback and recounts it.
    wait_for(lambda: _pairs(c) == 3, "the dropped relabel counted")
    assert trace["id"] in counted.calls
    # Counted once: later refreshes find nothing left to recount.
    calls = len(counted.calls)
    _refreshes(writer, 3)
    assert len(counted.calls) == calls
    assert _pairs(c) == 3


def _refreshes(writer: Any, n: int) -> None:
    """Wait for ``n`` more refreshes (the writer's refresh stamp moves on at each)."""
    for _ in range(n):
        seen = writer._last_reliability
        wait_for(lambda seen=seen: writer._last_reliability != seen, "a refresh")
