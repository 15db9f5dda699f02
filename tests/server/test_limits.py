"""Limits and hostile input: every one a clean OpenAI-format 4xx, never a 5xx."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings

CHAT = "/v1/chat/completions"


def _body(content: str = "capital of France?", **extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": content}], **extra}


def _raw(client: TestClient, data: bytes, **headers: str) -> Any:
    return client.post(CHAT, content=data, headers={"content-type": "application/json", **headers})


def _error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    err: dict[str, Any] = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"}
    return err


@pytest.fixture
def small() -> Iterator[TestClient]:
    settings = make_settings(max_body_bytes=64 * 1024, max_messages=100)
    with TestClient(create_app(settings, engine=make_engine())) as c:
        yield c


def test_body_over_the_limit_is_413(small: TestClient) -> None:
    big = json.dumps(_body("x" * 100_000)).encode()
    assert _error(_raw(small, big), 413)["code"] == "request_too_large"


def test_body_over_the_limit_without_content_length_is_413(small: TestClient) -> None:
    big = json.dumps(_body("x" * 100_000)).encode()

    def chunks() -> Iterator[bytes]:  # chunked transfer: no Content-Length to trust
        for i in range(0, len(big), 8192):
            yield big[i : i + 8192]

    r = small.post(CHAT, content=chunks(), headers={"content-type": "application/json"})
    assert _error(r, 413)["code"] == "request_too_large"
    # A body under the limit still goes through the same way.
    ok = json.dumps(_body()).encode()
    r = small.post(
        CHAT, content=iter([ok[:10], ok[10:]]), headers={"content-type": "application/json"}
    )
    assert r.status_code == 200


def test_too_many_messages(small: TestClient) -> None:
    messages = [{"role": "user", "content": f"m{i}"} for i in range(10_000)]
    with TestClient(create_app(make_settings(), engine=make_engine())) as c:
        r = c.post(CHAT, json={"model": MODEL, "messages": messages})
    err = _error(r, 400)
    assert err["code"] == "too_many_messages" and err["param"] == "messages"
    assert "10000" in err["message"]
    r = small.post(CHAT, json={"model": MODEL, "messages": messages[:101]})
    assert _error(r, 400)["code"] == "too_many_messages"
    assert small.post(CHAT, json={"model": MODEL, "messages": messages[:100]}).status_code == 200


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("deep arrays", b'{"model": "m", "messages": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"),
        ("deep objects", b'{"a":' * 5_000 + b"1" + b"}" * 5_000),
        ("invalid utf-8", b'{"model": "\xff\xfe", "messages": []}'),
        ("raw control char", b'{"model": "m", "messages": [{"role": "user", "content": "a\x01"}]}'),
        ("truncated", b'{"model": "m", "messages": [{"role": "us'),
        ("not an object", b"[1, 2, 3]"),
        ("empty", b""),
        ("nul bytes", b"\x00" * 1000),
    ],
)
def test_malformed_bodies_are_400(small: TestClient, name: str, data: bytes) -> None:
    _error(_raw(small, data), 400)


def test_escaped_control_characters_are_served(small: TestClient) -> None:
    r = small.post(CHAT, json=_body("capital of France?\u0000\u0007\u001b[31m\u202e"))
    assert r.status_code == 200, r.text


def test_server_limits_on_group_and_tokens() -> None:
    settings = make_settings(max_best_of=8, max_tokens_limit=100, default_max_tokens=50)
    with TestClient(create_app(settings, engine=make_engine())) as c:
        assert _error(c.post(CHAT, json=_body(best_of=9)), 400)["param"] == "best_of"
        assert _error(c.post(CHAT, json=_body(n=9)), 400)["param"] == "n"
        assert _error(c.post(CHAT, json=_body(max_tokens=101)), 400)["param"] == "max_tokens"
        r = c.post(CHAT, json=_body(max_completion_tokens=101))
        assert _error(r, 400)["param"] == "max_completion_tokens"
        assert c.post(CHAT, json=_body(best_of=8, max_tokens=100)).status_code == 200


def test_client_deadline_shortens_the_server_one() -> None:
    engine = make_engine(delay_s=10.0)
    with TestClient(create_app(make_settings(), engine=engine)) as c:
        t0 = time.monotonic()
        err = _error(c.post(CHAT, json=_body(deadline_s=0.3)), 504)
        assert time.monotonic() - t0 < 5  # not the engine's 10 s
        assert err["code"] == "timeout" and "0.3 s" in err["message"]
        assert len(engine.aborted_requests) == 1 and not engine.active_requests
        text = c.get("/metrics").text
    assert 'bon_engine_aborts_total{reason="timeout"} 1.0' in text


def test_client_deadline_cannot_extend_the_server_one() -> None:
    engine = make_engine(delay_s=10.0)
    with TestClient(create_app(make_settings(request_timeout_s=0.3), engine=engine)) as c:
        t0 = time.monotonic()
        _error(c.post(CHAT, json=_body(deadline_s=60)), 504)
        assert time.monotonic() - t0 < 5  # not the engine's 10 s


@pytest.mark.parametrize("bad", [0, -1, "5", True, 1e9])
def test_invalid_deadlines_are_400(small: TestClient, bad: Any) -> None:
    assert _error(small.post(CHAT, json=_body(deadline_s=bad)), 400)["param"] == "deadline_s"


def test_openapi_documents_the_limits_and_their_errors(small: TestClient) -> None:
    schema = small.get("/openapi.json").json()
    chat = schema["paths"][CHAT]["post"]
    for status in ("400", "401", "404", "413", "429", "502", "503", "504"):
        assert status in chat["responses"], status
    assert "stream: true" in chat["responses"]["200"]["description"]
    fields = schema["components"]["schemas"]["ChatCompletionRequest"]["properties"]
    assert {"deadline_s", "stream", "stream_options", "best_of", "trace"} <= set(fields)
