"""pydantic-ai against the live server: the run's output object and its messages."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from pydantic_ai import Agent, NativeOutput, PromptedOutput
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from tests.clients.conftest import ADA, API_KEY


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
