"""stream=true over real HTTP (uvicorn on loopback), read by the openai SDK and httpx-sse."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from httpx_sse import connect_sse
from prometheus_client.parser import text_string_to_metric_families

from server.app import create_app
from server.engines.scripted import ScriptedEngine
from server.streaming import text_pieces
from tests.conftest import MODEL, make_engine, make_settings
from tests.server.live_server import live_server

MATH_Q = "Tom has 12 bags of 3 apples and 6 more apples. How many apples does he have?"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, ScriptedEngine]]:
    engine = make_engine(delay_s=0.05)
    app = create_app(make_settings(stream_keepalive_s=0.2), engine=engine)
    with live_server(app) as url:
        yield url, engine


@pytest.fixture(scope="module")
def sdk(served: tuple[str, ScriptedEngine]) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{served[0]}/v1", api_key="unused", max_retries=0)


def _chat_body(content: str = MATH_Q, **extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": content}], **extra}


def _raw_stream(url: str, path: str, body: dict[str, Any]) -> tuple[httpx.Response, list[str]]:
    with httpx.stream("POST", f"{url}{path}", json=body, timeout=120) as r:
        lines = list(r.iter_lines())
    return r, lines


def test_text_pieces_join_back_exactly() -> None:
    for text in ["", "one", "  lead and trail  ", "a\n\nb\tc  d", "Ünïcode wörds 42"]:
        assert "".join(text_pieces(text)) == text
    assert len(text_pieces("The answer is 42.")) == 4


def test_sdk_streams_the_same_answer_as_without_stream(sdk: openai.OpenAI) -> None:
    plain = sdk.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": MATH_Q}], extra_body={"best_of": 4}
    )
    stream = sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": MATH_Q}],
        stream=True,
        stream_options={"include_usage": True},
        extra_body={"best_of": 4, "trace": "summary"},
    )
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content_chunks) > 1, "the answer is sent in several chunks"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert [c.choices[0].finish_reason for c in finals] == ["stop"]
    # include_usage: a last chunk without choices carries the usage of the whole group.
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None and last.usage.completion_tokens == plain.usage.completion_tokens  # type: ignore[union-attr]
    assert all(c.usage is None for c in chunks[:-1])
    trace = (last.model_extra or {})["trace"]
    assert trace["id"] == last.id and trace["group_size"] == 4


def test_httpx_sse_reads_chunks_and_done(served: tuple[str, ScriptedEngine]) -> None:
    url, _ = served
    with (
        httpx.Client(timeout=120) as client,
        connect_sse(
            client, "POST", f"{url}/v1/chat/completions", json=_chat_body(best_of=4, stream=True)
        ) as source,
    ):
        assert source.response.headers["content-type"].startswith("text/event-stream")
        trace_id = source.response.headers["x-bon-trace-id"]
        events = [sse.data for sse in source.iter_sse()]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(d) for d in events[:-1]]
    assert {c["id"] for c in chunks} == {trace_id}
    assert "42" in "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "trace" in chunks[-1] and all("trace" not in c for c in chunks[:-1])
    assert all("usage" not in c for c in chunks), "no usage without include_usage"
    # The stored trace is the streamed one.
    assert httpx.get(f"{url}/v1/traces/{trace_id}").json() == chunks[-1]["trace"]


def test_progress_comments_are_sent_while_the_group_runs() -> None:
    engine = make_engine(delay_s=1.0)
    app = create_app(make_settings(stream_keepalive_s=0.2), engine=engine)
    with live_server(app) as url:
        r, lines = _raw_stream(url, "/v1/chat/completions", _chat_body(best_of=4, stream=True))
    assert r.status_code == 200
    comments = [line for line in lines if line.startswith(":")]
    generating = [c for c in comments if "phase=generating" in c]
    assert len(generating) >= 3, comments  # 1 s of generation at 0.2 s keep-alives
    assert "best_of=4" in generating[0]
    assert any("phase=scoring candidates=4" in c for c in comments)
    # Comments come before any data, and the stream ends with [DONE].
    first_data = next(i for i, line in enumerate(lines) if line.startswith("data:"))
    assert all(not line.startswith(":") for line in lines[first_data:])
    assert lines[-1] == "data: [DONE]" or lines[-2] == "data: [DONE]"


def test_completions_stream(sdk: openai.OpenAI) -> None:
    plain = sdk.completions.create(model=MODEL, prompt="The capital of France is", best_of=3)
    chunks = list(
        sdk.completions.create(
            model=MODEL, prompt="The capital of France is", best_of=3, stream=True
        )
    )
    assert all(c.object == "text_completion" for c in chunks)
    assert "".join(c.choices[0].text for c in chunks) == plain.choices[0].text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["trace"]["endpoint"] == "completions"


def test_n_answers_stream_as_separate_choices(sdk: openai.OpenAI) -> None:
    chunks = list(
        sdk.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": MATH_Q}],
            n=2,
            stream=True,
            extra_body={"best_of": 4, "trace": "none"},
        )
    )
    texts: dict[int, str] = {}
    for c in chunks:
        for ch in c.choices:
            texts[ch.index] = texts.get(ch.index, "") + (ch.delta.content or "")
        assert "trace" not in (c.model_extra or {})
    assert sorted(texts) == [0, 1] and texts[0] != texts[1]


def test_all_vetoed_streams_a_refusal(sdk: openai.OpenAI) -> None:
    chunks = list(
        sdk.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "all leak please"}],
            stream=True,
            extra_body={"best_of": 2},
        )
    )
    refusal = "".join(c.choices[0].delta.refusal or "" for c in chunks if c.choices)
    assert refusal and "blocked" in refusal
    assert all(not (c.choices and c.choices[0].delta.content) for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "content_filter"


def test_errors_before_admission_are_plain_json(served: tuple[str, ScriptedEngine]) -> None:
    url, _ = served
    r = httpx.post(
        f"{url}/v1/chat/completions", json={**_chat_body(stream=True), "model": "nope"}, timeout=10
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    r = httpx.post(f"{url}/v1/chat/completions", json=_chat_body(stream=True, rewards=["nope"]))
    assert r.status_code == 400 and r.json()["error"]["param"] == "rewards"
    r = httpx.post(
        f"{url}/v1/chat/completions", json=_chat_body(stream_options={"include_usage": True})
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "stream_options"


def test_over_capacity_stream_is_a_429() -> None:
    app = create_app(
        make_settings(max_concurrent_groups=1, stream_keepalive_s=0.2),
        engine=make_engine(delay_s=1.5),
    )
    with live_server(app) as url, httpx.Client(timeout=120) as client:
        with client.stream("POST", f"{url}/v1/chat/completions", json=_chat_body(stream=True)) as r:
            # Keep the iterator: a dropped one closes the connection (httpx), a disconnect.
            lines = r.iter_lines()
            assert next(lines).startswith(": progress phase=generating")
            second = client.post(f"{url}/v1/chat/completions", json=_chat_body(stream=True))
            assert second.status_code == 429
            assert second.headers["retry-after"] == "1"
            rest = list(lines)
        assert "data: [DONE]" in rest


def test_engine_failure_mid_stream_is_an_error_event(
    served: tuple[str, ScriptedEngine], sdk: openai.OpenAI
) -> None:
    url, _ = served
    r, lines = _raw_stream(url, "/v1/chat/completions", _chat_body("explode", stream=True))
    assert r.status_code == 200  # the stream had begun: the error is an event
    data = [line[len("data: ") :] for line in lines if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    error = json.loads(data[-2])["error"]
    assert error["code"] == "engine_error" and error["type"] == "service_unavailable"
    with pytest.raises(openai.APIError, match="simulated engine failure"):
        list(
            sdk.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "explode"}], stream=True
            )
        )


def test_deadline_mid_stream_is_a_timeout_event() -> None:
    engine = make_engine(delay_s=5.0)
    app = create_app(make_settings(stream_keepalive_s=0.2), engine=engine)
    with live_server(app) as url:
        t0 = time.monotonic()
        _, lines = _raw_stream(url, "/v1/chat/completions", _chat_body(stream=True, deadline_s=0.5))
        assert time.monotonic() - t0 < 4
    data = [line for line in lines if line.startswith("data: {")]
    assert json.loads(data[-1][6:])["error"]["code"] == "timeout"
    assert len(engine.aborted_requests) == 1 and not engine.active_requests


def _aborts(url: str) -> dict[str, float]:
    text = httpx.get(f"{url}/metrics").text
    return {
        s.labels["reason"]: s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "bon_engine_aborts_total"
    }


def test_client_leaving_mid_stream_aborts_the_engine_request() -> None:
    engine = make_engine(delay_s=10.0)
    app = create_app(make_settings(stream_keepalive_s=0.2), engine=engine)
    with live_server(app) as url:
        with httpx.Client(timeout=120) as client:
            body = _chat_body(stream=True)
            with client.stream("POST", f"{url}/v1/chat/completions", json=body) as r:
                trace_id = r.headers["x-bon-trace-id"]
                lines = r.iter_lines()
                assert next(lines).startswith(": progress")
                assert engine.active_requests == {trace_id}
        # The response is closed: the server notices and cancels the group.
        deadline = time.monotonic() + 5
        while engine.active_requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not engine.active_requests
        assert engine.aborted_requests == [trace_id]
        assert _aborts(url)["client_disconnect"] == 1


def test_adaptive_group_streams_its_rounds(served: tuple[str, ScriptedEngine]) -> None:
    url, _ = served
    body = _chat_body(best_of="auto", best_of_budget=8, stream=True)
    r, lines = _raw_stream(url, "/v1/chat/completions", body)
    assert r.status_code == 200 and r.headers["x-bon-trace-id"].startswith("chatcmpl-")
    assert any("phase=generating round=1" in line for line in lines)
    chunks = [json.loads(line[6:]) for line in lines if line.startswith("data: {")]
    assert chunks[-1]["trace"]["id"] == r.headers["x-bon-trace-id"]
    assert "42" in "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
