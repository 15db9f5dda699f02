"""instructor against the live server: the pydantic object it returns, per mode.

``max_retries=0``: one request per test, so a wrong pick by the server fails the test
instead of being repaired by instructor's retry.
"""

from __future__ import annotations

from collections.abc import Iterator

import instructor
import openai
import pytest
from pydantic import BaseModel

from tests.clients.conftest import ADA, API_KEY


class User(BaseModel):
    name: str
    age: int


@pytest.fixture
def sdk(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url, api_key=API_KEY, max_retries=0) as client:
        yield client


def _extract(sdk: openai.OpenAI, model: str, mode: instructor.Mode, prompt: str) -> User:
    client = instructor.from_openai(sdk, mode=mode)
    return client.chat.completions.create(
        model=model,
        response_model=User,
        messages=[{"role": "user", "content": prompt}],
        max_retries=0,
    )


def test_json_schema_mode(sdk: openai.OpenAI, model: str) -> None:
    got = _extract(sdk, model, instructor.Mode.JSON_SCHEMA, "Extract Ada, 36.")
    assert got.model_dump() == ADA


def test_md_json_mode_picks_the_valid_fenced_object(sdk: openai.OpenAI, model: str) -> None:
    """MD_JSON asks for the object "within a ```json codeblock": still a JSON task, so the
    schema decides between the candidates (the valid one is the least likely)."""
    got = _extract(sdk, model, instructor.Mode.MD_JSON, "Fenced Ada: Ada Lovelace, 36.")
    assert got.model_dump() == ADA


def test_partial_stream_parses_with_the_installed_jiter(sdk: openai.OpenAI, model: str) -> None:
    """instructor's partial parser is jiter's from_json (installed newer than it pins)."""
    client = instructor.from_openai(sdk, mode=instructor.Mode.JSON_SCHEMA)
    partials = list(
        client.chat.completions.create_partial(
            model=model,
            response_model=User,
            messages=[{"role": "user", "content": "Extract Ada, 36."}],
            max_retries=0,
        )
    )
    assert partials and partials[-1].model_dump() == ADA


def test_tools_mode(sdk: openai.OpenAI, model: str) -> None:
    """TOOLS (instructor's default) names the response model as the one tool to call; the
    likelier call whose age is a word fails the tool's schema and loses."""
    got = _extract(sdk, model, instructor.Mode.TOOLS, "Call a tool to extract Ada, 36.")
    assert got.model_dump() == ADA
