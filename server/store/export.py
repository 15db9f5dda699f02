"""Training data out of the store: datasets in TRL's formats (``bon-server export``).

Every group the server scored is a labelled sample: the rewards' combined scores rank its
candidates, and a verifier (code tests, a schema, a reference answer) or the owner's
feedback may say which were right. This module turns the stored rows into TRL's standard
(text) dataset types, https://huggingface.co/docs/trl/dataset_formats:

- ``sft``: prompt-completion ``{"prompt", "completion"}``: the selected answer of each
  group, kept only when its outcome is known good (rejection sampling / expert
  iteration);
- ``dpo``: preference ``{"prompt", "chosen", "rejected"}`` plus ``margin`` (chosen's
  combined score minus rejected's);
- ``kto``: unpaired preference ``{"prompt", "completion", "label"}``;
- ``grpo``: prompt-only ``{"prompt"}`` plus the columns GRPO hands its reward functions
  as keyword arguments: ``task`` and the request's reference (``answer``, ``tests``,
  ``json_schema`` as JSON text), which :mod:`rewards.trl` reads.

What the store does not hold is not made up: a candidate's text is only in a ``full``
trace (``"trace": "full"`` on the request), never for a vetoed candidate, and a prompt
whose system message the operator's ``--trace-text`` withheld is not the prompt the
model saw. Such rows are skipped and counted by reason. A vetoed candidate is never a
completion, chosen or rejected.

A candidate's *outcome* (True right, False wrong, None unknown): the verifier's decision
stored with it, and the owner's latest feedback on it (a boolean, or a number at least
``min_rating`` is good); when the two disagree the outcome is unknown.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.engine import make_url

from server.store.db import Store
from server.store.schema import CandidateRow, FeedbackRow, TraceRow

__all__ = [
    "COLUMNS",
    "ExportFilters",
    "ExportResult",
    "export",
    "parse_time",
]


# The columns of each kind, in order (TRL's names first; see the module docstring).
COLUMNS: dict[str, tuple[str, ...]] = {
    "sft": ("prompt", "completion"),
    "dpo": ("prompt", "chosen", "rejected", "margin"),
    "kto": ("prompt", "completion", "label"),
    "grpo": ("prompt", "task", "answer", "tests", "json_schema"),
}
_TYPES = {"margin": "float64", "label": "bool"}  # every other column is a string

# How server.trace shows a system/developer message it withheld (see _prompt_view).
_WITHHELD = re.compile(
    r"^(system|developer): \[withheld: \d+ characters; shown with --trace-text full\]$",
    re.MULTILINE,
)
_BATCH = 500


@dataclass(frozen=True)
class ExportFilters:
    """Which traces and candidates an export reads (None: no filter)."""

    since: float | None = None  # stored_at >= since (seconds since the epoch)
    until: float | None = None  # stored_at < until
    task: str | None = None
    profile: str | None = None
    owner: str | None = None  # the trace's owner as stored (``sha256:...``)
    verified_only: bool = False  # outcomes decide; candidates without one are not used
    min_margin: float | None = None  # least combined-score gap of a pair (dpo, kto)
    min_rating: float = 1.0  # a numeric feedback value at least this is "good"


@dataclass
class ExportResult:
    """What an export wrote and what it left out, by reason."""

    kind: str
    path: Path
    written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        lines = [f"{self.kind}: wrote {self.written} rows to {self.path}"]
        for reason, count in sorted(self.skipped.items()):
            lines.append(f"  skipped {count}: {reason}")
        return "\n".join(lines)


def parse_time(value: str) -> float:
    """Seconds since the epoch from epoch seconds or an ISO 8601 date/time (UTC if no zone)."""
    try:
        return float(value)
    except ValueError:
        pass
    stamp = datetime.fromisoformat(value)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


@dataclass(frozen=True)
class _Candidate:
    index: int
    text: str | None  # None: not in the stored trace (summary level, or vetoed)
    vetoed: bool
    selected: bool
    combined: float | None
    outcome: bool | None


def _query(filters: ExportFilters) -> Select[TraceRow]:
    query = select(TraceRow)
    if filters.since is not None:
        query = query.where(TraceRow.stored_at >= filters.since)
    if filters.until is not None:
        query = query.where(TraceRow.stored_at < filters.until)
    if filters.task is not None:
        query = query.where(TraceRow.task == filters.task)
    if filters.profile is not None:
        query = query.where(TraceRow.profile == filters.profile)
    if filters.owner is not None:
        query = query.where(TraceRow.owner == filters.owner)
    return query.order_by(TraceRow.stored_at, TraceRow.id)


async def _groups(
    store: Store, filters: ExportFilters
) -> AsyncIterator[tuple[TraceRow, list[_Candidate]]]:
    """The matching traces, oldest first, each with its candidates and their outcomes
    (read in batches, keyset-paged on (stored_at, id))."""
    after: tuple[float, str] | None = None
    while True:
        query = _query(filters).limit(_BATCH)
        if after is not None:
            query = query.where(
                or_(
                    TraceRow.stored_at > after[0],
                    and_(TraceRow.stored_at == after[0], TraceRow.id > after[1]),
                )
            )
        async with store.sessions() as session:
            traces = (await session.scalars(query)).all()
            if not traces:
                return
            ids = [t.id for t in traces]
            rows = (
                await session.scalars(select(CandidateRow).where(CandidateRow.trace_id.in_(ids)))
            ).all()
            feedback = (
                await session.scalars(
                    select(FeedbackRow)
                    .where(FeedbackRow.trace_id.in_(ids))
                    .order_by(FeedbackRow.created, FeedbackRow.pk)
                )
            ).all()
        by_trace: dict[str, list[CandidateRow]] = {}
        for row in rows:
            by_trace.setdefault(row.trace_id, []).append(row)
        rated: dict[tuple[str, int], bool] = {}
        owners = {t.id: t.owner for t in traces}
        for fb in feedback:  # oldest first: the latest judgement wins
            if fb.owner == owners.get(fb.trace_id):
                rated[(fb.trace_id, fb.candidate_index)] = fb.value >= filters.min_rating
        for trace in traces:
            yield trace, _candidates(trace, by_trace.get(trace.id, []), rated)
        after = (traces[-1].stored_at, traces[-1].id)


def _candidates(
    trace: TraceRow, rows: Sequence[CandidateRow], rated: dict[tuple[str, int], bool]
) -> list[_Candidate]:
    texts = {
        c["index"]: c.get("text")
        for c in trace.body.get("candidates") or []
        # A call-only answer has no text: tool calls are not exported (counted as no text).
        if not c.get("vetoed") and isinstance(c.get("text"), str) and c["text"].strip()
    }
    out = []
    for row in sorted(rows, key=lambda r: r.index):
        feedback = rated.get((trace.id, row.index))
        verified = row.verified
        if verified is not None and feedback is not None and verified != feedback:
            outcome = None  # a verifier and the owner disagree: unknown
        else:
            outcome = verified if verified is not None else feedback
        out.append(
            _Candidate(
                index=row.index,
                text=None if row.vetoed else texts.get(row.index),
                vetoed=row.vetoed,
                selected=row.selected,
                combined=row.combined,
                outcome=outcome,
            )
        )
    return out


def _prompt(trace: TraceRow) -> tuple[str | None, str]:
    """The stored prompt, or None and why it cannot be exported."""
    prompt = trace.body.get("prompt")
    if not isinstance(prompt, str):
        return None, "no prompt stored (summary trace; ask with trace: full)"
    if _WITHHELD.search(prompt):
        return None, "system message withheld (--trace-text is not full)"
    return prompt, ""


def _score(c: _Candidate) -> float:
    return c.combined if c.combined is not None else float("-inf")


class _Exporter:
    def __init__(self, kind: str, filters: ExportFilters, result: ExportResult) -> None:
        self.kind = kind
        self.filters = filters
        self.skipped = result.skipped
        self.seen_prompts: set[str] = set()

    def rows(self, trace: TraceRow, candidates: list[_Candidate]) -> list[dict[str, Any]]:
        prompt, why = _prompt(trace)
        if prompt is None:
            self.skipped[f"trace: {why}"] += 1
            return []
        return getattr(self, "_" + self.kind)(trace, prompt, candidates)  # type: ignore[no-any-return]

    def _margin_ok(self, margin: float) -> bool:
        return self.filters.min_margin is None or margin >= self.filters.min_margin

    def _sft(self, trace: TraceRow, prompt: str, cands: list[_Candidate]) -> list[dict[str, Any]]:
        chosen = next((c for c in cands if c.selected and not c.vetoed), None)
        if chosen is None:
            self.skipped["trace: nothing selected (all vetoed or refused)"] += 1
        elif chosen.outcome is not True:
            why = "known wrong" if chosen.outcome is False else "outcome unknown"
            self.skipped[f"trace: selected answer {why}"] += 1
        elif chosen.text is None:
            self.skipped["trace: selected answer's text not stored"] += 1
        else:
            return [{"prompt": prompt, "completion": chosen.text}]
        return []

    def _dpo(self, trace: TraceRow, prompt: str, cands: list[_Candidate]) -> list[dict[str, Any]]:
        kept = [c for c in cands if not c.vetoed and c.combined is not None]
        if self.filters.verified_only:
            # The best-scored right answer against the best-scored wrong one: the pair
            # the rewards found hardest (its margin may be negative).
            good = [c for c in kept if c.outcome is True]
            bad = [c for c in kept if c.outcome is False]
            if not good or not bad:
                self.skipped["trace: no right and wrong candidate both known"] += 1
                return []
            chosen, rejected = max(good, key=_score), max(bad, key=_score)
        else:
            # The rewards' best against their worst; a candidate known wrong is never
            # chosen, one known right never rejected.
            top = [c for c in kept if c.outcome is not False]
            bottom = [c for c in kept if c.outcome is not True]
            if not top or not bottom:
                self.skipped["trace: fewer than two scored, non-vetoed candidates"] += 1
                return []
            chosen, rejected = max(top, key=_score), min(bottom, key=_score)
            if chosen.index == rejected.index or _score(chosen) <= _score(rejected):
                self.skipped["trace: no score margin between candidates"] += 1
                return []
        margin = _score(chosen) - _score(rejected)
        if not self._margin_ok(margin):
            self.skipped["trace: margin below --min-margin"] += 1
            return []
        if chosen.text is None or rejected.text is None:
            self.skipped["trace: a candidate's text not stored"] += 1
            return []
        return [
            {"prompt": prompt, "chosen": chosen.text, "rejected": rejected.text, "margin": margin}
        ]

    def _kto(self, trace: TraceRow, prompt: str, cands: list[_Candidate]) -> list[dict[str, Any]]:
        scored = [c for c in cands if not c.vetoed and c.combined is not None]
        best = max((_score(c) for c in scored), default=None)
        rows = []
        for c in cands:
            if c.vetoed:
                self.skipped["candidate: vetoed"] += 1
                continue
            label = c.outcome
            if label is None and not self.filters.verified_only and best is not None:
                # No outcome: the rewards decide (the best is good; one clearly below it,
                # by --min-margin or by anything when none is given, is bad).
                gap = best - _score(c)
                if gap == 0:
                    label = True
                elif gap > 0 and self._margin_ok(gap):
                    label = False
            if label is None:
                self.skipped["candidate: no label (outcome unknown)"] += 1
            elif c.text is None:
                self.skipped["candidate: text not stored"] += 1
            else:
                rows.append({"prompt": prompt, "completion": c.text, "label": label})
        return rows

    def _grpo(self, trace: TraceRow, prompt: str, cands: list[_Candidate]) -> list[dict[str, Any]]:
        reference = trace.reference or {}
        if self.filters.verified_only and not reference:
            self.skipped["trace: no reference (--verified-only)"] += 1
            return []
        if prompt in self.seen_prompts:
            self.skipped["trace: prompt already exported"] += 1
            return []
        self.seen_prompts.add(prompt)
        schema = reference.get("json_schema")
        answer, tests = reference.get("answer"), reference.get("tests")
        return [
            {
                "prompt": prompt,
                "task": trace.task,
                "answer": None if answer is None else str(answer),
                "tests": None if tests is None else str(tests),
                "json_schema": None if schema is None else json.dumps(schema, sort_keys=True),
            }
        ]


class _Sink:
    """The output file, written as the store is read (a page of traces at a time), so an
    export of a large store does not hold every row in memory. Written to a temporary
    name and renamed at the end: a failed export leaves no partial file."""

    def __init__(self, kind: str, path: Path, fmt: str) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.written = 0
        self.parquet: Any = None
        if fmt == "jsonl":
            self.jsonl: Any = self.partial.open("w", encoding="utf-8")
            return
        try:
            import pyarrow as pa  # type: ignore[import-untyped]
            import pyarrow.parquet as pq  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - pyarrow is in the dev extra
            raise RuntimeError("Parquet needs pyarrow: pip install pyarrow") from exc
        columns = COLUMNS[kind]
        self.schema = pa.schema(
            [(name, pa.type_for_alias(_TYPES.get(name, "string"))) for name in columns]
        )
        self.table = pa.Table.from_pylist
        self.parquet = pq.ParquetWriter(self.partial, self.schema)

    def write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.parquet is not None:
            self.parquet.write_table(self.table(rows, schema=self.schema))
        else:
            self.jsonl.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        self.written += len(rows)

    def close(self, ok: bool) -> None:
        if self.parquet is not None:
            self.parquet.close()  # an empty file still has the kind's schema
        else:
            self.jsonl.close()
        if ok:
            self.partial.replace(self.path)
        else:
            self.partial.unlink(missing_ok=True)


async def _collect(
    url: str, kind: str, filters: ExportFilters, result: ExportResult, sink: _Sink
) -> None:
    exporter = _Exporter(kind, filters, result)
    store = Store(url)
    page: list[dict[str, Any]] = []
    try:
        async for trace, candidates in _groups(store, filters):
            page.extend(exporter.rows(trace, candidates))
            if len(page) >= _BATCH:
                sink.write(page)
                page = []
        sink.write(page)
    finally:
        await store.close()


def export(
    url: str, kind: str, path: Path, fmt: str = "jsonl", filters: ExportFilters | None = None
) -> ExportResult:
    """Write one dataset of ``kind`` from the store at ``url`` to ``path`` (blocking).

    No migration runs: an export never changes the schema a running server relies on.
    Rows are in trace order, oldest first.
    """
    if kind not in COLUMNS:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(COLUMNS)}")
    if fmt not in ("jsonl", "parquet"):
        raise ValueError(f"unknown format {fmt!r}: jsonl or parquet")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        raise FileNotFoundError(f"no store at {parsed.database}")
    result = ExportResult(kind=kind, path=path)
    sink = _Sink(kind, path, fmt)
    ok = False
    try:
        asyncio.run(_collect(url, kind, filters or ExportFilters(), result, sink))
        ok = True
    finally:
        sink.close(ok)
    result.written = sink.written
    return result
