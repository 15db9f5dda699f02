"""``x-request-id`` on every response: the client's own when it is safe to echo, else a new one.

A client's id is echoed only when it is 1..128 characters of ``[A-Za-z0-9._:-]``
(what tracing systems use: UUIDs, W3C-style ids, ``req_...``), so a header can never
carry a newline, markup or an unbounded string into the response or the logs. The id
is also put in the ASGI scope's ``state`` (``request.state.request_id``).
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
MAX_LENGTH = 128
_SAFE = re.compile(rb"[A-Za-z0-9._:-]{1,%d}" % MAX_LENGTH)


def request_id_of(scope: Scope) -> str:
    """The client's ``x-request-id`` if it is safe to echo, else a new random one."""
    for name, value in scope.get("headers", ()):
        if name == HEADER.encode() and _SAFE.fullmatch(value):
            return bytes(value).decode("ascii")
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Sets ``x-request-id`` on every HTTP response, errors from other middleware included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        await self.app(scope, receive, send_with_id)
