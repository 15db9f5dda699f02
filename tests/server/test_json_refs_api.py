"""Red-team F1/F2 over HTTP: a schema ``$ref`` never reaches the network or the disk.

A ``response_format`` schema whose ref leaves the schema, or whose local refs fan
out, is a 400; such a schema in the prompt gives ``json_valid`` no signal and says
why. A listener opened here receives no connection; a temp file's secret ``const``
appears in no string of the response.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings
from tests.rewards.test_json_refs import SECRET, fan_out
from tests.text import json_strings

SCRIPT = {"rules": [{"candidates": [{"text": '{"card": "1"}'}, {"text": '{"card": 2}'}]}]}


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(make_settings(), engine=make_engine(SCRIPT))
    with TestClient(app) as c:
        yield c


@pytest.fixture
def secret_uri(tmp_path: Path) -> str:
    path = tmp_path / "sec.json"
    path.write_text(json.dumps({"secret": {"const": SECRET}}))
    return path.as_uri() + "#/secret"


def _connected(srv: socket.socket) -> bool:
    try:
        conn, _ = srv.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def _chat(client: TestClient, content: str, **extra: Any) -> Any:
    body = {"model": MODEL, "messages": [{"role": "user", "content": content}], **extra}
    return client.post("/v1/chat/completions", json=body)


def _fmt(schema: Any) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}


def test_response_format_remote_and_file_refs_are_400_untouched(
    client: TestClient, listener: tuple[socket.socket, str], secret_uri: str
) -> None:
    srv, base = listener
    for schema in (
        {"$ref": f"{base}/s.json"},
        {"$id": f"{base}/", "$ref": "other.json"},
        {"properties": {"card": {"$ref": f"{base}/a"}}},
        {"$ref": secret_uri},
    ):
        r = _chat(client, "Give JSON", best_of=2, trace="full", response_format=_fmt(schema))
        assert r.status_code == 400, r.text[:300]
        assert "schema $ref outside the schema refused" in r.json()["error"]["message"]
        assert SECRET not in r.text
    assert not _connected(srv)


def test_response_format_fan_out_refs_are_400(client: TestClient) -> None:
    r = _chat(client, "Give JSON", best_of=2, response_format=_fmt(fan_out(30)))
    assert r.status_code == 400, r.text[:300]
    assert "subschemas" in r.json()["error"]["message"]


def test_prompt_schema_refs_give_no_signal_untouched(
    client: TestClient, listener: tuple[socket.socket, str], secret_uri: str
) -> None:
    srv, base = listener
    for ref in (f"{base}/x", secret_uri):
        schema = {"type": "object", "properties": {"card": {"$ref": ref}}}
        prompt = f"Reply in JSON matching this schema:\n```json\n{json.dumps(schema)}\n```"
        r = _chat(client, prompt, best_of=2, trace="full")
        assert r.status_code == 200, r.text[:300]
        trace = r.json()["trace"]
        assert SECRET not in json_strings(r.json())
        evidence = json_strings(
            [c["scores"].get("json_valid") for c in trace["candidates"] if c.get("scores")]
        )
        assert "schema $ref outside the schema refused" in evidence, trace["candidates"]
    assert not _connected(srv)
