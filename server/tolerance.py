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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticCustomError

UNSUPPORTED = "unsupported_parameter"


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
