"""The official openai SDK against the live server: what its result objects hold."""

from __future__ import annotations

from collections.abc import Iterator

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
