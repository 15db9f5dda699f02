"""Server-sent events for ``stream: true``, said honestly.

The best answer is known only once the whole group is generated and scored, so
a stream cannot carry tokens as they are sampled. What it carries instead:

1. SSE comments while the group is generated and scored, one at each phase and
   one every ``--stream-keepalive-s`` (keep-alives that also say how far it got)::

       : progress phase=generating best_of=8 elapsed_s=1.0

2. the selected answer(s) in OpenAI's chunk format (``chat.completion.chunk`` or
   ``text_completion``), split at word boundaries and coalesced (1, 2, 4, ... words a
   chunk, at most ``CHUNK_MAX_WORDS`` words and ``CHUNK_MAX_CHARS`` characters), each
   chunk built only when the previous one has been handed to the server, so a
   connection never holds more than a chunk beyond the server's write buffer;
3. the trace (unless ``trace: "none"``) on the last chunk, and with
   ``stream_options.include_usage`` a last chunk with no choices and the usage;
4. ``data: [DONE]``.

Errors found before the group is admitted (bad input, 429 at capacity) are plain
JSON error responses with their status. Errors after the stream has begun (the
engine fails, the deadline passes) are an ``error`` event, as OpenAI and vLLM
send them, then ``[DONE]``. A client that disconnects cancels the group, which
aborts the engine request; one that stops reading for ``--stream-send-timeout-s``
has its stream closed (see :class:`BoundedStreamingResponse`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Protocol

import anyio
from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from server.errors import APIError, error_body
from server.logprobs import split_by_pieces
from server.protocol import ChatCompletionResponse, CompletionResponse
from server.tools import tool_call_deltas

log = logging.getLogger(__name__)

Result = ChatCompletionResponse | CompletionResponse
DONE = "data: [DONE]\n\n"
_WORD_START = re.compile(r"(?<=\s)(?=\S)")


class EventFormat(Protocol):
    """Another protocol's events for the same stream (the Responses API's named events):
    ``opening`` once the group is admitted, ``body`` for the result, ``failure`` for an
    error after the stream began (the OpenAI error body). No ``[DONE]`` follows."""

    def opening(self) -> Iterator[str]: ...

    def body(self, result: Any) -> Iterator[str]: ...

    def failure(self, body: dict[str, Any]) -> Iterator[str]: ...


class StreamClientGone(Exception):
    """The client disconnected before the stream began."""


def text_pieces(text: str) -> list[str]:
    """Split ``text`` before every word that follows whitespace; the pieces join to ``text``.

    >>> text_pieces("Paris is  big.\\n")
    ['Paris ', 'is  ', 'big.\\n']
    """
    return [p for p in _WORD_START.split(text) if p]


# Coalescing: the answer is known whole, so one word per chunk would only multiply the
# envelope (~150 bytes of JSON around each delta). The first deltas stay small so a
# client shows the answer at once; then each chunk doubles, up to these bounds.
CHUNK_MAX_WORDS = 32
CHUNK_MAX_CHARS = 1024
_PIECE = re.compile(r"\s*\S+\s*|\s+")


def coalesced_pieces(
    text: str, *, max_words: int = CHUNK_MAX_WORDS, max_chars: int = CHUNK_MAX_CHARS
) -> Iterator[str]:
    """Lazily split ``text`` into deltas of 1, 2, 4, ... words (at most ``max_words`` words
    and ``max_chars`` characters each, a longer word cut); the pieces join to ``text``.

    >>> list(coalesced_pieces("The answer is 42."))
    ['The ', 'answer is ', '42.']
    """
    buf: list[str] = []
    words = size = 0
    target = 1
    for match in _PIECE.finditer(text):
        piece = match.group()
        if buf and size + len(piece) > max_chars:
            yield "".join(buf)
            buf, words, size, target = [], 0, 0, min(2 * target, max_words)
        while len(piece) > max_chars:  # one "word" longer than a chunk
            yield piece[:max_chars]
            piece = piece[max_chars:]
        buf.append(piece)
        words += 1
        size += len(piece)
        if words >= target:
            yield "".join(buf)
            buf, words, size, target = [], 0, 0, min(2 * target, max_words)
    if buf:
        yield "".join(buf)


def sse_data(payload: dict[str, Any]) -> str:
    """One SSE event carrying JSON (non-ASCII escaped: the bytes are always valid UTF-8)."""
    return f"data: {json.dumps(payload, ensure_ascii=True, separators=(',', ':'))}\n\n"


def sse_comment(phase: str, info: dict[str, Any], elapsed_s: float) -> str:
    """A progress comment: ``: progress phase=... key=value ... elapsed_s=...``."""
    fields = " ".join(f"{k}={v}" for k, v in info.items() if k != "request_id")
    middle = f" {fields}" if fields else ""
    return f": progress phase={phase}{middle} elapsed_s={elapsed_s:.1f}\n\n"


class _ProgressFeed:
    """Receives the pipeline's phase events (on the loop) for the stream to report."""

    def __init__(self) -> None:
        self.phase = "queued"
        self.info: dict[str, Any] = {}
        self.request_id: str | None = None
        self.admitted = asyncio.Event()
        self.changed = asyncio.Event()

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        self.phase = phase
        self.info = {k: v for k, v in info.items() if k != "request_id"}
        if "request_id" in info:
            self.request_id = str(info["request_id"])
        self.admitted.set()
        self.changed.set()


def _chunks(result: Result, *, include_usage: bool) -> Iterator[dict[str, Any]]:
    """The response as OpenAI stream chunks, built one at a time as the stream is read.

    The trace rides on the last chunk, so one chunk is held back to know which is last.
    """
    held: dict[str, Any] | None = None
    for chunk in _chunks_without_trace(result, include_usage=include_usage):
        if held is not None:
            yield held
        held = chunk
    if held is not None:
        yield held if result.trace is None else {**held, "trace": result.trace}


def _chunks_without_trace(result: Result, *, include_usage: bool) -> Iterator[dict[str, Any]]:
    chat = isinstance(result, ChatCompletionResponse)
    base: dict[str, Any] = {
        "id": result.id,
        "object": "chat.completion.chunk" if chat else "text_completion",
        "created": result.created,
        "model": result.model,
        "system_fingerprint": result.system_fingerprint,
    }
    extra = {"usage": None} if include_usage else {}
    if isinstance(result, ChatCompletionResponse):
        for choice in result.choices:
            msg = choice.message
            # A message that only calls has null content, as OpenAI streams it.
            opening = None if msg.tool_calls and not msg.content else ""
            first: dict[str, Any] = {"role": "assistant", "content": opening}
            pieces = list(coalesced_pieces(msg.content or ""))
            content = (choice.logprobs or {}).get("content")
            # No text to stream (a call-only answer): the tokens' entries ride on the
            # opening delta, so each still arrives once.
            unplaced = {"content": content, "refusal": None} if content and not pieces else None
            yield _chat_chunk(base, choice.index, first, None, extra, unplaced)
            if msg.refusal is not None:
                yield _chat_chunk(base, choice.index, {"refusal": msg.refusal}, None, extra)
            shares = split_by_pieces(pieces, content or [], lambda e: len(e["token"]))
            for piece, share in zip(pieces, shares, strict=True):
                lp = None if content is None else {"content": share, "refusal": None}
                yield _chat_chunk(base, choice.index, {"content": piece}, None, extra, lp)
            for delta in tool_call_deltas(msg.tool_calls or []):
                yield _chat_chunk(base, choice.index, delta, None, extra)
            yield _chat_chunk(base, choice.index, {}, choice.finish_reason, extra)
    else:
        for cchoice in result.choices:
            pieces = list(coalesced_pieces(cchoice.text))
            shares_of = _completion_shares(pieces, cchoice.logprobs)
            for piece, cshare in zip(pieces, shares_of, strict=True):
                yield _text_chunk(base, cchoice.index, piece, None, extra, cshare)
            # No text (only the end token was written): its entry rides on the last chunk.
            rest = cchoice.logprobs if not pieces else None
            yield _text_chunk(base, cchoice.index, "", cchoice.finish_reason, extra, rest)
    if include_usage:
        yield {**base, "choices": [], "usage": result.usage.model_dump()}


def _completion_shares(
    pieces: list[str], logprobs: dict[str, Any] | None
) -> list[dict[str, Any] | None]:
    """The completions ``logprobs`` object cut to each streamed piece."""
    if logprobs is None:
        return [None] * len(pieces)
    rows = list(zip(*(logprobs[k] for k in _COMPLETION_KEYS), strict=True))
    shares = split_by_pieces(pieces, rows, lambda row: len(row[0]))
    return [
        {k: [row[j] for row in share] for j, k in enumerate(_COMPLETION_KEYS)} for share in shares
    ]


_COMPLETION_KEYS = ("tokens", "token_logprobs", "top_logprobs", "text_offset")


def _chat_chunk(
    base: dict[str, Any],
    index: int,
    delta: dict[str, Any],
    finish_reason: str | None,
    extra: dict[str, Any],
    logprobs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    choice = {"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish_reason}
    return {**base, "choices": [choice], **extra}


def _text_chunk(
    base: dict[str, Any],
    index: int,
    text: str,
    finish_reason: str | None,
    extra: dict[str, Any],
    logprobs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    choice = {"index": index, "text": text, "logprobs": logprobs, "finish_reason": finish_reason}
    return {**base, "choices": [choice], **extra}


class _SendTimedOut(Exception):
    """A send to the client waited longer than the stream's send timeout."""


class BoundedStreamingResponse(StreamingResponse):
    """A :class:`StreamingResponse` that gives a stalled client up.

    uvicorn applies backpressure: a ``send`` waits while the connection's write buffer is
    above its high-water mark (64 KiB), and the chunks are built only as they are sent,
    so a connection holds at most that buffer and one chunk. A client that stops
    reading would keep that (and the connection) forever: a send that waits more than
    ``send_timeout_s`` ends the stream, its generator is closed (everything it held is
    freed), and the ASGI call returns with the response unfinished, on which uvicorn
    closes the connection (logging "ASGI callable returned without completing
    response"). What it had buffered is written out if the client ever reads again.
    """

    def __init__(
        self, content: AsyncIterator[str], *, send_timeout_s: float | None, **kwargs: Any
    ) -> None:
        super().__init__(content, **kwargs)
        self.send_timeout_s = send_timeout_s  # None: wait as long as the client takes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def bounded_send(message: Message) -> None:
            with anyio.move_on_after(self.send_timeout_s or math.inf) as waited:
                await send(message)
            if waited.cancelled_caught:
                raise _SendTimedOut

        try:
            await super().__call__(scope, receive, bounded_send)
        except _SendTimedOut:
            client = scope.get("client")
            log.warning(
                "stream_send_timeout: the client %s took nothing for %g s; stream closed",
                f"{client[0]}:{client[1]}" if client else "?",
                self.send_timeout_s,
            )
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                await aclose()


async def _first_of(*aws: Awaitable[Any]) -> None:
    """Wait until the first of ``aws`` finishes; cancel the rest."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()


async def _disconnected(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def _finish(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` and wait for its cancellation (the engine abort) to run through."""
    if task.done():
        return
    task.cancel()
    with anyio.CancelScope(shield=True), contextlib.suppress(BaseException):
        await task


async def stream_response(
    request: Request,
    run: Callable[[Callable[[str, dict[str, Any]], None]], Awaitable[Any]],
    *,
    include_usage: bool,
    keepalive_s: float,
    send_timeout_s: float | None = None,
    headers: dict[str, str] | None = None,
    trace_header: str = "X-Bon-Trace-Id",
    event_format: EventFormat | None = None,
) -> StreamingResponse:
    """Start ``run(progress)`` and answer with its SSE stream once the group is admitted.

    Raises:
        APIError: the request failed before admission (bad input, at capacity): the
            caller's error handlers answer it as JSON with its status.
        StreamClientGone: the client left before admission (the work is cancelled).
    """
    feed = _ProgressFeed()
    started = time.monotonic()
    task: asyncio.Future[Result] = asyncio.ensure_future(run(feed))
    try:
        await _first_of(asyncio.shield(task), feed.admitted.wait(), _disconnected(request))
    except BaseException:
        await _finish(task)
        raise
    if task.done():
        task.result()  # raises the pre-admission error, if any
    elif not feed.admitted.is_set():
        await _finish(task)
        raise StreamClientGone
    out_headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **(headers or {})}
    if feed.request_id:
        out_headers[trace_header] = feed.request_id

    async def events() -> AsyncIterator[str]:
        try:
            for event in event_format.opening() if event_format else ():
                yield event
            reported = ""
            while not task.done():
                if feed.phase != reported:
                    reported = feed.phase
                    yield sse_comment(feed.phase, feed.info, time.monotonic() - started)
                feed.changed.clear()
                with anyio.move_on_after(keepalive_s) as scope:
                    await _first_of(asyncio.shield(task), feed.changed.wait())
                if scope.cancelled_caught and not task.done():
                    yield sse_comment(feed.phase, feed.info, time.monotonic() - started)
            try:
                result = task.result()
            except Exception as exc:
                body = exc.body() if isinstance(exc, APIError) else None
                if body is None:
                    log.exception("stream failed: %s", exc)
                    body = error_body("Internal server error.", "server_error")
                if event_format is not None:
                    for event in event_format.failure(body):
                        yield event
                    return
                yield sse_data(body)
                yield DONE
                return
            if event_format is not None:
                for event in event_format.body(result):
                    yield event
                    await asyncio.sleep(0)
                return
            for chunk in _chunks(result, include_usage=include_usage):
                yield sse_data(chunk)
                # Sending does not suspend while the socket takes the bytes: give the
                # loop its turn between chunks, or a large group holds every other client.
                await asyncio.sleep(0)
            yield DONE
        finally:
            # The client left (the response's task group is cancelled) or we are done.
            await _finish(task)

    return BoundedStreamingResponse(
        events(),
        send_timeout_s=send_timeout_s,
        media_type="text/event-stream",
        headers=out_headers,
    )
