"""The embedded model's hermes-tools chat template, rendered as transformers renders it,
and the candidates read back by vLLM's `hermes` parser (no model needed)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from transformers.utils.chat_template_utils import render_jinja_template

from rewards.types import Candidate
from server.engines.openai_engine import _to_generation
from server.tool_parsing import ToolParsing
from server.tools import EMBEDDED_TEMPLATE, ToolSpec, bundled_template, template_messages

# SmolLM2-135M-Instruct's own template, as its GGUF carries it.
ORIGINAL = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
    "Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + "
    "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)
TEMPLATE = bundled_template(EMBEDDED_TEMPLATE)
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def _render(messages: list[dict[str, Any]], template: str, **kw: Any) -> str:
    out = render_jinja_template(
        [messages], chat_template=template, add_generation_prompt=True, **kw
    )
    return out[0][0] if isinstance(out, tuple) else out[0]


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": "hi"}],
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
        [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b"},
            {"role": "user", "content": "c"},
        ],
    ],
)
def test_without_tools_it_renders_what_the_models_own_template_does(
    messages: list[dict[str, Any]],
) -> None:
    assert _render(messages, TEMPLATE) == _render(messages, ORIGINAL)


def test_tools_calls_and_results_render_in_the_hermes_format() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
    ]
    text = _render(template_messages(messages), TEMPLATE, tools=[WEATHER])
    assert text.startswith("<|im_start|>system\nBe brief.\n\n# Tools\n")
    assert text.count("Be brief.") == 1
    tools_block = text.split("<tools>\n", 1)[1].split("\n</tools>", 1)[0]
    assert json.loads(tools_block) == WEATHER
    assert (
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": '
        '{"city": "Paris"}}\n</tool_call><|im_end|>\n' in text
    )
    assert "<|im_start|>user\n<tool_response>\nsunny\n</tool_response><|im_end|>\n" in text
    assert text.endswith("<|im_start|>assistant\n")


def test_what_the_template_writes_the_hermes_parser_reads_back() -> None:
    messages = [
        {"role": "user", "content": "x"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
            ],
        },
    ]
    text = _render(template_messages(messages), TEMPLATE, tools=[WEATHER])
    turn = text.rsplit("<|im_start|>assistant\n", 2)[1].split("<|im_end|>")[0]
    spec = ToolSpec(tools=(WEATHER,), tool_choice="auto")
    (parsed,) = ToolParsing("hermes").parse([Candidate(0, turn)], spec, guided=False)
    assert [(c.name, json.loads(c.arguments)) for c in parsed.tool_calls] == [("f", {"a": 1})]


SPEC_REQUIRED = ToolSpec(tools=(WEATHER,), tool_choice="required")
SPEC_NAMED = ToolSpec(
    tools=(WEATHER,), tool_choice={"type": "function", "function": {"name": "get_weather"}}
)


def test_guided_output_is_read_as_vllm_reads_it() -> None:
    parsing = ToolParsing("hermes")
    required = '[{"name": "get_weather", "parameters": {"city": "Rome"}}]'
    (c,) = parsing.parse([Candidate(0, required)], SPEC_REQUIRED, guided=True)
    assert [(t.name, json.loads(t.arguments)) for t in c.tool_calls] == [
        ("get_weather", {"city": "Rome"})
    ]
    assert c.content == ""
    (c,) = parsing.parse([Candidate(0, '{"city": "Oslo"}')], SPEC_NAMED, guided=True)
    assert [(t.name, t.arguments) for t in c.tool_calls] == [("get_weather", '{"city": "Oslo"}')]
    # Cut short (finish_reason length): no call is read, the text stays the content.
    (c,) = parsing.parse([Candidate(0, '[{"name": "get_we')], SPEC_REQUIRED, guided=True)
    assert c.tool_calls == () and c.content == '[{"name": "get_we'


def test_a_malformed_call_is_no_call_and_the_text_stays() -> None:
    text = "<tool_call>{not json}</tool_call>"
    spec = ToolSpec(tools=(WEATHER,), tool_choice="auto")
    (c,) = ToolParsing("hermes").parse([Candidate(0, text)], spec, guided=False)
    assert c.tool_calls == () and c.content == text


def test_an_upstreams_tool_calls_are_read_as_they_are() -> None:
    data = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_up",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'},
                        }
                    ],
                },
            },
            {"index": 1, "finish_reason": "stop", "message": {"content": "Hi."}},
        ],
        "usage": {"prompt_tokens": 3},
    }
    first, second = _to_generation(data, chat=True).candidates
    assert [(c.id, c.name, c.arguments) for c in first.tool_calls] == [
        ("call_up", "get_weather", '{"city": "Rome"}')
    ]
    assert first.content == ""
    assert second.tool_calls == () and second.content is None
    # Already parsed candidates are kept as the upstream parsed them.
    spec = ToolSpec(tools=(WEATHER,), tool_choice="auto")
    assert ToolParsing("hermes").parse([first], spec, guided=False) == [first]
