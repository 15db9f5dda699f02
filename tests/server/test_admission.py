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


async def test_one_key_cannot_hold_every_group_another_key_still_served() -> None:
    """Red team: four requests of one key whose tests sleep held every scoring thread, and
    another key's simple request waited 8.6 s. Groups in flight are capped per key."""
    engine = _HeldEngine(make_engine())
    settings = make_settings(api_keys="key-aaaaaaaa,key-bbbbbbbb", max_groups_per_key=1)
    app = create_app(settings, engine=engine)  # type: ignore[arg-type]
    a = {"Authorization": "Bearer key-aaaaaaaa"}
    b = {"Authorization": "Bearer key-bbbbbbbb"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        first = asyncio.create_task(client.post("/v1/chat/completions", json=BODY, headers=a))
        await asyncio.wait_for(engine.started.wait(), timeout=60)  # key A's group is held
        again = await client.post("/v1/chat/completions", json=BODY, headers=a)
        assert again.status_code == 429
        assert again.json()["error"]["code"] == "key_busy"
        assert again.headers["retry-after"] == "1"
        engine.release.set()  # B's generation is not held either
        other = await client.post("/v1/chat/completions", json=BODY, headers=b)
        assert other.status_code == 200
        assert (await first).status_code == 200
        # Once A's group is done, A is served again.
        assert (await client.post("/v1/chat/completions", json=BODY, headers=a)).status_code == 200


def test_the_per_key_cap_defaults_to_half_the_score_workers() -> None:
    app = create_app(make_settings(api_keys="key-kkkkkkkk", score_workers=4), engine=make_engine())
    assert app.state.pipeline._per_key_limit == 2
    app = create_app(make_settings(api_keys="key-kkkkkkkk", score_workers=1), engine=make_engine())
    assert app.state.pipeline._per_key_limit == 1
