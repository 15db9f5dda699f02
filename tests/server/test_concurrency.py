"""Admission, cancellation and the event loop: what happens with more than one request."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from rewards import Score, default_registry
from server.app import create_app
from server.metrics import Metrics
from server.protocol import ChatCompletionRequest
from server.routes import ClientDisconnected, with_cancellation
from tests.conftest import MODEL, make_engine, make_settings

pytestmark = pytest.mark.anyio

BODY = {"model": MODEL, "messages": [{"role": "user", "content": "capital of France?"}]}


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_over_capacity_is_429_with_retry_after() -> None:
    app = create_app(make_settings(max_concurrent_groups=1), engine=make_engine(delay_s=0.5))
    async with _client(app) as c:
        first = asyncio.create_task(c.post("/v1/chat/completions", json=BODY))
        await asyncio.sleep(0.1)
        second = await c.post("/v1/chat/completions", json=BODY)
        assert second.status_code == 429
        assert second.headers["retry-after"] == "1"
        assert second.json()["error"]["type"] == "rate_limit_error"
        assert (await first).status_code == 200
        # Capacity comes back once the first group is done.
        assert (await c.post("/v1/chat/completions", json=BODY)).status_code == 200


class _SlowReward:
    name = "slow"

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Score]:
        time.sleep(1.0)  # blocking on purpose: it must not block the event loop
        return [Score(1.0, "slow") for _ in completions]


async def test_a_slow_reward_does_not_stall_other_requests() -> None:
    registry = default_registry().copy()
    registry.register_reward("slow", _SlowReward)
    app = create_app(make_settings(), engine=make_engine(), registry=registry)
    async with _client(app) as c:
        slow = asyncio.create_task(
            c.post("/v1/chat/completions", json={**BODY, "rewards": ["slow"], "best_of": 2})
        )
        await asyncio.sleep(0.2)
        t0 = time.perf_counter()
        health = await c.get("/health")
        elapsed = time.perf_counter() - t0
        assert health.status_code == 200
        assert not slow.done(), "the slow reward should still be running"
        assert elapsed < 0.5
        assert (await slow).status_code == 200


def _disconnecting_request(after_s: float) -> Request:
    async def receive() -> dict[str, Any]:
        await asyncio.sleep(after_s)
        return {"type": "http.disconnect"}

    return Request({"type": "http", "method": "POST", "headers": []}, receive)


async def test_client_disconnect_aborts_the_engine_request() -> None:
    engine = make_engine(delay_s=10)
    app = create_app(make_settings(), engine=engine)
    body = ChatCompletionRequest.model_validate(BODY)
    t0 = time.perf_counter()
    with pytest.raises(ClientDisconnected):
        await with_cancellation(_disconnecting_request(0.5), app.state.serving.chat(body))
    assert time.perf_counter() - t0 < 2
    assert len(engine.aborted_requests) == 1
    assert not engine.active_requests
    metrics: Metrics = app.state.metrics
    assert metrics.aborts.labels(reason="client_disconnect")._value.get() == 1
    # The slot is free again: the next request is served.
    engine.delay_s = 0
    assert (await app.state.serving.chat(body)).choices


async def test_disconnect_while_scoring_is_not_an_engine_abort() -> None:
    registry = default_registry().copy()
    registry.register_reward("slow", _SlowReward)
    app = create_app(make_settings(), engine=make_engine(), registry=registry)
    body = ChatCompletionRequest.model_validate({**BODY, "rewards": ["slow"]})
    with pytest.raises(ClientDisconnected):
        await with_cancellation(_disconnecting_request(0.3), app.state.serving.chat(body))
    metrics: Metrics = app.state.metrics
    assert metrics.aborts.labels(reason="client_disconnect")._value.get() == 0
