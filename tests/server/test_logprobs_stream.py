"""A streamed chat carries every token's logprobs entry exactly once, also when the
message has no text to stream (a call-only answer): the same entries as the unstreamed
response, as vLLM's streaming attaches them whatever the delta holds.

Scripted engine, real HTTP, the openai SDK; the hermes parser reads the call (imported
once for this module, ~20 s on CPU).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings
from tests.server.live_server import live_server

CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
SCRIPT: dict[str, Any] = {"rules": [{"candidates": [{"text": CALL, "logprob": -0.2}]}]}
WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
BUDGETS: dict[str, Any] = {
    "gate_timeout_s": 60.0,
    "reward_timeout_s": 60.0,
    "score_timeout_s": 120.0,
}


@pytest.fixture(scope="module")
def sdk() -> Iterator[openai.OpenAI]:
    app = create_app(make_settings(**BUDGETS), engine=make_engine(SCRIPT))
    with live_server(app) as url:
        yield openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)


def _ask(sdk: openai.OpenAI, **extra: Any) -> Any:
    return sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        tools=[WEATHER],
        logprobs=True,
        top_logprobs=1,
        **extra,
    )


def test_a_call_only_stream_carries_its_logprobs_once(sdk: openai.OpenAI) -> None:
    whole = _ask(sdk)
    choice = whole.choices[0]
    assert choice.message.content is None and choice.message.tool_calls
    assert choice.logprobs is not None and choice.logprobs.content
    expected = [(e.token, e.logprob) for e in choice.logprobs.content]

    streamed: list[tuple[str, float]] = []
    calls = ""
    for chunk in _ask(sdk, stream=True):
        for c in chunk.choices:
            for tc in c.delta.tool_calls or []:
                calls += tc.function.arguments or "" if tc.function else ""
            if c.logprobs is not None and c.logprobs.content:
                streamed += [(e.token, e.logprob) for e in c.logprobs.content]
    assert json.loads(calls) == {"city": "Paris"}
    assert streamed == expected


def test_an_empty_completion_stream_carries_its_tokens_entries() -> None:
    """A candidate that wrote only its end token has no text to stream but one entry
    (vLLM keeps the end token's); the closing chunk carries it."""
    from server.protocol import CompletionChoice, CompletionResponse, Usage
    from server.streaming import _chunks

    lp = {
        "tokens": ["<|im_end|>"],
        "token_logprobs": [-0.1],
        "top_logprobs": [{}],
        "text_offset": [0],
    }
    result = CompletionResponse(
        id="cmpl-1",
        created=0,
        model=MODEL,
        choices=[CompletionChoice(index=0, text="", finish_reason="stop", logprobs=lp)],
        usage=Usage(prompt_tokens=1, completion_tokens=1, total_tokens=2),
    )
    shares = [c["choices"][0]["logprobs"] for c in _chunks(result, include_usage=False)]
    tokens = [t for share in shares if share for t in share["tokens"]]
    assert tokens == ["<|im_end|>"]
