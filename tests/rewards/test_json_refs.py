"""A schema's ``$ref`` never leaves the schema: no network, no disk, bounded local expansion.

Red-team F1/F2: jsonschema's default registry fetched ``http://`` and ``file://``
refs (SSRF, a host file's ``const`` in the evidence, a tarpit holding a scoring
thread). Every schema check goes through :mod:`rewards.json_limits`, which refuses a
ref that does not resolve inside the schema and a schema whose local refs expand
past ``MAX_SCHEMA_EXPANSION``.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from rewards.builtin.efficiency import Efficiency
from rewards.builtin.json_valid import JsonValid
from rewards.json_limits import MAX_SCHEMA_EXPANSION, linear_validator, schema_problem
from rewards.types import Candidate, RewardContext

SECRET = "HOST-SECRET-7781"


def _connected(srv: socket.socket) -> bool:
    try:
        conn, _ = srv.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


@pytest.fixture
def secret_file(tmp_path: Path) -> str:
    path = tmp_path / "sec.json"
    path.write_text(json.dumps({"secret": {"const": SECRET}, "e": {"enum": [SECRET]}}))
    return path.as_uri()


def fan_out(levels: int) -> dict[str, Any]:
    """``a0`` refers to ``a1`` twice, ``a1`` to ``a2`` twice, ...: 2**levels evaluations."""
    defs: dict[str, Any] = {
        f"a{i}": {"allOf": [{"$ref": f"#/$defs/a{i + 1}"}, {"$ref": f"#/$defs/a{i + 1}"}]}
        for i in range(levels)
    }
    defs[f"a{levels}"] = {"type": "string"}
    return {"$defs": defs, "$ref": "#/$defs/a0"}


def _fmt(schema: Any) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}


def _json_valid(ctx: RewardContext, texts: list[str]) -> list[Any]:
    return JsonValid()(completions=texts, context=ctx, candidates=[])


def _remote_schemas(base: str, file_uri: str) -> list[Any]:
    return [
        {"$ref": f"{base}/s.json"},
        {"$id": f"{base}/", "$ref": "other.json"},
        {"properties": {"card": {"$ref": f"{base}/a"}}},
        {"$ref": f"{file_uri}#/secret"},
        {"properties": {"card": {"$ref": f"{file_uri}#/e"}}},
        {"$defs": {"x": {"$dynamicRef": f"{base}/d"}}, "$ref": "#/$defs/x"},
        {"$ref": "https://json-schema.org/draft/2020-12/schema"},
    ]


def test_remote_and_file_refs_in_response_format_are_refused_untouched(
    listener: tuple[socket.socket, str], secret_file: str
) -> None:
    srv, base = listener
    for schema in _remote_schemas(base, secret_file):
        ctx = RewardContext(prompt="Give JSON", task="json", response_format=_fmt(schema))
        scores = _json_valid(ctx, [json.dumps({"card": SECRET}), '"x"'])
        for score in scores:
            assert score.value is None, (schema, score)
            assert "schema $ref outside the schema refused" in score.evidence
            assert SECRET not in score.evidence
        assert not _connected(srv), schema


def test_remote_ref_in_a_prompt_schema_is_refused_untouched(
    listener: tuple[socket.socket, str], secret_file: str
) -> None:
    srv, base = listener
    for ref in (f"{base}/x", f"{secret_file}#/secret"):
        schema = {"type": "object", "properties": {"card": {"$ref": ref}}}
        prompt = f"Reply in JSON matching this schema:\n```json\n{json.dumps(schema)}\n```"
        [score] = _json_valid(RewardContext(prompt=prompt, task="json"), ['{"card": "1"}'])
        assert score.value is None
        assert "schema $ref outside the schema refused" in score.evidence
        assert SECRET not in score.evidence
    assert not _connected(srv)


def test_efficiency_in_thread_schema_check_never_connects(
    listener: tuple[socket.socket, str],
) -> None:
    """Efficiency runs json_valid on the scoring thread: a tarpit ref would hold it."""
    srv, base = listener
    ctx = RewardContext(prompt="Give JSON", response_format=_fmt({"$ref": f"{base}/t"}))
    texts = ['{"a": 1}', '{"a": 2}']
    cands = [Candidate(index=i, text=t, finish_reason="stop") for i, t in enumerate(texts)]
    scores = Efficiency()(completions=texts, context=ctx, candidates=cands)
    assert len(scores) == 2
    assert not _connected(srv)


def test_local_refs_resolve_inside_the_schema() -> None:
    schema = {
        "$id": "https://example.invalid/root",
        "type": "object",
        "properties": {
            "a": {"$ref": "#/$defs/name"},
            "b": {"$ref": "#num"},
            "c": {"$ref": "item"},
            "d": {"$ref": "#"},
        },
        "$defs": {
            "name": {"type": "string"},
            "n": {"$anchor": "num", "type": "integer"},
            "i": {"$id": "item", "type": "boolean"},
        },
    }
    assert schema_problem(schema) is None
    validator, note = linear_validator(schema)
    assert note == ""
    assert validator.is_valid({"a": "x", "b": 1, "c": True, "d": {"a": "y"}})
    assert not validator.is_valid({"b": "x"})
    assert not validator.is_valid({"c": 1})
    assert not validator.is_valid({"d": {"a": 1}})


def test_a_dangling_local_ref_is_refused() -> None:
    problem = schema_problem({"$ref": "#/$defs/missing"})
    assert problem is not None and "does not resolve inside the schema" in problem


def test_fan_out_refs_are_refused_by_expanded_size() -> None:
    ctx = RewardContext(prompt="Give JSON", task="json", response_format=_fmt(fan_out(30)))
    [score] = _json_valid(ctx, ['"x"'])
    assert score.value is None
    assert f"expands to more than {MAX_SCHEMA_EXPANSION:,} subschemas" in score.evidence


def test_modest_sharing_is_accepted_and_cycles_are_counted_once() -> None:
    assert schema_problem(fan_out(8)) is None  # 2**8 expanded nodes
    tree = {
        "type": "object",
        "properties": {"left": {"$ref": "#"}, "right": {"$ref": "#"}, "v": {"type": "integer"}},
    }
    assert schema_problem(tree) is None
    validator, _ = linear_validator(tree)
    assert validator.is_valid({"left": {"v": 1}, "right": {"left": {}}})
    assert not validator.is_valid({"left": {"v": "x"}})


def test_the_validator_itself_never_retrieves(
    listener: tuple[socket.socket, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: were the static check to miss a ref, the registry refuses it."""
    srv, base = listener
    monkeypatch.setattr("rewards.json_limits.schema_problem", lambda schema: None)
    ctx = RewardContext(prompt="Give JSON", task="json", response_format=_fmt({"$ref": base}))
    [score] = _json_valid(ctx, ['{"a": 1}'])
    assert score.value is None
    assert "schema $ref outside the schema refused" in score.evidence
    assert not _connected(srv)
