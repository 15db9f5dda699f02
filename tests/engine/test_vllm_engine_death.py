"""A dead engine core: requests and health checks answer EngineUnavailable.

Starts an engine of its own (~30 s) and kills its engine-core process, so that the
session's engine is not harmed.
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import psutil
import pytest

from server.engines.base import EngineUnavailable, GenerationRequest
from tests.engine.conftest import EngineHarness

pytestmark = pytest.mark.engine


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def test_killed_engine_core_is_unavailable_and_shuts_down(embedded_model: Any) -> None:
    before = _children()
    harness = EngineHarness()
    try:
        harness.start(embedded_model.path, "doomed", max_model_len=512)
        engine = harness.engine
        harness.run(engine.check_health())
        ours = [
            p
            for p in psutil.Process().children(recursive=True)
            if p.pid not in before and "EngineCore" in p.name()
        ]
        assert len(ours) == 1, [p.name() for p in ours]

        async def generate_while_killed() -> None:
            long = GenerationRequest(
                request_id="in-flight", n=2, max_tokens=400, prompt="Tell me a long story."
            )
            task = asyncio.create_task(engine.generate(long))
            await asyncio.sleep(1.0)
            os.kill(ours[0].pid, signal.SIGKILL)
            await task

        with pytest.raises(EngineUnavailable):  # the request in flight fails
            harness.run(generate_while_killed(), timeout=60)
        with pytest.raises(EngineUnavailable):
            harness.run(engine.check_health())
        with pytest.raises(EngineUnavailable):  # and so does the next one
            request = GenerationRequest(request_id="after", n=2, max_tokens=4, prompt="Hi")
            harness.run(engine.generate(request), timeout=60)
    finally:
        harness.close()

    leftover = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.pid not in before and "resource_tracker" not in " ".join(p.cmdline())
    ]
    assert leftover == [], [p.name() for p in leftover]
