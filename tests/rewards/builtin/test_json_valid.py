"""json_valid: JSON parse and JSON Schema."""

from typing import Any

import pytest

from rewards.builtin.json_valid import JsonValid, find_json
from rewards.types import Candidate, RewardContext, Score

SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


def score(text: str, context: RewardContext) -> Score:
    return JsonValid()(completions=[text], context=context, candidates=[])[0]


def schema_ctx(schema: Any = SCHEMA) -> RewardContext:
    return RewardContext(
        prompt="Give a person",
        task="json",
        response_format={"type": "json_schema", "json_schema": {"name": "p", "schema": schema}},
        references={"json_schema": schema},
    )


def test_not_applicable_outside_json() -> None:
    ctx = RewardContext(prompt="hello", task="general")
    assert score('{"a": 1}', ctx) == Score(None, "no JSON asked for")


def test_valid_and_invalid_json() -> None:
    ctx = RewardContext(prompt="Reply in JSON", task="json")
    assert score('{"a": [1, 2]}', ctx) == Score(1.0, "valid JSON (whole text)")
    assert score("{'a': 1}", ctx) == Score(0.0, "no parseable JSON")


def test_json_in_a_fence_when_asked_in_words_is_full_score() -> None:
    ctx = RewardContext(prompt="Reply in JSON", task="json")
    assert score('Here:\n```json\n{"a": 1}\n```', ctx).value == 1.0


def test_schema_match() -> None:
    assert score('{"name": "Ada", "age": 36}', schema_ctx()) == Score(
        1.0, "valid JSON matching the schema (whole text)"
    )


def test_schema_failure_scores_half_with_the_path_and_no_value() -> None:
    result = score('{"name": "Ada", "age": "thirty-six"}', schema_ctx())
    assert result.value == 0.5
    assert result.evidence == "valid JSON failing the schema: at $.age: fails 'type': \"integer\""
    assert "thirty-six" not in result.evidence


def test_missing_required_property() -> None:
    result = score('{"name": "Ada"}', schema_ctx())
    assert result == Score(0.5, "valid JSON failing the schema: at $: missing required 'age'")


def test_embedded_json_loses_the_penalty_under_response_format() -> None:
    result = score('Sure! {"name": "Ada", "age": 36} Anything else?', schema_ctx())
    assert result.value == pytest.approx(0.8)
    assert "not the whole message" in result.evidence


def test_invalid_schema_is_ignored_not_held_against_candidates() -> None:
    result = score('{"a": 1}', schema_ctx({"type": "no-such-type"}))
    assert result.value == 1.0
    assert "schema ignored: invalid" in result.evidence


def test_json_object_response_format_applies_without_task() -> None:
    ctx = RewardContext(prompt="x", response_format={"type": "json_object"})
    assert score('{"items": [1, 2]}', ctx).value == 1.0
    # OpenAI's json_object mode promises an object at the top level.
    assert score("[1, 2]", ctx) == Score(
        0.5, "valid JSON but a list, not an object (json_object mode)"
    )


def test_schema_read_from_openais_response_format_shape() -> None:
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "person", "strict": True, "schema": SCHEMA},
    }
    ctx = RewardContext(prompt="Give a person", response_format=fmt)  # no references
    assert score('{"name": "Ada", "age": 36}', ctx).value == 1.0
    result = score('{"name": "Ada"}', ctx)
    assert result == Score(0.5, "valid JSON failing the schema: at $: missing required 'age'")


def test_json_asked_in_words_with_a_schema_in_the_prompt() -> None:
    prompt = (
        "List two primes. Return JSON matching this schema:\n```json\n"
        '{"type": "object", "properties": {"primes": {"type": "array", '
        '"items": {"type": "integer"}}}, "required": ["primes"]}\n```'
    )
    ctx = RewardContext(prompt=prompt, task="general")
    good = score('Here you go:\n```json\n{"primes": [2, 3]}\n```', ctx)
    assert good == Score(1.0, "valid JSON matching the schema (fenced block)")
    bad = score('{"primes": ["two", "three"]}', ctx)
    assert bad.value == 0.5 and "at $.primes[" in bad.evidence


def test_cut_off_json_says_so() -> None:
    ctx = RewardContext(prompt="x", response_format={"type": "json_object"})
    text = '{"name": "Ada", "bio": "born in'
    result = JsonValid()(
        completions=[text], context=ctx, candidates=[Candidate(0, text, (1,), "length")]
    )
    assert result == [Score(0.0, "no parseable JSON (cut off at max_tokens)")]


def test_find_json_variants() -> None:
    assert find_json('[1, {"a": 2}]') == ([1, {"a": 2}], "whole text")
    assert find_json('noise {bad} then {"ok": true}') == ({"ok": True}, "first {...} span")
    assert find_json("nothing here") is None


def test_a_system_prompt_schema_search_is_bounded() -> None:
    """Braces before the schema cost at most a bounded number of parses: past them, none."""
    import json

    from rewards.builtin.json_valid import schema_for

    schema = '{"type": "object", "properties": {"a": {"type": "integer"}}}'
    near = RewardContext(prompt="", task="json", system_prompt="{x} " * 5 + schema)
    far = RewardContext(prompt="", task="json", system_prompt="{x} " * 50_000 + schema)
    assert schema_for(near) == json.loads(schema)
    assert schema_for(far) is None


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"code": {"const": "SECRET-7781"}}},
        {"type": "object", "properties": {"code": {"enum": ["SECRET-7781", "x"]}}},
        {"type": "object", "properties": {"code": {"type": "string", "pattern": "^SECRET-7781$"}}},
        {"type": "object", "properties": {"code": {"type": "SECRET-7781"}}},  # invalid schema
    ],
)
def test_a_system_prompt_schema_is_never_quoted_in_the_evidence(schema: Any) -> None:
    """Review: the evidence quoted a failing rule's value (const, enum, pattern) or
    jsonschema's message about an invalid schema, both read from the system prompt."""
    import json

    from rewards.context import build_context

    messages = [
        {"role": "system", "content": f"Reply with JSON matching {json.dumps(schema)}"},
        {"role": "user", "content": "Give JSON"},
    ]
    context = build_context("Give JSON", messages, None, task="json")
    assert context.system_prompt and "SECRET" in context.system_prompt
    result = score('{"code": "nope"}', context)
    assert "SECRET" not in result.evidence, result.evidence
    # It still says what happened: the rule that failed, or that the schema was ignored.
    assert "fails '" in result.evidence or "schema ignored: invalid" in result.evidence
