"""The text a gate judges for a candidate: what it wrote, and every call it makes.

A tool call carries text to the client as much as an answer does: its arguments
are handed to a tool (a mail sent, a URL fetched, a file written) or shown. So the
gates judge, for each candidate:

* its text as the model wrote it (call markup included: it also covers a call the
  parser dropped);
* the content outside the calls, where that is not already in the text (an
  upstream's message, whose calls came as structured ``tool_calls``);
* each call's name and raw arguments;
* every string inside the parsed arguments, keys and values, decoded: JSON escapes
  (``"\\u0073k-..."``) hide a secret from a recogniser reading the raw text.

One function for every gate, so none of them can forget the calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from rewards.tool_calls import MAX_ARGUMENT_CHARS
from rewards.types import Candidate

__all__ = ["judged_text", "judged_texts"]

# A surrogate left after json.loads is a lone one (``"\\ud800"`` is valid JSON; a pair is
# joined into one character). The gates' RE2 reads UTF-8 only and raised on it, so one
# candidate's arguments vetoed its whole group (fail closed): it reads as U+FFFD instead.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def judged_text(completion: str, candidate: Candidate | None = None) -> str:
    """The text a gate judges for one candidate (see the module docstring).

    Args:
        completion: the candidate's text.
        candidate: the candidate (its ``content`` and ``tool_calls``), if known.

    >>> from rewards.types import ToolCall
    >>> call = ToolCall("send", '{"to": "\\\\u0061@corp.io"}')
    >>> print(judged_text("", Candidate(0, "", tool_calls=(call,), content="")))
    send
    {"to": "\\u0061@corp.io"}
    to
    a@corp.io
    """
    if candidate is None or (candidate.content is None and not candidate.tool_calls):
        return completion
    parts = [completion]
    content = candidate.content
    if content and content not in completion:
        parts.append(content)
    for call in candidate.tool_calls:
        parts.extend((call.name, call.arguments))
        parts.extend(_decoded_strings(call.arguments))
    return "\n".join(p for p in parts if p)


def judged_texts(completions: Sequence[str], candidates: Sequence[Candidate]) -> list[str]:
    """:func:`judged_text` for a group (``candidates`` may be empty: texts only)."""
    if len(candidates) != len(completions):
        return list(completions)
    return [judged_text(t, c) for t, c in zip(completions, candidates, strict=True)]


def _decoded_strings(arguments: str) -> list[str]:
    """Every string (key or value) in the arguments' JSON, decoded; none if it is not JSON."""
    if len(arguments) > MAX_ARGUMENT_CHARS:
        return []  # the raw text is still judged
    try:
        value = json.loads(arguments)
    except (ValueError, RecursionError):
        return []
    found: list[str] = []
    # Iterative: the model's JSON may nest as deep as the parser allows.
    stack: list[Any] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            found.append(_LONE_SURROGATE.sub("\ufffd", node))
        elif isinstance(node, dict):
            for key, child in reversed(node.items()):
                stack.append(child)
                stack.append(key)
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return found
