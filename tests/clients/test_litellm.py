"""litellm against the live server, as an ``openai/`` provider with an api_base."""

from __future__ import annotations

import json
from typing import Any

import litellm
import pytest
from pydantic import BaseModel

from tests.clients.conftest import ADA, API_KEY, WEATHER_ASK, WEATHER_TOOL

litellm.telemetry = False

# litellm's own pydantic models (a device-code TypedDict with ReadOnly items), built lazily.
pytestmark = pytest.mark.filterwarnings("ignore:.* using the `ReadOnly` qualifier:UserWarning")


class User(BaseModel):
    name: str
    age: int


@pytest.fixture
def call(base_url: str, model: str) -> Any:
    def complete(prompt: str, **kwargs: Any) -> Any:
        return litellm.completion(
            model=f"openai/{model}",
            api_base=base_url,
            api_key=API_KEY,
            messages=[{"role": "user", "content": prompt}],
            num_retries=0,
            **kwargs,
        )

    return complete


def test_completion(call: Any) -> None:
    r = call("Capital of France?")
    assert r.choices[0].message.content == "Paris is the capital of France."
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.completion_tokens > 0


def test_stream(call: Any) -> None:
    chunks = list(call("Capital of France?", stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == (
        "Paris is the capital of France."
    )


def test_response_format_pydantic(call: Any) -> None:
    r = call("Extract Ada: Ada Lovelace, 36.", response_format=User)
    assert User.model_validate_json(r.choices[0].message.content) == User(**ADA)


def test_errors_are_litellm_exceptions(call: Any, base_url: str) -> None:
    with pytest.raises(litellm.BadRequestError):
        call("Capital of France?", temperature=9)
    with pytest.raises(litellm.NotFoundError):
        litellm.completion(
            model="openai/no-such-model",
            api_base=base_url,
            api_key=API_KEY,
            messages=[{"role": "user", "content": "hi"}],
            num_retries=0,
        )


def test_tools(call: Any) -> None:
    r = call(WEATHER_ASK, tools=[WEATHER_TOOL], tool_choice="required")
    assert r.choices[0].finish_reason == "tool_calls"
    (tc,) = r.choices[0].message.tool_calls
    assert (tc.function.name, json.loads(tc.function.arguments)) == (
        "get_weather",
        {"city": "Paris"},
    )


def test_streamed_tool_call_rebuilt_by_litellm(call: Any) -> None:
    chunks = list(call(WEATHER_ASK, tools=[WEATHER_TOOL], stream=True))
    r = litellm.stream_chunk_builder(chunks)
    (tc,) = r.choices[0].message.tool_calls
    assert (tc.function.name, json.loads(tc.function.arguments)) == (
        "get_weather",
        {"city": "Paris"},
    )
