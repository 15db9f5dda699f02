"""A body over --max-body-bytes gets its 413 read by ordinary clients, over real HTTP.

Answering before the body is read and then closing made the kernel reset the
connection while the client was still sending: httpx and the openai SDK saw a
connection error instead of the 413. Each case runs several times on one server,
because a reset is a race.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings
from tests.server.live_server import live_server

LIMIT = 256 * 1024
TRIES = 5


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    app = create_app(make_settings(max_body_bytes=LIMIT), engine=make_engine())
    with live_server(app) as base:
        yield base


def _big_body() -> bytes:
    content = "x" * (4 * LIMIT)
    return json.dumps({"model": MODEL, "messages": [{"role": "user", "content": content}]}).encode()


def _is_limit_error(body: Any) -> None:
    err = body["error"]
    assert set(err) == {"message", "type", "param", "code"}
    assert err["code"] == "request_too_large" and err["type"] == "invalid_request_error"


@pytest.mark.parametrize("upload", ["content-length", "chunked"])
def test_httpx_reads_the_413(url: str, upload: str) -> None:
    data = _big_body()

    def pieces() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        for i in range(0, len(data), 16 * 1024):
            yield data[i : i + 16 * 1024]

    for _ in range(TRIES):
        with httpx.Client(base_url=url, timeout=60) as client:
            r = client.post(
                "/v1/chat/completions",
                content=data if upload == "content-length" else pieces(),
                headers={"content-type": "application/json"},
            )
            assert r.status_code == 413, r.text
            assert r.headers["connection"] == "close"
            _is_limit_error(r.json())
    # The server is fine afterwards, and a body under the limit goes through.
    r = httpx.post(
        f"{url}/v1/chat/completions",
        json={"model": MODEL, "messages": [{"role": "user", "content": "capital of France?"}]},
        timeout=60,
    )
    assert r.status_code == 200


@pytest.mark.parametrize("upload", ["content-length", "chunked"])
def test_a_client_that_sends_all_before_reading_gets_the_413(url: str, upload: str) -> None:
    """The simplest client (and many behind proxies): send the whole request, then read.

    Before the fix the server answered and closed with the body unread, and the kernel
    reset the connection under the client's feet (ConnectionResetError here).
    """
    data = _big_body()
    host, port = url.removeprefix("http://").split(":")
    if upload == "chunked":
        step = 64 * 1024
        body = b"".join(
            b"%x\r\n%s\r\n" % (len(data[i : i + step]), data[i : i + step])
            for i in range(0, len(data), step)
        )
        framing = b"Transfer-Encoding: chunked\r\n"
        body += b"0\r\n\r\n"
    else:
        body, framing = data, b"Content-Length: %d\r\n" % len(data)
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    for _ in range(TRIES):
        with socket.create_connection((host, int(port)), timeout=60) as sock:
            sock.sendall(head + framing + b"\r\n" + body)
            response = b""
            while chunk := sock.recv(1 << 16):
                response += chunk
        status, _, rest = response.partition(b"\r\n")
        assert status == b"HTTP/1.1 413 Request Entity Too Large", status
        _is_limit_error(json.loads(rest.partition(b"\r\n\r\n")[2]))


def test_openai_sdk_reads_the_413(url: str) -> None:
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=60)
    for _ in range(TRIES):
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "x" * (4 * LIMIT)}]
            )
        assert caught.value.status_code == 413
        _is_limit_error(caught.value.response.json())


def test_expect_100_continue_is_answered_before_the_body_is_sent(url: str) -> None:
    """A client that waits to be asked (curl does for large bodies) is told 413 at once."""
    host, port = url.removeprefix("http://").split(":")
    head = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % (4 * LIMIT)
    )
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(head)  # and no body: it waits for "100 Continue"
        response = b""
        while chunk := sock.recv(1 << 16):
            response += chunk
    status, _, rest = response.partition(b"\r\n")
    assert status == b"HTTP/1.1 413 Request Entity Too Large", status
    _is_limit_error(json.loads(rest.partition(b"\r\n\r\n")[2]))
