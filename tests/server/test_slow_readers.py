"""Ten clients that read 100 bytes of a large stream and stall, against a real server.

The server (``bon-server serve`` in a subprocess, scripted engine) must keep answering
``/health`` and other requests, and close the stalled streams after
``--stream-send-timeout-s``. Every wait polls a condition under a generous deadline;
nothing asserts how long anything took.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from server.config import EMBEDDED_MODEL_NAME
from server.process import running_server

READERS = 10
N = 16
# Each answer is 16,000 words of four emoji: JSON-escaped (12 bytes an emoji, a surrogate
# pair) a stream is about 12 MB, three times what the kernel buffers on loopback for a
# client that stops reading (about 4 MB here, with the default tcp_wmem), so its stream
# makes the server's writes wait, while the text to score stays small. (A small
# SO_RCVBUF would back it up sooner, but loopback TCP then drains at ~10 KB/s.)
WORDS = 16_000
WORD = "\U0001f600" * 4
TIMEOUT_LINE = "stream_send_timeout"


def _script(path: Path) -> Path:
    big = " ".join([WORD] * WORDS)
    path.write_text(
        yaml.safe_dump(
            {
                "rules": [
                    {"match": "capital of France", "candidates": [{"text": "Paris."}]},
                    {"candidates": [{"text": f"{big} {k}."} for k in range(N)]},
                ]
            }
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("slow")
    log = tmp / "server.log"
    args = [
        "--engine",
        "scripted",
        "--script",
        str(_script(tmp / "script.yaml")),
        "--max-best-of",
        str(N),
        "--max-tokens-limit",
        str(WORDS * 2),
        "--stream-send-timeout-s",
        "1",
    ]
    with running_server(args, log_path=log, start_timeout_s=120) as url:
        yield url, log


def _request(host: str, port: int) -> bytes:
    body = json.dumps(
        {
            "model": EMBEDDED_MODEL_NAME,
            "messages": [{"role": "user", "content": "write a lot"}],
            "n": N,
            "best_of": N,
            "max_tokens": WORDS * 2,
            "stream": True,
            "trace": "none",
        }
    ).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _slow_reader(url: str) -> socket.socket:
    """Send a streaming request, read 100 bytes, then stop reading."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(120)
    sock.connect((host, int(port)))
    sock.sendall(_request(host, int(port)))
    got = b""
    while len(got) < 100:
        data = sock.recv(100 - len(got))
        assert data, "the server closed the connection before sending anything"
        got += data
    assert got.startswith(b"HTTP/1.1 200")
    return sock


def _drain(sock: socket.socket) -> bytes:
    """Everything left on the connection, until the server closes it (EOF or reset)."""
    sock.settimeout(60)
    chunks = []
    try:
        while data := sock.recv(1 << 16):
            chunks.append(data)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def _wait_for(condition: object, what: str, deadline_s: float = 300) -> None:
    assert callable(condition)
    deadline = time.monotonic() + deadline_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def test_slow_readers_leave_the_server_answering_and_are_closed(
    server: tuple[str, Path],
) -> None:
    url, log = server
    readers = [_slow_reader(url) for _ in range(READERS)]
    try:
        # Other clients are served while ten streams are stuck.
        with httpx.Client(base_url=url, timeout=60) as client:
            assert client.get("/health").status_code == 200
            r = client.post(
                "/v1/chat/completions",
                json={
                    "model": EMBEDDED_MODEL_NAME,
                    "messages": [{"role": "user", "content": "capital of France?"}],
                },
            )
            assert r.status_code == 200, r.text
            assert r.json()["choices"][0]["message"]["content"] == "Paris."
            assert client.get("/health").status_code == 200
        # After the send timeout the server gives each stuck stream up and says so.
        _wait_for(
            lambda: log.read_text(errors="replace").count(TIMEOUT_LINE) >= READERS,
            "the server to close the stalled streams",
        )
        for sock in readers:
            rest = _drain(sock)
            # Cut short: no [DONE], no end of the chunked body; and the socket is closed.
            assert b"data: [DONE]" not in rest
            assert not rest.endswith(b"0\r\n\r\n")
    finally:
        for sock in readers:
            sock.close()
    with httpx.Client(base_url=url, timeout=60) as client:
        assert client.get("/health").status_code == 200
