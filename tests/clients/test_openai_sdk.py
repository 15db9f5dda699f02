"""The official openai SDK against the live server: what its result objects hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from tests.clients.conftest import (
    ADA,
    API_KEY,
    TIME_TOOL,
    WEATHER_ANSWER,
    WEATHER_ASK,
    WEATHER_RESULT,
    WEATHER_TOOL,
)


class User(BaseModel):
    name: str
    age: int


@pytest.fixture
def sdk(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url, api_key=API_KEY, max_retries=0) as client:
        yield client


def test_chat(sdk: openai.OpenAI, model: str) -> None:
    r = sdk.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Capital of France?"}], n=2
    )
    assert r.choices[0].message.content == "Paris is the capital of France."
    assert len(r.choices) == 2
    assert r.system_fingerprint
    assert r.usage is not None and r.usage.completion_tokens > 0


def test_parse_json_schema_picks_the_valid_object(sdk: openai.OpenAI, model: str) -> None:
    """`.parse` sends response_format json_schema (strict); the likelier invalid objects lose."""
    r = sdk.chat.completions.parse(
        model=model,
        messages=[{"role": "user", "content": "Extract Ada: Ada Lovelace, 36."}],
        response_format=User,
    )
    assert r.choices[0].message.parsed == User(**ADA)


def test_stream_reassembles_the_answer(sdk: openai.OpenAI, model: str) -> None:
    stream = sdk.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Capital of France?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Paris is the capital of France."
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None


def test_stream_helper_parses_the_object(sdk: openai.OpenAI, model: str) -> None:
    with sdk.chat.completions.stream(
        model=model,
        messages=[{"role": "user", "content": "Extract Ada: Ada Lovelace, 36."}],
        response_format=User,
    ) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.parsed == User(**ADA)


async def _two_at_once(base_url: str, model: str) -> list[str]:
    import asyncio

    async with openai.AsyncOpenAI(base_url=base_url, api_key=API_KEY, max_retries=0) as client:
        rs = await asyncio.gather(
            *(
                client.chat.completions.create(
                    model=model, messages=[{"role": "user", "content": "Capital of France?"}]
                )
                for _ in range(2)
            )
        )
    return [r.choices[0].message.content or "" for r in rs]


def test_async_parallel_calls(base_url: str, model: str) -> None:
    import asyncio

    assert asyncio.run(_two_at_once(base_url, model)) == ["Paris is the capital of France."] * 2


def test_errors_are_the_sdk_exceptions(sdk: openai.OpenAI, model: str) -> None:
    user = [{"role": "user", "content": "hi"}]
    with pytest.raises(openai.NotFoundError) as nf:
        sdk.chat.completions.create(model="no-such-model", messages=user)  # type: ignore[arg-type]
    assert nf.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad:
        sdk.chat.completions.create(model=model, messages=user, temperature=9)  # type: ignore[arg-type]
    assert bad.value.param == "temperature"
    with pytest.raises(openai.InternalServerError) as eng:
        sdk.chat.completions.create(model=model, messages=[{"role": "user", "content": "explode"}])
    assert eng.value.status_code == 503
    assert "simulated engine failure" in eng.value.message


# -- tools ------------------------------------------------------------------------------


def _weather(sdk: openai.OpenAI, model: str, **kwargs: Any) -> ChatCompletion:
    return sdk.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": WEATHER_ASK}],
        tools=[WEATHER_TOOL, TIME_TOOL],  # type: ignore[list-item]
        **kwargs,
    )


def _only_call(r: ChatCompletion) -> tuple[str, dict[str, Any]]:
    choice = r.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls is not None and len(choice.message.tool_calls) == 1
    call = choice.message.tool_calls[0]
    assert call.type == "function" and call.id
    return call.function.name, json.loads(call.function.arguments)


@pytest.mark.parametrize(
    "tool_choice",
    ["auto", "required", {"type": "function", "function": {"name": "get_weather"}}],
    ids=["auto", "required", "named"],
)
def test_tool_call_is_the_valid_one(sdk: openai.OpenAI, model: str, tool_choice: Any) -> None:
    """The likelier candidates call an undeclared tool or break the schema; they lose."""
    assert _only_call(_weather(sdk, model, tool_choice=tool_choice)) == (
        "get_weather",
        {"city": "Paris"},
    )


def test_tool_round_trip(sdk: openai.OpenAI, model: str) -> None:
    first = _weather(sdk, model)
    call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
    r = sdk.chat.completions.create(
        model=model,
        messages=[
            {"role": "user", "content": WEATHER_ASK},
            first.choices[0].message.model_dump(exclude_none=True),  # type: ignore[list-item]
            {"role": "tool", "tool_call_id": call.id, "content": WEATHER_RESULT},
        ],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
    )
    assert r.choices[0].finish_reason == "stop"
    assert r.choices[0].message.content == WEATHER_ANSWER


def test_streamed_tool_call_reassembles(sdk: openai.OpenAI, model: str) -> None:
    """The SDK's stream helper accumulates the tool-call deltas into one message."""
    with sdk.chat.completions.stream(
        model=model,
        messages=[{"role": "user", "content": WEATHER_ASK}],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
    ) as stream:
        events = [e.type for e in stream]
        final = stream.get_final_completion()
    assert "tool_calls.function.arguments.delta" in events
    call = final.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert (call.function.name, json.loads(call.function.arguments)) == (
        "get_weather",
        {"city": "Paris"},
    )
    assert final.choices[0].finish_reason == "tool_calls"


def test_parse_with_a_pydantic_function_tool(sdk: openai.OpenAI, model: str) -> None:
    """`.parse` with a strict pydantic tool: the SDK validates the arguments itself."""

    class get_weather(BaseModel):
        city: str

    r = sdk.chat.completions.parse(
        model=model,
        messages=[{"role": "user", "content": WEATHER_ASK}],
        tools=[openai.pydantic_function_tool(get_weather)],
    )
    call = r.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.parsed_arguments == get_weather(city="Paris")


# -- Responses API and logprobs ---------------------------------------------------------


def test_responses_create(sdk: openai.OpenAI, model: str) -> None:
    r = sdk.responses.create(model=model, input="Capital of France?", instructions="Be brief.")
    assert r.status == "completed"
    assert r.output_text == "Paris is the capital of France."
    assert r.usage is not None and r.usage.output_tokens > 0


def test_responses_function_call(sdk: openai.OpenAI, model: str) -> None:
    fn = WEATHER_TOOL["function"]
    r = sdk.responses.create(
        model=model,
        input=WEATHER_ASK,
        tools=[{"type": "function", "strict": False, **fn}],  # type: ignore[list-item]
    )
    calls = [o for o in r.output if o.type == "function_call"]
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    follow = sdk.responses.create(
        model=model,
        input=[
            {"role": "user", "content": WEATHER_ASK},
            {
                "type": "function_call",
                "call_id": calls[0].call_id,
                "name": "get_weather",
                "arguments": calls[0].arguments,
            },
            {"type": "function_call_output", "call_id": calls[0].call_id, "output": WEATHER_RESULT},
        ],
    )
    assert follow.output_text == WEATHER_ANSWER


def test_responses_parse(sdk: openai.OpenAI, model: str) -> None:
    r = sdk.responses.parse(model=model, input="Extract Ada: Ada Lovelace, 36.", text_format=User)
    assert r.output_parsed == User(**ADA)


def test_responses_stream(sdk: openai.OpenAI, model: str) -> None:
    with sdk.responses.stream(model=model, input="Capital of France?") as stream:
        events = [e.type for e in stream]
        final = stream.get_final_response()
    assert events[0] == "response.created" and events[-1] == "response.completed"
    assert "response.output_text.delta" in events
    assert final.output_text == "Paris is the capital of France."


def test_chat_logprobs(sdk: openai.OpenAI, model: str) -> None:
    r = sdk.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Capital of France?"}],
        logprobs=True,
        top_logprobs=2,
    )
    lp = r.choices[0].logprobs
    assert lp is not None and lp.content
    assert "".join(t.token for t in lp.content) == r.choices[0].message.content
    assert all(t.logprob <= 0 and len(t.top_logprobs) == 2 for t in lp.content)


def test_completions_logprobs(sdk: openai.OpenAI, model: str) -> None:
    r = sdk.completions.create(model=model, prompt="Capital of France?", logprobs=1)
    lp = r.choices[0].logprobs
    assert lp is not None and lp.tokens and lp.token_logprobs
    assert len(lp.tokens) == len(lp.token_logprobs)
