"""The TRL adapter reads a dataset row's references from GRPO's extra columns, as
``bon-server export grpo`` writes them: ``json_schema`` (JSON text) for ``json_valid``,
``tests`` for ``code_exec``; without them the same completions are not told apart."""

from __future__ import annotations

import json

from rewards.builtin import JsonValid
from rewards.builtin.code_exec import CodeExec
from rewards.trl import as_trl_reward

SCHEMA = json.dumps(
    {"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]}
)


def test_json_schema_column() -> None:
    f = as_trl_reward(JsonValid())
    prompts = ["Give a person as JSON."] * 2
    completions = ['{"age": 3}', '{"name": "x"}']
    assert f(prompts=prompts, completions=completions) == [1.0, 1.0]
    scored = f(prompts=prompts, completions=completions, json_schema=[SCHEMA, SCHEMA])
    assert scored == [1.0, 0.5]  # the second is valid JSON failing the schema
    assert f(prompts=prompts, completions=completions, json_schema=[None, None]) == [1.0, 1.0]


def test_tests_column() -> None:
    f = as_trl_reward(CodeExec(timeout_s=30.0, budget_s=60.0))  # roomy: a loaded machine
    prompts = ["Write a python function add(a, b)."] * 2
    completions = [
        "```python\ndef add(a, b):\n    return a + b\n```",
        "```python\ndef add(a, b):\n    return a - b\n```",
    ]
    assert f(prompts=prompts, completions=completions) == [1.0, 1.0]  # it parses: no tests
    tests = ["assert add(2, 3) == 5"] * 2
    assert f(prompts=prompts, completions=completions, tests=tests) == [1.0, 0.0]
