"""Optional API keys: ``Authorization: Bearer KEY`` on every route but ``/health``.

Keys come from ``--api-keys`` / ``BON_API_KEYS`` (comma-separated) and
``--api-keys-file`` (one key a line, ``#`` comments), together. With no key
configured the server is open (the default, for loopback use). ``/metrics``
needs a key too unless ``--metrics-require-key false``; it is server-wide (every
tenant's traffic and refusals), so where operator keys are configured it needs an
operator key (a tenant's key gets a 403).

Operator keys (``--operator-keys``, ``--operator-keys-file``, same format) are
keys too, and read every caller's traces; an ordinary key reads only its own.

Every request is made by a :class:`Caller`: its *owner* is ``sha256:`` and the
SHA-256 hex digest of the key (never the key itself), or ``anonymous`` when no
key is configured. Traces are stored under their caller's owner.

The trace viewer (``/traces``, ``/traces/{id}``) is opened by browsers, which
cannot add a Bearer header: there, and only there, HTTP Basic auth is accepted
too (any user name, the key as the password), and a 401 carries a ``Basic``
challenge so the browser asks for it. Keys never go in URLs.

Keys are compared with :func:`hmac.compare_digest` against every configured key
(no early exit), so the time taken says nothing about how close a guess was.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import error_body, error_response

OPEN_PATHS = frozenset({"/health"})
# Server-wide views: an operator's, once operator keys exist (see the module docstring).
OPERATOR_PATHS = frozenset({"/metrics"})
# Browser pages: HTTP Basic is accepted here besides Bearer (see the module docstring).
VIEWER_PREFIX = "/traces"
ANONYMOUS = "anonymous"
_SCOPE_KEY = "bon_caller"


def owner_of(key: str) -> str:
    """The opaque owner of a key's requests and traces: ``sha256:<hex digest>``."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
    return f"sha256:{digest}"


@dataclass(frozen=True)
class Caller:
    """Who made a request: the owner of what it stores, and whether it reads everyone's."""

    owner: str = ANONYMOUS
    operator: bool = False

    def can_read(self, owner: str | None) -> bool:
        """Whether a thing stored by ``owner`` is visible to this caller."""
        return self.operator or owner == self.owner


def caller_of(request: Request) -> Caller:
    """The request's caller, as :class:`APIKeyMiddleware` found it (anonymous without keys)."""
    caller = request.scope.get("state", {}).get(_SCOPE_KEY)
    return caller if isinstance(caller, Caller) else Caller()


def load_api_keys(keys: str | None, keys_file: Path | None) -> frozenset[str]:
    """The configured keys (empty: auth is off); operator keys are read the same way.

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


def matching_key(candidate: str, keys: Iterable[str]) -> str | None:
    """The key equal to ``candidate``, or None; every key is compared, whatever matched."""
    given = candidate.encode("utf-8", "surrogateescape")
    found = None
    for key in keys:
        if hmac.compare_digest(given, key.encode("utf-8")):
            found = key
    return found


def key_matches(candidate: str, keys: Iterable[str]) -> bool:
    """Constant-time membership: every key is compared, whatever matched."""
    return matching_key(candidate, keys) is not None


def _basic_password(token: str) -> str | None:
    """The password of an HTTP Basic credential (``user:password``, base64), or None.

    The header is the client's bytes (Starlette reads them as latin-1): non-ASCII
    characters, bad base64 and non-UTF-8 passwords are each just a wrong credential.
    """
    try:
        raw = token.encode("ascii")  # b64decode raises a bare ValueError on non-ASCII str
        decoded = base64.b64decode(raw, validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error):
        return None
    _, sep, password = decoded.partition(":")
    return password if sep else None


def _is_viewer(path: str) -> bool:
    return path == VIEWER_PREFIX or path.startswith(VIEWER_PREFIX + "/")


class APIKeyMiddleware:
    """Refuses requests without a valid key with an OpenAI-format 401 (pure ASGI), and
    records the :class:`Caller` of the others in the request's state."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: frozenset[str],
        protect_metrics: bool,
        operator_keys: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.keys = keys | operator_keys
        self.operator_keys = operator_keys
        self.open_paths = OPEN_PATHS if protect_metrics else OPEN_PATHS | {"/metrics"}

    def _key(self, auth: str, viewer: bool) -> str | None:
        scheme, _, token = auth.partition(" ")
        token = token.strip()
        if not token:
            return None
        if scheme.lower() == "basic" and viewer:
            password = _basic_password(token)
            return matching_key(password, self.keys) if password else None
        if scheme.lower() == "bearer":
            return matching_key(token, self.keys)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        auth = Headers(scope=scope).get("authorization", "")
        viewer = _is_viewer(scope["path"])
        key = self._key(auth, viewer)
        if key is not None:
            operator = key_matches(key, self.operator_keys)
            if scope["path"] in OPERATOR_PATHS and self.operator_keys and not operator:
                body = error_body(
                    "This route is for operator keys.",
                    "invalid_request_error",
                    None,
                    "insufficient_permissions",
                )
                await error_response(403, body)(scope, receive, send)
                return
            scope.setdefault("state", {})[_SCOPE_KEY] = Caller(owner_of(key), operator)
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
        # A browser asks for a password on a Basic challenge: the viewer's way in.
        challenge = 'Basic realm="bon-server traces", charset="UTF-8"' if viewer else "Bearer"
        response = error_response(401, body, {"WWW-Authenticate": challenge})
        await response(scope, receive, send)
