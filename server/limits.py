"""Request body limits, enforced before the framework parses anything.

:class:`BodyLimitMiddleware` (pure ASGI) refuses a body over ``--max-body-bytes``
with an OpenAI-format 413, whether the client declared its length or streams it
chunked, and never buffers more than the limit. (JSON nested too deep for the
parser is a 400 from the framework already.)

Before it answers, it reads and discards the rest of the body, up to
``DRAIN_FACTOR`` times the limit and for at most ``DRAIN_TIMEOUT_S``: closing a
connection with unread bytes makes the kernel reset it, and a client still sending
(or one that reads only after sending) then loses the 413 to a "connection reset".
A body declared larger than that bound, or one announced with
``Expect: 100-continue`` (the client waits to be asked), is answered at once.

The other limits (``best_of``, ``max_tokens``, messages, prompt length) are
checked in :mod:`server.serving`; concurrent groups in :mod:`server.pipeline`.
"""

from __future__ import annotations

import anyio
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import error_body, error_response

DRAIN_FACTOR = 8
DRAIN_TIMEOUT_S = 10.0


class BodyLimitMiddleware:
    """Reads the body up to ``max_bytes`` (413 beyond), then replays it to the app."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            drain = (
                int(declared) <= self.max_bytes * DRAIN_FACTOR
                and headers.get("expect", "").lower() != "100-continue"
            )
            if not drain or await self._drain(receive):
                await self._refuse_size(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                if not message.get("more_body", False) or await self._drain(receive, size):
                    await self._refuse_size(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _drain(self, receive: Receive, already: int = 0) -> bool:
        """Read and discard the rest of the body, within the bounds; False if the client left."""
        budget = self.max_bytes * DRAIN_FACTOR - already
        with anyio.move_on_after(DRAIN_TIMEOUT_S):
            while budget > 0:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return False
                budget -= len(message.get("body", b""))
                if not message.get("more_body", False):
                    break
        return True

    async def _refuse_size(self, scope: Scope, receive: Receive, send: Send) -> None:
        msg = f"Request body exceeds this server's limit of {self.max_bytes} bytes."
        body = error_body(msg, "invalid_request_error", None, "request_too_large")
        await error_response(413, body, {"Connection": "close"})(scope, receive, send)
