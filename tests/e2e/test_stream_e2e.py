"""stream=true end to end: the real server (vLLM engine, embedded model), read by the
official `openai` SDK and by `httpx-sse`; a client that leaves mid-stream stops the engine.
"""

from __future__ import annotations

import json
import re
import time

import httpx
import openai
import pytest
from httpx_sse import connect_sse
from prometheus_client.parser import text_string_to_metric_families

from server.config import EMBEDDED_MODEL_NAME

pytestmark = pytest.mark.engine


def _engine_state(url: str) -> tuple[float, float]:
    """(engine requests unfinished, aborts on client disconnect) from /metrics."""
    unfinished = aborts = 0.0
    for fam in text_string_to_metric_families(httpx.get(f"{url}/metrics").text):
        for s in fam.samples:
            if s.name == "bon_engine_unfinished_requests":
                unfinished = s.value
            if s.name == "bon_engine_aborts_total" and s.labels["reason"] == "client_disconnect":
                aborts = s.value
    return unfinished, aborts


def test_sdk_streams_the_selected_answer(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=EMBEDDED_MODEL_NAME,
        messages=[{"role": "user", "content": "What is 7 + 5? Answer briefly."}],
        max_tokens=32,
        stream=True,
        stream_options={"include_usage": True},
        extra_body={"best_of": 4, "trace": "summary"},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    finals = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finals and finals[0] in ("stop", "length")
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    trace = (last.model_extra or {})["trace"]
    assert trace["group_size"] == 4
    # Usage counts every candidate; the streamed answer is one of them.
    assert last.usage.completion_tokens == sum(c["tokens"] for c in trace["candidates"])


# A progress comment as server/streaming.py writes it (docs/api.md's Streaming section promises
# one at each phase, and keep-alives between), e.g. `: progress phase=scoring candidates=2
# elapsed_s=0.4`.
PROGRESS = re.compile(r": progress phase=(generating|scoring)( [a-z_]+=[^ ]+)* elapsed_s=\d+\.\d")


def test_httpx_sse_reads_progress_then_chunks(server_url: str) -> None:
    body = {
        "model": EMBEDDED_MODEL_NAME,
        "prompt": "The capital of France is",
        "max_tokens": 16,
        "best_of": 2,
        "stream": True,
    }
    with (
        httpx.Client(timeout=300) as http,
        connect_sse(http, "POST", f"{server_url}/v1/completions", json=body) as source,
    ):
        # httpx-sse drops SSE comments, so the progress lines are read from the raw
        # stream; httpx-sse then parses the same bytes (httpx iterates a read body).
        lines = [line for line in source.response.read().decode().split("\n") if line]
        events = [e.data for e in source.iter_sse()]
    comments = [line for line in lines if line.startswith(":")]
    first_data = next(i for i, line in enumerate(lines) if line.startswith("data:"))
    # Every progress line comes before the answer, each in the documented shape, and the
    # phases in order: generating (with the group size), then scoring (with the count).
    assert comments and lines[: len(comments)] == comments and len(comments) == first_data
    assert all(PROGRESS.fullmatch(line) for line in comments), comments
    assert comments[0].startswith(": progress phase=generating best_of=2 ")
    scoring = [i for i, line in enumerate(comments) if "phase=scoring" in line]
    assert scoring and comments[scoring[0]].startswith(": progress phase=scoring candidates=2 ")
    assert all("phase=generating" in line for line in comments[: scoring[0]])
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert len(chunks) == len(lines) - len(comments) - 1  # every data line is an event
    assert all(c["object"] == "text_completion" for c in chunks)
    assert "".join(c["choices"][0]["text"] for c in chunks).strip()
    assert chunks[-1]["trace"]["endpoint"] == "completions"


def test_a_client_leaving_mid_stream_stops_the_engine(server_url: str) -> None:
    body = {
        "model": EMBEDDED_MODEL_NAME,
        "messages": [{"role": "user", "content": "Write a very long story about a dragon."}],
        "max_tokens": 1500,
        "best_of": 4,
        "stream": True,
    }
    _, aborts_before = _engine_state(server_url)
    with (
        httpx.Client(timeout=120) as http,
        http.stream("POST", f"{server_url}/v1/chat/completions", json=body) as r,
    ):
        lines = r.iter_lines()
        assert next(lines).startswith(": progress phase=generating best_of=4")
        deadline = time.monotonic() + 30
        while _engine_state(server_url)[0] == 0:
            assert time.monotonic() < deadline, "the generation never started"
            time.sleep(0.1)
    # Closed mid-generation: the engine request is aborted and counted.
    deadline = time.monotonic() + 30
    while _engine_state(server_url) != (0, aborts_before + 1):
        assert time.monotonic() < deadline, _engine_state(server_url)
        time.sleep(0.2)
