"""Tool calls on /v1/chat/completions, against the scripted engine over real HTTP.

The scripted candidates are written in the hermes format; the server reads them with
vLLM's own `hermes` parser (imported once for this module, ~20 s on CPU).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from server.app import create_app
from server.engines.scripted import ScriptedEngine
from tests.conftest import MODEL, make_engine, make_settings
from tests.server.live_server import live_server

BUDGETS: dict[str, Any] = {
    "gate_timeout_s": 60.0,
    "reward_timeout_s": 60.0,
    "score_timeout_s": 120.0,
}


def _call(name: str, **args: Any) -> str:
    return f"<tool_call>\n{json.dumps({'name': name, 'arguments': args})}\n</tool_call>"


SCRIPT: dict[str, Any] = {
    "rules": [
        {
            "match": "two cities",
            "candidates": [
                {"text": _call("get_weather", city="Paris") + _call("get_weather", city="Rome")}
            ],
        },
        {
            "match": "sunny",  # the second turn: the tool's result is in the prompt
            "candidates": [{"text": "It is sunny in Paris today."}],
        },
        {
            "match": "weather",
            "candidates": [
                {"text": _call("get_weather", city="Paris"), "logprob": -0.2},
                {"text": _call("get_weather", city="Paris"), "logprob": -0.3},
                {"text": "Let me check. " + _call("get_weather", city="Paris"), "logprob": -0.4},
            ],
        },
        {"candidates": [{"text": "Paris is the capital of France."}]},
    ]
}

WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
TIME: Any = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}
ASK: Any = [{"role": "user", "content": "What is the weather in Paris?"}]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, ScriptedEngine]]:
    engine = make_engine(SCRIPT)
    # Generous budgets: the first request also starts the workers, on a busy machine.
    app = create_app(make_settings(**BUDGETS), engine=engine)
    with live_server(app) as url:
        yield url, engine


@pytest.fixture(scope="module")
def sdk(served: tuple[str, ScriptedEngine]) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{served[0]}/v1", api_key="unused", max_retries=0)


def _post(url: str, **body: Any) -> httpx.Response:
    payload = {"model": MODEL, "messages": ASK, **body}
    return httpx.post(f"{url}/v1/chat/completions", json=payload, timeout=120)


def test_auto_returns_the_parsed_call(
    sdk: openai.OpenAI, served: tuple[str, ScriptedEngine]
) -> None:
    r = sdk.chat.completions.create(
        model=MODEL, messages=ASK, tools=[WEATHER, TIME], extra_body={"best_of": 3}
    )
    choice = r.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls or []
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    seen = served[1].requests_seen[-1]
    assert [t["function"]["name"] for t in seen.tools] == ["get_weather", "get_time"]
    assert seen.tool_choice == "auto" and seen.guided_json is None
    # hermes asks for special tokens to be kept (`<tool_call>` is one in some models).
    assert seen.skip_special_tokens is False


def test_the_trace_shows_every_candidates_calls(served: tuple[str, ScriptedEngine]) -> None:
    r = _post(served[0], tools=[WEATHER], best_of=3, trace="full")
    assert r.status_code == 200, r.text
    cands = r.json()["trace"]["candidates"]
    assert [[c["name"] for c in e["tool_calls"]] for e in cands] == [["get_weather"]] * 3
    assert all(json.loads(e["tool_calls"][0]["arguments"]) == {"city": "Paris"} for e in cands)
    summary = _post(served[0], tools=[WEATHER], best_of=3).json()["trace"]["candidates"]
    assert all("arguments" not in e["tool_calls"][0] for e in summary)


def test_text_beside_a_call_is_the_content(served: tuple[str, ScriptedEngine]) -> None:
    # n=3 returns all three; the third wrote text before its call.
    r = _post(served[0], tools=[WEATHER], best_of=3, n=3).json()
    contents = sorted(c["message"]["content"] or "" for c in r["choices"])
    assert contents == ["", "", "Let me check. "]


def test_required_is_guided_to_vllms_tool_schema(
    sdk: openai.OpenAI, served: tuple[str, ScriptedEngine]
) -> None:
    r = sdk.chat.completions.create(
        model=MODEL, messages=ASK, tools=[WEATHER, TIME], tool_choice="required"
    )
    assert r.choices[0].message.tool_calls
    schema = served[1].requests_seen[-1].guided_json
    assert schema is not None and schema["type"] == "array" and schema["minItems"] == 1
    names = [s["properties"]["name"]["enum"] for s in schema["items"]["anyOf"]]
    assert names == [["get_weather"], ["get_time"]]


def test_named_function_is_guided_to_its_arguments(
    sdk: openai.OpenAI, served: tuple[str, ScriptedEngine]
) -> None:
    r = sdk.chat.completions.create(
        model=MODEL,
        messages=ASK,
        tools=[WEATHER, TIME],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    (call,) = r.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"
    assert served[1].requests_seen[-1].guided_json == WEATHER["function"]["parameters"]


def test_parallel_tool_calls_false_keeps_one_call(
    sdk: openai.OpenAI, served: tuple[str, ScriptedEngine]
) -> None:
    two: Any = [{"role": "user", "content": "The weather in two cities, please."}]
    r = sdk.chat.completions.create(model=MODEL, messages=two, tools=[WEATHER])
    assert len(r.choices[0].message.tool_calls or []) == 2
    r = sdk.chat.completions.create(
        model=MODEL, messages=two, tools=[WEATHER], parallel_tool_calls=False
    )
    assert len(r.choices[0].message.tool_calls or []) == 1
    sdk.chat.completions.create(
        model=MODEL,
        messages=two,
        tools=[WEATHER],
        tool_choice="required",
        parallel_tool_calls=False,
    )
    assert served[1].requests_seen[-1].guided_json["maxItems"] == 1


def test_tool_choice_none_renders_no_tools_and_parses_nothing(
    served: tuple[str, ScriptedEngine],
) -> None:
    r = _post(served[0], tools=[WEATHER], tool_choice="none").json()
    message = r["choices"][0]["message"]
    assert message["tool_calls"] is None and "<tool_call>" in message["content"]
    assert r["choices"][0]["finish_reason"] == "stop"
    assert served[1].requests_seen[-1].tools == ()
    assert served[1].requests_seen[-1].skip_special_tokens is True


def test_the_sdk_reassembles_streamed_tool_calls(sdk: openai.OpenAI) -> None:
    with sdk.chat.completions.stream(model=MODEL, messages=ASK, tools=[WEATHER]) as stream:
        final = stream.get_final_completion()
    (call,) = final.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather" and call.id.startswith("call_")
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert final.choices[0].finish_reason == "tool_calls"
    assert final.choices[0].message.content is None


def test_streamed_deltas_are_openais_shape(sdk: openai.OpenAI) -> None:
    chunks = list(
        sdk.chat.completions.create(model=MODEL, messages=ASK, tools=[WEATHER], stream=True)
    )
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    calls = [d.tool_calls[0] for d in deltas if d.tool_calls]
    assert calls[0].id and calls[0].function.name == "get_weather"
    assert all(c.index == 0 for c in calls) and all(c.id is None for c in calls[1:])
    assert "".join(c.function.arguments or "" for c in calls) == '{"city": "Paris"}'


def test_a_two_turn_agent_loop(sdk: openai.OpenAI, served: tuple[str, ScriptedEngine]) -> None:
    first = sdk.chat.completions.create(model=MODEL, messages=ASK, tools=[WEATHER])
    call = (first.choices[0].message.tool_calls or [])[0]
    messages: list[Any] = [
        *ASK,
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny, 24 C"},
    ]
    second = sdk.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER])
    assert second.choices[0].message.content == "It is sunny in Paris today."
    assert second.choices[0].finish_reason == "stop"
    seen = served[1].requests_seen[-1].messages or []
    assert [m["role"] for m in seen] == ["user", "assistant", "tool"]
    assert seen[1]["tool_calls"][0]["function"]["name"] == "get_weather"


def test_no_op_values_are_still_accepted(served: tuple[str, ScriptedEngine]) -> None:
    extras: list[dict[str, Any]] = [
        {"tools": []},
        {"tool_choice": "none"},
        {"tool_choice": "auto"},
        {"parallel_tool_calls": True},
        {"tools": [], "tool_choice": "none"},
    ]
    for extra in extras:
        r = _post(served[0], **extra)
        assert r.status_code == 200, (extra, r.text)
        assert r.json()["choices"][0]["message"]["tool_calls"] is None


def _fn(**function: Any) -> dict[str, Any]:
    return {"type": "function", "function": function}


BAD: list[tuple[dict[str, Any], str]] = [
    ({"tools": [_fn(name="no spaces allowed")]}, "tools"),
    ({"tools": [_fn(name="f" * 65)]}, "tools"),
    ({"tools": [_fn(description="no name")]}, "tools"),
    ({"tools": [_fn(name="f", parameters={"type": 5})]}, "tools"),
    ({"tools": [_fn(name="f", parameters={"type": "string"})]}, "tools"),
    ({"tools": [_fn(name="f", parameters="not an object")]}, "tools"),
    ({"tools": [_fn(name="f", parameters={"properties": {"x": {"pattern": "(?<=x)y"}}})]}, "tools"),
    ({"tools": [{"type": "custom", "custom": {"name": "f"}}]}, "tools"),
    ({"tools": [_fn(name="f", surprise=1)]}, "tools"),
    ({"tools": [WEATHER, WEATHER]}, "tools"),
    ({"tools": "get_weather"}, "tools"),
    ({"tool_choice": "required"}, "tool_choice"),
    ({"tool_choice": "sometimes", "tools": [WEATHER]}, "tool_choice"),
    (
        {"tool_choice": {"type": "function", "function": {"name": "get_time"}}, "tools": [WEATHER]},
        "tool_choice",
    ),
    ({"tool_choice": {"type": "function"}, "tools": [WEATHER]}, "tool_choice"),
    ({"parallel_tool_calls": "no"}, "parallel_tool_calls"),
]


@pytest.mark.parametrize(("extra", "param"), BAD)
def test_bad_tools_are_a_400_that_names_the_field(
    served: tuple[str, ScriptedEngine], extra: dict[str, Any], param: str
) -> None:
    r = _post(served[0], **extra)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert (error["param"] or "").startswith(param), error


BAD_TURNS: list[list[dict[str, Any]]] = [
    [*ASK, {"role": "assistant", "tool_calls": "get_weather"}],
    [*ASK, {"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": "f"}}]}],
    [
        *ASK,
        {
            "role": "assistant",
            "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": {}}}],
        },
    ],
    [*ASK, {"role": "user", "content": "x", "tool_calls": []}],
    [*ASK, {"role": "tool", "content": "sunny"}],
]


@pytest.mark.parametrize("messages", BAD_TURNS)
def test_malformed_tool_turns_are_a_400(
    served: tuple[str, ScriptedEngine], messages: list[dict[str, Any]]
) -> None:
    r = _post(served[0], messages=messages, tools=[WEATHER])
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == "messages"
