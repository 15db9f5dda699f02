"""OpenAI request fields that are not served, and the values of them that change nothing.

Clients send every field of OpenAI's reference at its null or default value
(``tools: []``, ``tool_choice: "none"``, ``audio: null``),
so those are accepted, as vLLM does. A value that would change the answer and is
not served is refused: a silently ignored field is worse than an error. The
refusal is a pydantic error of type ``unsupported_parameter``, so a request with
several is refused in one 400 that lists them all (see :mod:`server.errors`).

Fields that never change the answer (``metadata``, ``user``, ``service_tier``,
``prediction``, ``reasoning_effort`` for a model without reasoning, the prompt-cache
hints) are not here: the protocol models accept them, check their shape and ignore them.

This table is the one place that says what is not served: serving a field is
removing its row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticCustomError

UNSUPPORTED = "unsupported_parameter"
# A 400 names at most this many refused fields and counts the rest ("and N more"): 350,000
# unknown keys once made a 20.8 MB error that took seconds to build.
MAX_LISTED_FIELDS = 10
TOO_MANY_UNKNOWN = "too_many_unknown_fields"


@dataclass(frozen=True)
class Unserved:
    """A field not served: ``noop`` says which values of it change nothing."""

    noop: Callable[[Any], bool]
    accepted: str  # the values accepted, for the error message
    why: str  # what the server does not do


def _falsy(value: Any) -> bool:
    return not value


def _null(value: Any) -> bool:
    return value is None


_NO_CALL = ("none", "auto")  # without tools or functions, "auto" cannot call anything

CHAT_UNSERVED: dict[str, Unserved] = {
    "audio": Unserved(_null, "null", "audio output is not served"),
    "function_call": Unserved(
        lambda v: v is None or v in _NO_CALL, '"none" or "auto"', "function calls are not served"
    ),
    "functions": Unserved(_falsy, "[] or null", "function calls are not served"),
    "modalities": Unserved(
        lambda v: v is None or set(v) <= {"text"}, '["text"]', "audio output is not served"
    ),
    "moderation": Unserved(_null, "null", "moderated completions are not served"),
    "verbosity": Unserved(
        lambda v: v in (None, "medium"), '"medium"', "verbosity control is not served"
    ),
    "web_search_options": Unserved(_null, "null", "web search is not served"),
}

COMPLETION_UNSERVED: dict[str, Unserved] = {
    "echo": Unserved(_falsy, "false", "echo is not served yet"),
    "suffix": Unserved(_falsy, '"" or null', "suffix (insertion) is not served"),
}


def refuse_unless_noop(table: dict[str, Unserved], field: str, value: Any) -> Any:
    """``value`` if it changes nothing (or the field is served); else the refusal error.

    Raises:
        PydanticCustomError: of type ``unsupported_parameter``.
    """
    rule = table.get(field)
    if rule is None or rule.noop(value):
        return value
    raise PydanticCustomError(
        UNSUPPORTED,
        "{why}; only {accepted} is accepted",
        {"why": rule.why, "accepted": rule.accepted},
    )


def refuse_many_unknown(known: Iterable[str], data: Any) -> Any:
    """``data`` unless it holds more than :data:`MAX_LISTED_FIELDS` keys outside ``known``.

    Run on the raw body before the fields are validated (a ``mode="before"`` model
    validator), so a body of 350,000 unknown keys costs one pass over its keys and one
    error, not one pydantic error per key that the 400 then lists. A few unknown keys are
    left to pydantic, which names each one among the other refusals.

    Raises:
        PydanticCustomError: of type ``too_many_unknown_fields``, its ``ctx`` holding the
            count, the first key (the 400's ``param``) and the sentence naming a few.
    """
    if not isinstance(data, dict) or len(data) <= MAX_LISTED_FIELDS:
        return data
    names = set(known)
    unknown = [key for key in data if key not in names]
    if len(unknown) <= MAX_LISTED_FIELDS:
        return data
    listed = ", ".join(f"'{key}'" for key in unknown[:MAX_LISTED_FIELDS])
    raise PydanticCustomError(
        TOO_MANY_UNKNOWN,
        "{count} unrecognized request arguments supplied: {listed} and {more} more.",
        {
            "count": len(unknown),
            "listed": listed,
            "more": len(unknown) - MAX_LISTED_FIELDS,
            "first": str(unknown[0]),
        },
    )


@cache
def field_names(model: type[BaseModel]) -> frozenset[str]:
    """The keys a model's body may hold: its field names and their aliases."""
    names = set(model.model_fields)
    for info in model.model_fields.values():
        names.update(a for a in (info.alias, info.validation_alias) if isinstance(a, str))
    return frozenset(names)
