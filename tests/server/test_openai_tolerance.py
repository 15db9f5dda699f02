"""OpenAI's defaults accepted, every refused field in one 400, the model object,
``x-request-id`` and ``system_fingerprint`` (issue 12, "Tolerance")."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings
from tests.server.live_server import live_server

USER = [{"role": "user", "content": "What is the capital of France?"}]


def _chat(**extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": USER, **extra}


# Every field of openai's chat CompletionCreateParams at a null, default or no-op value,
# as SDKs and frameworks send them (LangChain, litellm, pydantic-ai, openai-agents).
NOOP_CHAT = [
    ("audio null", {"audio": None}),
    ("frequency_penalty 0", {"frequency_penalty": 0}),
    ("function_call none", {"function_call": "none"}),
    ("function_call auto", {"function_call": "auto"}),
    ("functions empty", {"functions": []}),
    ("logit_bias empty", {"logit_bias": {}}),
    ("logit_bias null", {"logit_bias": None}),
    ("logprobs false", {"logprobs": False}),
    ("max_completion_tokens", {"max_completion_tokens": 64}),
    ("metadata", {"metadata": {"session": "s1", "team": "search"}}),
    ("modalities text", {"modalities": ["text"]}),
    ("moderation null", {"moderation": None}),
    ("n 1", {"n": 1}),
    ("parallel_tool_calls true", {"parallel_tool_calls": True}),
    ("parallel_tool_calls false", {"parallel_tool_calls": False}),
    ("prediction null", {"prediction": None}),
    ("prediction content", {"prediction": {"type": "content", "content": "Paris"}}),
    ("presence_penalty 0", {"presence_penalty": 0.0}),
    ("prompt_cache_key", {"prompt_cache_key": "user-42"}),
    ("prompt_cache_retention", {"prompt_cache_retention": "24h"}),
    ("reasoning_effort", {"reasoning_effort": "low"}),
    ("reasoning_effort null", {"reasoning_effort": None}),
    ("safety_identifier", {"safety_identifier": "hashed-user"}),
    ("service_tier auto", {"service_tier": "auto"}),
    ("service_tier default", {"service_tier": "default"}),
    ("stop null", {"stop": None}),
    ("store false", {"store": False}),
    ("tool_choice none", {"tool_choice": "none"}),
    ("tool_choice auto without tools", {"tool_choice": "auto"}),
    ("tools empty", {"tools": []}),
    ("tools null", {"tools": None}),
    ("top_logprobs 0", {"top_logprobs": 0}),
    ("user", {"user": "u-1"}),
    ("verbosity medium", {"verbosity": "medium"}),
    ("web_search_options null", {"web_search_options": None}),
    ("include_obfuscation", {"stream": True, "stream_options": {"include_obfuscation": False}}),
    ("all at once", {
        "tools": [], "tool_choice": "none", "parallel_tool_calls": False, "metadata": {"a": "b"},
        "top_logprobs": 0, "logprobs": False, "service_tier": "auto", "reasoning_effort": "medium",
        "prediction": None, "store": False, "user": "u", "modalities": ["text"], "audio": None,
        "web_search_options": None, "frequency_penalty": 0, "presence_penalty": 0,
        "logit_bias": None, "n": 1, "stop": None,
    }),
]  # fmt: skip


@pytest.mark.parametrize(("case", "extra"), NOOP_CHAT, ids=[c[0] for c in NOOP_CHAT])
def test_noop_values_of_every_chat_field_are_accepted(
    client: TestClient, case: str, extra: dict[str, Any]
) -> None:
    r = client.post("/v1/chat/completions", json=_chat(**extra))
    assert r.status_code == 200, r.text
    assert "Paris" in r.text


def test_every_openai_chat_field_is_considered() -> None:
    """A field openai's SDK gains is a decision to make here, not an accidental 400."""
    from openai.types.chat import completion_create_params as params

    from server.protocol import ChatCompletionRequest

    sdk_fields = set(params.CompletionCreateParamsBase.__annotations__)
    assert sdk_fields - set(ChatCompletionRequest.model_fields) == set()


def test_every_openai_completions_field_is_considered() -> None:
    from openai.types import completion_create_params as params

    from server.protocol import CompletionRequest

    sdk_fields = set(params.CompletionCreateParamsBase.__annotations__)
    assert sdk_fields - set(CompletionRequest.model_fields) == set()


NOOP_COMPLETIONS = [
    ("echo false", {"echo": False}),
    ("suffix empty", {"suffix": ""}),
    ("logprobs null", {"logprobs": None}),
    ("logit_bias empty", {"logit_bias": {}}),
    ("user", {"user": "u"}),
]


@pytest.mark.parametrize(("case", "extra"), NOOP_COMPLETIONS, ids=[c[0] for c in NOOP_COMPLETIONS])
def test_noop_values_of_completions_fields_are_accepted(
    client: TestClient, case: str, extra: dict[str, Any]
) -> None:
    r = client.post("/v1/completions", json={"model": MODEL, "prompt": "capital?", **extra})
    assert r.status_code == 200, r.text


# Values that would change the answer and are not served: each is refused, by name.
REFUSED_CHAT = [
    ("audio", {"audio": {"voice": "alloy", "format": "wav"}}, "audio"),
    ("function_call named", {"function_call": {"name": "f"}}, "function_call"),
    ("functions", {"functions": [{"name": "f", "parameters": {}}]}, "functions"),
    ("modalities audio", {"modalities": ["text", "audio"]}, "modalities"),
    ("moderation", {"moderation": {"model": "omni-moderation-latest"}}, "moderation"),
    ("verbosity", {"verbosity": "low"}, "verbosity"),
    ("web_search_options", {"web_search_options": {}}, "web_search_options"),
]


@pytest.mark.parametrize(("case", "extra", "param"), REFUSED_CHAT, ids=[c[0] for c in REFUSED_CHAT])
def test_values_that_would_change_the_answer_are_refused(
    client: TestClient, case: str, extra: dict[str, Any], param: str
) -> None:
    r = client.post("/v1/chat/completions", json=_chat(**extra))
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error"
    assert err["param"] == param
    assert err["code"] == "unsupported_parameter"
    assert f"'{param}'" in err["message"]


def test_one_400_lists_every_refused_field(client: TestClient) -> None:
    body = _chat(
        function_call={"name": "f"},
        modalities=["text", "audio"],
        verbosity="low",
        not_an_openai_field=1,
    )
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["param"] == "function_call"  # the first, in OpenAI's field order
    for name in ("function_call", "modalities", "verbosity", "not_an_openai_field"):
        assert f"'{name}'" in err["message"], err["message"]
    assert "4 " in err["message"]


def test_completions_lists_every_refused_field(client: TestClient) -> None:
    body = {"model": MODEL, "prompt": "x", "echo": True, "suffix": "y"}
    r = client.post("/v1/completions", json=body)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["param"] in ("echo", "suffix")
    assert err["code"] == "unsupported_parameter"
    for name in ("echo", "suffix"):
        assert f"'{name}'" in err["message"], err["message"]


def test_a_bad_shape_of_an_ignored_field_is_still_an_error(client: TestClient) -> None:
    for extra, param in (
        ({"metadata": {"k": 5}}, "metadata.k"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
        ({"service_tier": "gold"}, "service_tier"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort"),
        ({"parallel_tool_calls": "yes"}, "parallel_tool_calls"),
        ({"top_logprobs": 21}, "top_logprobs"),
    ):
        r = client.post("/v1/chat/completions", json=_chat(**extra))
        assert r.status_code == 400, (extra, r.text)
        assert r.json()["error"]["param"] == param, r.text


# GET /v1/models/{id} ------------------------------------------------------------------


def test_model_object_by_id(client: TestClient) -> None:
    listed = client.get("/v1/models").json()["data"][0]
    r = client.get(f"/v1/models/{MODEL}")
    assert r.status_code == 200, r.text
    assert r.json() == listed
    assert r.json()["object"] == "model" and r.json()["id"] == MODEL


def test_model_ids_with_a_slash_are_served() -> None:
    engine = make_engine()
    engine.model_name = "org/model-7b"
    with TestClient(create_app(make_settings(), engine=engine)) as c:
        r = c.get("/v1/models/org/model-7b")
        assert r.status_code == 200, r.text
        assert r.json()["id"] == "org/model-7b"


def test_unknown_model_is_an_openai_404(client: TestClient) -> None:
    r = client.get("/v1/models/gpt-4o")
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["code"] == "model_not_found" and err["param"] == "model"
    assert "gpt-4o" in err["message"]


# x-request-id -------------------------------------------------------------------------


def test_every_response_has_a_new_request_id(client: TestClient) -> None:
    ids = set()
    for r in (
        client.get("/health"),
        client.get("/v1/models"),
        client.post("/v1/chat/completions", json=_chat()),
        client.post("/v1/chat/completions", json=_chat(best_of=0)),  # a 400
        client.get("/v1/nope"),  # a 404
    ):
        rid = r.headers.get("x-request-id")
        assert rid and re.fullmatch(r"[0-9a-f]{32}", rid), r.headers
        ids.add(rid)
    assert len(ids) == 5


def test_the_clients_request_id_is_echoed(client: TestClient) -> None:
    r = client.post(
        "/v1/chat/completions", json=_chat(), headers={"x-request-id": "trace-Ab_1.2:3"}
    )
    assert r.headers["x-request-id"] == "trace-Ab_1.2:3"


@pytest.mark.parametrize(
    "bad", ["a" * 129, "has space", "semi;colon", "<script>", "tab\there", "é"]
)
def test_an_unsafe_client_request_id_is_replaced(client: TestClient, bad: str) -> None:
    r = client.get("/v1/models", headers=[(b"x-request-id", bad.encode("utf-8"))])
    rid = r.headers["x-request-id"]
    assert rid != bad and re.fullmatch(r"[0-9a-f]{32}", rid)


def test_the_request_id_reaches_errors_before_the_route(engine: Any) -> None:
    app = create_app(make_settings(api_keys="sk-test-key-1"), engine=engine)
    with TestClient(app) as c:
        r = c.post("/v1/chat/completions", json=_chat(), headers={"x-request-id": "mine"})
        assert r.status_code == 401
        assert r.headers["x-request-id"] == "mine"
    with TestClient(create_app(make_settings(max_body_bytes=1024), engine=engine)) as c:
        big = _chat(messages=[{"role": "user", "content": "x" * 2048}])
        r = c.post("/v1/chat/completions", json=big, headers={"x-request-id": "big-1"})
        assert r.status_code == 413
        assert r.headers["x-request-id"] == "big-1"


# system_fingerprint -------------------------------------------------------------------


def test_system_fingerprint_is_stable_and_in_every_response(client: TestClient) -> None:
    a = client.post("/v1/chat/completions", json=_chat()).json()
    b = client.post("/v1/completions", json={"model": MODEL, "prompt": "capital?"}).json()
    assert re.fullmatch(r"fp_[0-9a-f]{10}", a["system_fingerprint"]), a
    assert a["system_fingerprint"] == b["system_fingerprint"]
    with client.stream("POST", "/v1/chat/completions", json=_chat(stream=True)) as r:
        chunks = [
            json.loads(line[6:])
            for line in r.iter_lines()
            if line.startswith("data: ") and line != "data: [DONE]"
        ]
    assert chunks and all(c["system_fingerprint"] == a["system_fingerprint"] for c in chunks)


def test_system_fingerprint_depends_on_the_model() -> None:
    from server.serving import system_fingerprint

    assert system_fingerprint("m1") == system_fingerprint("m1")
    assert system_fingerprint("m1") != system_fingerprint("m2")


# The real openai SDK ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdk() -> Iterator[openai.OpenAI]:
    app = create_app(make_settings(), engine=make_engine())
    with live_server(app) as url:
        yield openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)


def test_openai_sdk_with_noop_fields_model_and_request_id(sdk: openai.OpenAI) -> None:
    raw = sdk.chat.completions.with_raw_response.create(
        model=MODEL,
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        tools=[],
        tool_choice="none",
        parallel_tool_calls=False,
        metadata={"run": "r1"},
        logprobs=False,
        top_logprobs=0,
        service_tier="auto",
        reasoning_effort="low",
        store=False,
        user="u1",
        modalities=["text"],
        frequency_penalty=0,
        presence_penalty=0,
        logit_bias={},
        extra_headers={"x-request-id": "sdk-req-1"},
    )
    assert raw.headers["x-request-id"] == "sdk-req-1"
    done = raw.parse()
    assert "Paris" in (done.choices[0].message.content or "")
    assert done.system_fingerprint and done.system_fingerprint.startswith("fp_")
    assert sdk.models.retrieve(MODEL).id == MODEL
    with pytest.raises(openai.NotFoundError) as missing:
        sdk.models.retrieve("gpt-4o")
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "hi"}],
            verbosity="low",
            web_search_options={},
        )
    fields = ("verbosity", "web_search_options")
    assert refused.value.param in fields
    assert all(f"'{f}'" in refused.value.message for f in fields)
