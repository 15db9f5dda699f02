"""The facts about a candidate's tool calls: declared, parsed, canonical, valid.

One place computes them, for the ``tool_valid`` and ``tool_agreement`` rewards
(:mod:`rewards.builtin.tools`, whose ``ToolChecker`` validates), the gates (the
text they judge, :mod:`rewards.gates.judged`) and the ranking's hard constraint (an
invalid call never ranks above a valid one, see :func:`rewards.scoring.score_group`).

A call is valid when it names a tool the request declared, its arguments (the raw
JSON text the model wrote) parse as a JSON object, and that object validates
against the tool's ``parameters`` JSON Schema. The schema is the client's and the
arguments the model's: both are untrusted, so the validator comes from
:func:`rewards.json_limits.linear_validator` (refs resolve only inside the schema,
patterns on RE2, size bounded), and arguments over :data:`MAX_ARGUMENT_CHARS` or
nested deeper than :data:`~rewards.json_limits.MAX_JSON_DEPTH` are invalid without
being validated.

``tool_choice`` decides what a candidate without a call is: under ``auto`` a plain
answer (neither valid nor invalid: there is no call to judge); under ``required`` or
a named function an invalid turn, as is a call to any other function than the named
one. Under ``none``, or with no tools declared, the request is not a tool turn.

Canonical arguments are the parsed JSON dumped with sorted keys and no spacing, as
its_hub's self-consistency votes on tool calls (``json.loads``, then keys sorted);
a candidate's calls are compared as a multiset (order does not matter).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from rewards.json_limits import MAX_JSON_DEPTH, json_depth
from rewards.types import Candidate, RewardContext, ToolCall

__all__ = [
    "MAX_ARGUMENT_CHARS",
    "call_key",
    "canonical_arguments",
    "declared_tools",
    "invalid_calls",
    "invalid_in",
    "is_tool_turn",
    "named_choice",
    "parse_arguments",
    "requires_call",
    "valid_first",
]

MAX_ARGUMENT_CHARS = 1_000_000
"""Longest arguments text parsed; longer is an invalid call (no model writes that much
for one call within a sane ``max_tokens``; an upstream could)."""


def declared_tools(context: RewardContext) -> dict[str, Any]:
    """The declared function tools' ``parameters`` schemas by name (None: no schema).

    >>> tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    >>> declared_tools(RewardContext(prompt="", tools=(tool,)))
    {'f': {'type': 'object'}}
    """
    tools: dict[str, Any] = {}
    for tool in context.tools:
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            tools.setdefault(function["name"], function.get("parameters"))
    return tools


def named_choice(context: RewardContext) -> str | None:
    """The function ``tool_choice`` names (``{"type": "function", "function": {"name"}}``)."""
    choice = context.tool_choice
    if isinstance(choice, Mapping):
        function = choice.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return str(function["name"])
    return None


def is_tool_turn(context: RewardContext) -> bool:
    """Whether calls are to be judged: tools declared and ``tool_choice`` not ``none``."""
    return bool(context.tools) and context.tool_choice != "none"


def requires_call(context: RewardContext) -> bool:
    """Whether a candidate must call a tool (``required`` or a named function)."""
    return context.tool_choice == "required" or named_choice(context) is not None


def parse_arguments(raw: str) -> tuple[Any, str | None]:
    """The call's arguments parsed, or None and why they are not a usable JSON object.

    >>> parse_arguments('{"city": "Paris"}')
    ({'city': 'Paris'}, None)
    >>> parse_arguments('{"city": ')
    (None, 'arguments are not valid JSON')
    """
    if len(raw) > MAX_ARGUMENT_CHARS:
        return None, f"arguments longer than {MAX_ARGUMENT_CHARS:,} characters"
    try:
        value = json.loads(raw)
    except RecursionError:
        return None, f"arguments nested deeper than {MAX_JSON_DEPTH} levels"
    except ValueError:
        return None, "arguments are not valid JSON"
    if not isinstance(value, dict):
        return None, f"arguments are a JSON {_json_type(value)}, not an object"
    if json_depth(value) > MAX_JSON_DEPTH:
        return None, f"arguments nested deeper than {MAX_JSON_DEPTH} levels"
    try:  # ``"\\ud800"`` parses to a lone surrogate, which no UTF-8 reader (RE2) can take
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return None, "arguments hold a lone UTF-16 surrogate (invalid Unicode)"
    return value, None


def canonical_arguments(raw: str) -> str | None:
    """The arguments as canonical JSON (keys sorted, no spacing), or None if unusable.

    >>> canonical_arguments('{"b": 1, "a": [2, {"d": 3, "c": 4}]}')
    '{"a":[2,{"c":4,"d":3}],"b":1}'
    """
    value, problem = parse_arguments(raw)
    if problem is not None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def call_key(calls: Sequence[ToolCall]) -> tuple[tuple[str, str], ...] | None:
    """What a candidate's calls vote for: sorted (name, canonical arguments) pairs.

    ``()`` is a plain answer (no call); None when some call's arguments are unusable
    (such a candidate does not vote).
    """
    pairs = []
    for call in calls:
        canonical = canonical_arguments(call.arguments)
        if canonical is None:
            return None
        pairs.append((call.name, canonical))
    return tuple(sorted(pairs))


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return {list: "array", str: "string", int: "number", float: "number"}.get(type(value), "value")


def invalid_calls(
    context: RewardContext,
    candidates: Sequence[Candidate],
    scores: Sequence[float | None] | None,
) -> list[bool]:
    """Per candidate, whether its calls are invalid, from ``tool_valid``'s scores.

    Below 1.0 is invalid; None (a plain answer) is not. When the scores are missing
    (``tool_valid`` failed or ran out of time) it fails closed: a call that could not
    be checked is not known to be valid, so every candidate that made one, or every
    candidate when a call is required, counts as invalid.
    """
    if not is_tool_turn(context):
        return [False] * len(candidates)
    if scores is None or len(scores) != len(candidates):
        required = requires_call(context)
        return [required or bool(c.tool_calls) for c in candidates]
    return [value is not None and value < 1.0 for value in scores]


def invalid_in(record: Any) -> list[bool]:
    """Per candidate, whether its calls are invalid, from a group record's
    ``tool_checks`` fact (the one ``tool_valid`` scores from); fails closed as
    :func:`invalid_calls` does when the fact failed or ran out of time."""
    from rewards.builtin.tools import tool_scores  # the checker lives with the rewards

    return invalid_calls(record.context, record.candidates, tool_scores(record))


def valid_first(
    order: Sequence[int], size: int, invalid: Sequence[bool]
) -> tuple[list[int], list[int | None]]:
    """The ranking with every invalid candidate moved after every valid one.

    The hard constraint of a tool turn: weights and scores order the candidates
    within each part, never across. Returns the new order and each candidate's rank
    (None for those not in ``order``: vetoed).

    >>> valid_first([2, 0, 1], 3, [False, False, True])
    ([0, 1, 2], [0, 1, 2])
    """
    moved = [i for i in order if not invalid[i]] + [i for i in order if invalid[i]]
    ranks: list[int | None] = [None] * size
    for rank, i in enumerate(moved):
        ranks[i] = rank
    return moved, ranks
