"""Logging: text or structured JSON, and one access line per HTTP request.

``configure_logging`` installs one root handler (``--log-format text|json``).
:class:`AccessLogMiddleware` writes one line per request on the ``bon.access``
logger: id, route, status, duration and, for best-of-N requests, the group size,
the selected candidates, the phase timings and the vetoes. The pipeline hands
the group to the line with :func:`note_group` (a context variable carries it
from the request's task to the middleware).

Prompt and candidate texts are left out unless the operator turns ``log_text``
on; even then a vetoed candidate's text is never logged (as in the trace).
"""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rewards import Candidate
from server.config import LogFormat
from server.outcome import Outcome

__all__ = [
    "ACCESS_LOGGER",
    "AccessLogMiddleware",
    "LogFormat",
    "RequestRecord",
    "configure_logging",
    "json_formatter",
    "note_group",
]

ACCESS_LOGGER = "bon.access"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Probes and scrapes arrive every few seconds: their lines are debug, not info.
_QUIET_PATHS = frozenset({"/health", "/metrics"})

access_log = logging.getLogger(ACCESS_LOGGER)


@dataclass
class RequestRecord:
    """What the access line of one request says; the pipeline adds the group."""

    method: str
    path: str
    group: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, Any] = field(default_factory=dict)
    log_text: bool = False


_current: ContextVar[RequestRecord | None] = ContextVar("bon_request_record", default=None)


def _gate_actions(trace: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The gate verdicts that acted, as ``vetoes``, ``penalties`` and ``flags``: each with
    candidate, gate, category and rule (never the evidence: it can quote the text)."""
    out: dict[str, list[dict[str, Any]]] = {"vetoes": [], "penalties": [], "flags": []}
    for cand in trace.get("candidates", []):
        for gate, verdict in (cand.get("gates") or {}).items():
            passed = verdict.get("passed", True)
            key = {"penalty": "penalties", "flag": "flags"}.get(verdict.get("action") or "")
            if passed and key is None:
                continue
            entry = {"candidate": cand.get("index"), "gate": gate}
            entry.update({k: verdict[k] for k in ("category", "rule", "action") if k in verdict})
            out["vetoes" if not passed else str(key)].append(entry)
    return out


def note_group(
    trace: dict[str, Any],
    outcome: Outcome,
    *,
    prompt: str | None = None,
    candidates: list[Candidate] | None = None,
) -> None:
    """Attach a finished group to the current request's access line (no-op outside one).

    Args:
        trace: the group's trace (``server.trace.build_trace``).
        outcome: the group's outcome (``server.outcome.decide_outcome``): what the line
            says was selected, and whether the response was a refusal.
        prompt: the prompt as one text (``GroupJob.prompt_text``), logged only with
            ``log_text``.
        candidates: the group's candidates; the selected ones' texts are logged only
            with ``log_text``.
    """
    record = _current.get()
    if record is None:
        return
    selected = list(outcome.selected)
    record.group = {
        "id": trace.get("id"),
        "endpoint": trace.get("endpoint"),
        "task": (trace.get("task") or {}).get("name"),
        "group_size": outcome.group_size,
        "n": trace.get("n"),
        "selected": selected,
        "selected_index": outcome.selected_index,
        "outcome": outcome.kind,
        "timings": trace.get("timings"),
        "usage": trace.get("usage"),
        **_gate_actions(trace),
    }
    if record.log_text:
        if prompt is not None:
            record.texts["prompt"] = prompt
        if candidates is not None:
            by_index = {c.index: c for c in candidates}
            vetoed = {c["index"] for c in trace.get("candidates", []) if c.get("vetoed")}
            record.texts["answers"] = [
                by_index[i].text for i in selected if i in by_index and i not in vetoed
            ]


class AccessLogMiddleware:
    """One log line per HTTP request (pure ASGI, so a client that leaves is still logged)."""

    def __init__(self, app: ASGIApp, *, log_text: bool = False) -> None:
        self.app = app
        self.log_text = log_text

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = RequestRecord(scope["method"], scope["path"], log_text=self.log_text)
        token = _current.set(record)
        start = time.perf_counter()
        status = 500
        trace_id: str | None = None

        async def send_wrapper(message: Message) -> None:
            nonlocal status, trace_id
            if message["type"] == "http.response.start":
                status = message["status"]
                for key, value in message.get("headers", []):
                    if key.lower() == b"x-bon-trace-id":
                        trace_id = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            _current.reset(token)
            self._emit(scope, record, status, trace_id, time.perf_counter() - start)

    @staticmethod
    def _emit(
        scope: Scope, record: RequestRecord, status: int, trace_id: str | None, seconds: float
    ) -> None:
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        level = logging.DEBUG if record.path in _QUIET_PATHS and status < 400 else logging.INFO
        if not access_log.isEnabledFor(level):
            return
        fields: dict[str, Any] = {
            "event": "request",
            "id": record.group.get("id") or trace_id,
            "method": record.method,
            "route": route,
            "path": record.path,
            "status": status,
            "duration_s": round(seconds, 6),
        }
        fields.update({k: v for k, v in record.group.items() if k != "id"})
        fields.update(record.texts)
        summary = f"{record.method} {record.path} {status} {seconds:.3f}s"
        if record.group:
            summary += (
                f" id={fields['id']} group={fields['group_size']}"
                f" selected={fields['selected']} vetoes={len(fields['vetoes'])}"
            )
        access_log.log(level, summary, extra=fields)


def json_formatter() -> logging.Formatter:
    """One JSON object per line: ts, level, logger, message and the record's extra fields."""
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="ts",
        # uvicorn repeats its message with terminal colour codes in `color_message`.
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )


def configure_logging(level: str = "info", fmt: LogFormat = "text") -> None:
    """Replace the root logger's handlers with one on stderr in the given format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
