"""Stream chunks are produced lazily, coalesced, and never all held at once.

The probe sits at the ASGI ``send`` of the app: what it records there is what the server
had built when it sent a message, so nothing here depends on timing.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import streaming
from server.app import create_app
from server.streaming import CHUNK_MAX_CHARS, CHUNK_MAX_WORDS, coalesced_pieces, text_pieces
from tests.conftest import MODEL, make_engine, make_settings

WORDS = 2000
N = 8


class _Probe:
    """Records, at the first and last ``data:`` message sent, how many chunks were built."""

    def __init__(self, app: ASGIApp, *, built: list[int], at: dict[str, Any]) -> None:
        self.app = app
        self.built = built
        self.at = at

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ticks = [0]
        stop = asyncio.Event()

        async def ticker() -> None:  # runs only when the stream yields to the loop
            while not stop.is_set():
                ticks[0] += 1
                await asyncio.sleep(0)

        task: asyncio.Task[None] | None = None

        async def probe(message: Message) -> None:
            nonlocal task
            if message["type"] == "http.response.body" and b"data: {" in message.get("body", b""):
                if "first_built" not in self.at:
                    self.at["first_built"] = self.built[0]
                    task = asyncio.ensure_future(ticker())
                    await asyncio.sleep(0)
                    self.at["first_ticks"] = ticks[0]
                self.at["last_ticks"] = ticks[0]
            await send(message)

        try:
            await self.app(scope, receive, probe)
        finally:
            stop.set()
            if task is not None:
                await task


def _big_script() -> dict[str, Any]:
    text = " ".join(f"w{i}" for i in range(WORDS))
    return {"rules": [{"candidates": [{"text": f"{text} v{k}."} for k in range(N)]}]}


@pytest.mark.parametrize("endpoint", ["chat", "completions"])
def test_first_chunk_is_sent_before_later_chunks_are_built(
    monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    built = [0]
    name = "_chat_chunk" if endpoint == "chat" else "_text_chunk"
    real = getattr(streaming, name)

    def counting(*args: Any, **kwargs: Any) -> dict[str, Any]:
        built[0] += 1
        result: dict[str, Any] = real(*args, **kwargs)
        return result

    monkeypatch.setattr(streaming, name, counting)
    at: dict[str, Any] = {}
    settings = make_settings(max_best_of=N, max_tokens_limit=4096)
    app = create_app(settings, engine=make_engine(_big_script()))
    app.add_middleware(_Probe, built=built, at=at)
    if endpoint == "chat":
        path = "/v1/chat/completions"
        body: dict[str, Any] = {"messages": [{"role": "user", "content": "hi"}]}
    else:
        path = "/v1/completions"
        body = {"prompt": "hi"}
    with TestClient(app) as client:
        r = client.post(
            path,
            json={"model": MODEL, "n": N, "best_of": N, "max_tokens": 4096, "stream": True, **body},
        )
    assert r.status_code == 200, r.text
    events = [line[6:] for line in r.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    # Lazy: when the first chunk went out, at most it and the one held back for the
    # trace had been built; all of them were built by the end.
    assert at["first_built"] <= 2
    assert built[0] == len(chunks)
    # The stream let other tasks run between its chunks (it yields to the loop).
    assert at["last_ticks"] > at["first_ticks"]
    # Coalesced: far fewer chunks than words, and every answer intact, in order.
    assert len(chunks) < N * WORDS / 10
    texts: dict[int, str] = {}
    for c in chunks:
        for ch in c["choices"]:
            piece = ch["delta"].get("content", "") if endpoint == "chat" else ch["text"]
            texts[ch["index"]] = texts.get(ch["index"], "") + (piece or "")
    assert sorted(texts) == list(range(N))
    assert all(t.startswith("w0 w1 ") and t.endswith(".") for t in texts.values())
    assert len({t for t in texts.values()}) == N
    # Choices stream one after another: indices never go back.
    order = [c["choices"][0]["index"] for c in chunks if c["choices"]]
    assert order == sorted(order)


def test_coalesced_pieces_join_back_and_grow_to_a_bound() -> None:
    for text in ["", "one", "  lead and trail  ", "a\n\nb\tc  d", "Ünïcode wörds 42", "   "]:
        assert "".join(coalesced_pieces(text)) == text
        assert "".join(text_pieces(text)) == text
    text = " ".join(f"w{i}" for i in range(1000))
    pieces = list(coalesced_pieces(text))
    assert "".join(pieces) == text
    counts = [len(p.split()) for p in pieces]
    # Small first (a client shows the answer at once), then up to the bound.
    assert counts[:4] == [1, 2, 4, 8]
    assert max(counts) == CHUNK_MAX_WORDS
    assert sum(counts) == 1000
    # A short answer is still sent in several chunks.
    assert list(coalesced_pieces("The answer is 42.")) == ["The ", "answer is ", "42."]


def test_a_piece_never_exceeds_the_character_bound() -> None:
    long_word = "x" * (CHUNK_MAX_CHARS * 3 + 5)
    text = f"a {long_word} b " + "y" * 600 + " " + "z" * 600
    pieces = list(coalesced_pieces(text))
    assert "".join(pieces) == text
    assert all(len(p) <= CHUNK_MAX_CHARS for p in pieces)
