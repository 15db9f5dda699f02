"""logprobs / top_logprobs for the returned choices (issue 12): OpenAI's shapes exactly,
parsed with the openai SDK's types, on chat, completions, streams and Responses; the
bounds; and memory kept bounded for a large group (the scripted engine's values are
deterministic: each word token at the candidate's mean log-probability)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient
from openai.types import Completion
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from server.app import create_app
from server.logprobs import MAX_LOGPROB_ENTRIES
from tests.conftest import MODEL, make_engine, make_settings
from tests.server.live_server import live_server

USER = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def engine() -> Any:
    return make_engine()


@pytest.fixture(scope="module")
def http(engine: Any) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(), engine=engine)) as c:
        yield c


@pytest.fixture(scope="module")
def sdk(engine: Any) -> Iterator[openai.OpenAI]:
    with live_server(create_app(make_settings(), engine=engine)) as url:
        yield openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)


def _check_entries(entries: list[Any], text: str, top: int) -> None:
    assert "".join(e.token for e in entries) == text
    for e in entries:
        assert math.isfinite(e.logprob) and e.logprob <= 0
        assert e.bytes == list(e.token.encode())
        assert len(e.top_logprobs) == top
        values = [t.logprob for t in e.top_logprobs]
        assert values == sorted(values, reverse=True)
        if top:
            assert e.top_logprobs[0].token == e.token


def test_chat_logprobs_in_openai_shape(http: TestClient, engine: Any) -> None:
    r = http.post(
        "/v1/chat/completions",
        json={"model": MODEL, "messages": USER, "logprobs": True, "top_logprobs": 3, "n": 2},
    )
    assert r.status_code == 200, r.text
    done = ChatCompletion.model_validate(r.json())
    assert engine.requests_seen[-1].logprobs == 3
    for choice in done.choices:
        assert choice.logprobs is not None and choice.logprobs.content is not None
        _check_entries(choice.logprobs.content, choice.message.content or "", 3)


def test_chat_logprobs_without_alternatives(sdk: openai.OpenAI) -> None:
    done = sdk.chat.completions.create(model=MODEL, messages=USER, logprobs=True)
    content = done.choices[0].logprobs.content  # type: ignore[union-attr]
    assert content is not None
    _check_entries(content, done.choices[0].message.content or "", 0)


def test_no_logprobs_unless_asked(http: TestClient, engine: Any) -> None:
    r = http.post("/v1/chat/completions", json={"model": MODEL, "messages": USER})
    assert r.json()["choices"][0]["logprobs"] is None
    assert engine.requests_seen[-1].logprobs is None
    r = http.post(
        "/v1/chat/completions", json={"model": MODEL, "messages": USER, "logprobs": False}
    )
    assert r.json()["choices"][0]["logprobs"] is None


def test_completions_logprobs_in_openai_shape(http: TestClient) -> None:
    r = http.post("/v1/completions", json={"model": MODEL, "prompt": "capital", "logprobs": 2})
    assert r.status_code == 200, r.text
    done = Completion.model_validate(r.json())
    lp = done.choices[0].logprobs
    assert lp is not None and lp.tokens and lp.token_logprobs and lp.top_logprobs
    assert lp.text_offset is not None
    text = done.choices[0].text
    assert "".join(lp.tokens) == text
    assert [text[o:].startswith(t) for o, t in zip(lp.text_offset, lp.tokens, strict=True)]
    assert all(len(top) == 2 for top in lp.top_logprobs)


def test_chat_stream_carries_the_logprobs_of_each_delta(sdk: openai.OpenAI) -> None:
    stream = sdk.chat.completions.create(
        model=MODEL, messages=USER, logprobs=True, top_logprobs=2, stream=True
    )
    text, entries = "", []
    for chunk in stream:
        for choice in chunk.choices:
            text += choice.delta.content or ""
            if choice.logprobs is not None and choice.logprobs.content:
                entries += choice.logprobs.content
    _check_entries(entries, text, 2)


def test_completions_stream_logprobs(http: TestClient) -> None:
    import json

    body = {"model": MODEL, "prompt": "capital", "logprobs": 1, "stream": True}
    with http.stream("POST", "/v1/completions", json=body) as r:
        lines = [x for x in r.iter_lines() if x.startswith("data: {")]
    tokens: list[str] = []
    text = ""
    for line in lines:
        choice = json.loads(line.removeprefix("data: "))["choices"][0]
        text += choice["text"]
        if choice["logprobs"]:
            tokens += choice["logprobs"]["tokens"]
    assert "".join(tokens) == text and tokens


def test_responses_logprobs(sdk: openai.OpenAI) -> None:
    raw = sdk.responses.with_raw_response.create(
        model=MODEL,
        input="capital of France?",
        top_logprobs=2,
        include=["message.output_text.logprobs"],
    )
    response = Response.model_validate(raw.http_response.json())
    part = response.output[0].content[0]  # type: ignore[union-attr]
    assert part.type == "output_text" and part.logprobs
    assert "".join(e.token for e in part.logprobs) == part.text
    assert all(len(e.top_logprobs) == 2 for e in part.logprobs)


@pytest.mark.parametrize(
    ("path", "extra", "param"),
    [
        ("/v1/chat/completions", {"logprobs": True, "top_logprobs": 21}, "top_logprobs"),
        ("/v1/chat/completions", {"logprobs": True, "top_logprobs": -1}, "top_logprobs"),
        ("/v1/chat/completions", {"top_logprobs": 2}, "top_logprobs"),
        ("/v1/chat/completions", {"logprobs": "yes"}, "logprobs"),
        ("/v1/completions", {"logprobs": 6}, "logprobs"),
        ("/v1/completions", {"logprobs": -1}, "logprobs"),
    ],
)
def test_bad_logprobs_values_are_a_400(
    http: TestClient, path: str, extra: dict[str, Any], param: str
) -> None:
    body = {"model": MODEL, **extra}
    body.update({"messages": USER} if "chat" in path else {"prompt": "capital"})
    r = http.post(path, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == param


def test_a_group_over_the_memory_bound_is_refused_up_front(http: TestClient, engine: Any) -> None:
    seen = len(engine.requests_seen)
    body = {
        "model": MODEL,
        "messages": USER,
        "logprobs": True,
        "top_logprobs": 20,
        "best_of": 64,
        "max_tokens": 2048,
    }
    r = http.post("/v1/chat/completions", json=body)
    assert r.status_code == 400
    assert f"{MAX_LOGPROB_ENTRIES:,}" in r.json()["error"]["message"]
    assert len(engine.requests_seen) == seen  # refused before the engine ran


def test_the_largest_group_at_default_tokens_is_served(http: TestClient) -> None:
    body = {"model": MODEL, "messages": USER, "logprobs": True, "top_logprobs": 20, "best_of": 64}
    r = http.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    assert len(r.json()["choices"][0]["logprobs"]["content"][0]["top_logprobs"]) == 20
