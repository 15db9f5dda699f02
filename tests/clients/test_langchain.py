"""LangChain's ChatOpenAI against the live server: the AIMessage and parsed objects."""

from __future__ import annotations

import openai
import pytest
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from tests.clients.conftest import ADA, API_KEY


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
