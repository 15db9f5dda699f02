"""``json_valid``: the candidate is JSON, and matches the schema when there is one.

Scores: 1.0 valid (and schema-valid when a schema is given); 0.5 valid JSON that
fails the schema; 0.0 no parseable JSON. With a ``response_format`` the client
will parse the whole message, so JSON found only inside surrounding prose (a
fence or a ``{...}`` span) loses ``embedded_penalty``.

Not applicable (``None``) unless the task is ``json`` or the request has a
``response_format`` of type ``json_object``/``json_schema``. The schema comes
from ``context.references["json_schema"]``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import exceptions, validators

from rewards.types import Candidate, RewardContext, Score

_FENCE = re.compile(r"```(?:json)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)
_JSON_FORMATS = ("json_object", "json_schema")
# Each failed attempt re-scans the rest of the text; code full of braces would be quadratic.
_MAX_SPAN_ATTEMPTS = 20


def find_json(text: str) -> tuple[Any, str] | None:
    """The JSON document in ``text`` and where it was found, or None.

    Tries the whole text, then the first fenced block, then the first ``{``/``[``.

    Args:
        text: the completion.

    >>> find_json('Sure: {"a": 1} done')
    ({'a': 1}, 'first {...} span')
    """
    try:
        return json.loads(text), "whole text"
    except ValueError:
        pass
    for block in _FENCE.findall(text):
        try:
            return json.loads(block), "fenced block"
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
            except ValueError:
                start = text.find(opener, start + 1)
    return None


class JsonValid:
    """Scores JSON validity and JSON Schema conformance.

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

    def __init__(self, embedded_penalty: float = 0.2) -> None:
        if not 0.0 <= embedded_penalty <= 0.5:
            raise ValueError(f"embedded_penalty must be in [0, 0.5], got {embedded_penalty}")
        self.embedded_penalty = embedded_penalty

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
            context: the request context: task, response_format, references.
            candidates: the candidates (unused).
            **kwargs: ignored, for forward compatibility.
        """
        format_type = (context.response_format or {}).get("type")
        strict = format_type in _JSON_FORMATS
        if context.task != "json" and not strict:
            return [Score(None, "no JSON asked for")] * len(completions)
        validator, schema_note = _validator(context.references.get("json_schema"))
        return [self._score_one(t, validator, schema_note, strict) for t in completions]

    def _score_one(self, text: str, validator: Any, schema_note: str, strict: bool) -> Score:
        found = find_json(text)
        if found is None:
            return Score(0.0, "no parseable JSON")
        document, where = found
        penalty = self.embedded_penalty if strict and where != "whole text" else 0.0
        where_note = where if not penalty else f"{where}, not the whole message"
        if validator is None:
            return Score(1.0 - penalty, f"valid JSON ({where_note}){schema_note}")
        error = exceptions.best_match(validator.iter_errors(document))
        if error is None:
            return Score(1.0 - penalty, f"valid JSON matching the schema ({where_note})")
        return Score(0.5 - penalty, f"valid JSON failing the schema: {_describe(error)}")


def _validator(schema: Any) -> tuple[Any, str]:
    if schema is None:
        return None, ""
    if not isinstance(schema, dict):
        return None, "; schema ignored: not an object"
    cls = validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except exceptions.SchemaError as exc:
        return None, f"; schema ignored: invalid ({exc.message[:80]})"
    return cls(schema), ""


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
    return f"at {path}: fails '{error.validator}': {json.dumps(error.validator_value)[:80]}"
