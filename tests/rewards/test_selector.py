"""Task detection, default selections, explicit selections, contexts."""

import math
from typing import Any

import pytest

from rewards.context import build_context
from rewards.refine import refine_selection
from rewards.registry import UnknownRewardError, builtin_registry
from rewards.selection import Selection, explicit_selection, select_rewards
from rewards.task import detect_task
from rewards.types import TASKS, Candidate, RewardContext


@pytest.mark.parametrize(
    ("prompt", "task", "evidence"),
    [
        ("What is 12 * 7?", "math", ["arithmetic expression in prompt"]),
        (
            "How many apples are left if I have 5 and eat 2?",
            "math",
            ["math phrasing: 'how many'"],
        ),
        (
            "Solve $x^2 = 4$ for x.",
            "math",
            ["LaTeX math in prompt", "math phrasing: 'solve'"],
        ),
        ("how do I kill a Python process", "code", ["programming words: python"]),
        (
            "Write a Python function that sorts a list",
            "code",
            ["programming words: python, function"],
        ),
        ("Write a function that reverses a string", "code", ["coding request in prompt"]),
        ("```\nx = [1, 2]\n```\nwhy is this slow?", "code", ["code fence in prompt"]),
        (
            "Return a JSON object with the keys name and age.",
            "json",
            ["JSON asked for in prompt"],
        ),
        (
            "List three colours. Respond only in JSON.",
            "json",
            ["JSON asked for in prompt"],
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
        ["JSON asked for in system prompt"],
    )
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "Write a Python script"},
        {"role": "assistant", "content": "..."},
        {"role": "user", "content": [{"type": "text", "text": "What is 3 + 4?"}]},
    ]
    assert detect_task("", messages=history) == (
        "math",
        ["arithmetic expression in prompt", "math phrasing: 'what is 3'"],
    )


def test_default_sets_per_task() -> None:
    names = {
        task: [c.name for c in select_rewards(RewardContext(prompt="", task=task)).rewards]
        for task in TASKS
    }
    assert names == {
        "math": [
            "answer_agreement",
            "math_steps",
            "math_reasoning",
            "format",
            "repetition",
            "efficiency",
        ],
        "code": ["code_exec", "repetition", "format", "efficiency"],
        "json": ["json_valid", "json_agreement", "repetition", "efficiency"],
        "tool": ["tool_valid", "tool_agreement", "repetition"],
        "general": ["repetition", "efficiency", "format"],
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
    assert first.reason.startswith("task=math: agreement on the final answer")
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
    assert select_rewards(ctx).task_evidence == ["arithmetic expression in prompt"]
    forced = build_context("What is 12 * 7?", task="general")
    assert select_rewards(forced).task_evidence == ["task=general set by the caller"]
    explicit = explicit_selection(ctx, {"length": 1.0}, builtin_registry())
    assert explicit.task_evidence == ["arithmetic expression in prompt"]


def test_detection_is_linear_in_blank_lines() -> None:
    # Regression: `^\s*` under (?m) made the code-syntax search quadratic (14 s at 40k lines).
    import time

    start = time.perf_counter()
    detect_task("capital of France?" + "\n" * 100_000)
    # Milliseconds when linear; the quadratic search took minutes at this size. Generous,
    # so that a loaded machine cannot fail it.
    assert time.perf_counter() - start < 30


# --------------------------------------------------------------- context-driven choices


def _names(selection: Selection) -> list[str]:
    return [c.name for c in selection.rewards]


def test_tests_in_a_code_prompt_weigh_the_sandbox_up() -> None:
    prompt = "Write a Python function add(a, b).\n```python\nassert add(2, 3) == 5\n```"
    context = build_context(prompt, [{"role": "user", "content": prompt}])
    assert context.task == "code"
    assert [t.source for t in context.references["tests"]] == ["assert add(2, 3) == 5"]
    choice = next(c for c in select_rewards(context).rewards if c.name == "code_exec")
    assert choice.weight == 2.0
    assert "1 test(s) in the prompt" in choice.reason

    bare = build_context("Write a Python function that adds two numbers.")
    choice = next(c for c in select_rewards(bare).rewards if c.name == "code_exec")
    assert choice.weight == 1.0 and "syntax check" in choice.reason


def test_the_prompt_language_selects_language_consistency() -> None:
    german = build_context("Wie viel ist sieben plus fünf? Erkläre bitte jeden Schritt genau.")
    choice = next(c for c in select_rewards(german).rewards if c.name == "language")
    assert "prompt language de" in choice.reason
    # Too little text to tell a language: not selected.
    assert "language" not in _names(select_rewards(build_context("12 * 7 = ?")))
    # Code and JSON answers are not prose: not selected there.
    assert "language" not in _names(select_rewards(build_context("Schreibe eine Python-Funktion")))


def test_optional_rewards_only_when_the_operator_enables_them() -> None:
    context = build_context("Tell me about the history of Lisbon.")
    assert "relevance" not in _names(select_rewards(context))
    enabled = select_rewards(context, optional=["relevance"])
    assert "relevance" in _names(enabled)


def _group(*texts: str) -> list[Candidate]:
    return [Candidate(i, t) for i, t in enumerate(texts)]


def test_second_look_when_a_math_group_disagrees() -> None:
    context = build_context("What is 6 * 7?")
    selection = select_rewards(context)
    group = _group("6 * 7 = 42", "6 * 7 = 36", "6 * 7 = 48", "It is 41")
    refined = refine_selection(selection, context, group, optional=["judge"])
    steps = next(c for c in refined.rewards if c.name == "math_steps")
    assert steps.weight == 1.0 and steps.stage == "after_generation"
    assert "second look" in steps.reason
    assert "judge" in _names(refined)  # configured by the operator: added for the second look
    assert refined.decisions and refined.decisions[0].startswith("second look")
    # The original selection is not modified.
    assert all(c.stage == "context" for c in selection.rewards)


def test_no_second_look_when_the_group_agrees() -> None:
    context = build_context("What is 6 * 7?")
    selection = select_rewards(context)
    refined = refine_selection(
        selection, context, _group("6 * 7 = 42", "It is 42", "42", "6 * 7 = 41")
    )
    assert refined is selection


def test_think_output_weighs_the_format_reward_up() -> None:
    context = build_context("Tell me a fact about owls.")
    group = _group("<think>owls...</think> Owls can turn their heads far.", "Owls hunt at night.")
    refined = refine_selection(select_rewards(context), context, group)
    fmt = next(c for c in refined.rewards if c.name == "format")
    assert fmt.weight == 0.5 and fmt.stage == "after_generation"
    assert "1 of 2 candidates reason in <think>" in fmt.reason


def test_client_and_profile_sets_are_not_refined() -> None:
    context = build_context("What is 6 * 7?")
    explicit = explicit_selection(context, {"length": 1.0}, builtin_registry())
    group = _group("6 * 7 = 42", "6 * 7 = 36", "<think>x</think> 48")
    assert refine_selection(explicit, context, group) is explicit


# instructor's MD_JSON mode: a schema in the system prompt, then this user message.
MD_JSON_SYSTEM = (
    "\nAs a genius expert, your task is to understand the content and provide\n"
    "the parsed objects in json that match the following json_schema:\n\n"
    '{\n  "properties": {\n    "name": {"type": "string"},\n    "age": {"type": "integer"}\n'
    '  },\n  "required": ["name", "age"],\n  "type": "object"\n}\n\n'
    "Make sure to return an instance of the JSON, not the schema itself\n"
)
MD_JSON_USER = "Return the correct JSON response within a ```json codeblock. not the JSON_SCHEMA"


@pytest.mark.parametrize(
    "prompt",
    [
        MD_JSON_USER,
        "Return the answer as JSON in a ```json codeblock",
        "Extract the user. Put the result inside a ```json fence.",
        "Give me the fields in a JSON code block.",
    ],
)
def test_json_asked_for_in_a_json_fence_is_a_json_task(prompt: str) -> None:
    assert detect_task(prompt) == ("json", ["JSON asked for in prompt"])


def test_a_json_fence_given_as_input_is_not_a_json_task() -> None:
    prompt = 'My config:\n```json\n{"port": 80}\n```\nwhy does my Python loader crash on it?'
    assert detect_task(prompt)[0] == "code"


def test_instructor_md_json_gets_the_json_rewards_and_they_read_the_fence() -> None:
    messages = [
        {"role": "system", "content": MD_JSON_SYSTEM},
        {"role": "user", "content": "Jason is 25 years old."},
        {"role": "user", "content": MD_JSON_USER},
    ]
    ctx = build_context("", messages)
    assert ctx.task == "json"
    names = [c.name for c in select_rewards(ctx).rewards]
    assert "json_valid" in names and "json_agreement" in names
    registry = builtin_registry()
    texts = [
        '```json\n{"name": "Jason", "age": 25}\n```',
        '```json\n{"name": "Jason", "age": "25"}\n```',  # fails the schema in the system prompt
        "```json\nnot json\n```",
    ]
    scores = registry.reward("json_valid")(completions=texts, context=ctx, candidates=[])
    assert [s.value for s in scores] == [1.0, 0.5, 0.0], scores


def test_a_schema_in_the_system_prompt_counts_for_json_tasks_only() -> None:
    from rewards.builtin.json_valid import schema_for

    system = {"role": "system", "content": MD_JSON_SYSTEM}
    json_ctx = build_context("", [system, {"role": "user", "content": MD_JSON_USER}])
    assert schema_for(json_ctx)["required"] == ["name", "age"]
    other = build_context("", [system, {"role": "user", "content": "Tell me about Paris."}])
    assert other.task != "json" and schema_for(other) is None
