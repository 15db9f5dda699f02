"""What the store keeps of one request, built from its trace (once, off the request path).

:func:`build_record` turns the trace the pipeline made, plus the request's ``reference``
and the candidates' texts, into the rows of :mod:`server.store.schema`. The texts are
used only to decide the verified outcome against the reference and are never stored
beyond what the trace itself already holds (a vetoed text never).

Verified outcome, per candidate, first source that decides:

1. the client's ``reference`` (:mod:`server.reference`): ``answer`` (math-verify
   equivalence with the candidate's final answer), ``json_schema`` (the candidate's
   JSON validates) or ``tests`` (the candidate's code passes all of them, run in the
   sandbox by the server's configured ``code_exec``: with ``--sandbox off`` nothing runs
   and the tests decide nothing);
2. a verifier reward that ran: ``code_exec`` with tests run in the sandbox (all passed or
   not), ``json_valid`` with a schema (matched or failed it).

Agreement between candidates is never a verification.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from rewards import (
    Candidate,
    CodeExec,
    JsonTooDeep,
    RewardContext,
    SchemaRefused,
    classify_answers,
    extract_answer,
    extract_tests,
    find_json,
    linear_validator,
    ran_tests,
)

__all__ = ["TraceRecord", "Verified", "build_record", "verify_from_trace"]

_EVIDENCE_CHARS = 512


@dataclass(frozen=True)
class Verified:
    """A verifier's decision about one candidate."""

    passed: bool
    by: str
    evidence: str = ""


@dataclass
class TraceRecord:
    """One trace as the writer stores it: the trace row and its candidates' rows."""

    trace: dict[str, Any]
    stored_at: float
    reference: dict[str, Any] | None = None
    verified: dict[int, Verified] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.trace["id"])

    def trace_row(self) -> dict[str, Any]:
        t = self.trace
        selected = t.get("selected") or []
        return {
            "id": t["id"],
            "owner": t.get("owner") or "",
            "stored_at": self.stored_at,
            "created": int(t.get("created") or 0),
            "endpoint": str(t.get("endpoint") or ""),
            "model": str(t.get("model") or ""),
            "task": str((t.get("task") or {}).get("name") or "general"),
            "profile": t.get("profile"),
            "level": str(t.get("level") or "summary"),
            "outcome": str(t.get("outcome") or ""),
            "group_size": int(t.get("group_size") or 0),
            "selected_index": selected[0] if selected else None,
            "reference": self.reference,
            "body": t,
        }

    def candidate_rows(self) -> list[dict[str, Any]]:
        rows = []
        for c in self.trace.get("candidates") or []:
            scores = c.get("scores") or {}
            verified = self.verified.get(c["index"])
            rows.append(
                {
                    "trace_id": self.id,
                    "index": c["index"],
                    "scores": {name: s.get("raw") for name, s in scores.items()},
                    "advantages": {name: s.get("advantage") for name, s in scores.items()},
                    "verdicts": {
                        gate: {k: v.get(k) for k in ("passed", "action", "category", "rule")}
                        for gate, v in (c.get("gates") or {}).items()
                    },
                    "vetoed": bool(c.get("vetoed")),
                    "selected": bool(c.get("selected")),
                    "rank": c.get("rank"),
                    "combined": c.get("combined"),
                    "verified": None if verified is None else verified.passed,
                    "verified_by": None if verified is None else verified.by,
                    "verified_evidence": None
                    if verified is None
                    else verified.evidence[:_EVIDENCE_CHARS],
                }
            )
        return rows


def verify_from_trace(trace: dict[str, Any]) -> dict[int, Verified]:
    """The decisions of verifier rewards that ran on the group (read from the trace)."""
    out: dict[int, Verified] = {}
    for c in trace.get("candidates") or []:
        scores = c.get("scores") or {}
        code = scores.get("code_exec") or {}
        evidence = str(code.get("evidence") or "")
        if code.get("raw") is not None and "tests passed" in evidence:
            out[c["index"]] = Verified(code["raw"] >= 1.0, "code_exec", evidence)
            continue
        schema = scores.get("json_valid") or {}
        evidence = str(schema.get("evidence") or "")
        if "matching the schema" in evidence or "failing the schema" in evidence:
            out[c["index"]] = Verified("matching the schema" in evidence, "json_valid", evidence)
    return out


def _verify_answer(answer: str, candidates: list[Candidate]) -> dict[int, Verified]:
    found = [(c.index, extract_answer(c.text, c.finish_reason)) for c in candidates]
    answered = [(i, a) for i, a in found if a is not None]
    out = {i: Verified(False, "reference.answer", "no final answer") for i, a in found if a is None}
    if not answered:
        return out
    classes = classify_answers([answer, *(a for _, a in answered)]).classes
    for (i, _), cls in zip(answered, classes[1:], strict=True):
        same = cls == classes[0]
        out[i] = Verified(same, "reference.answer", "matches" if same else "differs")
    return out


def _verify_schema(schema: Any, candidates: list[Candidate]) -> dict[int, Verified]:
    try:
        validator, _ = linear_validator(schema)
    except SchemaRefused:  # a schema RE2 cannot run decides nothing
        return {}
    if validator is None:  # nor does an unusable one
        return {}
    out = {}
    for c in candidates:
        try:
            found = find_json(c.text)
        except JsonTooDeep:
            found = None
        if found is None:
            out[c.index] = Verified(False, "reference.json_schema", "no parseable JSON")
            continue
        ok = next(iter(validator.iter_errors(found[0])), None) is None
        out[c.index] = Verified(ok, "reference.json_schema", "valid" if ok else "invalid")
    return out


def _verify_tests(
    tests: str, candidates: list[Candidate], code_exec: CodeExec | None
) -> dict[int, Verified]:
    steps = extract_tests(tests)
    if code_exec is None or not steps:  # no sandbox to run them in, or nothing to run
        return {}
    context = RewardContext(prompt="", task="code", references={"tests": steps})
    scores = code_exec(
        completions=[c.text for c in candidates], context=context, candidates=candidates
    )
    return {
        c.index: Verified(s.value >= 1.0, "reference.tests", s.evidence)
        for c, s in zip(candidates, scores, strict=True)
        # Only a run decides: a syntax check (sandbox off) or a refused answer does not.
        if s.value is not None and ran_tests(s)
    }


def build_record(
    trace: dict[str, Any],
    *,
    candidates: list[Candidate] | None = None,
    reference: dict[str, Any] | None = None,
    stored_at: float | None = None,
    code_exec: CodeExec | None = None,
) -> TraceRecord:
    """The record of one trace (blocking: math-verify or the sandbox may run; call it off
    the event loop). ``code_exec`` runs a reference's ``tests`` (None: they decide nothing).
    """
    verified = verify_from_trace(trace)
    if reference and candidates:
        if reference.get("answer") is not None:
            verified.update(_verify_answer(str(reference["answer"]), candidates))
        elif reference.get("json_schema") is not None:
            verified.update(_verify_schema(reference["json_schema"], candidates))
        elif reference.get("tests") is not None:
            verified.update(_verify_tests(str(reference["tests"]), candidates, code_exec))
    return TraceRecord(
        trace=trace,
        stored_at=time.time() if stored_at is None else stored_at,
        reference=reference,
        verified=verified,
    )
