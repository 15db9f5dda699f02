"""Tool turns: task detection, tool_valid, tool_agreement, and the ranking's hard constraint.

Candidates are built by hand, as the server's tool-call parser would fill them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from rewards.builtin.tools import ToolAgreement, ToolChecker, ToolValid
from rewards.context import build_context
from rewards.registry import RewardRegistry, builtin_registry
from rewards.scoring import score_group
from rewards.selection import choose_rewards, explicit_selection, select_rewards
from rewards.task import detect_task
from rewards.tool_calls import MAX_ARGUMENT_CHARS, call_key, canonical_arguments, invalid_calls
from rewards.types import Candidate, RewardContext, Score, ToolCall

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"zone": {"type": "string"}},
            "required": ["zone"],
        },
    },
}
PROMPT = "What's the weather in Paris?"


def context(
    tool_choice: Any = "auto", tools: tuple[dict[str, Any], ...] = (WEATHER, TIME)
) -> RewardContext:
    return build_context(
        PROMPT, [{"role": "user", "content": PROMPT}], tools=tools, tool_choice=tool_choice
    )


def cand(index: int, *calls: tuple[str, str], text: str = "") -> Candidate:
    tool_calls = tuple(ToolCall(n, a, f"call_{index}_{j}") for j, (n, a) in enumerate(calls))
    return Candidate(index, text, tool_calls=tool_calls, content="" if calls else text)


def valid_scores(ctx: RewardContext, *candidates: Candidate) -> list[Score]:
    return ToolValid()(
        completions=[c.text for c in candidates], context=ctx, candidates=list(candidates)
    )


# --- task detection and the default set -------------------------------------------


def test_declared_tools_make_a_tool_task_with_evidence_in_words() -> None:
    task, evidence = detect_task(PROMPT, tools=[WEATHER, TIME], tool_choice="auto")
    assert (task, evidence) == ("tool", ["2 tool(s) declared, tool_choice is auto"])
    named = {"type": "function", "function": {"name": "get_weather"}}
    assert detect_task(PROMPT, tools=[WEATHER], tool_choice=named)[1] == [
        "1 tool(s) declared, tool_choice names one function"
    ]
    assert detect_task(PROMPT, tools=[WEATHER])[1] == [
        "1 tool(s) declared, tool_choice not sent (auto)"
    ]


def test_tool_choice_none_or_no_tools_is_not_a_tool_task() -> None:
    assert detect_task("What is 12 * 7?", tools=[WEATHER], tool_choice="none")[0] == "math"
    assert detect_task("What is 12 * 7?", tools=[], tool_choice="auto")[0] == "math"


def test_tools_win_over_json_words() -> None:
    assert detect_task("Reply in JSON", tools=[WEATHER], tool_choice="required")[0] == "tool"


def test_build_context_carries_tools_and_choice() -> None:
    ctx = context("required")
    assert ctx.task == "tool"
    assert ctx.tools == (WEATHER, TIME)
    assert ctx.tool_choice == "required"


def test_the_default_tool_set() -> None:
    selection = select_rewards(context())
    assert [(c.name, c.weight) for c in selection.rewards] == [
        ("tool_valid", 2.0),
        ("tool_agreement", 1.0),
        ("repetition", 0.2),
    ]
    assert selection.task_evidence == ["2 tool(s) declared, tool_choice is auto"]
    builtin_registry().validate(selection.weights)


# --- tool_valid ---------------------------------------------------------------------


def test_a_valid_call_scores_one() -> None:
    [score] = valid_scores(context(), cand(0, ("get_weather", '{"city": "Paris"}')))
    assert score == Score(1.0, "get_weather: arguments match the schema")


@pytest.mark.parametrize(
    ("arguments", "value", "evidence"),
    [
        ('{"city": "Paris"', 0.25, "get_weather: arguments are not valid JSON"),
        ("", 0.25, "get_weather: arguments are not valid JSON"),
        ('["Paris"]', 0.25, "get_weather: arguments are a JSON array, not an object"),
        ('"Paris"', 0.25, "get_weather: arguments are a JSON string, not an object"),
        ("{}", 0.5, "get_weather: fails the schema at $: missing required 'city'"),
        ('{"city": 75}', 0.5, "get_weather: fails the schema at $.city: fails 'type': \"string\""),
        (
            '{"city": "Paris", "unit": "kelvin"}',
            0.5,
            "get_weather: fails the schema at $.unit: fails 'enum'",
        ),
        (
            '{"city": "Paris", "country": "FR"}',
            0.5,
            "get_weather: fails the schema at $: additional properties not allowed",
        ),
    ],
)
def test_malformed_arguments_and_schema_violations(
    arguments: str, value: float, evidence: str
) -> None:
    [score] = valid_scores(context(), cand(0, ("get_weather", arguments)))
    assert (score.value, score.evidence) == (value, evidence)


def test_schema_evidence_never_quotes_the_argument_value() -> None:
    [score] = valid_scores(context(), cand(0, ("get_weather", '{"city": "Paris", "unit": "K"}')))
    assert "'K'" not in score.evidence and '"K"' not in score.evidence


def test_an_undeclared_tool_is_invalid() -> None:
    [score] = valid_scores(context(), cand(0, ("delete_account", "{}")))
    assert score == Score(0.0, "'delete_account' is not a declared tool")


def test_every_call_counts() -> None:
    both = cand(0, ("get_weather", '{"city": "Paris"}'), ("get_time", "{}"))
    [score] = valid_scores(context(), both)
    assert score.value == pytest.approx(0.75)
    assert score.evidence == (
        "get_weather: arguments match the schema; "
        "get_time: fails the schema at $: missing required 'zone'"
    )
    assert ToolChecker(context()).check(both).valid is False


def test_auto_plain_answer_is_not_invalid() -> None:
    [score] = valid_scores(context("auto"), cand(0, text="It is sunny in Paris."))
    assert score == Score(None, "plain answer: no tool call (tool_choice auto)")
    assert invalid_calls(context("auto"), [cand(0, text="Hi")], [None]) == [False]


def test_required_needs_a_call() -> None:
    [score] = valid_scores(context("required"), cand(0, text="It is sunny."))
    assert score == Score(0.0, "no tool call: tool_choice is required")


def test_named_choice_needs_that_function() -> None:
    named = {"type": "function", "function": {"name": "get_time"}}
    ctx = context(named)
    scores = valid_scores(
        ctx,
        cand(0, ("get_weather", '{"city": "Paris"}')),
        cand(1, text="Sunny."),
        cand(2, ("get_time", '{"zone": "Europe/Paris"}')),
    )
    assert [(s.value, s.evidence) for s in scores] == [
        (0.0, "get_weather: tool_choice names get_time"),
        (0.0, "no tool call: tool_choice names get_time"),
        (1.0, "get_time: arguments match the schema"),
    ]


def test_not_a_tool_turn_is_not_applicable() -> None:
    call = cand(0, ("get_weather", "{}"))
    assert valid_scores(context("none"), call) == [
        Score(None, "tool_choice none: no call expected")
    ]
    assert valid_scores(RewardContext(prompt="hi"), call) == [Score(None, "no tools declared")]


def test_a_tool_without_parameters_takes_any_object() -> None:
    ping = {"type": "function", "function": {"name": "ping"}}
    ctx = context(tools=(ping,))
    scores = valid_scores(ctx, cand(0, ("ping", "{}")), cand(1, ("ping", "[]")))
    assert [s.value for s in scores] == [1.0, 0.25]


@pytest.mark.parametrize(
    ("arguments", "evidence"),
    [
        ("[" * 100_000 + "]" * 100_000, "get_weather: arguments nested deeper than 64 levels"),
        ('{"a": ' * 100_000 + "1" + "}" * 100_000, "arguments nested deeper than 64 levels"),
        ('{"a": ' * 70 + "1" + "}" * 70, "arguments nested deeper than 64 levels"),
        ('{"city": "' + "x" * MAX_ARGUMENT_CHARS + '"}', "arguments longer than 1,000,000"),
    ],
)
def test_hostile_arguments_are_invalid_and_bounded(arguments: str, evidence: str) -> None:
    [score] = valid_scores(context(), cand(0, ("get_weather", arguments)))
    assert score.value == 0.25
    assert evidence in score.evidence


def test_a_deeply_nested_array_is_bounded_too() -> None:
    # json.loads raises RecursionError on this depth: caught, never propagated.
    arguments = '{"city": ' + "[" * 100_000 + "]" * 100_000 + "}"
    [score] = valid_scores(context(), cand(0, ("get_weather", arguments)))
    assert (score.value, score.evidence) == (
        0.25,
        "get_weather: arguments nested deeper than 64 levels",
    )


def test_a_remote_ref_in_the_tool_schema_is_never_fetched() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "lookup",
            "parameters": {"$ref": "http://127.0.0.1:9/schema.json"},
        },
    }
    [score] = valid_scores(context(tools=(tool,)), cand(0, ("lookup", '{"q": 1}')))
    assert score.value == 1.0  # checked as a JSON object only ...
    assert "schema refused: schema $ref outside the schema refused" in score.evidence


def test_a_backtracking_pattern_in_the_tool_schema_runs_on_re2() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "tag",
            "parameters": {
                "type": "object",
                "properties": {"t": {"type": "string", "pattern": "^(a|a)*$"}},
            },
        },
    }
    arguments = json.dumps({"t": "a" * 50_000 + "b"})
    [score] = valid_scores(context(tools=(tool,)), cand(0, ("tag", arguments)))
    assert score == Score(0.5, "tag: fails the schema at $.t: fails 'pattern'")


# --- tool_agreement -----------------------------------------------------------------


def agreement(ctx: RewardContext, *candidates: Candidate, **kw: Any) -> list[Score]:
    return ToolAgreement()(
        completions=[""] * len(candidates), context=ctx, candidates=list(candidates), **kw
    )


def test_canonical_arguments_sort_keys_and_drop_spacing() -> None:
    assert canonical_arguments('{ "unit": "celsius",\n "city": "Paris" }') == (
        '{"city":"Paris","unit":"celsius"}'
    )
    assert canonical_arguments("{bad") is None
    two = [ToolCall("b", "{}"), ToolCall("a", '{"x": 1}')]
    assert call_key(two) == call_key(list(reversed(two)))  # call order does not matter


def test_agreement_is_on_name_and_canonical_arguments() -> None:
    scores = agreement(
        context(),
        cand(0, ("get_weather", '{"city": "Paris", "unit": "celsius"}')),
        cand(1, ("get_weather", '{"unit": "celsius", "city": "Paris"}')),
        cand(2, ("get_weather", '{"city": "Paris"}')),
        cand(3, ("get_time", '{"city": "Paris"}')),
    )
    assert [s.value for s in scores] == [0.5, 0.5, 0.25, 0.25]
    assert scores[0].evidence == "2 of 4 make the same call(s): get_weather(city, unit)"


def test_agreement_tie_gives_equal_scores_and_no_signal() -> None:
    ctx = context()
    group = [
        cand(0, ("get_weather", '{"city": "Paris"}')),
        cand(1, ("get_time", '{"zone": "Europe/Paris"}')),
        cand(2, ("get_time", '{"zone": "Europe/Paris"}')),
        cand(3, ("get_weather", '{"city": "Paris"}')),
    ]
    scores = agreement(ctx, *group)
    assert [s.value for s in scores] == [0.5] * 4
    result = score_group(ctx, group, select_rewards(ctx), registry=builtin_registry())
    by_name = {r.name: r for r in result.rewards}
    assert by_name["tool_agreement"].no_signal
    assert result.ranking == [0, 1, 2, 3]  # the tie-breakers: equal here, so by index


def test_plain_answers_vote_for_no_call() -> None:
    scores = agreement(
        context(),
        cand(0, text="Sunny."),
        cand(1, text="It is sunny in Paris."),
        cand(2, ("get_weather", '{"city": "Paris"}')),
    )
    assert [round(s.value or 0, 3) for s in scores] == [0.667, 0.667, 0.333]
    assert scores[0].evidence == "2 of 3 answer without a tool call"


def test_unparseable_arguments_do_not_vote() -> None:
    scores = agreement(
        context(),
        cand(0, ("get_weather", '{"city": ')),
        cand(1, ("get_weather", '{"city": "Paris"}')),
        cand(2, ("get_weather", '{"city": "Paris"}')),
    )
    assert scores[0] == Score(None, "arguments not a JSON object: no vote")
    assert [s.value for s in scores[1:]] == [1.0, 1.0]


def test_vetoed_candidates_do_not_vote() -> None:
    group = [cand(i, ("get_weather", '{"city": "Paris"}')) for i in range(3)]
    group.append(cand(3, ("get_weather", '{"city": "Lyon"}')))
    scores = agreement(context(), *group, vetoed=[True, True, False, False])
    assert [s.value for s in scores[2:]] == [0.5, 0.5]


def test_one_voter_has_nothing_to_agree_with() -> None:
    [score] = agreement(context(), cand(0, ("get_weather", '{"city": "Paris"}')))
    assert score.value is None


def test_agreement_evidence_never_quotes_argument_values() -> None:
    secret = '{"city": "Paris", "note": "jane.doe@corp.io"}'
    scores = agreement(
        context(), cand(0, ("get_weather", secret)), cand(1, ("get_weather", secret))
    )
    assert "jane" not in scores[0].evidence and "Paris" not in scores[0].evidence


# --- the hard constraint: an invalid call never beats a valid one -----------------------


def _invalid_majority() -> list[Candidate]:
    """Three identical invalid calls (schema violated) that agree, and one valid call."""
    bad = '{"city": "Paris", "unit": "kelvin"}'
    group = [cand(i, ("get_weather", bad)) for i in range(3)]
    group.append(cand(3, ("get_weather", '{"city": "Paris"}')))
    return group


@pytest.mark.parametrize(
    "weights",
    [
        {"tool_agreement": 1.0},
        {"tool_agreement": 100.0, "tool_valid": 0.01},
        {"tool_agreement": 5.0, "repetition": 1.0, "length": 3.0},
        {},
    ],
)
def test_an_invalid_call_never_ranks_above_a_valid_one(weights: dict[str, float]) -> None:
    ctx = context()
    registry = builtin_registry()
    selection = explicit_selection(ctx, weights, registry)
    result = score_group(ctx, _invalid_majority(), selection, registry=registry)
    assert result.best == 3
    assert result.ranks[3] == 0
    assert result.ranking[0] == 3
    validity = next(r for r in result.rewards if r.name == "tool_valid")
    assert [s.value for s in validity.scores] == [0.5, 0.5, 0.5, 1.0]
    if "tool_valid" not in weights:
        assert validity.weight == 0.0 and "always checked" in validity.reason


def test_without_the_constraint_agreement_alone_would_pick_the_invalid_call() -> None:
    # The control: the same group scored as a non-tool turn lets the majority win.
    ctx = build_context(PROMPT)
    registry = builtin_registry()
    selection = explicit_selection(ctx, {"length": 1.0}, registry)
    group = _invalid_majority()
    group = [
        Candidate(c.index, c.text or "x" * (10 if c.index < 3 else 50), tool_calls=c.tool_calls)
        for c in group
    ]
    result = score_group(ctx, group, selection, registry=registry)
    assert result.best != 3


def test_plain_answers_and_valid_calls_share_the_top_tier_under_auto() -> None:
    ctx = context("auto")
    group = [
        cand(0, ("nope", "{}")),
        cand(1, text="It is sunny in Paris today."),
        cand(2, ("get_weather", '{"city": "Paris"}')),
    ]
    result = score_group(ctx, group, select_rewards(ctx), registry=builtin_registry())
    assert result.ranks[0] == 2  # the invalid call is last
    assert set(result.ranking[:2]) == {1, 2}


def test_under_required_a_plain_answer_ranks_below_a_valid_call() -> None:
    ctx = context("required")
    group = [
        cand(0, text="Sunny."),
        cand(1, text="Sunny."),
        cand(2, ("get_time", '{"zone": "UTC"}')),
    ]
    result = score_group(
        ctx,
        group,
        explicit_selection(ctx, {"tool_agreement": 9.0}, builtin_registry()),
        registry=builtin_registry(),
    )
    assert result.best == 2


def test_a_failed_validity_check_fails_closed() -> None:
    class Broken:
        name = "tool_valid"

        def __call__(self, **kwargs: Any) -> list[Score]:
            raise RuntimeError("boom")

    registry = builtin_registry()
    registry.replace_reward("tool_valid", Broken)
    ctx = context("auto")
    group = [cand(0, ("get_weather", '{"city": "Paris"}')), cand(1, text="Sunny in Paris.")]
    selection = explicit_selection(ctx, {"tool_agreement": 1.0, "length": 1.0}, registry)
    result = score_group(ctx, group, selection, registry=registry)
    validity = next(r for r in result.rewards if r.name == "tool_valid")
    assert validity.error is not None
    # The call could not be checked: the plain answer ranks first.
    assert result.best == 1


def test_invalid_calls_without_scores_fail_closed() -> None:
    group = [cand(0, ("get_weather", "{}")), cand(1, text="hi")]
    assert invalid_calls(context("auto"), group, None) == [True, False]
    assert invalid_calls(context("required"), group, None) == [True, True]
    assert invalid_calls(context("none"), group, None) == [False, False]


def test_a_profile_cannot_drop_the_check() -> None:
    from rewards.profiles import Profile

    ctx = context()
    registry = builtin_registry()
    profile = Profile("lean", rewards={"length": 1.0})
    selection = choose_rewards(ctx, registry, profile=profile)
    result = score_group(ctx, _invalid_majority(), selection, registry=registry)
    assert result.best == 3


def test_registry_has_both_rewards() -> None:
    registry: RewardRegistry = builtin_registry()
    assert {"tool_valid", "tool_agreement"} <= set(registry.reward_names())
