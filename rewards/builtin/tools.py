"""``tool_valid`` and ``tool_agreement``: the rewards of a tool-calling turn.

``tool_valid`` scores whether a candidate's calls are valid (a declared tool,
arguments that parse as a JSON object and validate against the tool's schema; see
:mod:`rewards.tool_calls`). Its verdict is also a hard constraint of the ranking:
:func:`rewards.scoring.score_group` runs it on every tool turn, whatever the
selection, and ranks every candidate with an invalid call below every candidate
without one, so weights cannot make an invalid call win.

``tool_agreement`` is self-consistency over calls, as its_hub votes on them: the
share of the group that makes the same calls (name and canonical arguments, in any
order). Under ``tool_choice: auto``, answering without a call is a vote too ("no
call"), so a group that mostly answers in words favours the plain answers.

Both read the group record's ``tool_checks`` fact (:func:`tool_checks_fact`: one
:class:`CallCheck` a candidate, each call's arguments parsed and validated once), as
does the ranking's hard constraint (:func:`rewards.tool_calls.invalid_in`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

import referencing.exceptions
from jsonschema import exceptions

from rewards.builtin._record import record_for
from rewards.builtin.json_valid import _describe as describe_schema_error
from rewards.json_limits import SchemaRefused, linear_validator
from rewards.tool_calls import (
    declared_tools,
    is_tool_turn,
    named_choice,
    parse_arguments,
    requires_call,
)
from rewards.types import Candidate, RewardContext, Score, ToolCall

_MAX_EVIDENCE = 200
_SHOWN_NAME = 40  # characters of an undeclared tool's name quoted in the evidence


@dataclass(frozen=True)
class CallCheck:
    """The verdict on one candidate's calls.

    Attributes:
        valid: True every call is valid; False some call is invalid (or a call was
            required and none made); None a plain answer where one is allowed.
        score: 1.0 valid; graded below 1 for invalid (0.5 schema violated, 0.25
            arguments not a JSON object, 0.0 undeclared or wrong tool, or no call
            where one is required), the mean over the calls; None for a plain answer.
        evidence: what was checked and what failed, in words: tool names, the schema
            error's path and rule, never an argument's value.
        key: what the candidate's calls vote for in ``tool_agreement``: sorted (name,
            canonical arguments) pairs, ``()`` for a plain answer, None when some
            call's arguments are not a usable JSON object (no vote).
    """

    valid: bool | None
    score: float | None
    evidence: str
    key: tuple[tuple[str, str], ...] | None = ()


class ToolChecker:
    """Checks candidates' calls against one request's tools (validators built once).

    Args:
        context: the request context (``tools``, ``tool_choice``).

    Example:
        >>> tool = {"type": "function", "function": {"name": "get_weather", "parameters": {
        ...     "type": "object", "properties": {"city": {"type": "string"}},
        ...     "required": ["city"]}}}
        >>> checker = ToolChecker(RewardContext(prompt="", tools=(tool,), tool_choice="auto"))
        >>> call = ToolCall("get_weather", '{"city": 1}')
        >>> check = checker.check(Candidate(0, "", tool_calls=(call,)))
        >>> check.valid, check.score
        (False, 0.5)
        >>> print(check.evidence)
        get_weather: fails the schema at $.city: fails 'type': "string"
    """

    def __init__(self, context: RewardContext) -> None:
        self.context = context
        self.tools = declared_tools(context)
        self.named = named_choice(context)
        self.required = requires_call(context)
        self._validators: dict[str, tuple[Any, str]] = {}

    def check(self, candidate: Candidate) -> CallCheck:
        """The verdict on ``candidate``'s calls (see :class:`CallCheck`)."""
        calls = candidate.tool_calls
        if not calls:
            if self.named is not None:
                return CallCheck(False, 0.0, f"no tool call: tool_choice names {self.named}")
            if self.required:
                return CallCheck(False, 0.0, "no tool call: tool_choice is required")
            return CallCheck(None, None, "plain answer: no tool call (tool_choice auto)")
        parsed = [parse_arguments(call.arguments) for call in calls]  # once a call
        pairs = list(zip(calls, parsed, strict=True))
        grades = [self._check_call(c, value, problem) for c, (value, problem) in pairs]
        score = sum(g for g, _ in grades) / len(grades)
        valid = all(g == 1.0 for g, _ in grades)
        key = None
        if all(problem is None for _, problem in parsed):
            key = tuple(sorted((c.name, _canonical(v)) for c, (v, _) in pairs))
        return CallCheck(valid, score, "; ".join(note for _, note in grades), key)

    def _check_call(self, call: ToolCall, value: Any, problem: str | None) -> tuple[float, str]:
        name = call.name
        if name not in self.tools:
            shown = name if len(name) <= _SHOWN_NAME else name[: _SHOWN_NAME - 3] + "..."
            return 0.0, f"{shown!r} is not a declared tool"
        if self.named is not None and name != self.named:
            return 0.0, f"{name}: tool_choice names {self.named}"
        if problem is not None:
            return 0.25, f"{name}: {problem}"
        validator, note = self._validator(name)
        if validator is None:
            return 1.0, f"{name}: arguments are a JSON object{note}"
        try:
            error = exceptions.best_match(validator.iter_errors(value))
        except RecursionError:
            return 1.0, f"{name}: arguments are a JSON object; schema could not be checked"
        except referencing.exceptions.Unresolvable:  # schema_problem refuses these first
            return 1.0, f"{name}: arguments are a JSON object; schema $ref refused"
        if error is None:
            return 1.0, f"{name}: arguments match the schema"
        return 0.5, f"{name}: fails the schema {describe_schema_error(error)}"

    def _validator(self, name: str) -> tuple[Any, str]:
        if name not in self._validators:
            schema = self.tools[name]
            if schema is None:  # OpenAI: no parameters = a function without arguments
                self._validators[name] = (None, " (no parameters schema)")
            else:
                try:
                    self._validators[name] = linear_validator(schema)
                except SchemaRefused as exc:
                    # The reason's words, not the schema's (after the colon it quotes it).
                    reason = str(exc).split(":", 1)[0]
                    self._validators[name] = (None, f"; schema refused: {reason}")
        return self._validators[name]


def _canonical(value: Any) -> str:
    """As :func:`rewards.tool_calls.canonical_arguments` dumps parsed arguments."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _not_a_tool_turn(context: RewardContext, n: int) -> list[Score] | None:
    if not context.tools:
        return [Score(None, "no tools declared")] * n
    if not is_tool_turn(context):
        return [Score(None, "tool_choice none: no call expected")] * n
    return None


def tool_checks_fact(record: Any) -> tuple[CallCheck, ...]:
    """The ``tool_checks`` fact of a group record: one :class:`CallCheck` a candidate
    (validators built once a tool). Outside a tool turn every check is a plain answer
    (``valid`` None) whose evidence says why no call is judged."""
    context: RewardContext = record.context
    skipped = _not_a_tool_turn(context, len(record.candidates))
    if skipped is not None:
        return tuple(CallCheck(None, None, s.evidence) for s in skipped)
    checker = ToolChecker(context)
    return tuple(checker.check(c) for c in record.candidates)


def tool_scores(record: Any) -> list[float | None] | None:
    """``tool_valid``'s score values from a record's ``tool_checks`` fact (what the
    ranking's valid-first constraint reads), or None when the fact failed."""
    from rewards.group import FactError

    try:
        checks: tuple[CallCheck, ...] = record.fact("tool_checks")
    except FactError:
        return None
    return [check.score for check in checks]


class ToolValid:
    """1.0 when every call is valid, graded below for invalid calls, None for a plain answer.

    Example:
        >>> from rewards.types import ToolCall
        >>> tool = {"type": "function", "function": {"name": "f", "parameters": {
        ...     "type": "object", "properties": {"x": {"type": "integer"}}}}}
        >>> ctx = RewardContext(prompt="", tools=(tool,), tool_choice="auto")
        >>> group = [Candidate(0, "", tool_calls=(ToolCall("f", '{"x": 1}'),)),
        ...          Candidate(1, "", tool_calls=(ToolCall("g", '{}'),)), Candidate(2, "Hi")]
        >>> [s.value for s in ToolValid()(completions=[], context=ctx, candidates=group)]
        [1.0, 0.0, None]
    """

    name = "tool_valid"
    reads: ClassVar[tuple[str, ...]] = ("tool_checks",)

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext,
        candidates: list[Candidate],
        **kwargs: Any,
    ) -> list[Score]:
        """Scores a group.

        Args:
            completions: the candidates' texts (unused: the parsed calls are judged).
            context: the request context (``tools``, ``tool_choice``).
            candidates: the candidates, with their parsed ``tool_calls``.
            **kwargs: ``group`` (the round's record, whose ``tool_checks`` fact is read);
                the rest is ignored, for forward compatibility.
        """
        skipped = _not_a_tool_turn(context, len(candidates))
        if skipped is not None:
            return skipped
        group = record_for(kwargs, context, _texts(completions, candidates), candidates)
        return [Score(check.score, check.evidence) for check in group.fact("tool_checks")]


class ToolAgreement:
    """Share of the group making the same calls (name and canonical arguments).

    Candidates vetoed by a gate (keyword ``vetoed``) do not vote. A candidate whose
    arguments do not parse does not vote and scores None; with fewer than two voters
    there is nothing to agree with (None). Evidence names the tools and argument
    keys agreed on, never the values.

    Example:
        >>> from rewards.types import ToolCall
        >>> tool = {"type": "function", "function": {"name": "f"}}
        >>> ctx = RewardContext(prompt="", tools=(tool,), tool_choice="auto")
        >>> calls = ['{"x": 1, "y": 2}', '{"y": 2, "x": 1}', '{"x": 3}']
        >>> group = [Candidate(i, "", tool_calls=(ToolCall("f", a),)) for i, a in enumerate(calls)]
        >>> [round(s.value, 2) for s in ToolAgreement()(completions=[], context=ctx,
        ...                                              candidates=group)]
        [0.67, 0.67, 0.33]
    """

    name = "tool_agreement"
    reads: ClassVar[tuple[str, ...]] = ("tool_checks",)

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext,
        candidates: list[Candidate],
        vetoed: list[bool] | None = None,
        **kwargs: Any,
    ) -> list[Score]:
        """Scores a group.

        Args:
            completions: the candidates' texts (unused).
            context: the request context (``tools``, ``tool_choice``).
            candidates: the candidates, with their parsed ``tool_calls``.
            vetoed: per candidate, whether a gate vetoed it (it does not vote).
            **kwargs: ``group`` (the round's record, whose ``tool_checks`` fact is read);
                the rest is ignored, for forward compatibility.
        """
        n = len(candidates)
        skipped = _not_a_tool_turn(context, n)
        if skipped is not None:
            return skipped
        cut = vetoed if vetoed is not None and len(vetoed) == n else [False] * n
        group = record_for(kwargs, context, _texts(completions, candidates), candidates)
        keys = [check.key for check in group.fact("tool_checks")]
        votes = Counter(k for k, out in zip(keys, cut, strict=True) if k is not None and not out)
        voters = sum(votes.values())
        scores = []
        for key in keys:
            if key is None:
                scores.append(Score(None, "arguments not a JSON object: no vote"))
            elif voters < 2:
                scores.append(Score(None, f"{voters} voter(s) in the group: nothing to agree with"))
            else:
                agree = votes[key]
                scores.append(Score(agree / voters, f"{agree} of {voters} {_describe(key)}"))
        return scores


def _texts(completions: list[str], candidates: list[Candidate]) -> list[str]:
    """The texts a record of these candidates holds (tool rewards may get no completions)."""
    return completions if len(completions) == len(candidates) else [c.text for c in candidates]


def _describe(key: tuple[tuple[str, str], ...]) -> str:
    """The calls voted for, by tool name and argument keys (values may be personal)."""
    if not key:
        return "answer without a tool call"
    shown = []
    for name, canonical in key:
        fields = ", ".join(json.loads(canonical))
        shown.append(f"{name}({fields})")
    text = "make the same call(s): " + "; ".join(shown)
    return text if len(text) <= _MAX_EVIDENCE else text[: _MAX_EVIDENCE - 3] + "..."
