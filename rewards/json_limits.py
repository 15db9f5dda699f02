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

``$ref`` never leaves the schema. jsonschema's default registry fetches a ref it
does not hold (``http://`` is a server-side request, ``file://`` reads the host and
its ``const`` came back in the evidence, a port that never answers held a scoring
thread). :func:`schema_problem` resolves every ``$ref``/``$dynamicRef`` against the
schema alone (``#/...``, ``$defs``, ``$anchor``, a subschema's ``$id``) and refuses
one that points elsewhere; the validator :func:`linear_validator` builds holds a
:class:`referencing.Registry` that cannot retrieve, in case one slips past. Local
refs are bounded too: the schema's size with every ref expanded in place (each
target counted once per use, a cycle counted once) is at most
``MAX_SCHEMA_EXPANSION``, so refs that fan out (``a0: allOf [a1, a1]``, ``a1: allOf
[a2, a2]``, ...) are refused before they cost 2**n evaluations per document node.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import referencing
import referencing.exceptions
import referencing.jsonschema
from jsonschema import _keywords as keywords
from jsonschema import exceptions, validators

from rewards import linear_re

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_SCHEMA_DEPTH",
    "MAX_SCHEMA_EXPANSION",
    "MAX_SCHEMA_NODES",
    "SchemaRefused",
    "json_depth",
    "linear_validator",
    "meta_schema_problem",
    "schema_problem",
]

MAX_JSON_DEPTH = 64
"""Deepest candidate document scored against a schema (arrays and objects nested)."""
MAX_SCHEMA_DEPTH = 64
"""Deepest schema accepted (dicts and lists nested)."""
MAX_SCHEMA_NODES = 10_000
"""Most values (dicts, lists, scalars) a schema may hold."""
MAX_SCHEMA_EXPANSION = 100_000
"""Most subschemas a schema may hold with its local ``$ref``s expanded in place."""
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
    if isinstance(schema, dict):
        return _ref_problem(schema)
    return None


# Where a schema without an ``$id`` lives: a relative ref against it resolves nowhere.
_BASE_URI = "urn:bon-server:schema"
# Keywords whose string value is resolved as a reference at validation time.
_REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
# The registry every validator gets: its default ``retrieve`` raises, so a ref it does
# not already hold (this schema, jsonschema's bundled meta-schemas) is never fetched.
_NO_RETRIEVAL: referencing.Registry[Any] = referencing.Registry()


class _RefRefused(Exception):
    """A ref outside the schema, a dangling one, or an expansion over the bound."""


def _ref_problem(schema: dict[str, Any]) -> str | None:
    """Why the schema's refs are refused (outside the schema, dangling, fan out), or None.

    >>> _ref_problem({"$ref": "file:///etc/passwd"})
    "schema $ref outside the schema refused: 'file:///etc/passwd'"
    >>> _ref_problem({"$defs": {"a": {"type": "string"}}, "$ref": "#/$defs/a"}) is None
    True
    """
    if meta_schema_problem(schema):
        # ``referencing`` walks a schema as its draft shapes it (``items`` a schema, ``$id``
        # a string) and crashed on others. An invalid schema is never built into a
        # validator (``linear_validator`` ignores it, requests refuse it): no ref is followed.
        return None
    specification = referencing.jsonschema.specification_with(
        schema.get("$schema", ""), default=referencing.jsonschema.DRAFT202012
    )
    root = specification.create_resource(schema)
    base = root.id() or _BASE_URI
    # Only this schema (and the subschemas with an ``$id`` that crawl finds) is held.
    registry = referencing.Registry().with_resource(base, root).crawl()
    try:
        _expanded_size(root, registry.resolver(base), specification)
    except _RefRefused as exc:
        return str(exc)
    except RecursionError:
        return "schema $refs chain too deeply to check"
    return None


def _refuse_retrieval(uri: str) -> Any:
    raise ValueError(f"not retrieved: {uri}")


@functools.lru_cache(maxsize=16)
def _native_meta_validator(cls: Any) -> Any:
    # Built from jsonschema's own copy of the meta-schema; the drafts' vocabularies are
    # bundled in jsonschema_rs, and anything else would be refused, never fetched.
    return jsonschema_rs.validator_for(cls.META_SCHEMA, retriever=_refuse_retrieval)


def meta_schema_problem(schema: Any, *, quote: bool = True) -> str | None:
    """Why ``schema`` is not a valid JSON Schema of its draft, or None.

    The draft is chosen as jsonschema chooses it (``$schema``, else 2020-12; an unknown
    ``$schema`` is never fetched). The check runs natively (jsonschema_rs), linear in the
    schema: jsonschema's own ``check_schema`` took about 1 ms per property in pure Python
    (128 tools of 70 properties: 10 s on the event loop, for every tenant).

    >>> meta_schema_problem({"type": "object", "properties": {"a": {"type": "string"}}})
    >>> print(meta_schema_problem({"type": "object", "items": [{}]}))
    [{}] is not of types "boolean", "object" (at /items)
    >>> print(meta_schema_problem({"type": "object", "items": [{}]}, quote=False))
    fails the meta-schema's 'type'

    ``quote=False`` names only the rule that failed: a reward's evidence must not quote
    the schema's values (the message does).
    """
    if not isinstance(schema, (dict, bool)):
        return "not an object"
    if isinstance(schema, dict) and not isinstance(schema.get("$schema", ""), str):
        return "$schema is not a string"  # jsonschema's validator_for raised on it
    with warnings.catch_warnings():  # jsonschema warns of an unknown $schema, then defaults
        warnings.simplefilter("ignore", DeprecationWarning)
        cls = validators.validator_for(schema)
    try:
        error = next(iter(_native_meta_validator(cls).iter_errors(schema)), None)
    except (ValueError, RecursionError) as exc:  # jsonschema_rs' own errors are ValueErrors
        return f"cannot be checked: {type(exc).__name__}"
    if error is None:
        return None
    if not quote:
        rule = error.schema_path[-1] if error.schema_path else "?"
        return f"fails the meta-schema's '{rule}'"
    where = "/".join(str(part) for part in error.instance_path)
    # For the client's 400 (its own schema).
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return f"{message} (at /{where})"


def _expanded_size(root: referencing.Resource[Any], resolver: Any, specification: Any) -> int:
    """Subschemas of ``root`` with refs expanded in place, memoised per subschema.

    A subschema is keyed by its object identity: in a parsed document each dict has one
    place, hence one base URI. A ref back to a subschema being expanded (a recursive
    schema) counts once: each turn round such a cycle either consumes a level of the
    document (bounded by ``MAX_JSON_DEPTH``) or recurses in place, which jsonschema
    stops with ``RecursionError`` (json_valid gives no signal).
    """
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(resource: referencing.Resource[Any], resolver: Any) -> int:
        contents = resource.contents
        if not isinstance(contents, dict):
            return 1
        key = id(contents)
        if key in memo:
            return memo[key]
        if key in active:
            return 1
        active.add(key)
        total = 1
        for sub in resource.subresources():
            total += size(sub, resolver.in_subresource(sub))
            _check(total)
        for keyword in _REF_KEYWORDS:
            ref = contents.get(keyword)
            if isinstance(ref, str):
                resolved = _lookup(resolver, ref)
                target = referencing.Resource.from_contents(
                    resolved.contents, default_specification=specification
                )
                total += size(target, resolved.resolver)
                _check(total)
        active.discard(key)
        memo[key] = total
        return total

    return size(root, resolver.in_subresource(root))


def _check(total: int) -> None:
    if total > MAX_SCHEMA_EXPANSION:
        raise _RefRefused(
            f"schema with its $refs expanded expands to more than "
            f"{MAX_SCHEMA_EXPANSION:,} subschemas"
        )


def _lookup(resolver: Any, ref: str) -> Any:
    shown = ref if len(ref) <= 60 else ref[:57] + "..."
    try:
        return resolver.lookup(ref)
    except (referencing.exceptions.PointerToNowhere, referencing.exceptions.NoSuchAnchor):
        raise _RefRefused(f"schema $ref {shown!r} does not resolve inside the schema") from None
    except referencing.exceptions.Unresolvable:
        # Not held by the registry: a remote or file URI, or relative to a foreign $id.
        raise _RefRefused(f"schema $ref outside the schema refused: {shown!r}") from None


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

    The one place a validator is built: its refs resolve only inside the schema.

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
    # Natively, as requests check theirs: jsonschema's Python check_schema took seconds
    # for a request's tools, and a budget worker that ran out failed tool_valid closed.
    if problem := meta_schema_problem(schema, quote=False):
        return None, f"; schema ignored: invalid ({problem})"
    with warnings.catch_warnings():  # an unknown $schema: jsonschema warns, then defaults
        warnings.simplefilter("ignore", DeprecationWarning)
        cls = validators.validator_for(schema)
    return _linear_class(cls)(schema, registry=_NO_RETRIEVAL), ""
