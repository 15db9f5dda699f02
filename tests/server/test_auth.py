"""API keys: every route but /health needs one when keys are set; 401 in OpenAI's format."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.auth import key_matches, load_api_keys
from server.cli import main
from tests.conftest import MODEL, make_engine, make_settings
from tests.server.live_server import live_server

KEY = "sk-test-0123456789"
OTHER = "sk-other-abcdefgh"
BODY = {"model": MODEL, "messages": [{"role": "user", "content": "capital of France?"}]}


def _client(**settings: object) -> TestClient:
    return TestClient(create_app(make_settings(**settings), engine=make_engine()))


def test_without_keys_the_server_is_open() -> None:
    with _client() as c:
        assert c.get("/v1/models").status_code == 200
        assert c.post("/v1/chat/completions", json=BODY).status_code == 200


def test_with_keys_every_route_but_health_needs_one() -> None:
    with _client(api_keys=f"{KEY},{OTHER}") as c:
        assert c.get("/health").status_code == 200
        for method, path in [
            ("GET", "/v1/models"),
            ("POST", "/v1/chat/completions"),
            ("POST", "/v1/completions"),
            ("GET", "/v1/traces/x"),
            ("GET", "/metrics"),
            ("GET", "/openapi.json"),
            ("GET", "/docs"),
            ("GET", "/no/such/route"),
        ]:
            r = c.request(method, path, json=BODY if method == "POST" else None)
            assert r.status_code == 401, (path, r.text)
            assert r.headers["www-authenticate"] == "Bearer"
            err = r.json()["error"]
            assert err["code"] == "invalid_api_key" and "didn't provide" in err["message"]
        for key in (KEY, OTHER):
            ok = c.post(
                "/v1/chat/completions", json=BODY, headers={"Authorization": f"Bearer {key}"}
            )
            assert ok.status_code == 200
        for header in (f"Bearer {KEY}x", f"Basic {KEY}", KEY, "Bearer ", f"Bearer {KEY[:-1]}"):
            r = c.get("/v1/models", headers={"Authorization": header})
            assert r.status_code == 401, header
            assert r.json()["error"]["message"] == "Incorrect API key provided."


def test_metrics_can_be_left_open_for_the_scraper() -> None:
    with _client(api_keys=KEY, metrics_require_key=False) as c:
        assert c.get("/metrics").status_code == 200
        assert c.get("/v1/models").status_code == 401
        c.get("/v1/models", headers={"Authorization": "Bearer wrong-key-123"})
        text = c.get("/metrics").text
    # Refused requests are counted like any other.
    assert 'bon_requests_total{route="unmatched",status="401"} 2.0' in text


def test_keys_from_a_file_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"# team A\n{KEY}\n\n  {OTHER}  \n", encoding="utf-8")
    assert load_api_keys(None, keys_file) == {KEY, OTHER}
    monkeypatch.setenv("BON_API_KEYS", "sk-env-key-1234")
    monkeypatch.setenv("BON_API_KEYS_FILE", str(keys_file))
    with TestClient(create_app(make_settings(), engine=make_engine())) as c:
        for key in (KEY, OTHER, "sk-env-key-1234"):
            assert (
                c.get("/v1/models", headers={"Authorization": f"Bearer {key}"}).status_code == 200
            )


@pytest.mark.parametrize(
    ("keys", "content", "match"),
    [
        ("short", None, "at least 8"),
        ("has space inside", None, "without whitespace"),
        (None, "# only a comment\n", "holds no key"),
        (None, b"\xff\xfe", "cannot read"),
    ],
)
def test_unusable_keys_are_refused_at_startup(
    tmp_path: Path, keys: str | None, content: str | bytes | None, match: str
) -> None:
    path = None
    if content is not None:
        path = tmp_path / "keys"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    with pytest.raises(ValueError, match=match):
        load_api_keys(keys, path)


def test_a_missing_keys_file_is_a_clear_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.yaml"
    script.write_text("rules:\n  - candidates: [{text: hi}]\n")
    argv = ["serve", "--engine", "scripted", "--script", str(script)]
    assert main([*argv, "--api-keys-file", str(tmp_path / "nope")]) == 2
    assert "cannot read the API keys file" in capsys.readouterr().err


def test_key_matches_compares_whole_keys() -> None:
    keys = [KEY, OTHER]
    assert key_matches(KEY, keys) and key_matches(OTHER, keys)
    assert not key_matches(KEY[:-1], keys) and not key_matches(KEY + "0", keys)
    assert not key_matches("", keys) and not key_matches("sk-ünïcode-key", keys)


def test_the_openai_sdk_sends_its_key() -> None:
    app = create_app(make_settings(api_keys=KEY), engine=make_engine())
    with live_server(app) as url:
        good = openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0)
        assert good.models.list().data[0].id == MODEL
        bad = openai.OpenAI(base_url=f"{url}/v1", api_key="sk-wrong-key", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as exc:
            bad.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
        assert exc.value.code == "invalid_api_key"


def test_operator_keys_from_a_file_read_every_trace(tmp_path: Path) -> None:
    ops = tmp_path / "operators"
    ops.write_text("# the operator's tools\nsk-operator-from-file\n", encoding="utf-8")
    with _client(api_keys=KEY, operator_keys_file=ops) as c:
        r = c.post("/v1/chat/completions", json=BODY, headers={"Authorization": f"Bearer {KEY}"})
        trace_id = r.headers["X-Bon-Trace-Id"]
        operator = {"Authorization": "Bearer sk-operator-from-file"}
        assert c.get(f"/v1/traces/{trace_id}", headers=operator).status_code == 200


def test_a_missing_operator_keys_file_is_a_clear_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.yaml"
    script.write_text("rules:\n  - candidates: [{text: hi}]\n")
    argv = ["serve", "--engine", "scripted", "--script", str(script)]
    assert main([*argv, "--operator-keys-file", str(tmp_path / "nope")]) == 2
    assert f"cannot read the API keys file {tmp_path / 'nope'}" in capsys.readouterr().err
