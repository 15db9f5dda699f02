"""Optional API keys: ``Authorization: Bearer KEY`` on every route but ``/health``.

Keys come from ``--api-keys`` / ``BON_API_KEYS`` (comma-separated) and
``--api-keys-file`` (one key a line, ``#`` comments), together. With no key
configured the server is open (the default, for loopback use). ``/metrics``
needs a key too unless ``--metrics-require-key false``.

Keys are compared with :func:`hmac.compare_digest` against every configured key
(no early exit), so the time taken says nothing about how close a guess was.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from pathlib import Path

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import error_body, error_response

OPEN_PATHS = frozenset({"/health"})


def load_api_keys(keys: str | None, keys_file: Path | None) -> frozenset[str]:
    """The configured keys (empty: auth is off).

    Raises:
        ValueError: the file cannot be read or a key is unusable (whitespace inside,
            or shorter than 8 characters).
    """
    found: list[str] = []
    if keys:
        found += [k.strip() for k in keys.split(",") if k.strip()]
    if keys_file is not None:
        try:
            text = keys_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read the API keys file {keys_file}: {exc}") from exc
        lines = (line.strip() for line in text.splitlines())
        file_keys = [line for line in lines if line and not line.startswith("#")]
        if not file_keys:
            raise ValueError(f"the API keys file {keys_file} holds no key")
        found += file_keys
    for key in found:
        if len(key) < 8 or any(c.isspace() for c in key) or not key.isprintable():
            raise ValueError(
                "an API key must be at least 8 printable characters without whitespace"
            )
    return frozenset(found)


def key_matches(candidate: str, keys: Iterable[str]) -> bool:
    """Constant-time membership: every key is compared, whatever matched."""
    given = candidate.encode("utf-8", "surrogateescape")
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(given, key.encode("utf-8"))
    return ok


class APIKeyMiddleware:
    """Refuses requests without a valid key with an OpenAI-format 401 (pure ASGI)."""

    def __init__(self, app: ASGIApp, *, keys: frozenset[str], protect_metrics: bool) -> None:
        self.app = app
        self.keys = keys
        self.open_paths = OPEN_PATHS if protect_metrics else OPEN_PATHS | {"/metrics"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        auth = Headers(scope=scope).get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and token.strip() and key_matches(token.strip(), self.keys):
            await self.app(scope, receive, send)
            return
        if not auth:
            message = (
                "You didn't provide an API key. Send it in the Authorization header "
                "(Authorization: Bearer YOUR_KEY)."
            )
        else:
            message = "Incorrect API key provided."
        body = error_body(message, "invalid_request_error", None, "invalid_api_key")
        response = error_response(401, body, {"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)
