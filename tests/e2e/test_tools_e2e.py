"""Tool calls end to end: the real engine and the embedded model, through the openai SDK.

A 135M model rarely writes a well-formed call by itself; with ``tool_choice`` required or
named, guided decoding to vLLM's tool schema makes every candidate's call valid JSON of
the declared shape, so the round trip is deterministic in what it asserts.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from server.config import EMBEDDED_MODEL_NAME

pytestmark = pytest.mark.engine

WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"enum": ["Paris", "Rome", "Oslo"]}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
ASK: Any = [{"role": "user", "content": "What is the weather in Paris?"}]


def test_named_tool_choice_round_trip(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(
        model=EMBEDDED_MODEL_NAME,
        messages=ASK,
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        max_tokens=64,
        extra_body={"best_of": 2, "trace": "full"},
    )
    choice = first.choices[0]
    (call,) = choice.message.tool_calls or []
    assert call.function.name == "get_weather" and call.id.startswith("call_")
    assert json.loads(call.function.arguments)["city"] in {"Paris", "Rome", "Oslo"}
    assert choice.finish_reason == "tool_calls"
    trace = first.model_extra["trace"]  # type: ignore[index]
    assert all(c["tool_calls"][0]["name"] == "get_weather" for c in trace["candidates"])

    # The second turn: the call and its result go back through the chat template.
    follow = client.chat.completions.create(
        model=EMBEDDED_MODEL_NAME,
        messages=[
            *ASK,
            choice.message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": "sunny, 24 C"},
        ],
        tools=[WEATHER],
        tool_choice="none",
        max_tokens=16,
    )
    assert follow.choices[0].message.tool_calls is None
    assert isinstance(follow.choices[0].message.content, str)


def test_required_streams_a_valid_call(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model=EMBEDDED_MODEL_NAME,
        messages=ASK,
        tools=[WEATHER],
        tool_choice="required",
        parallel_tool_calls=False,
        max_tokens=64,
        extra_body={"best_of": 2},
    ) as stream:
        final = stream.get_final_completion()
    (call,) = final.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"
    assert set(json.loads(call.function.arguments)) == {"city"}


def test_auto_keeps_special_tokens_out_of_the_content(client: openai.OpenAI) -> None:
    # hermes asks for special tokens to be kept (skip_special_tokens=False); the end of
    # turn that stops generation must still not leak into the answer.
    r = client.chat.completions.create(
        model=EMBEDDED_MODEL_NAME, messages=ASK, tools=[WEATHER], max_tokens=24
    )
    message = r.choices[0].message
    assert message.content is not None or message.tool_calls
    assert "<|im_end|>" not in (message.content or "")
