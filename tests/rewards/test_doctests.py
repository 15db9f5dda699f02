"""The examples in the docstrings run and hold."""

import doctest
import importlib

import pytest

MODULES = [
    "rewards.aggregate",
    "rewards.ranking",
    "rewards.registry",
    "rewards.task",
    "rewards.refine",
    "rewards.trl",
    "rewards.builtin.answer_agreement",
    "rewards.builtin.code_exec",
    "rewards.builtin.efficiency",
    "rewards.builtin.formatting",
    "rewards.builtin.json_agreement",
    "rewards.builtin.json_valid",
    "rewards.builtin.judge",
    "rewards.builtin.language",
    "rewards.builtin.length",
    "rewards.builtin.math_answers",
    "rewards.builtin.math_steps",
    "rewards.mathverify_pool",
    "rewards.builtin.repetition",
    "rewards.builtin.tools",
    "rewards.tool_calls",
    "rewards.gates.judged",
    "rewards.gates.pii",
    "rewards.gates.privacy",
    "rewards.gates.hazards",
    "rewards.gates.leakage",
    "rewards.gates.injection",
    "rewards.gates.llama_guard",
    "rewards.policy",
    "rewards.language",
    "rewards.sandbox",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0, f"{name} has no examples"
    assert failures == 0
