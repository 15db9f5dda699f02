"""Issue 10, items 4 and 5 over HTTP: regex and nesting payloads in a prompt, a
response_format schema and the candidates give a 200 (reward marked) or a 400, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings

BOXED = "\\boxed{" + "{" * 5000 + "1" + "}" * 5000 + "}"
FRAC = "\\boxed{" + "\\frac{" * 2000 + "1" + "}{2}" * 2000 + "}"
PARENS = "(" * 100_000 + "1" + ")" * 100_000 + " = 1"
DEEP_JSON = "[" * 100_000
EXFIL = "![](http://x/" + "?=" * 20_000
CALLS = "`" + "a(" * 20_000


def _nested_schema(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "array", "items": schema}
    return schema


SCRIPT = {
    "rules": [
        {
            "candidates": [
                {"text": text, "logprob": -0.1 * i}
                for i, text in enumerate([BOXED, FRAC, PARENS, DEEP_JSON, EXFIL, '{"a": "aa"}'])
            ]
        }
    ]
}


@pytest.fixture
def client() -> Any:
    app = create_app(make_settings(), engine=make_engine(SCRIPT))
    with TestClient(app) as c:
        yield c


def _chat(client: TestClient, content: str, **extra: Any) -> Any:
    body = {"model": MODEL, "messages": [{"role": "user", "content": content}], **extra}
    return client.post("/v1/chat/completions", json=body)


@pytest.mark.parametrize(
    "prompt",
    [
        CALLS,
        "Compute " + "(" * 50_000 + "1" + ")" * 50_000,
        "Simplify " + FRAC,
        "Reply in JSON:\n```json\n" + DEEP_JSON,
    ],
    ids=["backtick-calls", "parens", "frac", "deep-json-fence"],
)
def test_payloads_in_prompt_and_candidates_return_200(client: TestClient, prompt: str) -> None:
    r = _chat(client, prompt, best_of=6, trace="summary")
    assert r.status_code == 200, r.text[:300]
    assert r.json()["trace"]["rewards"]


def test_schema_pattern_with_pathological_candidates_returns_200(client: TestClient) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "pattern": "^(a|a)*$"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}}
    r = _chat(client, "Give me the object", best_of=6, trace="summary", response_format=fmt)
    assert r.status_code == 200, r.text[:300]
    json_valid = [rw for rw in r.json()["trace"]["rewards"] if rw["name"] == "json_valid"]
    assert json_valid


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "pattern": r"^(a+)\1$"},
        {"type": "object", "patternProperties": {"(?<=x)a": {}}},
        _nested_schema(100),
    ],
    ids=["backreference", "lookbehind", "100-deep"],
)
def test_response_format_schema_refused_is_a_400(client: TestClient, schema: Any) -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}}
    r = _chat(client, "Give me the object", best_of=2, response_format=fmt)
    assert r.status_code == 400, r.text[:300]
    assert "schema refused" in r.json()["error"]["message"]
