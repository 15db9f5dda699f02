"""Task detection, default selections, explicit selections, contexts."""

import math
from typing import Any

import pytest

from rewards.registry import UnknownRewardError, builtin_registry
from rewards.selector import (
    build_context,
    detect_task,
    explicit_selection,
    select_rewards,
)
from rewards.types import TASKS, RewardContext


@pytest.mark.parametrize(
    ("prompt", "task", "evidence"),
    [
        ("What is 12 * 7?", "math", ["arithmetic expression '12 * 7'"]),
        (
            "How many apples are left if I have 5 and eat 2?",
            "math",
            ["math phrasing: 'how many'"],
        ),
        (
            "Solve $x^2 = 4$ for x.",
            "math",
            ["LaTeX math: '$x^2 = 4$'", "math phrasing: 'solve'"],
        ),
        ("how do I kill a Python process", "code", ["programming words: python"]),
        (
            "Write a Python function that sorts a list",
            "code",
            ["programming words: python, function"],
        ),
        ("Write a function that reverses a string", "code", ["coding request: 'Write a function'"]),
        ("```\nx = [1, 2]\n```\nwhy is this slow?", "code", ["code fence in prompt"]),
        (
            "Return a JSON object with the keys name and age.",
            "json",
            ["JSON asked for in prompt: 'Return a JSON'"],
        ),
        (
            "List three colours. Respond only in JSON.",
            "json",
            ["JSON asked for in prompt: 'Respond only in JSON'"],
        ),
        ("Tell me about Paris.", "general", ["no JSON, code or math evidence"]),
        ("How many people live in Paris?", "general", ["no JSON, code or math evidence"]),
        ("How do I get rust off my bike?", "general", ["no JSON, code or math evidence"]),
        ("What happened on 1/2/2024?", "general", ["no JSON, code or math evidence"]),
    ],
)
def test_detect_task(prompt: str, task: str, evidence: list[str]) -> None:
    assert detect_task(prompt) == (task, evidence)


def test_parsing_json_in_python_is_code_not_json() -> None:
    assert detect_task("How do I parse JSON in Python?")[0] == "code"


def test_response_format_wins() -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}
    assert detect_task("What is 12 * 7?", response_format=fmt) == (
        "json",
        ["response_format=json_schema"],
    )
    assert detect_task("hi", response_format={"type": "text"})[0] == "general"


def test_chat_uses_the_last_user_message_and_system_json_instructions() -> None:
    messages = [
        {"role": "system", "content": "Respond only in JSON."},
        {"role": "user", "content": "List three colours."},
    ]
    assert detect_task("", messages=messages) == (
        "json",
        ["JSON asked for in system prompt: 'Respond only in JSON'"],
    )
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "Write a Python script"},
        {"role": "assistant", "content": "..."},
        {"role": "user", "content": [{"type": "text", "text": "What is 3 + 4?"}]},
    ]
    assert detect_task("", messages=history) == (
        "math",
        ["arithmetic expression '3 + 4'", "math phrasing: 'what is 3'"],
    )


def test_default_sets_per_task() -> None:
    names = {
        task: [c.name for c in select_rewards(RewardContext(prompt="", task=task)).rewards]
        for task in TASKS
    }
    assert names == {
        "math": ["answer_agreement", "format", "repetition", "length"],
        "code": ["repetition", "format", "length"],
        "json": ["json_valid", "repetition", "length"],
        "general": ["repetition", "length", "format"],
    }


def test_default_sets_use_only_registered_rewards_and_give_reasons() -> None:
    registry = builtin_registry()
    for task in TASKS:
        selection = select_rewards(RewardContext(prompt="", task=task), task_evidence=["e"])
        registry.validate(c.name for c in selection.rewards)
        assert selection.task == task
        assert selection.task_evidence == ["e"]
        assert not selection.explicit
        for choice in selection.rewards:
            assert choice.reason.startswith(f"task={task}: ")
            assert choice.weight > 0


def test_math_reason_and_weight() -> None:
    selection = select_rewards(RewardContext(prompt="", task="math"))
    first = selection.rewards[0]
    assert (first.name, first.weight) == ("answer_agreement", 1.0)
    assert first.reason == "task=math: self-consistency of the final answer"
    assert selection.weights["answer_agreement"] == 1.0


def test_explicit_selection() -> None:
    ctx = RewardContext(prompt="", task="math")
    selection = explicit_selection(ctx, {"length": 2, "repetition": 0.5}, builtin_registry())
    assert selection.explicit
    assert [(c.name, c.weight, c.reason) for c in selection.rewards] == [
        ("length", 2.0, "requested by client"),
        ("repetition", 0.5, "requested by client"),
    ]


def test_explicit_selection_rejects_unknown_names() -> None:
    with pytest.raises(UnknownRewardError) as info:
        explicit_selection(RewardContext(prompt=""), {"lenght": 1.0}, builtin_registry())
    assert info.value.name == "lenght"


@pytest.mark.parametrize("weight", [-1.0, math.nan, math.inf])
def test_explicit_selection_rejects_bad_weights(weight: float) -> None:
    with pytest.raises(ValueError, match="finite number >= 0"):
        explicit_selection(RewardContext(prompt=""), {"length": weight}, builtin_registry())


def test_build_context_fills_system_prompt_task_and_schema() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    ctx = build_context(
        "You are terse.\nGive a",
        [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Give a"},
        ],
        {"type": "json_schema", "json_schema": {"name": "a", "schema": schema}},
    )
    assert ctx.system_prompt == "You are terse."
    assert ctx.task == "json"
    assert ctx.references == {"json_schema": schema}
    assert ctx.messages is not None and ctx.messages[1]["content"] == "Give a"
    assert ctx.user_text == "Give a"


def test_build_context_keeps_a_given_task() -> None:
    assert build_context("What is 2 + 2?", task="general").task == "general"
    assert build_context("What is 2 + 2?").task == "math"


def test_selection_finds_the_evidence_when_not_given() -> None:
    ctx = build_context("What is 12 * 7?")
    assert select_rewards(ctx).task_evidence == ["arithmetic expression '12 * 7'"]
    forced = build_context("What is 12 * 7?", task="general")
    assert select_rewards(forced).task_evidence == ["task=general set by the caller"]
    explicit = explicit_selection(ctx, {"length": 1.0}, builtin_registry())
    assert explicit.task_evidence == ["arithmetic expression '12 * 7'"]


def test_detection_is_linear_in_blank_lines() -> None:
    # Regression: `^\s*` under (?m) made the code-syntax search quadratic (14 s at 40k lines).
    import time

    start = time.perf_counter()
    detect_task("capital of France?" + "\n" * 100_000)
    assert time.perf_counter() - start < 5
