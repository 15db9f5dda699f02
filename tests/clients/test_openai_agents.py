"""openai-agents (the Agents SDK) against the live server: the run's final output."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from agents import Agent, ModelSettings, OpenAIChatCompletionsModel, Runner, set_tracing_disabled
from pydantic import BaseModel

from tests.clients.conftest import ADA, API_KEY

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
