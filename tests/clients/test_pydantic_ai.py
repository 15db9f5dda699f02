"""pydantic-ai against the live server: the run's output object and its messages."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from pydantic_ai import Agent, NativeOutput, PromptedOutput, RunContext, ToolReturnPart
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

from tests.clients.conftest import ADA, API_KEY, WEATHER_ANSWER, WEATHER_ASK, WEATHER_RESULT


class User(BaseModel):
    name: str
    age: int


@pytest.fixture
def chat_model(base_url: str, model: str) -> OpenAIChatModel:
    return OpenAIChatModel(model, provider=OpenAIProvider(base_url=base_url, api_key=API_KEY))


def test_plain_chat(chat_model: OpenAIChatModel) -> None:
    result = Agent(chat_model, instructions="Be brief.").run_sync("Capital of France?")
    assert result.output == "Paris is the capital of France."
    assert result.usage.output_tokens > 0


def test_native_output_is_the_json_schema_object(chat_model: OpenAIChatModel) -> None:
    """NativeOutput sends response_format json_schema; the schema-valid candidate wins."""
    agent = Agent(chat_model, output_type=NativeOutput(User))
    assert agent.run_sync("Extract Ada: Ada Lovelace, 36.").output == User(**ADA)


def test_prompted_output(chat_model: OpenAIChatModel) -> None:
    """PromptedOutput puts the schema in the instructions (no response_format)."""
    agent = Agent(chat_model, output_type=PromptedOutput(User))
    assert agent.run_sync("Extract Ada: Ada Lovelace, 36.").output == User(**ADA)


def test_stream_text(chat_model: OpenAIChatModel) -> None:
    agent = Agent(chat_model)
    with agent.run_stream_sync("Capital of France?") as stream:
        text = "".join(stream.stream_text(delta=True))
    assert text == "Paris is the capital of France."


def test_an_http_error_is_model_http_error(base_url: str) -> None:
    missing = OpenAIChatModel(
        "no-such-model", provider=OpenAIProvider(base_url=base_url, api_key=API_KEY)
    )
    with pytest.raises(ModelHTTPError) as err:
        Agent(missing).run_sync("Capital of France?")
    assert err.value.status_code == 404
    assert err.value.model_name == "no-such-model"


def test_agent_tool_round_trip(chat_model: OpenAIChatModel) -> None:
    """An ``@agent.tool``: the model's call runs the function, its result goes back as a
    tool message, and the next turn answers from it."""
    agent = Agent(chat_model)
    calls: list[str] = []

    @agent.tool
    def get_weather(ctx: RunContext[None], city: str) -> str:
        """The weather in a city now."""
        calls.append(city)
        return WEATHER_RESULT

    result = agent.run_sync(WEATHER_ASK)
    assert calls == ["Paris"]
    assert result.output == WEATHER_ANSWER
    returns = [p for m in result.all_messages() for p in m.parts if isinstance(p, ToolReturnPart)]
    assert [(p.tool_name, p.content) for p in returns] == [("get_weather", WEATHER_RESULT)]


def test_default_structured_output_is_its_output_tool(chat_model: OpenAIChatModel) -> None:
    """pydantic-ai's default output_type mode: a `final_result` tool, the call validated."""
    agent = Agent(chat_model, output_type=User)
    assert agent.run_sync("Use the output tool for Ada, 36.").output == User(**ADA)


def test_responses_model_tool_and_output(base_url: str, model: str) -> None:
    """OpenAIResponsesModel: the same agent over POST /v1/responses."""
    rmodel = OpenAIResponsesModel(
        model, provider=OpenAIProvider(base_url=base_url, api_key=API_KEY)
    )
    agent = Agent(rmodel)
    calls: list[str] = []

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The weather in a city now."""
        calls.append(city)
        return WEATHER_RESULT

    assert agent.run_sync(WEATHER_ASK).output == WEATHER_ANSWER
    assert calls == ["Paris"]
    extract = Agent(rmodel, output_type=User)
    assert extract.run_sync("Use the output tool for Ada, 36.").output == User(**ADA)
