"""``POST /v1/responses`` on the scripted engine, parsed with the openai SDK's own types
(issue 12, "Responses API"): plain input, instructions, json_schema, items, the stream's
named events in order, store / previous_response_id, and the refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient
from openai.types.responses import Response

from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings
from tests.server.live_server import live_server

SCRIPT: dict[str, Any] = {
    "rules": [
        {
            "match": "json please",
            "candidates": [
                {"text": '{"city": "Paris", "population": 2100000}', "logprob": -0.2},
                {"text": '{"city": "Paris"}', "logprob": -0.3},
                {"text": "Paris, I think.", "logprob": -0.1},
            ],
        },
        {
            "match": "poem",
            "candidates": [{"text": " ".join(["word"] * 40), "logprob": -0.2}],
        },
        {"match": "explode", "error": "simulated engine failure"},
        {
            "candidates": [
                {"text": "Paris is the capital of France.", "logprob": -0.3},
                {"text": "The capital of France is Paris, on the Seine.", "logprob": -0.6},
            ],
        },
    ]
}

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def engine() -> Any:
    return make_engine(SCRIPT)


@pytest.fixture(scope="module")
def sdk(engine: Any) -> Iterator[openai.OpenAI]:
    app = create_app(make_settings(), engine=engine)
    with live_server(app) as url:
        yield openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)


@pytest.fixture(scope="module")
def http(engine: Any) -> Iterator[TestClient]:
    app = create_app(make_settings(), engine=engine)
    with TestClient(app) as c:
        yield c


def _last_messages(engine: Any) -> list[dict[str, Any]]:
    return list(engine.requests_seen[-1].messages)


def test_plain_string_input(sdk: openai.OpenAI) -> None:
    raw = sdk.responses.with_raw_response.create(
        model=MODEL, input="What is the capital of France?", extra_body={"best_of": 2}
    )
    response = raw.parse()
    assert isinstance(response, Response)
    assert response.id.startswith("resp_")
    assert response.status == "completed"
    assert "Paris" in response.output_text
    (message,) = response.output
    assert message.type == "message" and message.role == "assistant"
    assert message.content[0].type == "output_text"
    assert response.usage is not None
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert raw.headers["x-bon-trace-id"].startswith("chatcmpl-")
    data = raw.http_response.json()
    Response.model_validate(data)  # the SDK's parse() does not validate: this does
    assert data["output_text"] == response.output_text
    assert data["trace"]["group_size"] == 2  # the scoring trace, as on chat


def test_instructions_become_the_system_message(sdk: openai.OpenAI, engine: Any) -> None:
    sdk.responses.create(
        model=MODEL,
        instructions="Answer in one sentence.",
        input=[{"role": "user", "content": "What is the capital of France?"}],
    )
    messages = _last_messages(engine)
    assert messages[0] == {"role": "system", "content": "Answer in one sentence."}
    assert messages[1] == {"role": "user", "content": "What is the capital of France?"}


def test_message_items_with_parts_and_an_earlier_output(sdk: openai.OpenAI, engine: Any) -> None:
    first = sdk.responses.create(model=MODEL, input="What is the capital of France?")
    # openai-agents and LangChain send the earlier output back as items, as they got them.
    history = [o.model_dump(exclude_none=True) for o in first.output]
    sdk.responses.create(
        model=MODEL,
        input=[
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
            *history,
            {"role": "user", "content": "And the capital of Italy?"},
        ],
    )
    messages = _last_messages(engine)
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"] == first.output_text


def test_json_schema_format(sdk: openai.OpenAI, engine: Any) -> None:
    response = sdk.responses.create(
        model=MODEL,
        input="json please: the city and its population",
        text={"format": {"type": "json_schema", "name": "city", "schema": SCHEMA, "strict": True}},
        extra_body={"best_of": 3},
    )
    assert json.loads(response.output_text) == {"city": "Paris", "population": 2100000}
    assert response.text is not None and response.text.format is not None
    assert response.text.format.type == "json_schema"


def test_sdk_parse_with_a_pydantic_model(sdk: openai.OpenAI) -> None:
    from pydantic import BaseModel

    class City(BaseModel):
        city: str
        population: int

    parsed = sdk.responses.parse(
        model=MODEL, input="json please", text_format=City, extra_body={"best_of": 3}
    )
    assert parsed.output_parsed == City(city="Paris", population=2100000)


def test_max_output_tokens_cuts_short_as_incomplete(sdk: openai.OpenAI) -> None:
    response = sdk.responses.create(model=MODEL, input="a poem", max_output_tokens=5)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"


def test_stream_events_in_order(sdk: openai.OpenAI) -> None:
    kinds: list[str] = []
    sequence: list[int] = []
    deltas: list[str] = []
    with sdk.responses.stream(model=MODEL, input="What is the capital of France?") as stream:
        for event in stream:
            kinds.append(event.type)
            sequence.append(event.sequence_number)
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    assert sequence == list(range(len(sequence)))
    collapsed = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert collapsed == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert "".join(deltas) == final.output_text
    assert "Paris" in final.output_text and final.status == "completed"


def test_a_failure_after_the_stream_began_is_response_failed(http: TestClient) -> None:
    body = {"model": MODEL, "input": "explode", "stream": True}
    with http.stream("POST", "/v1/responses", json=body) as r:
        assert r.status_code == 200
        text = "".join(r.iter_text())
    events = [
        line.removeprefix("event: ") for line in text.splitlines() if line.startswith("event:")
    ]
    assert events == ["response.created", "response.in_progress", "response.failed"]
    assert "[DONE]" not in text


def test_store_and_retrieve_is_owner_scoped(http: TestClient) -> None:
    created = http.post("/v1/responses", json={"model": MODEL, "input": "capital of France?"})
    assert created.status_code == 200, created.text
    rid = created.json()["id"]
    got = http.get(f"/v1/responses/{rid}")
    assert got.status_code == 200
    assert Response.model_validate(got.json()).output_text == created.json()["output_text"]
    unstored = http.post(
        "/v1/responses", json={"model": MODEL, "input": "capital of France?", "store": False}
    ).json()
    assert unstored["store"] is False
    assert http.get(f"/v1/responses/{unstored['id']}").status_code == 404
    assert http.delete(f"/v1/responses/{rid}").json()["deleted"] is True
    missing = http.get(f"/v1/responses/{rid}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "response_not_found"


def test_store_is_per_api_key(engine: Any) -> None:
    app = create_app(make_settings(api_keys="key-alice-1,key-bob-22"), engine=engine)
    with TestClient(app) as c:
        alice = {"Authorization": "Bearer key-alice-1"}
        bob = {"Authorization": "Bearer key-bob-22"}
        rid = c.post(
            "/v1/responses", json={"model": MODEL, "input": "capital?"}, headers=alice
        ).json()["id"]
        assert c.get(f"/v1/responses/{rid}", headers=alice).status_code == 200
        assert c.get(f"/v1/responses/{rid}", headers=bob).status_code == 404
        follow = c.post(
            "/v1/responses",
            json={"model": MODEL, "input": "and Italy?", "previous_response_id": rid},
            headers=bob,
        )
        assert follow.status_code == 404
        assert follow.json()["error"]["param"] == "previous_response_id"


def test_previous_response_id_continues_the_conversation(sdk: openai.OpenAI, engine: Any) -> None:
    first = sdk.responses.create(
        model=MODEL, instructions="Be brief.", input="What is the capital of France?"
    )
    sdk.responses.create(model=MODEL, input="And of Italy?", previous_response_id=first.id)
    messages = _last_messages(engine)
    # OpenAI's rule: the earlier instructions are not carried over.
    assert messages == [
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": first.output_text},
        {"role": "user", "content": "And of Italy?"},
    ]


# Defaults the clients send ----------------------------------------------------------


def test_the_defaults_clients_send_are_accepted(http: TestClient) -> None:
    # openai-agents always sends include=[] and tools=[] and leaves store out; LangChain
    # sends stream=false; the SDK's null and no-op values of the other fields.
    body = {
        "model": MODEL,
        "input": [{"role": "user", "content": "capital of France?"}],
        "include": [],
        "tools": [],
        "stream": False,
        "background": False,
        "truncation": "disabled",
        "prompt": None,
        "conversation": None,
        "max_tool_calls": None,
        "context_management": None,
        "metadata": {"run": "r1"},
        "reasoning": {"effort": "low"},
        "service_tier": "auto",
        "prompt_cache_key": "k",
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "top_logprobs": 0,
        "user": "u1",
        "safety_identifier": "s1",
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
    }
    r = http.post("/v1/responses", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["metadata"] == {"run": "r1"}


def test_every_openai_responses_field_is_considered() -> None:
    from openai.types.responses import response_create_params as params

    from server.responses.protocol import ResponsesRequest

    sdk_fields = set(params.ResponseCreateParamsBase.__annotations__)
    # Not part of the public reference of this server: image generation, programs.
    undeclared = sdk_fields - set(ResponsesRequest.model_fields)
    assert undeclared <= {"access_programs", "background_options", "image"}


# Refusals ---------------------------------------------------------------------------


def test_unserved_fields_are_listed_in_one_400(http: TestClient) -> None:
    body = {
        "model": MODEL,
        "input": "hi",
        "background": True,
        "truncation": "auto",
        "tools": [{"type": "web_search"}, {"type": "file_search", "vector_store_ids": ["v"]}],
        "prompt": {"id": "pmpt_1"},
        "conversation": "conv_1",
    }
    r = http.post("/v1/responses", json=body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "unsupported_parameter"
    for name in ("background", "truncation", "tools", "prompt", "conversation"):
        assert f"'{name}'" in error["message"]
    assert "web_search (tools[0])" in error["message"]
    assert "file_search (tools[1])" in error["message"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": ""}, "input"),
        ({"input": []}, "input"),
        ({"input": [{"type": "item_reference", "id": "x"}]}, "input[0]"),
        ({"input": [{"role": "user", "content": [{"type": "input_image"}]}]}, None),
        ({"input": "hi", "tool_choice": {"type": "web_search"}}, "tool_choice"),
        ({"input": "hi", "top_logprobs": 21}, "top_logprobs"),
        ({"input": "hi", "max_output_tokens": 0}, "max_output_tokens"),
        ({"input": "hi", "temperature": 3}, "temperature"),
        ({"input": "hi", "stream_options": {"include_obfuscation": False}}, "stream_options"),
        ({"input": "hi", "unknown_field": 1}, "unknown_field"),
        ({"input": [{"role": "assistant", "content": "only me"}]}, "input"),
        ({"input": "hi", "text": {"format": {"type": "json_schema", "name": "x"}}}, None),
    ],
)
def test_bad_input_is_an_openai_400(
    http: TestClient, body: dict[str, Any], param: str | None
) -> None:
    r = http.post("/v1/responses", json={"model": MODEL, **body})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    if param is not None:
        assert error["param"] == param


def test_unknown_model_is_a_404(http: TestClient) -> None:
    r = http.post("/v1/responses", json={"model": "gpt-4o", "input": "hi"})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "model_not_found"


def test_sdk_raises_the_400(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.responses.create(model=MODEL, input="hi", background=True)
    assert refused.value.code == "unsupported_parameter"
