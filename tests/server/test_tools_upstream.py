"""Upstream mode (--engine openai): tools are forwarded, the upstream's own tool_calls
come back as the candidates' calls (nothing is parsed again)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.engines.openai_engine import OpenAIEngine
from tests.conftest import MODEL, make_settings

BUDGETS: dict[str, Any] = {
    "gate_timeout_s": 60.0,
    "reward_timeout_s": 60.0,
    "score_timeout_s": 120.0,
}

WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    call = {
        "id": "call_upstream1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    choices = [
        {"index": i, "message": message, "finish_reason": "tool_calls"} for i in range(body["n"])
    ]
    return {"choices": choices, "usage": {"prompt_tokens": 5, "completion_tokens": 9}}


@pytest.fixture
def upstream() -> Iterator[tuple[TestClient, list[dict[str, Any]]]]:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        bodies.append(body)
        return httpx.Response(200, json=_answer(body))

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://up/v1")
    engine = OpenAIEngine(
        client,
        upstream_model="up-model",
        model_name=MODEL,
        max_model_len=None,
        max_parallel=2,
        is_vllm=False,
    )
    engine.supports_logprobs = False
    # Generous budgets: the first request also starts the workers, on a busy machine.
    app = create_app(make_settings(**BUDGETS), engine=engine)
    with TestClient(app) as c:
        yield c, bodies


def _ask_weather(
    upstream: tuple[TestClient, list[dict[str, Any]]], **fields: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Asks for Rome's weather with WEATHER declared and ``fields`` added: the client's
    answer and the body the upstream received."""
    client, bodies = upstream
    r = client.post(
        "/v1/chat/completions",
        json={
            "model": MODEL,
            "messages": [{"role": "user", "content": "Weather in Rome?"}],
            "tools": [WEATHER],
            **fields,
        },
    )
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer, bodies[-1]


def test_tools_are_forwarded_and_the_upstreams_calls_returned(
    upstream: tuple[TestClient, list[dict[str, Any]]],
) -> None:
    answer, body = _ask_weather(
        upstream, tool_choice="required", parallel_tool_calls=False, best_of=2
    )
    assert body["tools"] == [WEATHER]
    assert body["tool_choice"] == "required" and body["parallel_tool_calls"] is False
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    assert choice["message"]["tool_calls"] == [
        {
            "id": "call_upstream1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'},
        }
    ]


def test_tool_choice_none_forwards_no_tools(
    upstream: tuple[TestClient, list[dict[str, Any]]],
) -> None:
    _, body = _ask_weather(upstream, tool_choice="none")
    assert "tools" not in body and "tool_choice" not in body
