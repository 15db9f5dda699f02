"""Admission comes before any CPU work on a request (issue 10, "Bounded CPU").

A request that finds every concurrency slot taken is answered 429 at once, and
nothing of it is planned or screened: planning runs regexes over the whole
prompt, so a full server must not do that work for requests it then refuses.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.engines.base import Generation, GenerationRequest
from server.engines.scripted import ScriptedEngine
from tests.conftest import MODEL, make_engine, make_settings

pytestmark = pytest.mark.anyio

BODY = {"model": MODEL, "messages": [{"role": "user", "content": "capital of France?"}]}


class _HeldEngine:
    """A scripted engine whose generations wait until the test releases them."""

    def __init__(self, inner: ScriptedEngine) -> None:
        self.inner = inner
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def generate(self, request: GenerationRequest) -> Generation:
        self.started.set()
        await self.release.wait()
        return await self.inner.generate(request)


async def test_a_full_server_refuses_before_planning_or_screening() -> None:
    engine = _HeldEngine(make_engine())
    app = create_app(make_settings(max_concurrent_groups=1), engine=engine)  # type: ignore[arg-type]
    pipeline = app.state.pipeline
    planned: list[str] = []
    plan = pipeline.plan

    def counting_plan(job: Any) -> Any:
        planned.append(job.request_id)
        return plan(job)

    pipeline.plan = counting_plan
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        first = asyncio.create_task(client.post("/v1/chat/completions", json=BODY))
        await asyncio.wait_for(engine.started.wait(), timeout=60)  # the one slot is held
        assert len(planned) == 1
        second = await client.post("/v1/chat/completions", json=BODY)
        assert second.status_code == 429
        assert second.json()["error"]["code"] == "server_busy"
        assert second.headers["retry-after"] == "1"
        assert len(planned) == 1, "the refused request was planned"
        engine.release.set()
        assert (await first).status_code == 200
    assert len(planned) == 1
