"""One live server on the scripted engine for every client library's tests.

Each library is pointed at it as its users would point it at any OpenAI base URL. The
script answers by keyword in the prompt; tool turns are written in the hermes format
(``<tool_call>{...}</tool_call>``) that the server parses into ``message.tool_calls``,
and a follow-up turn that carries the tool's result gets the final answer.

Nothing here may reach the network: the environment below stops the libraries'
telemetry and update checks before any of them is imported.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings
from tests.server.live_server import live_server

# Read at import by the libraries: set before any test module imports one.
os.environ.update(
    {
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no fetch of the model price list
        "LITELLM_TELEMETRY": "False",
        "LANGSMITH_TRACING": "false",
        "LANGCHAIN_TRACING_V2": "false",
        "OPENAI_AGENTS_DISABLE_TRACING": "1",
        "OPENAI_AGENTS_DONT_LOG_MODEL_DATA": "1",
        "LOGFIRE_IGNORE_NO_CONFIG": "1",
        "OPENAI_API_KEY": "unused",  # libraries that insist on one; the server has no auth
    }
)

API_KEY = "unused"


def hermes(tool: str, arguments: dict[str, Any] | None = None) -> str:
    """A candidate that calls ``tool``: the hermes tool-call format vLLM's parser reads."""
    call = {"name": tool, "arguments": arguments or {}}
    return "<tool_call>" + json.dumps(call) + "</tool_call>"


ADA = {"name": "Ada Lovelace", "age": 36}
ADA_BAD_AGE = {"name": "Ada Lovelace", "age": "thirty-six"}

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city now.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
TIME_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}},
    },
}
WEATHER_ASK = "What is the weather in Paris?"
WEATHER_RESULT = "18 C and sunny"
WEATHER_ANSWER = "It is 18 C and sunny in Paris."

# First rule whose `match` is in the prompt wins, so a follow-up turn (which repeats the
# question and adds the tool's result) is matched by its result's rule placed first.
CLIENT_SCRIPT: dict[str, Any] = {
    "rules": [
        # -- tool round trip: the tool's result is in the prompt -> the final answer
        {"match": "18 C and sunny", "candidates": [
            {"text": "It is 18 C and sunny in Paris.", "logprob": -0.2},
        ]},
        # -- a tool turn: three valid calls, one to an undeclared tool, one with bad args
        {"match": "weather in Paris", "candidates": [
            {"text": hermes("get_weather", {"city": "Paris"}), "logprob": -0.3},
            {"text": hermes("get_forecast", {"city": "Paris"}), "logprob": -0.1},
            {"text": hermes("get_weather", {"city": "Paris"}), "logprob": -0.4},
            {"text": hermes("get_weather", {"town": 7}), "logprob": -0.05},
        ]},
        # -- handoff (openai-agents): the transfer's tool result names the new agent
        {"match": '{"assistant": "French agent"}', "candidates": [
            {"text": "Bonjour ! Je suis l'agent francais.", "logprob": -0.2},
        ]},
        {"match": "I speak French", "candidates": [
            {"text": hermes("transfer_to_french_agent"), "logprob": -0.2},
        ]},
        # -- pydantic-ai's default structured output: its `final_result` tool
        {"match": "output tool for ada", "candidates": [
            {"text": hermes("final_result", ADA_BAD_AGE), "logprob": -0.1},
            {"text": hermes("final_result", ADA), "logprob": -0.3},
            {"text": hermes("final_result", ADA), "logprob": -0.4},
        ]},
        # -- structured output as a tool call (instructor TOOLS, LangChain, pydantic-ai)
        {"match": "call a tool to extract ada", "candidates": [
            {"text": hermes("User", ADA), "logprob": -0.3},
            {"text": hermes("User", ADA_BAD_AGE), "logprob": -0.1},
            {"text": hermes("User", ADA), "logprob": -0.4},
        ]},
        # -- structured output as text: a schema-valid object must beat likelier invalid ones
        {"match": "extract ada", "candidates": [
            {"text": '{"name": "Ada Lovelace"}', "logprob": -0.05},
            {"text": '{"name": "Ada Lovelace", "age": "thirty-six"}', "logprob": -0.1},
            {"text": json.dumps(ADA), "logprob": -0.9},
        ]},
        # -- instructor MD_JSON: the object in a ```json fence
        {"match": "fenced ada", "candidates": [
            {"text": '```json\n{"name": "Ada Lovelace"}\n```', "logprob": -0.05},
            {"text": '```json\n{"name": "Ada Lovelace", "age": "36 years"}\n```', "logprob": -0.1},
            {"text": "```json\n" + json.dumps(ADA) + "\n```", "logprob": -0.9},
        ]},
        {"match": "explode", "error": "simulated engine failure"},
        {"candidates": [
            {"text": "Paris is the capital of France.", "logprob": -0.3},
            {"text": "The capital of France is Paris.", "logprob": -0.5},
        ]},
    ]
}  # fmt: skip


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """The server's root URL (``.../v1`` is the OpenAI base URL)."""
    # Generous budgets, and warm-up requests: the first group starts the budget workers
    # (the rewards' imports), which on a loaded 2-core machine took over 30 s, past the
    # workers' fixed start timeout; the prompt gate then fails closed and the first test
    # would get a refusal (finish_reason content_filter) instead of its answer.
    settings = make_settings(reward_timeout_s=120, gate_timeout_s=120, score_timeout_s=240)
    app = create_app(settings, engine=make_engine(CLIENT_SCRIPT))
    with live_server(app) as url:
        for _ in range(3):
            r = httpx.post(
                f"{url}/v1/chat/completions",
                json={"model": MODEL, "messages": [{"role": "user", "content": "warm up"}]},
                timeout=300,
            )
            if r.json()["choices"][0]["finish_reason"] != "content_filter":
                break
        yield url


@pytest.fixture(scope="session")
def base_url(server_url: str) -> str:
    return f"{server_url}/v1"


@pytest.fixture(scope="session")
def model() -> str:
    return MODEL
