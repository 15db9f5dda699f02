"""The real server's engine core dies mid-request: 503 for the request in flight and
for the next ones, /health turns 503, nothing hangs. (tests/engine covers the engine
object; this covers what a client of `bon-server serve` sees.)
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from server.config import EMBEDDED_MODEL_NAME
from server.process import running_server

pytestmark = pytest.mark.engine

LONG = {
    "model": EMBEDDED_MODEL_NAME,
    "messages": [{"role": "user", "content": "Write a very long story about a dragon."}],
    "max_tokens": 1500,
    "best_of": 2,
}


def _engine_cores(before: set[int]) -> list[psutil.Process]:
    return [
        p
        for p in psutil.Process().children(recursive=True)
        if p.pid not in before and "EngineCore" in p.name()
    ]


def test_engine_core_killed_mid_request(tmp_path: Path) -> None:
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    args = ["--engine", "vllm", "--max-model-len", "2048", "--log-level", "warning"]
    with running_server(args, log_path=tmp_path / "server.log", start_timeout_s=900) as url:
        (core,) = _engine_cores(before)
        result: dict[str, Any] = {}

        def post() -> None:
            result["r"] = httpx.post(f"{url}/v1/chat/completions", json=LONG, timeout=120)

        t = threading.Thread(target=post)
        t.start()
        deadline = time.monotonic() + 60
        while "bon_engine_unfinished_requests 0.0" in httpx.get(f"{url}/metrics").text:
            assert time.monotonic() < deadline, "the generation never started"
            time.sleep(0.1)
        os.kill(core.pid, signal.SIGKILL)
        t.join(timeout=60)
        assert not t.is_alive(), "the request in flight hung after the engine died"
        r = result["r"]
        assert r.status_code == 503, r.text
        assert r.json()["error"]["type"] == "service_unavailable"
        assert httpx.get(f"{url}/health", timeout=30).status_code == 503
        after = httpx.post(f"{url}/v1/chat/completions", json={**LONG, "max_tokens": 4}, timeout=60)
        assert after.status_code == 503 and after.json()["error"]["code"] == "engine_down"
        # The server itself still answers everything else.
        assert httpx.get(f"{url}/v1/models", timeout=10).status_code == 200
