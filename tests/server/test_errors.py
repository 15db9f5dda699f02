"""Bad input: every case is a 4xx in OpenAI's error shape naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MODEL

USER = [{"role": "user", "content": "hi"}]


def _chat(**fields: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": USER, **fields}


CASES: list[tuple[str, Any, int, str | None]] = [
    ("missing messages", {"model": MODEL}, 400, "messages"),
    ("empty messages", _chat(messages=[]), 400, "messages"),
    ("no user content", _chat(messages=[{"role": "system", "content": "x"}]), 400, "messages"),
    ("bad role", _chat(messages=[{"role": "robot", "content": "x"}]), 400, "messages[0].role"),
    ("missing model", {"messages": USER}, 400, "model"),
    ("unknown model", _chat(model="gpt-9"), 404, "model"),
    ("best_of zero", _chat(best_of=0), 400, "best_of"),
    ("best_of too big", _chat(best_of=65), 400, "best_of"),
    ("n above best_of", _chat(best_of=2, n=3), 400, "n"),
    ("n zero", _chat(n=0), 400, "n"),
    ("unknown reward", _chat(rewards=["no_such_reward"]), 400, "rewards"),
    ("empty rewards", _chat(rewards=[]), 400, "rewards"),
    ("negative weight", _chat(rewards={"length": -1}), 400, "rewards"),
    ("temperature type", _chat(temperature="hot"), 400, "temperature"),
    ("temperature range", _chat(temperature=3), 400, "temperature"),
    ("max_tokens type", _chat(max_tokens=[1]), 400, "max_tokens"),
    ("max_tokens over limit", _chat(max_tokens=10**6), 400, "max_tokens"),
    ("trace level", _chat(trace="everything"), 400, "trace"),
    ("unknown field", _chat(frobnicate=True), 400, "frobnicate"),
    ("top_logprobs over 20", _chat(logprobs=True, top_logprobs=21), 400, "top_logprobs"),
    ("messages not a list", _chat(messages="hi"), 400, "messages"),
    (
        "json_schema without schema",
        _chat(response_format={"type": "json_schema"}),
        400,
        "response_format",
    ),
]


@pytest.mark.parametrize(("case", "body", "status", "param"), CASES, ids=[c[0] for c in CASES])
def test_bad_chat_input(
    client: TestClient, case: str, body: Any, status: int, param: str | None
) -> None:
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"}
    assert err["message"]
    assert err["param"] is not None and err["param"].startswith(param or ""), err


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"null", "application/json"),
    ],
)
def test_malformed_bodies(client: TestClient, raw: bytes, content_type: str) -> None:
    r = client.post("/v1/chat/completions", content=raw, headers={"content-type": content_type})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": MODEL}, "prompt"),
        ({"model": MODEL, "prompt": ""}, "prompt"),
        ({"model": MODEL, "prompt": ["a", "b"]}, "prompt"),
        ({"model": MODEL, "prompt": "x", "echo": True}, "echo"),
        ({"model": MODEL, "prompt": "x", "logprobs": 6}, "logprobs"),
        ({"model": MODEL, "prompt": "x", "suffix": "y"}, "suffix"),
        ({"model": MODEL, "prompt": "x", "best_of": 2, "n": 3}, "n"),
    ],
)
def test_bad_completion_input(client: TestClient, body: dict[str, Any], param: str) -> None:
    r = client.post("/v1/completions", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == param


def test_unknown_route_is_openai_404(client: TestClient) -> None:
    r = client.get("/v1/nothing")
    assert r.status_code == 404
    assert r.json()["error"]["type"] == "not_found_error"


def test_wrong_method_is_405(client: TestClient) -> None:
    r = client.get("/v1/chat/completions")
    assert r.status_code == 405
    assert "error" in r.json()


def test_bad_input_is_counted_in_metrics(client: TestClient) -> None:
    client.post("/v1/chat/completions", json=_chat(best_of=0))
    text = client.get("/metrics").text
    assert 'bon_requests_total{route="/v1/chat/completions",status="400"} 1.0' in text


LONG_LIMITED = [
    ("lone surrogate in model", {"model": "\ud800", "messages": USER}, None),
    ("lone surrogate in content", _chat(messages=[{"role": "user", "content": "a\udc00"}]), None),
    ("image part", _chat(messages=[{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "http://x/y.png"}}]}]), "messages[0].content"),
    ("non-text part", _chat(messages=[{"role": "user", "content": [
        {"type": "text", "text": 5}]}]), "messages[0].content"),
    ("huge weight", _chat(rewards={"length": 1e308}), "rewards"),
    ("weight not a number", _chat(rewards={"length": "heavy"}), "rewards"),
    ("presence_penalty out of range", _chat(presence_penalty=2.5), "presence_penalty"),
    ("logit_bias key not a token id", _chat(logit_bias={"the": -100}), "logit_bias"),
    ("stream_options", _chat(stream_options={"include_usage": True}), "stream_options"),
    ("max_completion_tokens over limit", _chat(max_completion_tokens=10**6),
     "max_completion_tokens"),
    ("n over server limit", _chat(n=65), "n"),
    ("five stop sequences", _chat(stop=["a", "b", "c", "d", "e"]), "stop"),
    ("best_of as a string", _chat(best_of="8"), "best_of"),
    ("best_of as a bool", _chat(best_of=True), "best_of"),
    ("n as a bool", _chat(n=True), "n"),
    ("temperature as a string", _chat(temperature="0.5"), "temperature"),
    ("weight as a bool", _chat(rewards={"length": True}), "rewards"),
    ("stream as a string", _chat(stream="false"), "stream"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "body", "param"), LONG_LIMITED, ids=[c[0] for c in LONG_LIMITED])
def test_more_bad_input(client: TestClient, case: str, body: Any, param: str | None) -> None:
    import json

    raw = json.dumps(body)  # ensure_ascii: lone surrogates travel as \\udXXX escapes
    r = client.post(
        "/v1/chat/completions", content=raw, headers={"content-type": "application/json"}
    )
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    if param is not None:
        assert err["param"] == param, err
    elif "surrogate" in case:
        assert "surrogate" in err["message"]
    assert err["param"] is None or "[str" not in err["param"]  # no pydantic union tags


def test_prompt_over_the_character_limit(engine: Any) -> None:
    from server.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(max_prompt_chars=100), engine=engine)
    with TestClient(app) as c:
        r = c.post(
            "/v1/chat/completions", json=_chat(messages=[{"role": "user", "content": "x" * 101}])
        )
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "prompt_too_long"


def test_openai_fields_sent_as_null_or_default_are_accepted(client: TestClient) -> None:
    r = client.post(
        "/v1/chat/completions",
        json=_chat(
            n=None, stream=None, logprobs=None, stop=None, presence_penalty=0,
            frequency_penalty=0.0, logit_bias={}, store=False, user="u1", seed=None,
        ),
    )  # fmt: skip
    assert r.status_code == 200, r.text
    r = client.post("/v1/completions", json={"model": MODEL, "prompt": "x", "echo": None})
    assert r.status_code == 200, r.text


def test_multi_part_text_content_is_accepted(client: TestClient) -> None:
    content = [{"type": "text", "text": "capital of"}, {"type": "text", "text": "France?"}]
    r = client.post(
        "/v1/chat/completions", json=_chat(messages=[{"role": "user", "content": content}])
    )
    assert r.status_code == 200, r.text
    assert "Paris" in r.json()["choices"][0]["message"]["content"]


def test_openapi_does_not_document_422(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in spec["paths"].values():
        for op in path.values():
            assert "422" not in op["responses"]
