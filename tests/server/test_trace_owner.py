"""Traces belong to their caller: another key gets 404 and never lists them; operators see all.

The attack (issue 10, item 3): with two API keys, key B listed key A's traces at
``/traces`` and read A's system prompt at ``/v1/traces/{id}`` and ``/traces/{id}``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import jsonschema
import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.auth import ANONYMOUS, owner_of
from server.trace import load_trace_schema
from tests.conftest import MODEL, make_engine, make_settings

KEY_A = "sk-alice-0123456789"
KEY_B = "sk-bob-abcdefghijk"
OPERATOR = "sk-operator-999999"
# The caller's own words, which its full trace shows it (and only it).
BODY = {
    "model": MODEL,
    "messages": [
        {"role": "system", "content": "You are Alice's assistant."},
        {"role": "user", "content": "My e-mail is alice@example.com. What is 2 + 2?"},
    ],
    "trace": "full",
}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def basic(key: str) -> dict[str, str]:
    """What a browser sends after its password prompt (any user name)."""
    token = base64.b64encode(f"me:{key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = make_settings(api_keys=f"{KEY_A},{KEY_B}", operator_keys=OPERATOR)
    with TestClient(create_app(settings, engine=make_engine())) as c:
        yield c


def _make_trace(c: TestClient, key: str) -> str:
    r = c.post("/v1/chat/completions", json=BODY, headers=bearer(key))
    assert r.status_code == 200, r.text
    trace_id: str = r.headers["X-Bon-Trace-Id"]
    return trace_id


def _listed(c: TestClient, headers: dict[str, str]) -> set[str]:
    r = c.get("/traces", headers=headers)
    assert r.status_code == 200, r.text
    return set(re.findall(r"(?:chat)?cmpl-[0-9a-f]{32}", r.text))


def test_the_trace_records_its_owner_as_a_hash_of_the_key(client: TestClient) -> None:
    trace_id = _make_trace(client, KEY_A)
    trace = client.get(f"/v1/traces/{trace_id}", headers=bearer(KEY_A)).json()
    assert trace["owner"] == owner_of(KEY_A)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", trace["owner"])
    assert KEY_A not in str(trace)
    jsonschema.validate(trace, load_trace_schema())
    # The schema requires the owner and allows nothing but the two shapes.
    for bad in ({k: v for k, v in trace.items() if k != "owner"}, {**trace, "owner": KEY_A}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, load_trace_schema())


def test_another_key_gets_the_404_of_a_missing_trace(client: TestClient) -> None:
    trace_id = _make_trace(client, KEY_A)
    missing = "chatcmpl-" + "0" * 32
    for path in ("/v1/traces/{}", "/traces/{}"):
        foreign = client.get(path.format(trace_id), headers=bearer(KEY_B))
        absent = client.get(path.format(missing), headers=bearer(KEY_B))
        assert foreign.status_code == absent.status_code == 404
        # Same body but for the id echoed back: existence does not leak.
        assert foreign.text.replace(trace_id, missing) == absent.text
        assert "alice@example.com" not in foreign.text
    # The browser's way in (Basic) gives the same answer.
    assert client.get(f"/traces/{trace_id}", headers=basic(KEY_B)).status_code == 404


def test_the_owner_and_the_operator_read_it(client: TestClient) -> None:
    trace_id = _make_trace(client, KEY_A)
    for headers in (bearer(KEY_A), bearer(OPERATOR)):
        r = client.get(f"/v1/traces/{trace_id}", headers=headers)
        assert r.status_code == 200 and r.json()["id"] == trace_id
        page = client.get(f"/traces/{trace_id}", headers=headers)
        assert page.status_code == 200 and "alice@example.com" in page.text
    assert client.get(f"/traces/{trace_id}", headers=basic(KEY_A)).status_code == 200
    assert client.get(f"/traces/{trace_id}", headers=basic(OPERATOR)).status_code == 200


def test_the_listing_shows_each_key_its_own_traces_and_the_operator_all(
    client: TestClient,
) -> None:
    a = _make_trace(client, KEY_A)
    b = _make_trace(client, KEY_B)
    assert _listed(client, bearer(KEY_A)) == {a}
    assert _listed(client, bearer(KEY_B)) == {b}
    assert _listed(client, basic(KEY_B)) == {b}
    assert _listed(client, bearer(OPERATOR)) == {a, b}
    # The operator's listing says whose each trace is (the hash, shortened).
    page = client.get("/traces", headers=bearer(OPERATOR)).text
    assert owner_of(KEY_A)[:18] in page and owner_of(KEY_B)[:18] in page


def test_the_viewer_asks_a_browser_for_the_key_with_a_basic_challenge(
    client: TestClient,
) -> None:
    for path in ("/traces", "/traces/x"):
        r = client.get(path)
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith('Basic realm="bon-server traces"')
        wrong = client.get(path, headers=basic("sk-not-a-key-000"))
        assert wrong.status_code == 401
    # Basic is for the browser pages only: the API keeps to Bearer.
    assert client.get("/v1/models", headers=basic(KEY_A)).status_code == 401
    assert client.get("/v1/traces/x", headers=basic(KEY_A)).status_code == 401
    for garbage in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()):
        assert client.get("/traces", headers={"Authorization": garbage}).status_code == 401


def test_operator_keys_alone_turn_auth_on() -> None:
    settings = make_settings(operator_keys=OPERATOR)
    with TestClient(create_app(settings, engine=make_engine())) as c:
        assert c.get("/v1/models").status_code == 401
        trace_id = _make_trace(c, OPERATOR)
        assert c.get(f"/v1/traces/{trace_id}", headers=bearer(OPERATOR)).status_code == 200


def test_without_keys_every_trace_is_anonymous_and_readable() -> None:
    with TestClient(create_app(make_settings(), engine=make_engine())) as c:
        r = c.post("/v1/chat/completions", json=BODY)
        trace_id = r.headers["X-Bon-Trace-Id"]
        assert r.json()["trace"]["owner"] == ANONYMOUS
        jsonschema.validate(r.json()["trace"], load_trace_schema())
        assert c.get(f"/v1/traces/{trace_id}").status_code == 200
        assert trace_id in c.get("/traces").text


def test_a_streamed_trace_carries_the_callers_owner(client: TestClient) -> None:
    body = {**BODY, "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=body, headers=bearer(KEY_B)) as r:
        text = "".join(r.iter_text())
        trace_id = r.headers["X-Bon-Trace-Id"]
    assert owner_of(KEY_B) in text
    assert client.get(f"/v1/traces/{trace_id}", headers=bearer(KEY_A)).status_code == 404
    assert client.get(f"/v1/traces/{trace_id}", headers=bearer(KEY_B)).status_code == 200
