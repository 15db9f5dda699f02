"""The trace viewer: ``GET /traces`` (recent traces) and ``GET /traces/{id}`` as HTML.

Why an answer won, for a person: the prompt (full traces), the reward set and why
each reward was chosen, a table of candidates x rewards with raw scores and
advantages, vetoes with their gate and rule, the winner marked, the timings.

The pages are self-contained (inline CSS, no script, no CDN) and work with
JavaScript off. Jinja2 escapes everything a trace holds (candidate texts are
model output, so they may be HTML); a Content-Security-Policy that allows no
script at all is the second line of defence. The JSON stays at
``GET /v1/traces/{id}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import ChainableUndefined, Environment, PackageLoader, select_autoescape

from server.auth import caller_of
from server.errors import NotFound
from server.protocol import ErrorResponse
from server.store import StoredTraces

__all__ = ["CSP", "render_trace", "render_trace_list", "viewer_router"]

# No script, no remote anything: the pages need neither.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none';"
    " form-action 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# Candidate fields the table shows in columns of their own; any other (newer) field
# is listed under the candidate's details, so new optional trace fields still show.
_CANDIDATE_COLUMNS = frozenset(
    {"index", "tokens", "finish_reason", "mean_logprob", "scores", "gates", "vetoed"}
    | {"combined", "rank", "selected", "text", "penalty"}
)
_TRACE_SECTIONS = frozenset(
    {"id", "object", "created", "model", "endpoint", "level", "group_size", "n", "task"}
    | {"selection", "aggregation", "rewards", "gates", "candidates", "selected", "outcome"}
    | {"timings", "usage", "prompt", "profile", "decisions", "adaptive", "prompt_gates"}
    | {"owner"}
)
_VERDICT_SHOWN = frozenset({"passed", "action", "category", "rule", "penalty", "evidence", "hits"})

_env = Environment(
    loader=PackageLoader("server", "templates"),
    autoescape=select_autoescape(["html"], default=True),
    undefined=ChainableUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _fmt(value: Any, digits: int = 3) -> str:
    """A number for a table cell: fixed digits, '-' for missing."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _when(created: Any) -> str:
    if not isinstance(created, int | float):
        return "-"
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _as_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


_env.filters["fmt"] = _fmt
_env.filters["when"] = _when
_env.filters["as_json"] = _as_json


def _verdicts(gates: dict[str, Any]) -> list[dict[str, Any]]:
    """The verdicts that did something (veto, penalty, flag), each with its gate's name.

    A clean pass says nothing and is left out. Fields this viewer does not know yet are
    kept in ``extra`` and shown as ``name=value``.
    """
    out = []
    for gate, verdict in gates.items():
        vetoed = not verdict.get("passed", True)
        action = verdict.get("action") or ("veto" if vetoed else None)
        if action is None:
            continue
        extra = {k: v for k, v in verdict.items() if k not in _VERDICT_SHOWN}
        out.append(
            {
                "gate": gate,
                "vetoed": vetoed,
                "action": action,
                "category": verdict.get("category"),
                "rule": verdict.get("rule"),
                "penalty": verdict.get("penalty"),
                "evidence": verdict.get("evidence"),
                "extra": extra,
            }
        )
    return out


def _view(trace: dict[str, Any]) -> dict[str, Any]:
    """What the trace template needs, derived from a trace (tolerant of missing fields)."""
    selected = list(trace.get("selected") or [])
    winner = selected[0] if selected else None
    rewards = [r.get("name", "?") for r in trace.get("rewards") or []]
    rows = []
    for cand in trace.get("candidates") or []:
        index = cand.get("index")
        rows.append(
            {
                "c": cand,
                "winner": index == winner,
                "returned": selected.index(index) if index in selected else None,
                "verdicts": _verdicts(cand.get("gates") or {}),
                "vetoed": bool(cand.get("vetoed"))
                or any(not v.get("passed", True) for v in (cand.get("gates") or {}).values()),
                "scores": [(cand.get("scores") or {}).get(name) for name in rewards],
                "extra": {k: v for k, v in cand.items() if k not in _CANDIDATE_COLUMNS},
            }
        )
    # Best first: returned in order, then by rank, vetoed last.
    rows.sort(
        key=lambda r: (
            r["returned"] if r["returned"] is not None else len(selected),
            r["c"].get("rank") if r["c"].get("rank") is not None else 1 << 30,
            r["c"].get("index", 0),
        )
    )
    timings = trace.get("timings") or {}
    total = timings.get("total_s") or 0.0
    phases = [
        (name.removesuffix("_s"), value, 100.0 * value / total if total else 0.0)
        for name, value in timings.items()
        if name != "total_s" and isinstance(value, int | float)
    ]
    return {
        "t": trace,
        "winner": winner,
        "rewards": trace.get("rewards") or [],
        "reward_names": rewards,
        "stages": any("stage" in r for r in trace.get("rewards") or []),
        "rows": rows,
        "vetoed": sum(1 for r in rows if r["vetoed"]),
        "penalties": any("penalty" in c for c in trace.get("candidates") or []),
        "prompt_gates": [
            {**g, "verdicts": _verdicts({g.get("name", "?"): g})}
            for g in trace.get("prompt_gates") or []
        ],
        "phases": phases,
        "total": total,
        "other": {k: v for k, v in trace.items() if k not in _TRACE_SECTIONS},
    }


def render_trace(trace: dict[str, Any], feedback: list[dict[str, Any]] | None = None) -> str:
    """The HTML page of one trace (with the feedback given on it, oldest first)."""
    return _env.get_template("trace.html").render(**_view(trace), feedback=feedback or [])


def _summary(trace: dict[str, Any]) -> dict[str, Any]:
    selected = trace.get("selected") or []
    return {
        "id": trace.get("id", "?"),
        "owner": trace.get("owner"),
        "created": trace.get("created"),
        "model": trace.get("model"),
        "endpoint": trace.get("endpoint"),
        "task": (trace.get("task") or {}).get("name"),
        "group_size": trace.get("group_size"),
        "winner": selected[0] if selected else None,
        "vetoed": sum(1 for c in trace.get("candidates") or [] if c.get("vetoed")),
        "outcome": trace.get("outcome"),
        "total_s": (trace.get("timings") or {}).get("total_s"),
    }


def render_trace_list(traces: list[dict[str, Any]], capacity: int) -> str:
    """The HTML page listing traces, newest first."""
    return _env.get_template("traces.html").render(
        traces=[_summary(t) for t in traces], capacity=capacity
    )


viewer_router = APIRouter(tags=["viewer"])


def _traces(request: Request) -> StoredTraces:
    store: StoredTraces = request.app.state.traces
    return store


@viewer_router.get("/traces", response_class=HTMLResponse)
async def trace_list_page(
    request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> HTMLResponse:
    """The caller's most recent traces (newest first; an operator sees all), as HTML."""
    store = _traces(request)
    traces = await store.find_recent(caller_of(request), limit)
    return HTMLResponse(render_trace_list(traces, store.capacity), headers=_HEADERS)


@viewer_router.get(
    "/traces/{trace_id}",
    response_class=HTMLResponse,
    responses={404: {"model": ErrorResponse, "description": "No trace with that id."}},
)
async def trace_page(trace_id: str, request: Request) -> HTMLResponse:
    """Why the answer won: one trace as an HTML page (the JSON is at /v1/traces/{id})."""
    store = _traces(request)
    # Someone else's trace is answered exactly as a missing one.
    trace = await store.find(trace_id, caller_of(request))
    if trace is None:
        raise NotFound(
            f"No trace with id '{trace_id}'.",
            param="trace_id",
            code="trace_not_found",
        )
    feedback = await store.feedback(trace_id)
    return HTMLResponse(render_trace(trace, feedback), headers=_HEADERS)
