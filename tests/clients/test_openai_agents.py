"""openai-agents (the Agents SDK) against the live server: the run's final output."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from agents import (
    Agent,
    HandoffOutputItem,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIProvider,
    RunConfig,
    Runner,
    ToolCallOutputItem,
    function_tool,
    set_tracing_disabled,
)
from pydantic import BaseModel

from tests.clients.conftest import ADA, API_KEY, WEATHER_ANSWER, WEATHER_ASK, WEATHER_RESULT

set_tracing_disabled(True)  # traces would be exported to OpenAI


class User(BaseModel):
    name: str
    age: int


@pytest.fixture
def client(base_url: str) -> Iterator[openai.AsyncOpenAI]:
    yield openai.AsyncOpenAI(base_url=base_url, api_key=API_KEY, max_retries=0)


@pytest.fixture
def chat_model(client: openai.AsyncOpenAI, model: str) -> OpenAIChatCompletionsModel:
    return OpenAIChatCompletionsModel(model=model, openai_client=client)


def test_chat_completions_model(chat_model: OpenAIChatCompletionsModel) -> None:
    agent = Agent(name="geo", instructions="Answer briefly.", model=chat_model)
    result = Runner.run_sync(agent, "Capital of France?")
    assert result.final_output == "Paris is the capital of France."


def test_structured_output_type(chat_model: OpenAIChatCompletionsModel) -> None:
    """output_type on the chat model is response_format json_schema (strict)."""
    agent = Agent(name="extract", model=chat_model, output_type=User)
    result = Runner.run_sync(agent, "Extract Ada: Ada Lovelace, 36.")
    assert result.final_output == User(**ADA)


def test_streamed_run(chat_model: OpenAIChatCompletionsModel) -> None:
    import asyncio

    async def run() -> str:
        agent = Agent(name="geo", model=chat_model, model_settings=ModelSettings(temperature=0.7))
        result = Runner.run_streamed(agent, "Capital of France?")
        async for _ in result.stream_events():
            pass
        return str(result.final_output)

    assert asyncio.run(run()) == "Paris is the capital of France."


def test_http_error_is_the_openai_exception(client: openai.AsyncOpenAI) -> None:
    agent = Agent(
        name="geo", model=OpenAIChatCompletionsModel(model="no-such-model", openai_client=client)
    )
    with pytest.raises(openai.NotFoundError) as err:
        Runner.run_sync(agent, "Capital of France?")
    assert err.value.code == "model_not_found"


def test_function_tool_round_trip(chat_model: OpenAIChatCompletionsModel) -> None:
    calls: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city now."""
        calls.append(city)
        return WEATHER_RESULT

    agent = Agent(name="weather", model=chat_model, tools=[get_weather])
    result = Runner.run_sync(agent, WEATHER_ASK)
    assert calls == ["Paris"]
    assert result.final_output == WEATHER_ANSWER
    outputs = [i.output for i in result.new_items if isinstance(i, ToolCallOutputItem)]
    assert outputs == [WEATHER_RESULT]


def test_handoff(chat_model: OpenAIChatCompletionsModel) -> None:
    """The triage agent's transfer_to_french_agent call hands the run to that agent."""
    french = Agent(name="French agent", instructions="Reply in French.", model=chat_model)
    triage = Agent(
        name="triage", instructions="Route the user.", model=chat_model, handoffs=[french]
    )
    result = Runner.run_sync(triage, "I speak French, help me.")
    assert result.last_agent is french
    assert any(isinstance(i, HandoffOutputItem) for i in result.new_items)
    assert result.final_output == "Bonjour ! Je suis l'agent francais."


# -- the Responses path: a model given by name -------------------------------------------


@pytest.fixture
def responses_run(client: openai.AsyncOpenAI) -> RunConfig:
    """What `set_default_openai_client` + a model name do, without global state."""
    return RunConfig(model_provider=OpenAIProvider(openai_client=client, use_responses=True))


def test_responses_model_by_name(responses_run: RunConfig, model: str) -> None:
    agent = Agent(name="geo", instructions="Answer briefly.", model=model)
    result = Runner.run_sync(agent, "Capital of France?", run_config=responses_run)
    assert result.final_output == "Paris is the capital of France."
    assert result.raw_responses[0].response_id  # a Responses object, not a chat completion


def test_responses_function_tool_and_output_type(responses_run: RunConfig, model: str) -> None:
    calls: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city now."""
        calls.append(city)
        return WEATHER_RESULT

    agent = Agent(name="weather", model=model, tools=[get_weather])
    result = Runner.run_sync(agent, WEATHER_ASK, run_config=responses_run)
    assert calls == ["Paris"]
    assert result.final_output == WEATHER_ANSWER

    extract = Agent(name="extract", model=model, output_type=User)
    got = Runner.run_sync(extract, "Extract Ada: Ada Lovelace, 36.", run_config=responses_run)
    assert got.final_output == User(**ADA)


def test_responses_handoff(responses_run: RunConfig, model: str) -> None:
    french = Agent(name="French agent", instructions="Reply in French.", model=model)
    triage = Agent(name="triage", instructions="Route the user.", model=model, handoffs=[french])
    result = Runner.run_sync(triage, "I speak French, help me.", run_config=responses_run)
    assert result.last_agent is french
    assert result.final_output == "Bonjour ! Je suis l'agent francais."
