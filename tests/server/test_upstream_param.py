"""Which request field an upstream's 400 is about (``openai_engine._param_of``): read from
the body the server sent, so a field added to the body is named without a second list."""

from __future__ import annotations

from typing import Any

import pytest

from server.engines.openai_engine import _param_of

BODY: dict[str, Any] = {
    "model": "up",
    "n": 4,
    "max_tokens": 16,
    "temperature": 0.8,
    "top_p": 1.0,
    "stop": ["\n"],
    "seed": 1,
    "presence_penalty": 0.5,
    "frequency_penalty": 0.5,
    "logit_bias": {"1": 2.0},
    "return_token_ids": True,
    "messages": [{"role": "user", "content": "hi"}],
    "tools": [{"type": "function", "function": {"name": "f"}}],
    "tool_choice": "required",
    "parallel_tool_calls": False,
    "logprobs": True,
    "top_logprobs": 3,
}


@pytest.mark.parametrize(
    ("message", "param"),
    [
        ("max_tokens must be at most 2048", "max_tokens"),
        ("'n' must be 1 for this model", "n"),
        ("n must be at most 8", "n"),
        ("`n` is not supported", "n"),
        ("seed out of range", "seed"),
        ("logit_bias has too many keys", "logit_bias"),
        ("presence_penalty must be in [-2, 2]", "presence_penalty"),
        # Fields of the body no hand-kept list named:
        ("tool_choice 'required' is not supported", "tool_choice"),
        ("parallel_tool_calls is not supported by this model", "parallel_tool_calls"),
        ("tools: too many", "tools"),
        # The logprobs the server asked for, under the name the retry without them reads.
        ("logprobs are not supported", "logprobs"),
        ("top_logprobs must be at most 20", "logprobs"),
        ("This model's maximum context length is 2048 tokens", "messages"),
        # Words that merely contain a field's name, and fields the client never sent.
        ("generation stopped early", None),
        ("the model 'up' does not exist", None),
        ("something else went wrong", None),
    ],
)
def test_the_field_an_upstream_error_names(message: str, param: str | None) -> None:
    assert _param_of(message, BODY) == param


def test_a_completions_body_names_the_prompt_for_context_length() -> None:
    body = {"model": "up", "prompt": "hi", "max_tokens": 4}
    assert _param_of("prompt is too long", body) == "prompt"


def test_a_field_not_in_the_body_is_not_named() -> None:
    assert _param_of("seed out of range", {"model": "up", "prompt": "hi"}) is None
