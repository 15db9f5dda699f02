"""Engine faults through the upstream engine: the upstream is a real HTTP server (a
bon-server on the scripted engine, served by uvicorn on loopback) that fails, stalls,
refuses `n` or goes away. Every fault is a clear 4xx/5xx in OpenAI's format, /health
follows, and nothing hangs. (The in-process vLLM engine's death is tested in
tests/engine/test_vllm_engine_death.py; `vllm serve` dying in tests/e2e.)
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.config import Settings
from server.engines.openai_engine import OpenAIEngine
from server.engines.scripted import ScriptedEngine
from server.process import free_port
from tests.conftest import MODEL, make_engine, make_settings
from tests.server.live_server import live_server

CHAT = "/v1/chat/completions"
MATH_Q = "Tom has 12 bags of 3 apples and 6 more apples. How many apples does he have?"


def _body(content: str = MATH_Q, **extra: Any) -> dict[str, Any]:
    return {"model": "front", "messages": [{"role": "user", "content": content}], **extra}


def _front(upstream_url: str, **settings: Any) -> TestClient:
    base = {
        "engine": "openai",
        "upstream": f"{upstream_url}/v1",
        "served_model_name": "front",
        "upstream_retries": 1,
    }
    return TestClient(create_app(Settings(**{**base, **settings})))


@pytest.fixture
def upstream() -> Iterator[tuple[str, ScriptedEngine]]:
    engine = make_engine(delay_s=0.05)
    with live_server(create_app(make_settings(), engine=engine)) as url:
        yield url, engine


def test_group_is_one_upstream_request_with_n(upstream: tuple[str, ScriptedEngine]) -> None:
    url, engine = upstream
    with _front(url) as c:
        r = c.post(CHAT, json=_body(best_of=4))
        assert r.status_code == 200, r.text
        assert "42" in r.json()["choices"][0]["message"]["content"]
        assert r.json()["trace"]["group_size"] == 4
        assert c.app.state.engine.upstream_model == MODEL  # type: ignore[attr-defined]
    # The upstream saw one request for four candidates (its own group: best_of=4).
    assert [req.n for req in engine.requests_seen] == [4]


def test_upstream_without_n_gets_bounded_parallel_requests() -> None:
    # An upstream whose groups hold one candidate refuses n > 1 (n <= best_of).
    engine = make_engine(delay_s=0.3)
    upstream_app = create_app(make_settings(max_best_of=1, default_best_of=1), engine=engine)
    peak = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, len(engine.active_requests))
            time.sleep(0.005)

    with live_server(upstream_app) as url, _front(url, upstream_max_parallel=2) as c:
        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            r = c.post(CHAT, json=_body(best_of=4))
        finally:
            done.set()
            watcher.join()
        assert r.status_code == 200, r.text
        assert r.json()["trace"]["group_size"] == 4
        front: OpenAIEngine = c.app.state.engine  # type: ignore[attr-defined]
        assert front.supports_n is False
    # The refused n=4, then 4 singles, never more than 2 at a time upstream.
    assert [req.n for req in engine.requests_seen] == [1, 1, 1, 1]
    assert peak == 2


def test_upstream_engine_error_is_502(upstream: tuple[str, ScriptedEngine]) -> None:
    url, _ = upstream
    with _front(url) as c:
        r = c.post(CHAT, json=_body("explode"))
        assert r.status_code == 502
        err = r.json()["error"]
        assert err["type"] == "upstream_error" and "simulated engine failure" in err["message"]
        assert c.get("/health").status_code == 200  # the upstream itself is up


def test_upstream_input_error_is_400(upstream: tuple[str, ScriptedEngine]) -> None:
    url, _ = upstream
    with _front(url, max_tokens_limit=100_000) as c:
        # Our limit allows it; the upstream's (2048) does not: its message is passed on.
        r = c.post(CHAT, json=_body(max_tokens=5000))
        assert r.status_code == 400
        assert "upstream refused" in r.json()["error"]["message"]
        assert r.json()["error"]["param"] == "max_tokens"


def test_slow_upstream_is_504_and_the_request_is_dropped() -> None:
    engine = make_engine(delay_s=5.0)
    with (
        live_server(create_app(make_settings(), engine=engine)) as url,
        _front(url, upstream_timeout_s=0.5) as c,
    ):
        t0 = time.monotonic()
        r = c.post(CHAT, json=_body())
        assert r.status_code == 504 and r.json()["error"]["code"] == "upstream_timeout"
        assert time.monotonic() - t0 < 3
        # The closed connection cancels the upstream's group too.
        deadline = time.monotonic() + 3
        while engine.active_requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not engine.active_requests and len(engine.aborted_requests) == 1


def test_upstream_dying_mid_request_is_502_then_unhealthy() -> None:
    engine = make_engine(delay_s=3.0)
    upstream_app = create_app(make_settings(), engine=engine)
    with live_server(upstream_app) as url:
        front = _front(url)
        front.__enter__()
    # `live_server` has stopped the upstream: requests in flight were cut, new ones fail.
    try:
        t0 = time.monotonic()
        r = front.post(CHAT, json=_body())
        assert r.status_code == 502, r.text
        assert "connect" in r.json()["error"]["message"].lower()
        health = front.get("/health")
        assert health.status_code == 503 and "unreachable" in health.json()["reason"]
        assert time.monotonic() - t0 < 10
    finally:
        front.__exit__(None, None, None)


def test_upstream_process_killed_while_generating(tmp_path: Path) -> None:
    script = tmp_path / "slow.json"
    script.write_text(json.dumps({"delay_s": 30, "rules": [{"candidates": [{"text": "hi"}]}]}))
    port = free_port()
    cmd = [sys.executable, "-m", "server.cli", "serve", "--engine", "scripted"]
    cmd += ["--script", str(script), "--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    result: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline and proc.poll() is None, "upstream did not start"
            time.sleep(0.2)
        with _front(url) as c:
            t = threading.Thread(target=lambda: result.update(r=c.post(CHAT, json=_body())))
            t.start()
            time.sleep(1.0)  # the group is generating upstream
            proc.kill()
            t.join(timeout=30)
            assert not t.is_alive(), "the request hung after the upstream died"
            assert result["r"].status_code == 502
            assert c.get("/health").status_code == 503
    finally:
        proc.kill()
        proc.wait()


def test_unreachable_upstream_at_startup_is_a_clear_error() -> None:
    with (
        pytest.raises(Exception, match="cannot list the upstream's models"),
        _front(f"http://127.0.0.1:{free_port()}"),
    ):
        pass


def test_unknown_upstream_model_is_a_clear_error(upstream: tuple[str, ScriptedEngine]) -> None:
    url, _ = upstream
    with pytest.raises(Exception, match="has no model 'nope'"), _front(url, upstream_model="nope"):
        pass
