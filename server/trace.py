"""The scoring trace: why the returned answer won, as JSON.

The shape is documented by ``server/schemas/trace.schema.json`` (a test checks
every trace against it). ``summary`` leaves the candidate texts out; ``full``
puts them in. Every trace is kept in a bounded in-memory store for
``GET /v1/traces/{id}``, at the level the request asked for.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from rewards import (
    Candidate,
    GateResult,
    GroupResult,
    Selection,
    Verdict,
    content_text,
    messages_text,
    verdict_dict,
)
from server.auth import ANONYMOUS, Caller
from server.outcome import Outcome
from server.tools import trace_tool_calls


def load_trace_schema() -> dict[str, Any]:
    text = resources.files("server").joinpath("schemas/trace.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _num(x: float | None, digits: int = 6) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


@dataclass(frozen=True)
class Timings:
    select_s: float
    queue_s: float
    generate_s: float
    score_s: float
    total_s: float

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in self.__dict__.items()}


def _verdict(verdict: Verdict, trace_text: str) -> dict[str, Any]:
    """A gate verdict as the trace shows it, at the trace's text level (:func:`_text_level`)."""
    entry = verdict_dict(verdict, excerpts=trace_text == "full")
    if trace_text == "none":
        entry["evidence"] = ""
        for hit in entry["hits"]:
            hit["message"] = ""
    return entry


def _text_level(level: str, trace_text: str) -> str:
    """What gate verdicts show of the text they objected to, in this trace.

    The request's own text (excerpts, which can quote the system prompt) only when the
    caller asked for a ``full`` trace *and* the operator's ``--trace-text`` is ``full``;
    a summary trace shows at most what was found, masked.
    """
    if trace_text == "full" and level != "full":
        return "redacted"
    return trace_text


# Roles that hold the operator's or the application's instructions, not the caller's words.
_SYSTEM_ROLES = frozenset({"system", "developer"})


def _prompt_view(
    prompt: str | None, messages: list[dict[str, Any]] | None, trace_text: str
) -> str | None:
    """The request's text as a full trace shows it: system and developer messages withheld
    (their length shown) unless the operator's ``--trace-text`` is ``full``."""
    if messages is None or trace_text == "full":
        return prompt
    shown = []
    for message in messages:
        text = content_text(message.get("content"))
        if text and message.get("role") in _SYSTEM_ROLES:
            withheld = f"[withheld: {len(text)} characters; shown with --trace-text full]"
            message = {**message, "content": withheld}
        shown.append(message)
    return messages_text(shown)  # the prompt's own flattening, with those texts withheld


def build_trace(
    *,
    trace_id: str,
    owner: str = ANONYMOUS,
    created: int,
    model: str,
    endpoint: str,
    level: str,
    n: int,
    candidates: list[Candidate],
    selection: Selection,
    result: GroupResult,
    outcome: Outcome,
    timings: Timings,
    usage: dict[str, int],
    adaptive: dict[str, Any] | None = None,
    prompt: str | None = None,
    messages: list[dict[str, Any]] | None = None,
    prompt_gates: list[GateResult] | None = None,
    trace_text: str = "redacted",
) -> dict[str, Any]:
    """Assemble the trace of one group (the level decides whether texts go in).

    ``trace_text`` is the operator's choice of what gate verdicts show of offending
    text: ``full`` (the text itself, as each hit's ``excerpt``, in full traces only),
    ``redacted`` (what was found, masked) or ``none`` (only actions, categories and rule
    ids). ``owner`` is the caller's key hash (:func:`server.auth.owner_of`): only that
    caller and operators read the trace back. ``outcome`` is the pipeline's decision
    (:func:`server.outcome.decide_outcome`): the trace shows it, never decides it again.
    """
    trace_text = _text_level(level, trace_text)
    prompt = _prompt_view(prompt, messages, trace_text)
    reward_entries = [
        {
            "name": r.name,
            "weight": r.weight,
            "weight_source": r.weight_source,
            "reason": r.reason,
            "stage": r.stage,
            "no_signal": r.no_signal,
            "mean": _num(r.mean),
            "std": _num(r.std),
            "scale": _num(r.scale),
            "floor": _num(r.floor),
            "error": r.error,
            "seconds": _num(r.seconds),
        }
        for r in result.rewards
    ]
    gate_entries = [
        {
            "name": g.name,
            "vetoes": sum(1 for v in g.verdicts if not v.passed),
            "penalties": sum(1 for v in g.verdicts for h in v.hits if h.action == "penalty"),
            "flags": sum(1 for v in g.verdicts for h in v.hits if h.action == "flag"),
            "error": g.error,
            "seconds": _num(g.seconds),
        }
        for g in result.gates
    ]
    prompt_entries = [
        {
            "name": g.name,
            **_verdict(g.verdicts[0], trace_text),
            "error": g.error,
            "seconds": _num(g.seconds),
        }
        for g in prompt_gates or []
    ]
    chosen = set(outcome.selected)
    cand_entries = []
    for c in candidates:
        i = c.index
        entry: dict[str, Any] = {
            "index": i,
            "tokens": c.num_tokens,
            "finish_reason": c.finish_reason,
            "mean_logprob": _num(c.mean_logprob),
            "scores": {
                r.name: {
                    "raw": _num(r.scores[i].value),
                    "advantage": _num(r.advantages[i]),
                    "evidence": r.scores[i].evidence,
                }
                for r in result.rewards
            },
            "gates": {g.name: _verdict(g.verdicts[i], trace_text) for g in result.gates},
            "vetoed": result.vetoed[i],
            "penalty": _num(result.penalties[i]) if result.penalties else 0.0,
            "combined": _num(result.combined[i]),
            "rank": result.ranks[i],
            "selected": i in chosen,
        }
        # A vetoed text never leaves the server, not even in a full trace.
        if level == "full" and not result.vetoed[i]:
            entry["text"] = c.text
        if c.tool_calls or c.content is not None:  # a tool-call parser read it
            entry["tool_calls"] = trace_tool_calls(c, full=level == "full", vetoed=result.vetoed[i])
        cand_entries.append(entry)
    return {
        "id": trace_id,
        "object": "bon.trace",
        "owner": owner,
        "created": created,
        "model": model,
        "endpoint": endpoint,
        "level": level,
        "group_size": len(candidates),
        "n": n,
        "task": {"name": selection.task, "evidence": list(selection.task_evidence)},
        "selection": selection.source,
        "profile": selection.profile,
        "decisions": list(selection.decisions),
        "adaptive": adaptive,
        "aggregation": result.mode,
        "rewards": reward_entries,
        "gates": gate_entries,
        # How each fact of the group record was computed; a failed one names why its
        # readers carried no signal (the type or the budget only, never text).
        "facts": [
            {"name": f.name, "where": f.where, "seconds": _num(f.seconds), "error": f.error}
            for f in result.facts
        ],
        "candidates": cand_entries,
        "selected": list(outcome.selected),
        "outcome": outcome.kind,
        "prompt_gates": prompt_entries,
        "timings": timings.to_dict(),
        "usage": usage,
        # The request's own text, for the trace viewer: full traces only, as candidate texts.
        **({"prompt": prompt} if level == "full" and prompt is not None else {}),
    }


class TraceStore:
    """A bounded, thread-safe map of trace id to trace (oldest evicted first).

    :meth:`read` and :meth:`listing` are what routes use: a caller sees its own traces
    (``owner``), an operator every one; :meth:`get` and :meth:`recent` are unfiltered,
    for the server's own use.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def put(
        self,
        trace: dict[str, Any],
        *,
        candidates: Sequence[Candidate] = (),
        reference: dict[str, Any] | None = None,
    ) -> None:
        """Keep ``trace``; ``candidates`` and ``reference`` are for a persistent store's
        verified outcomes (:class:`server.store.StoredTraces`), unused here."""
        if self.capacity <= 0:
            return
        with self._lock:
            self._items[trace["id"]] = trace
            self._items.move_to_end(trace["id"])
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def get(self, trace_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._items.get(trace_id)

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        with self._lock:
            return list(reversed(list(self._items.values())[-limit:]))

    def read(self, trace_id: str, caller: Caller) -> dict[str, Any] | None:
        """The trace if ``caller`` may read it; None both when it is missing and when it
        is someone else's, so that a foreign id cannot be told from a missing one."""
        trace = self.get(trace_id)
        if trace is None or not caller.can_read(trace.get("owner")):
            return None
        return trace

    def listing(self, caller: Caller, limit: int = 20) -> list[dict[str, Any]]:
        """The newest ``limit`` traces ``caller`` may read, newest first."""
        with self._lock:
            items = list(self._items.values())
        visible = [t for t in reversed(items) if caller.can_read(t.get("owner"))]
        return visible[:limit]

    def __len__(self) -> int:
        return len(self._items)
