"""``json_valid``: the candidate is JSON, and matches the schema when there is one.

Scores (range 0..1): 1.0 valid (and schema-valid when a schema is given); 0.5
valid JSON that fails the schema, or that is not an object when
``response_format`` is ``json_object`` (OpenAI's mode promises an object); 0.0 no
parseable JSON. With a ``response_format`` the client will parse the whole
message, so JSON found only inside surrounding prose (a fence or a ``{...}`` span)
loses ``embedded_penalty``; JSON asked for in words may come in a code fence.

Applies when the task is ``json``, the request has a ``response_format`` of type
``json_object``/``json_schema``, or the prompt mentions JSON; ``None`` otherwise.

The schema, in this order: ``context.references["json_schema"]``; the schema of
OpenAI's ``response_format`` (``{"type": "json_schema", "json_schema": {"name": ...,
"schema": {...}, "strict": true}}``); a JSON Schema the prompt itself shows in a
code fence (an object with ``properties``, ``$schema`` or ``type: object``); for a
``json`` task, such a schema in the system prompt, fenced or not (instructor's JSON
and MD_JSON modes put the response model's schema there, unfenced).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import referencing.exceptions
from jsonschema import exceptions

from rewards import linear_re
from rewards.builtin._record import record_for
from rewards.json_limits import MAX_JSON_DEPTH, SchemaRefused, json_depth, linear_validator
from rewards.types import Candidate, RewardContext, Score

# RE2 (linear time): under ``re`` an unclosed fence after each of many openers is quadratic.
_FENCE = linear_re.compile(r"```(?:json)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)
_JSON_FORMATS = ("json_object", "json_schema")
_JSON_WORD = linear_re.compile(r"\bjson\b", re.IGNORECASE)
# Each failed attempt re-scans the rest of the text; code full of braces would be quadratic.
_MAX_SPAN_ATTEMPTS = 20


class JsonTooDeep(ValueError):
    """The JSON found is nested deeper than ``MAX_JSON_DEPTH`` (or than the parser can go)."""


def find_json(text: str) -> tuple[Any, str] | None:
    """The JSON document in ``text`` and where it was found, or None.

    Tries the whole text, then the first fenced block, then the first ``{``/``[``.

    Raises:
        JsonTooDeep: the document found is nested deeper than ``MAX_JSON_DEPTH``
            (``json.loads`` itself raises ``RecursionError`` near 1000 levels).

    Args:
        text: the completion.

    >>> find_json('Sure: {"a": 1} done')
    ({'a': 1}, 'first {...} span')
    """
    found = _find_json(text)
    if found is not None and json_depth(found[0]) > MAX_JSON_DEPTH:
        raise JsonTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels ({found[1]})")
    return found


def _find_json(text: str) -> tuple[Any, str] | None:
    try:
        return json.loads(text), "whole text"
    except RecursionError as exc:
        raise JsonTooDeep("JSON nested too deeply to parse (whole text)") from exc
    except ValueError:
        pass
    for block in _FENCE.findall(text):
        try:
            return json.loads(block), "fenced block"
        except RecursionError as exc:
            raise JsonTooDeep("JSON nested too deeply to parse (fenced block)") from exc
        except ValueError:
            continue
    decoder = json.JSONDecoder()
    for opener, label in (("{", "first {...} span"), ("[", "first [...] span")):
        start = text.find(opener)
        for _ in range(_MAX_SPAN_ATTEMPTS):
            if start == -1:
                break
            try:
                return decoder.raw_decode(text, start)[0], label
            except RecursionError as exc:
                raise JsonTooDeep(f"JSON nested too deeply to parse ({label})") from exc
            except ValueError:
                start = text.find(opener, start + 1)
    return None


@dataclass(frozen=True)
class ParsedJson:
    """One candidate's JSON, as the ``json`` fact holds it.

    Attributes:
        found: a JSON document was found (``value`` holds it; it may be JSON ``null``).
        value: the document (bounded: at most ``MAX_JSON_DEPTH`` deep).
        where: where it was found (``whole text``, ``fenced block``, ``first {...} span``).
        error: why there is no document when one was there but refused (too deep).
        schema_check: ``none`` (no schema, or nothing to check), ``valid``, ``invalid``,
            ``recursion`` or ``unresolvable`` (the schema could not be applied).
        schema_error: for ``invalid``, the failure's path and rule (never a value).
    """

    found: bool = False
    value: Any = None
    where: str = ""
    error: str | None = None
    schema_check: str = "none"
    schema_error: str | None = None


@dataclass(frozen=True)
class JsonFact:
    """The group record's ``json`` fact: each candidate's JSON and its schema check.

    Attributes:
        items: per candidate, its :class:`ParsedJson`.
        schema: whether the request has a schema (:func:`schema_for`) that was applied.
        schema_note: what :func:`~rewards.json_limits.linear_validator` said of it.
        schema_refused: why the schema was refused (its reason's words), or None.
    """

    items: tuple[ParsedJson, ...]
    schema: bool = False
    schema_note: str = ""
    schema_refused: str | None = None


def json_fact(record: Any) -> JsonFact:
    """The ``json`` fact of a group record: every candidate's JSON, parsed once
    (:func:`find_json`, bounded) and checked once against the request's schema (the
    validator built once, by :func:`~rewards.json_limits.linear_validator`)."""
    refused = None
    try:
        validator, note = linear_validator(schema_for(record.context))
    except SchemaRefused as exc:  # e.g. a pattern RE2 cannot run: never fall back to re
        # The reason's words, not the schema's: what follows its colon quotes the schema.
        validator, note, refused = None, "", str(exc).split(":", 1)[0]
    items = tuple(_parsed(c.text, validator) for c in record.candidates)
    return JsonFact(items, validator is not None, note, refused)


def _parsed(text: str, validator: Any) -> ParsedJson:
    try:
        found = find_json(text)
    except JsonTooDeep as exc:
        return ParsedJson(error=str(exc))
    if found is None:
        return ParsedJson()
    document, where = found
    if validator is None:
        return ParsedJson(True, document, where)
    try:
        error = exceptions.best_match(validator.iter_errors(document))
    except RecursionError:  # a schema that refers to itself without consuming the document
        return ParsedJson(True, document, where, schema_check="recursion")
    except referencing.exceptions.Unresolvable:  # schema_problem refuses these first
        return ParsedJson(True, document, where, schema_check="unresolvable")
    if error is None:
        return ParsedJson(True, document, where, schema_check="valid")
    return ParsedJson(True, document, where, schema_check="invalid", schema_error=_describe(error))


def json_asked(context: RewardContext) -> bool:
    """Whether the request asks for JSON: the ``json`` task, a JSON ``response_format``,
    or the word JSON in the instructions."""
    strict = (context.response_format or {}).get("type") in _JSON_FORMATS
    instructions = f"{context.system_prompt or ''}\n{context.user_text}"
    return context.task == "json" or strict or _JSON_WORD.search(instructions) is not None


def json_scores(
    fact: JsonFact,
    context: RewardContext,
    candidates: Sequence[Candidate] = (),
    embedded_penalty: float = 0.2,
) -> list[Score]:
    """``json_valid``'s scores, from a round's ``json`` fact (see the module docstring).

    What ``efficiency`` reads too (a score of 1.0 is fully valid JSON).
    """
    n = len(fact.items)
    if not json_asked(context):
        return [Score(None, "no JSON asked for")] * n
    if fact.schema_refused is not None:
        return [Score(None, f"schema refused: {fact.schema_refused}")] * n
    format_type = (context.response_format or {}).get("type")
    strict = format_type in _JSON_FORMATS
    want_object = format_type == "json_object"
    finish = [c.finish_reason for c in candidates] if len(candidates) == n else [None] * n
    return [
        _score_one(item, fact, strict, want_object, reason, embedded_penalty)
        for item, reason in zip(fact.items, finish, strict=True)
    ]


def _score_one(
    item: ParsedJson,
    fact: JsonFact,
    strict: bool,
    want_object: bool,
    finish_reason: str | None,
    embedded_penalty: float,
) -> Score:
    if item.error is not None:
        return Score(0.0, item.error)
    if not item.found:
        cut = " (cut off at max_tokens)" if finish_reason == "length" else ""
        return Score(0.0, f"no parseable JSON{cut}")
    where = item.where
    penalty = embedded_penalty if strict and where != "whole text" else 0.0
    where_note = where if not penalty else f"{where}, not the whole message"
    if want_object and not isinstance(item.value, dict):
        kind = type(item.value).__name__
        return Score(0.5 - penalty, f"valid JSON but a {kind}, not an object (json_object mode)")
    if not fact.schema:
        return Score(1.0 - penalty, f"valid JSON ({where_note}){fact.schema_note}")
    if item.schema_check == "recursion":
        return Score(None, f"valid JSON ({where_note}); schema could not be checked: recursion")
    if item.schema_check == "unresolvable":
        return Score(None, f"valid JSON ({where_note}); schema $ref outside the schema refused")
    if item.schema_check == "valid":
        return Score(1.0 - penalty, f"valid JSON matching the schema ({where_note})")
    return Score(0.5 - penalty, f"valid JSON failing the schema: {item.schema_error}")


class JsonValid:
    """Scores JSON validity and JSON Schema conformance.

    Reads the group record's ``json`` fact (keyword ``group``); called without one
    (offline use) it builds its own record.

    Args:
        embedded_penalty: deducted when a ``response_format`` asks for JSON but the
            JSON is wrapped in other text.

    Example:
        >>> reward = JsonValid()
        >>> ctx = RewardContext(prompt="Reply in JSON", task="json")
        >>> texts = ['{"a": 1}', "{a: 1}"]
        >>> [s.value for s in reward(completions=texts, context=ctx, candidates=[])]
        [1.0, 0.0]
    """

    name = "json_valid"
    reads: ClassVar[tuple[str, ...]] = ("json",)

    def __init__(self, embedded_penalty: float = 0.2) -> None:
        if not 0.0 <= embedded_penalty <= 0.5:
            raise ValueError(f"embedded_penalty must be in [0, 0.5], got {embedded_penalty}")
        self.embedded_penalty = embedded_penalty

    @staticmethod
    def reads_for(context: RewardContext) -> tuple[str, ...]:
        """The ``json`` fact, when the request asks for JSON (else nothing is parsed)."""
        return ("json",) if json_asked(context) else ()

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
            completions: the candidates' texts.
            context: the request context: task, response_format, references, prompt.
            candidates: the candidates, for their finish reasons (may be empty).
            **kwargs: ``group`` (the round's record, whose ``json`` fact is read); the
                rest is ignored, for forward compatibility.
        """
        if not json_asked(context):  # nothing to parse: the fact is not needed
            return [Score(None, "no JSON asked for")] * len(completions)
        group = record_for(kwargs, context, completions, candidates)
        return json_scores(group.fact("json"), context, group.candidates, self.embedded_penalty)


def schema_for(context: RewardContext) -> Any:
    """The JSON Schema the answer must match, or None (see the module's docstring).

    >>> fmt = {"type": "json_schema", "json_schema": {"name": "n", "schema": {"type": "integer"}}}
    >>> schema_for(RewardContext(prompt="A number", response_format=fmt))
    {'type': 'integer'}
    """
    if "json_schema" in context.references:
        return context.references["json_schema"]
    response_format = context.response_format or {}
    if response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema")
        if isinstance(spec, dict) and "schema" in spec:
            return spec["schema"]
    for block in _FENCE.findall(context.user_text):
        try:
            candidate = json.loads(block)
        except (ValueError, RecursionError):
            continue
        if _schema_like(candidate):
            return candidate
    if context.task == "json" and context.system_prompt:
        return _schema_in(context.system_prompt)
    return None


def _schema_like(value: Any) -> bool:
    return isinstance(value, dict) and (
        "$schema" in value
        or isinstance(value.get("properties"), dict)
        or value.get("type") == "object"
    )


def _schema_in(text: str) -> Any:
    """The first schema-like ``{...}`` in ``text``, or None (at most ``_MAX_SPAN_ATTEMPTS``
    parses, each linear: a system prompt full of braces stays linear)."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    for _ in range(_MAX_SPAN_ATTEMPTS):
        if start == -1:
            return None
        try:
            value, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            start = text.find("{", start + 1)
            continue
        if _schema_like(value):
            return value
        start = text.find("{", end)
    return None


def _describe(error: exceptions.ValidationError) -> str:
    """Path and rule of the error, without the offending value.

    jsonschema's own message quotes the instance, which may hold personal data
    that a gate would veto; the trace must not carry it.
    """
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    required = error.validator_value
    if error.validator == "required" and isinstance(required, list):
        missing = [
            k for k in required if not isinstance(error.instance, dict) or k not in error.instance
        ]
        return f"at {path}: missing required {', '.join(map(repr, missing))}"
    if error.validator == "additionalProperties":
        return f"at {path}: additional properties not allowed"
    value = error.validator_value
    if error.validator in _SHOWN_RULES and _plain(error.validator, value):
        return f"at {path}: fails '{error.validator}': {json.dumps(value)}"
    # const, enum, pattern, ...: the schema's own values, which may come from a system
    # prompt (and may be secret), are not quoted: the rule names what failed.
    return f"at {path}: fails '{error.validator}'"


_SHOWN_RULES = frozenset(
    {
        "type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
        "uniqueItems",
    }
)  # fmt: skip
"""Rules whose value is a JSON type or a number: quoted in the evidence."""
_JSON_TYPES = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})


def _plain(rule: str, value: Any) -> bool:
    if rule == "type":
        names = value if isinstance(value, list) else [value]
        return all(isinstance(n, str) and n in _JSON_TYPES for n in names)
    if rule == "uniqueItems":
        return isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool)
