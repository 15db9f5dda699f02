"""``bon-server export``: a store built through the real app (scripted engine), exported as
each kind in JSONL and Parquet, each file loaded with ``datasets`` and its rows asserted:
a vetoed candidate is never a completion, margins are combined-score gaps, the filters
filter, and what the store does not hold (summary traces, a withheld system message) is
skipped and counted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rewards.builtin import JsonValid
from rewards.trl import as_trl_reward
from server.app import create_app
from server.auth import owner_of
from server.cli import main
from server.store import export as export_module
from server.store.export import COLUMNS, ExportFilters, export
from server.store.schema import CandidateRow, TraceRow
from tests.conftest import MODEL, make_engine, make_settings
from tests.store.helpers import BUDGETS, bearer, wait_for
from tests.store.postgres import PostgresServer

KEY_A = "sk-alice-0123456789"
KEY_B = "sk-bob-abcdefghijk"
CARD = "4111 1111 1111 1111"
SCRIPT: dict[str, Any] = {
    "rules": [
        {
            # Reference answer 42: 0, 2 and 3 are right, 1 wrong; 2 leaks a card (vetoed)
            # and would otherwise be as right as any.
            "match": "apples",
            "candidates": [
                {"text": "12 * 3 = 36, 36 + 6 = 42. The answer is \\boxed{42}.", "logprob": -0.4},
                {"text": "12 * 3 = 36, 36 + 5 = 41. The answer is \\boxed{41}.", "logprob": -0.2},
                {"text": f"Pay with card {CARD}: \\boxed{{42}}", "logprob": -0.1},
                {"text": "The answer is \\boxed{42}.", "logprob": -0.3},
            ],
        },
        {
            "match": "person",
            "candidates": [
                {"text": '{"name": "Ada", "age": 36}', "logprob": -0.3},
                {"text": '{"name": "Ada"}', "logprob": -0.2},
                {"text": "Ada is 36 years old.", "logprob": -0.4},
            ],
        },
        {
            "candidates": [
                {"text": "Paris is the capital of France.", "logprob": -0.3},
                {"text": "Paris. Paris. Paris. Paris. Paris. Paris. Paris.", "logprob": -0.1},
                {"text": "The capital of France is Paris, on the Seine.", "logprob": -0.6},
            ],
        },
    ]
}
SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}
MATH = "12 apples, times 3, then 6 more?"
PERSON = "Give a person as JSON with name and age."
CAPITAL = "What is the capital of France?"


@dataclass
class Built:
    url: str
    ids: dict[str, str]  # name -> trace id
    candidates: dict[str, list[CandidateRow]]
    stored_at: dict[str, float]


def _chat(c: TestClient, key: str, content: str, **extra: Any) -> str:
    messages = extra.pop("messages", [{"role": "user", "content": content}])
    body = {"model": MODEL, "messages": messages, "best_of": 4, **extra}
    r = c.post("/v1/chat/completions", json=body, headers=bearer(key))
    assert r.status_code == 200, r.text
    trace_id: str = r.headers["X-Bon-Trace-Id"]
    return trace_id


def _build(url: str) -> Built:
    """A store at ``url`` with five labelled traces, made through the real app."""
    settings = make_settings(api_keys=f"{KEY_A},{KEY_B}", database_url=url, **BUDGETS)
    with TestClient(create_app(settings, engine=make_engine(SCRIPT))) as c:
        full = {"trace": "full"}
        ids = {
            "math": _chat(c, KEY_A, MATH, reference={"answer": "42"}, **full),
            "person": _chat(c, KEY_A, PERSON, reference={"json_schema": SCHEMA}, **full),
            "capital": _chat(c, KEY_B, CAPITAL, **full),
            # A summary trace holds no text: nothing of it can be exported.
            "summary": _chat(c, KEY_A, MATH, reference={"answer": "42"}),
            # The operator's --trace-text withholds the system message: not the prompt.
            "system": _chat(
                c,
                KEY_A,
                "",
                messages=[
                    {"role": "system", "content": "Answer briefly."},
                    {"role": "user", "content": CAPITAL},
                ],
                **full,
            ),
        }
        store = c.app.state.traces.store  # type: ignore[attr-defined]

        async def rows() -> tuple[dict[str, list[CandidateRow]], dict[str, float]]:
            async with store.sessions() as session:
                traces = (await session.scalars(select(TraceRow))).all()
                cands = (await session.scalars(select(CandidateRow))).all()
            by: dict[str, list[CandidateRow]] = {}
            for row in sorted(cands, key=lambda r: r.index):
                by.setdefault(row.trace_id, []).append(row)
            return by, {t.id: t.stored_at for t in traces}

        wait_for(lambda: len(c.portal.call(rows)[1]) == len(ids), "five stored traces")  # type: ignore[union-attr]
        # The owner rates the general answer it was given: good.
        r = c.post(
            "/v1/feedback",
            json={"trace_id": ids["capital"], "choice_index": 0, "name": "thumbs", "value": 1},
            headers=bearer(KEY_B),
        )
        assert r.status_code == 201, r.text
        by, stored_at = c.portal.call(rows)  # type: ignore[union-attr]
    return Built(
        url,
        ids,
        {k: by[i] for k, i in ids.items()},
        {k: stored_at[i] for k, i in ids.items()},
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One SQLite store (built once: every test only reads it)."""
    return _build(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('export') / 'store.db'}")


def _load(path: Path, fmt: str) -> datasets.Dataset:
    kind = "json" if fmt == "jsonl" else "parquet"
    # Its cache next to the file: nothing written under the user's home.
    cache = str(path.parent / "hf-cache")
    ds = datasets.load_dataset(kind, data_files=str(path), split="train", cache_dir=cache)
    assert isinstance(ds, datasets.Dataset)
    return ds


def _export(
    built: Built, tmp_path: Path, kind: str, fmt: str, **filters: Any
) -> tuple[datasets.Dataset | None, Any]:
    path = tmp_path / f"{kind}.{fmt}"
    result = export(built.url, kind, path, fmt, ExportFilters(**filters))
    if result.written == 0:  # datasets refuses an empty JSONL; Parquet keeps the schema
        return None, result
    ds = _load(path, fmt)
    assert len(ds) == result.written
    return ds, result


def _gap(a: CandidateRow, b: CandidateRow) -> float:
    assert a.combined is not None and b.combined is not None
    return a.combined - b.combined


def _by_index(built: Built, name: str) -> dict[int, CandidateRow]:
    return {r.index: r for r in built.candidates[name]}


def _prompt(content: str) -> str:
    return f"user: {content}"


# TRL's dataset types, https://huggingface.co/docs/trl/dataset_formats: prompt-completion
# (SFT), preference (DPO: prompt, chosen, rejected), unpaired preference (KTO: prompt,
# completion, label), prompt-only (GRPO: prompt; every other column is passed to the
# reward functions as a keyword argument).
TRL_COLUMNS = {
    "sft": {"prompt", "completion"},
    "dpo": {"prompt", "chosen", "rejected"},
    "kto": {"prompt", "completion", "label"},
    "grpo": {"prompt"},
}


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
@pytest.mark.parametrize("kind", sorted(TRL_COLUMNS))
def test_columns_are_trls(built: Built, tmp_path: Path, kind: str, fmt: str) -> None:
    ds, _ = _export(built, tmp_path, kind, fmt)
    assert ds is not None
    assert TRL_COLUMNS[kind] <= set(ds.column_names)
    assert list(ds.column_names) == list(COLUMNS[kind])
    # DPO's one extra column is the pair's margin; GRPO's are its rewards' kwargs.
    extra = set(ds.column_names) - TRL_COLUMNS[kind]
    assert extra == {"sft": set(), "dpo": {"margin"}, "kto": set()}.get(
        kind, {"task", "answer", "tests", "json_schema"}
    )
    for row in ds:
        assert CARD not in json.dumps(row)  # the vetoed candidate's text is nowhere


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_sft_selected_answers_known_good(built: Built, tmp_path: Path, fmt: str) -> None:
    ds, result = _export(built, tmp_path, "sft", fmt)
    assert ds is not None
    got = {row["prompt"]: row["completion"] for row in ds}
    expected = {}
    for name, content in (("math", MATH), ("person", PERSON), ("capital", CAPITAL)):
        selected = next(r for r in built.candidates[name] if r.selected)
        assert not selected.vetoed
        if name == "capital":  # labelled by the owner's feedback
            assert selected.verified is None
        else:  # labelled by the reference
            assert selected.verified is True
        expected[_prompt(content)] = _candidate_text(name, selected.index)
    assert got == expected
    assert result.skipped == {
        "trace: no prompt stored (summary trace; ask with trace: full)": 1,
        "trace: system message withheld (--trace-text is not full)": 1,
    }


def _candidate_text(name: str, index: int) -> str:
    # The scripted engine answers a group of 4 from a rule's list in turn (cycling).
    scripted = SCRIPT["rules"][{"math": 0, "person": 1, "capital": 2}[name]]["candidates"]
    return str(scripted[index % len(scripted)]["text"])


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_dpo_pairs_by_score_never_vetoed(built: Built, tmp_path: Path, fmt: str) -> None:
    ds, result = _export(built, tmp_path, "dpo", fmt)
    assert ds is not None
    rows = {row["prompt"]: row for row in ds}
    assert set(rows) == {_prompt(MATH), _prompt(PERSON), _prompt(CAPITAL)}
    for name, content in (("math", MATH), ("person", PERSON), ("capital", CAPITAL)):
        cands = _by_index(built, name)
        kept = [r for r in cands.values() if not r.vetoed]
        best = max(kept, key=lambda r: r.combined or 0.0)
        row = rows[_prompt(content)]
        assert row["chosen"] == _candidate_text(name, best.index)
        rejected = next(r for r in kept if _candidate_text(name, r.index) == row["rejected"])
        assert rejected.verified is not True
        assert row["margin"] == pytest.approx(_gap(best, rejected))
        assert row["margin"] > 0
    # The math group's vetoed candidate is neither side of any pair.
    vetoed = [r for r in built.candidates["math"] if r.vetoed]
    assert len(vetoed) == 1 and vetoed[0].index == 2
    assert result.skipped["trace: no prompt stored (summary trace; ask with trace: full)"] == 1


def test_dpo_min_margin_and_verified_only(built: Built, tmp_path: Path) -> None:
    ds, _ = _export(built, tmp_path, "dpo", "jsonl")
    assert ds is not None
    margins = sorted(ds["margin"])
    # A threshold between the margins keeps only the pairs at or above it.
    cut = (margins[0] + margins[-1]) / 2
    ds_cut, result = _export(built, tmp_path, "dpo", "parquet", min_margin=cut)
    assert ds_cut is not None
    assert sorted(ds_cut["margin"]) == [m for m in margins if m >= cut]
    assert result.skipped["trace: margin below --min-margin"] == sum(m < cut for m in margins)

    # Verified only: right against wrong, as the reference decided; the general trace's
    # feedback labels one candidate only (no wrong one), so it gives no pair.
    ds_v, result = _export(built, tmp_path, "dpo", "jsonl", verified_only=True)
    assert ds_v is not None
    rows = {row["prompt"]: row for row in ds_v}
    assert set(rows) == {_prompt(MATH), _prompt(PERSON)}
    for name, content in (("math", MATH), ("person", PERSON)):
        cands = _by_index(built, name)
        row = rows[_prompt(content)]
        good = [r for r in cands.values() if r.verified is True and not r.vetoed]
        bad = [r for r in cands.values() if r.verified is False]
        chosen = max(good, key=lambda r: r.combined or 0.0)
        rejected = max(bad, key=lambda r: r.combined or 0.0)
        assert row["chosen"] == _candidate_text(name, chosen.index)
        assert row["rejected"] == _candidate_text(name, rejected.index)
        assert row["margin"] == pytest.approx(_gap(chosen, rejected))
    assert result.skipped["trace: no right and wrong candidate both known"] == 1


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_kto_labels(built: Built, tmp_path: Path, fmt: str) -> None:
    ds, result = _export(built, tmp_path, "kto", fmt, verified_only=True)
    assert ds is not None
    got = sorted((row["prompt"], row["completion"], row["label"]) for row in ds)
    expected = []
    for name, content in (("math", MATH), ("person", PERSON)):
        for r in built.candidates[name]:
            if not r.vetoed:
                expected.append((_prompt(content), _candidate_text(name, r.index), r.verified))
    capital_selected = next(r for r in built.candidates["capital"] if r.selected)
    expected.append((_prompt(CAPITAL), _candidate_text("capital", capital_selected.index), True))
    assert got == sorted(expected)
    assert all(isinstance(label, bool) for label in ds["label"])
    assert result.skipped["candidate: vetoed"] == 1
    # The general group's unrated candidates have no label under --verified-only.
    assert result.skipped["candidate: no label (outcome unknown)"] == 3


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_grpo_prompts_with_references(built: Built, tmp_path: Path, fmt: str) -> None:
    ds, _ = _export(built, tmp_path, "grpo", fmt)
    assert ds is not None
    rows = {row["prompt"]: row for row in ds}
    assert set(rows) == {_prompt(MATH), _prompt(PERSON), _prompt(CAPITAL)}
    assert rows[_prompt(MATH)]["answer"] == "42"
    assert json.loads(rows[_prompt(PERSON)]["json_schema"]) == SCHEMA
    assert rows[_prompt(CAPITAL)]["answer"] is None
    assert rows[_prompt(MATH)]["task"] == "math"
    # The extra columns reach the project's rewards as GRPO passes them (kwargs, one
    # value per completion): the exported schema tells json_valid what to check.
    person = rows[_prompt(PERSON)]
    f = as_trl_reward(JsonValid())
    completions = ['{"name": "Ada", "age": 36}', '{"name": "Ada"}']
    columns = {k: [person[k]] * 2 for k in ("task", "answer", "tests", "json_schema")}
    assert f(prompts=[person["prompt"]] * 2, completions=completions, **columns) == [1.0, 0.5]
    ds_v, result = _export(built, tmp_path, "grpo", fmt, verified_only=True)
    assert ds_v is not None
    assert set(ds_v["prompt"]) == {_prompt(MATH), _prompt(PERSON)}
    assert result.skipped["trace: no reference (--verified-only)"] == 1


def test_filters(built: Built, tmp_path: Path) -> None:
    ds, _ = _export(built, tmp_path, "grpo", "jsonl", owner=owner_of(KEY_B))
    assert ds is not None and ds["prompt"] == [_prompt(CAPITAL)]
    ds, _ = _export(built, tmp_path, "grpo", "jsonl", task="math")
    assert ds is not None and ds["prompt"] == [_prompt(MATH)]
    ds, result = _export(built, tmp_path, "grpo", "jsonl", profile="no-such-profile")
    assert ds is None and result.written == 0 and not result.skipped
    # Time: from the capital trace on (the store's own stored_at), and before it.
    at = built.stored_at["capital"]
    ds, _ = _export(built, tmp_path, "grpo", "jsonl", since=at)
    assert ds is not None and _prompt(MATH) not in ds["prompt"]
    assert _prompt(CAPITAL) in ds["prompt"]
    ds, _ = _export(built, tmp_path, "grpo", "jsonl", until=at)
    assert ds is not None and set(ds["prompt"]) == {_prompt(MATH), _prompt(PERSON)}
    # An empty Parquet export still has the kind's columns (datasets 5.2 cannot load a
    # file of no rows, so its schema is read with pyarrow).
    path = tmp_path / "empty.parquet"
    export(built.url, "dpo", path, "parquet", ExportFilters(until=0))
    assert pq.read_schema(path).names == list(COLUMNS["dpo"])


def test_cli(built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pairs.parquet"
    argv = ["export", "dpo", "-o", str(out), "--database-url", built.url, "--verified-only"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert f"dpo: wrote 2 rows to {out}" in printed
    assert "skipped 1: trace: no right and wrong candidate both known" in printed
    assert len(_load(out, "parquet")) == 2
    missing = f"sqlite+aiosqlite:///{tmp_path / 'nope.db'}"
    assert main(["export", "sft", "-o", str(tmp_path / "x.jsonl"), "--database-url", missing]) == 2
    assert "no store at" in capsys.readouterr().err
    assert main(["export", "sft", "-o", "x.jsonl", "--since", "yesterday"]) == 2


def _rows(url: str, tmp_path: Path, kind: str) -> list[dict[str, Any]]:
    path = tmp_path / f"{kind}.jsonl"
    export(url, kind, path, "jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_paging_reads_every_trace_once(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store is read in keyset-paged batches: batches of two give what one batch does."""
    whole = {kind: _rows(built.url, tmp_path, kind) for kind in COLUMNS}
    monkeypatch.setattr(export_module, "_BATCH", 2)
    assert {kind: _rows(built.url, tmp_path, kind) for kind in COLUMNS} == whole
    for kind in COLUMNS:  # Parquet written in several row groups reads back the same
        path = tmp_path / f"{kind}.parquet"
        export(built.url, kind, path, "parquet")
        assert pq.read_table(path).to_pylist() == whole[kind]


def test_a_failed_export_leaves_no_file(tmp_path: Path) -> None:
    """A file that is no store: an error (exit 2), and neither the output nor a partial."""
    (tmp_path / "empty.db").write_bytes(b"")
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    out = tmp_path / "out" / "sft.jsonl"
    assert main(["export", "sft", "-o", str(out), "--database-url", url]) == 2
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_postgresql_exports_what_sqlite_does(
    built: Built, postgres: PostgresServer, tmp_path: Path
) -> None:
    """The same requests stored on PostgreSQL export the same rows (scores compared
    to float precision: each database keeps its own float)."""
    pg = _build(postgres.new_database())
    for kind in COLUMNS:
        got, want = _rows(pg.url, tmp_path, kind), _rows(built.url, tmp_path, kind)
        assert len(got) == len(want) > 0
        for a, b in zip(got, want, strict=True):
            assert a.keys() == b.keys()
            for key in a:
                if key == "margin":
                    assert a[key] == pytest.approx(b[key])
                else:
                    assert a[key] == b[key], (kind, key)


def test_system_message_exported_when_the_operator_keeps_text(tmp_path: Path) -> None:
    """Under --trace-text full the stored prompt holds the system message: exported."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'full.db'}"
    settings = make_settings(api_keys=KEY_A, database_url=url, trace_text="full", **BUDGETS)
    messages = [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": CAPITAL},
    ]
    with TestClient(create_app(settings, engine=make_engine(SCRIPT))) as c:
        _chat(c, KEY_A, "", messages=messages, trace="full")
        store = c.app.state.traces.store  # type: ignore[attr-defined]
        wait_for(lambda: c.portal.call(store.recent, None, 1), "the stored trace")  # type: ignore[union-attr]
    assert _rows(url, tmp_path, "grpo") == [
        {
            "prompt": f"system: Answer briefly.\nuser: {CAPITAL}",
            "task": "general",
            "answer": None,
            "tests": None,
            "json_schema": None,
        }
    ]
