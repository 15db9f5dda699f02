"""LangChain's ChatOpenAI against the live server: the AIMessage and parsed objects."""

from __future__ import annotations

import openai
import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from tests.clients.conftest import ADA, API_KEY, WEATHER_ANSWER, WEATHER_ASK, WEATHER_RESULT


class User(BaseModel):
    name: str
    age: int


@pytest.fixture
def llm(base_url: str, model: str) -> ChatOpenAI:
    return ChatOpenAI(model=model, base_url=base_url, api_key=API_KEY, max_retries=0)


def test_invoke(llm: ChatOpenAI) -> None:
    msg = llm.invoke("Capital of France?")
    assert msg.content == "Paris is the capital of France."
    assert msg.usage_metadata is not None and msg.usage_metadata["output_tokens"] > 0
    assert msg.response_metadata["finish_reason"] == "stop"


def test_stream(llm: ChatOpenAI) -> None:
    text = "".join(str(chunk.content) for chunk in llm.stream("Capital of France?"))
    assert text == "Paris is the capital of France."


def test_with_structured_output_json_schema(llm: ChatOpenAI) -> None:
    structured = llm.with_structured_output(User, method="json_schema")
    assert structured.invoke("Extract Ada: Ada Lovelace, 36.") == User(**ADA)


def test_error_is_the_openai_exception(base_url: str) -> None:
    llm = ChatOpenAI(model="no-such-model", base_url=base_url, api_key=API_KEY, max_retries=0)
    with pytest.raises(openai.NotFoundError) as err:
        llm.invoke("Capital of France?")
    assert err.value.code == "model_not_found"


@tool
def get_weather(city: str) -> str:
    """The weather in a city now."""
    return WEATHER_RESULT


def test_bind_tools_and_the_round_trip(llm: ChatOpenAI) -> None:
    bound = llm.bind_tools([get_weather])
    ask = HumanMessage(WEATHER_ASK)
    msg = bound.invoke([ask])
    assert [(c["name"], c["args"]) for c in msg.tool_calls] == [("get_weather", {"city": "Paris"})]
    result = get_weather.invoke(msg.tool_calls[0])  # a ToolMessage with the call's id
    answer = bound.invoke([ask, msg, result])
    assert answer.content == WEATHER_ANSWER


def test_bind_tools_stream_accumulates_the_call(llm: ChatOpenAI) -> None:
    chunks = list(llm.bind_tools([get_weather], tool_choice="required").stream(WEATHER_ASK))
    msg = chunks[0]
    for chunk in chunks[1:]:
        msg = msg + chunk
    assert [(c["name"], c["args"]) for c in msg.tool_calls] == [("get_weather", {"city": "Paris"})]


def test_with_structured_output_function_calling(llm: ChatOpenAI) -> None:
    structured = llm.with_structured_output(User, method="function_calling")
    assert structured.invoke("Call a tool to extract Ada, 36.") == User(**ADA)


# -- use_responses_api=True: the same calls over POST /v1/responses ----------------------


@pytest.fixture
def rllm(base_url: str, model: str) -> ChatOpenAI:
    return ChatOpenAI(
        model=model, base_url=base_url, api_key=API_KEY, max_retries=0, use_responses_api=True
    )


def test_responses_invoke_and_stream(rllm: ChatOpenAI) -> None:
    msg = rllm.invoke("Capital of France?")
    assert msg.text == "Paris is the capital of France."
    assert str(msg.response_metadata.get("id", "")).startswith("resp")
    chunks = list(rllm.stream("Capital of France?"))
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole = whole + chunk
    assert whole.text == "Paris is the capital of France."


def test_responses_bind_tools_round_trip(rllm: ChatOpenAI) -> None:
    bound = rllm.bind_tools([get_weather])
    ask = HumanMessage(WEATHER_ASK)
    msg = bound.invoke([ask])
    assert [(c["name"], c["args"]) for c in msg.tool_calls] == [("get_weather", {"city": "Paris"})]
    answer = bound.invoke([ask, msg, get_weather.invoke(msg.tool_calls[0])])
    assert answer.text == WEATHER_ANSWER


def test_responses_structured_output(rllm: ChatOpenAI) -> None:
    assert rllm.with_structured_output(User, method="json_schema").invoke(
        "Extract Ada: Ada Lovelace, 36."
    ) == User(**ADA)
    assert rllm.with_structured_output(User, method="function_calling").invoke(
        "Call a tool to extract Ada, 36."
    ) == User(**ADA)
