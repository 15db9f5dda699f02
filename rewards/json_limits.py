"""Bounded JSON work on client text: document depth, schema size, linear-time patterns.

A client's JSON Schema and a candidate's JSON are both untrusted. Three things
blow up without a bound: ``json.loads`` on ``[[[[...`` raises ``RecursionError``;
a schema's ``pattern`` runs under Python's backtracking ``re`` in jsonschema
(``^(a|a)*$`` on 23 characters took 6 s); and a huge or deeply nested schema costs
in proportion before any candidate is looked at. This module is the one place
those bounds live, for the ``json_valid`` reward and for the request check of
``response_format``.

Schema patterns (``pattern``, the keys of ``patternProperties``, and the
``additionalProperties`` check that consults them) run on RE2 through
:mod:`rewards.linear_re`. A pattern RE2 cannot compile (backreference, lookaround)
never falls back to ``re``: :func:`schema_problem` names it, and the schema is
refused (a 400 for ``response_format``; no schema signal for a schema found in the
prompt). ``unevaluatedProperties`` together with ``patternProperties`` is refused
the same way: jsonschema evaluates it with ``re`` internally.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from jsonschema import _keywords as keywords
from jsonschema import exceptions, validators

from rewards import linear_re

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_SCHEMA_DEPTH",
    "MAX_SCHEMA_NODES",
    "SchemaRefused",
    "json_depth",
    "linear_validator",
    "schema_problem",
]

MAX_JSON_DEPTH = 64
"""Deepest candidate document scored against a schema (arrays and objects nested)."""
MAX_SCHEMA_DEPTH = 64
"""Deepest schema accepted (dicts and lists nested)."""
MAX_SCHEMA_NODES = 10_000
"""Most values (dicts, lists, scalars) a schema may hold."""
MAX_PATTERN_CHARS = 1_000
"""Longest ``pattern`` accepted; RE2 compiles it to a program of that order."""

# Keywords whose values are data, not subschemas: a "pattern" key inside is not a keyword.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})


class SchemaRefused(ValueError):
    """The schema is over a bound or holds a pattern RE2 cannot run (the message says which)."""


def json_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """Nesting depth of a parsed JSON value, counted without recursion, up to ``limit + 1``.

    >>> json_depth({"a": [1, {"b": 2}]})
    3
    >>> json_depth(1)
    0
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth) for child in children)
    return deepest


def _walk(schema: Any) -> Iterator[tuple[str | None, Any, int]]:
    """(key it sits under, value, depth) for every value of the schema, iteratively."""
    stack: list[tuple[str | None, Any, int]] = [(None, schema, 0)]
    while stack:
        key, node, depth = stack.pop()
        yield key, node, depth
        if key in _DATA_KEYWORDS:
            continue
        if isinstance(node, dict):
            stack.extend((str(k), v, depth + 1) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((None, v, depth + 1) for v in node)


def schema_problem(schema: Any) -> str | None:
    """Why ``schema`` is refused (too big, too deep, a pattern RE2 cannot run), or None.

    >>> schema_problem({"type": "string", "pattern": "^(a|a)*$"}) is None
    True
    >>> schema_problem({"type": "string", "pattern": "(?=a)"})
    "pattern '(?=a)' is not supported by RE2 (backreference or lookaround)"
    """
    keys: set[str] = set()
    for nodes, (key, node, depth) in enumerate(_walk(schema), start=1):
        if nodes > MAX_SCHEMA_NODES:
            return f"schema has more than {MAX_SCHEMA_NODES} values"
        if depth > MAX_SCHEMA_DEPTH:
            return f"schema is nested deeper than {MAX_SCHEMA_DEPTH} levels"
        if isinstance(node, dict):
            keys.update(k for k in node if isinstance(k, str))
            patterns = node.get("patternProperties")
            if isinstance(patterns, dict):
                for pattern in patterns:
                    if problem := _pattern_problem(pattern):
                        return problem
        if key == "pattern" and isinstance(node, str) and (problem := _pattern_problem(node)):
            return problem
    if "unevaluatedProperties" in keys and "patternProperties" in keys:
        return "unevaluatedProperties with patternProperties is not supported"
    return None


def _pattern_problem(pattern: str) -> str | None:
    shown = pattern if len(pattern) <= 40 else pattern[:37] + "..."
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"pattern {shown!r} is longer than {MAX_PATTERN_CHARS} characters"
    try:
        _regex(pattern)
    except linear_re.UnsupportedPattern:
        return f"pattern {shown!r} is not supported by RE2 (backreference or lookaround)"
    return None


@functools.lru_cache(maxsize=256)
def _regex(pattern: str) -> linear_re.LinearPattern:
    return linear_re.compile(pattern)


# jsonschema's own keyword functions, with re.search replaced by RE2 (same messages).
# jsonschema is untyped at these seams.
_jsonschema_additional: Any = keywords.additionalProperties
_extend: Any = validators.extend


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not _regex(pattern).search(instance):
        yield exceptions.ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, pattern_properties: dict[str, Any], instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        regex = _regex(pattern)
        for key, value in instance.items():
            if regex.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: Any
) -> Iterator[Any]:
    patterns = schema.get("patternProperties")
    if not isinstance(patterns, dict) or not patterns:
        # Without patternProperties jsonschema's own check runs no regex.
        yield from _jsonschema_additional(validator, additional, instance, schema)
        return
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    regexes = [_regex(p) for p in patterns]
    extras = sorted(
        (k for k in instance if k not in properties and not any(r.search(k) for r in regexes)),
        key=str,
    )
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        verb = "does" if len(extras) == 1 else "do"
        joined = ", ".join(repr(each) for each in extras)
        listed = ", ".join(repr(each) for each in sorted(patterns))
        yield exceptions.ValidationError(f"{joined} {verb} not match any of the regexes: {listed}")


_LINEAR_KEYWORDS = {
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
}


@functools.lru_cache(maxsize=16)
def _linear_class(cls: Any) -> Any:
    return _extend(cls, _LINEAR_KEYWORDS)


def linear_validator(schema: Any) -> tuple[Any, str]:
    """A validator for ``schema`` whose patterns run on RE2, or None and why not.

    The note is empty for a usable schema, else ``"; schema ignored: ..."`` (not an
    object, or not a valid JSON Schema: the document is then checked as plain JSON).

    Raises:
        SchemaRefused: :func:`schema_problem` found a problem; checking the
            document without its schema would score what the schema forbids.

    >>> validator, note = linear_validator({"type": "string", "pattern": "^(a|a)*$"})
    >>> validator.is_valid("a" * 50_000 + "b"), note
    (False, '')
    """
    if schema is None:
        return None, ""
    if not isinstance(schema, dict):
        return None, "; schema ignored: not an object"
    if problem := schema_problem(schema):
        raise SchemaRefused(problem)
    cls = validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except exceptions.SchemaError as exc:
        return None, f"; schema ignored: invalid ({exc.message[:80]})"
    except RecursionError:
        return None, "; schema ignored: too deeply self-referential to check"
    return _linear_class(cls)(schema), ""
