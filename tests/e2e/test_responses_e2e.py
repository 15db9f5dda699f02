"""The Responses API and logprobs end to end: the real vLLM engine, the embedded model, the
openai SDK (issue 12). The scripted-engine tests (tests/server/test_responses_api.py,
test_logprobs_api.py) pin the protocol; these check that the real engine's values go
through it intact.

The model samples, so nothing here asserts which text it writes: only shapes, and
invariants that hold whatever it writes. The strongest of them ties the returned
logprobs to the trace: the selected candidate's trace entry counts its tokens and
carries vLLM's ``cumulative_logprob`` / tokens (``mean_logprob``), computed by the
engine independently of the per-token values, so one entry lost, doubled or taken
from another candidate shows.

Token texts and the content. vLLM decodes each token alone (``tokenizer.decode([id])``),
so on a byte-level BPE tokenizer (SmolLM2's) a token that holds part of a UTF-8
character reads U+FFFD, and the tokens cannot join back to that character; and a
candidate that ends on the end-of-turn token carries that token's entry
(``<|im_end|>``) while the content, as in vLLM's own serving, does not show it. The
check below allows exactly these two differences and nothing else.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import jsonschema
import openai
import pytest
from openai.types.responses import Response

from server.config import EMBEDDED_MODEL_NAME

pytestmark = pytest.mark.engine

MODEL = EMBEDDED_MODEL_NAME
ASK = "Name one colour of the rainbow."
CITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"enum": ["Paris", "Rome", "Oslo"]}},
    "required": ["city"],
    "additionalProperties": False,
}
WEATHER: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "The current weather in a city.",
    "parameters": CITY_SCHEMA,
    "strict": True,
}
WEATHER_ASK = "What is the weather in Paris?"


def _selected(trace: dict[str, Any]) -> dict[str, Any]:
    """The trace entry of the first returned candidate."""
    entries: list[dict[str, Any]] = trace["candidates"]
    (entry,) = [c for c in entries if c["index"] == trace["selected"][0]]
    return entry


def _assert_tokens_spell(tokens: list[str], content: str, finish_reason: str | None) -> None:
    """The tokens join to the content, up to what vLLM's per-token decoding cannot give
    (see the module docstring): U+FFFD stands for a piece of one character, and a
    candidate that stopped may end on its end-of-turn token."""

    def spells(parts: list[str]) -> bool:
        pattern = "".join(re.escape(t).replace("\ufffd", ".?") for t in parts)
        return re.fullmatch(pattern, content, flags=re.DOTALL) is not None

    if spells(tokens):
        return
    assert finish_reason == "stop" and tokens and spells(tokens[:-1]), (tokens, content)
    assert tokens[-1] not in content  # the end token is not part of the text


def _assert_engine_values(logprobs: list[float], entry: dict[str, Any]) -> None:
    """Per-token values: finite, <= 0, one per token of the candidate, summing to what
    the engine accumulated itself."""
    assert all(math.isfinite(lp) and lp <= 0.0 for lp in logprobs)
    assert len(logprobs) == entry["tokens"] > 0
    assert entry["mean_logprob"] == pytest.approx(
        math.fsum(logprobs) / len(logprobs), abs=1e-4, rel=1e-4
    )


def _assert_chat_entries(entries: list[Any], top: int) -> None:
    for e in entries:
        alts = [a.logprob for a in e.top_logprobs]
        assert len(alts) == top
        assert all(math.isfinite(a) and a <= 0.0 for a in alts)
        assert alts == sorted(alts, reverse=True)
        assert e.bytes == list(e.token.encode("utf-8", errors="replace"))
        if "\ufffd" in e.token:  # another token may read the same U+FFFD
            continue
        # The chosen token, when among the most likely, has the same value there.
        same = [a.logprob for a in e.top_logprobs if a.token == e.token]
        if same:
            assert e.logprob == pytest.approx(same[0], abs=1e-6)
        else:  # not among the top: it cannot be likelier than the last of them
            assert e.logprob <= alts[-1] + 1e-6


# ---------------------------------------------------------------- Responses API


def test_responses_create_parses_and_counts(client: openai.OpenAI) -> None:
    raw = client.responses.with_raw_response.create(
        model=MODEL,
        instructions="Answer in one short sentence.",
        input=ASK,
        max_output_tokens=24,
        extra_body={"best_of": 2, "trace": "full"},
    )
    assert raw.http_response.status_code == 200
    body = raw.http_response.json()
    response = Response.model_validate(body)  # the SDK's own type, not ours
    assert response.status in ("completed", "incomplete")
    assert response.output_text.strip()
    (message,) = [o for o in response.output if o.type == "message"]
    assert message.role == "assistant" and message.content[0].type == "output_text"
    assert response.output_text == message.content[0].text

    trace = body["trace"]
    usage = response.usage
    assert usage is not None and usage.input_tokens > 0 and usage.output_tokens > 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    # output_tokens counts the whole group, as chat's completion_tokens.
    assert len(trace["candidates"]) == 2
    assert usage.output_tokens == sum(c["tokens"] for c in trace["candidates"])
    assert usage.input_tokens == trace["usage"]["prompt_tokens"]
    # The instructions were the system turn of what the engine saw (the trace shows only
    # their length).
    instructions = len("Answer in one short sentence.")
    assert trace["prompt"].splitlines() == [
        f"system: [withheld: {instructions} characters; shown with --trace-text full]",
        f"user: {ASK}",
    ]


def test_responses_stream_events_in_order(client: openai.OpenAI) -> None:
    final: Any = None
    kinds: list[str] = []
    sequence: list[int] = []
    deltas: list[str] = []
    with client.responses.stream(
        model=MODEL, input=ASK, max_output_tokens=24, extra_body={"best_of": 2}
    ) as stream:
        for event in stream:
            kinds.append(event.type)
            sequence.append(event.sequence_number)
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
            if event.type in ("response.completed", "response.incomplete"):
                final = event.response
    # Not stream.get_final_response(): the SDK's accumulator knows only
    # `response.completed`, and a candidate the model runs past max_output_tokens ends,
    # as OpenAI's do, with `response.incomplete` (the model samples: either may come).

    assert sequence == list(range(len(sequence)))
    collapsed = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    last = "response.completed" if final.status == "completed" else "response.incomplete"
    expected = [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *(["response.output_text.delta"] if deltas else []),
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        last,
    ]
    assert collapsed == expected
    assert kinds.count("response.created") == kinds.count(last) == 1
    assert "".join(deltas) == final.output_text and final.output_text


def test_responses_function_call_round_trip(client: openai.OpenAI) -> None:
    first = client.responses.create(
        model=MODEL,
        input=WEATHER_ASK,
        tools=[WEATHER],
        tool_choice={"type": "function", "name": "get_weather"},
        max_output_tokens=64,
        extra_body={"best_of": 2},
    )
    calls = [o for o in first.output if o.type == "function_call"]
    assert len(calls) == 1, first.output
    call = calls[0]
    assert call.name == "get_weather" and call.call_id
    jsonschema.validate(json.loads(call.arguments), CITY_SCHEMA)

    # The agent loop's second turn: the call and its output go back as input items.
    follow = client.responses.create(
        model=MODEL,
        input=[
            {"role": "user", "content": WEATHER_ASK},
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            },
            {"type": "function_call_output", "call_id": call.call_id, "output": "sunny, 24 C"},
        ],
        tools=[WEATHER],
        tool_choice="none",
        max_output_tokens=24,
        extra_body={"best_of": 2},
    )
    assert [o.type for o in follow.output] == ["message"]
    assert isinstance(follow.output_text, str)


# ---------------------------------------------------------------- logprobs


def test_chat_logprobs_are_the_engines(client: openai.OpenAI) -> None:
    top = 3
    r = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": ASK}],
        logprobs=True,
        top_logprobs=top,
        max_tokens=16,
        extra_body={"best_of": 2, "trace": "full"},
    )
    choice = r.choices[0]
    assert choice.logprobs is not None and choice.logprobs.content
    entries = choice.logprobs.content
    _assert_chat_entries(entries, top)
    _assert_engine_values([e.logprob for e in entries], _selected(r.model_extra["trace"]))  # type: ignore[index]
    _assert_tokens_spell(
        [e.token for e in entries], choice.message.content or "", choice.finish_reason
    )


def test_completions_logprobs_are_the_engines(client: openai.OpenAI) -> None:
    k = 2
    r = client.completions.create(
        model=MODEL,
        prompt="The three primary colours are",
        logprobs=k,
        max_tokens=12,
        extra_body={"best_of": 2, "trace": "full"},
    )
    choice = r.choices[0]
    lp = choice.logprobs
    assert lp is not None and lp.tokens and lp.token_logprobs and lp.top_logprobs
    assert lp.text_offset is not None
    assert len(lp.tokens) == len(lp.token_logprobs) == len(lp.top_logprobs) == len(lp.text_offset)
    _assert_engine_values(lp.token_logprobs, _selected(r.model_extra["trace"]))  # type: ignore[index]
    _assert_tokens_spell(lp.tokens, choice.text, choice.finish_reason)
    # text_offset: where each token starts in the tokens' own text (as vLLM counts).
    assert lp.text_offset == [sum(len(t) for t in lp.tokens[:i]) for i in range(len(lp.tokens))]
    for token, value, alts in zip(lp.tokens, lp.token_logprobs, lp.top_logprobs, strict=True):
        assert all(math.isfinite(a) and a <= 0.0 for a in alts.values())
        # As OpenAI and vLLM: the k most likely and the sampled token (up to k + 1;
        # fewer where two tokens read the same U+FFFD and share a key).
        assert token in alts and 1 <= len(alts) <= k + 1
        if "\ufffd" not in token:
            assert len(alts) >= k
            assert alts[token] == pytest.approx(value, abs=1e-6)


def test_streamed_chat_logprobs_arrive_once_each(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": ASK}],
        logprobs=True,
        top_logprobs=2,
        max_tokens=16,
        stream=True,
        extra_body={"best_of": 2, "trace": "full"},
    )
    text, entries, finish, trace = "", [], None, None
    for chunk in stream:
        trace = (chunk.model_extra or {}).get("trace", trace)
        for choice in chunk.choices:
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
            if choice.logprobs is not None and choice.logprobs.content:
                entries += choice.logprobs.content
    assert trace is not None and entries
    _assert_chat_entries(entries, 2)
    # Every token of the selected candidate once, in order: the count and the sum are
    # the engine's own for that candidate.
    _assert_engine_values([e.logprob for e in entries], _selected(trace))
    _assert_tokens_spell([e.token for e in entries], text, finish)
