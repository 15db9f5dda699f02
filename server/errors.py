"""One error format everywhere: ``{"error": {"message", "type", "param", "code"}}``.

Error tree::

    APIError                    an error with an HTTP status, raised by the serving code
    ├── InvalidRequest          400: the client's input is wrong (names the field in `param`)
    ├── NotFound                404: unknown model, unknown trace id
    ├── Overloaded              429: too many groups in flight (with Retry-After)
    ├── BadGateway              502: the upstream engine failed or is unreachable
    ├── ServiceUnavailable      503: the engine is down or failed
    └── GatewayTimeout          504: the request ran past its deadline

Framework validation errors and malformed JSON are turned into the same shape
by the handlers installed with :func:`install_error_handlers`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.tolerance import MAX_LISTED_FIELDS, TOO_MANY_UNKNOWN, UNSUPPORTED

log = logging.getLogger(__name__)


class APIError(Exception):
    """An error that becomes an OpenAI-format error response."""

    status_code = 500
    type = "server_error"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.param, self.code)


class InvalidRequest(APIError):
    """The request is malformed or asks for something out of range."""

    status_code = 400
    type = "invalid_request_error"


class NotFound(APIError):
    """The model or object named does not exist."""

    status_code = 404
    type = "not_found_error"


class Overloaded(APIError):
    """Too many groups in flight; the client should retry later."""

    status_code = 429
    type = "rate_limit_error"


class BadGateway(APIError):
    """The upstream OpenAI-compatible server failed or could not be reached."""

    status_code = 502
    type = "upstream_error"


class ServiceUnavailable(APIError):
    """The engine cannot serve right now."""

    status_code = 503
    type = "service_unavailable"


class GatewayTimeout(APIError):
    """The request ran past its deadline; the engine request was aborted."""

    status_code = 504
    type = "timeout_error"


def error_body(
    message: str, type_: str, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


_TYPE_TAGS = {"str", "int", "float", "bool", "dict", "list", "none", "null"}
_BRANCH_PREFIXES = ("function-", "literal", "constrained-")


def _is_branch_tag(part: Any) -> bool:
    # pydantic names the union branch in the location: 'list[str]', 'str', 'function-after[...]'.
    if not isinstance(part, str):
        return False
    return part in _TYPE_TAGS or "[" in part or part.startswith(_BRANCH_PREFIXES)


def _loc_to_param(loc: tuple[Any, ...]) -> str | None:
    # ('body', 'messages', 0, 'content', 'str') -> 'messages[0].content'
    parts = [p for p in loc if p not in ("body", "query", "path") and not _is_branch_tag(p)]
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif not out:
            out = str(p)
        else:
            out += f".{p}"
    return out or None


def _param_of(error: Any) -> str | None:
    param = _loc_to_param(tuple(error.get("loc", ())))
    if error.get("type") == TOO_MANY_UNKNOWN:  # the first unknown key, as for a few
        first = (error.get("ctx") or {}).get("first")
        if first:
            return f"{param}.{first}" if param else str(first)
    return param


def _describe(param: str | None, errors: list[Any]) -> tuple[str, str]:
    """One parameter's problem, as a sentence and OpenAI's code."""
    kind = errors[0].get("type")
    if kind == "extra_forbidden":
        return f"Unrecognized request argument supplied: '{param}'.", "unknown_parameter"
    if kind == TOO_MANY_UNKNOWN:  # the sentence names a few and counts the rest
        return str(errors[0].get("msg")), "unknown_parameter"
    if kind == "missing" and param is None:  # no body at all (or not an object)
        return "Missing request body: it must be a JSON object.", "missing_required_parameter"
    if kind == "missing":
        return f"Missing required parameter: '{param}'.", "missing_required_parameter"
    # A union reports one error per branch: say them all ("a valid string or a valid list").
    msgs = list(dict.fromkeys(str(e.get("msg", "invalid value")) for e in errors))
    msg = " or ".join(msgs)
    where = f"'{param}'" if param else "request body"
    if kind == UNSUPPORTED:
        return f"Unsupported value for {where}: {msg}.", UNSUPPORTED
    return f"Invalid value for {where}: {msg}", "invalid_value"


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None, str]:
    """The message, ``param`` and code of a validation error: ``param`` and the code are the
    first problem's, the message names every parameter refused, so one 400 says them all
    (up to :data:`~server.tolerance.MAX_LISTED_FIELDS` of them, then how many more)."""
    errors = exc.errors()
    if not errors:
        return "Invalid request.", None, "invalid_request"
    first = errors[0]
    if first.get("type") == "json_invalid":
        detail = first.get("ctx", {}).get("error", "")
        return f"Request body is not valid JSON: {detail}".strip(), None, "invalid_json"
    by_param: dict[str | None, list[Any]] = {}
    for e in errors:
        by_param.setdefault(_param_of(e), []).append(e)
    problems = [(param, *_describe(param, errs)) for param, errs in by_param.items()]
    param, message, code = problems[0]
    if len(problems) == 1:
        return message, param, code
    # A few named, the rest counted: the 400 stays short whatever the body holds.
    shown = problems[:MAX_LISTED_FIELDS]
    listed = " ".join(f"({i}) {m}" for i, (_, m, _) in enumerate(shown, 1))
    if len(problems) > len(shown):
        listed += f" ... and {len(problems) - len(shown)} more."
    return f"{len(problems)} parameters refused: {listed}", param, code


class ErrorJSONResponse(JSONResponse):
    """JSON with non-ASCII escaped: an error echoing client text can never fail to encode."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def error_response(
    status_code: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return ErrorJSONResponse(body, status_code=status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Turn every error, ours or the framework's, into the OpenAI error shape."""

    @app.exception_handler(APIError)
    async def _api_error(_: Request, exc: APIError) -> JSONResponse:
        return error_response(exc.status_code, exc.body(), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        message, param, code = _validation_message(exc)
        return error_response(400, error_body(message, "invalid_request_error", param, code))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        type_ = "not_found_error" if exc.status_code == 404 else "invalid_request_error"
        return error_response(
            exc.status_code, error_body(str(exc.detail), type_), getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error: %s", exc)
        return JSONResponse(error_body("Internal server error.", "server_error"), status_code=500)
