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
  (``"\\u0073k-..."``) hide a secret from a recogniser reading the raw text; a string
  that is itself JSON (arguments sent as a JSON string of escaped JSON, or a value
  holding a JSON document) is decoded too, at most :data:`MAX_NESTING` levels deep;
* every run of hex digits in those strings that decodes to UTF-8 text (``736b2d...``
  is ``sk-...``), all of them: no count of runs is capped (harmless runs written first
  would hide a secret's after them), the decoded text is at most half the strings'
  length;
* the candidate's string values, over all its calls, joined as one text: a secret or a
  sentence of the system prompt split across two fields or two calls is whole there
  (token-like values, with a letter and no space, joined directly, ``"sk-proj-Q7f3"``
  + ``"Kx9L..."``; all values joined with spaces, for sentences).

One function for every gate, so none of them can forget the calls. Every view is
bounded by the arguments' size (:data:`rewards.tool_calls.MAX_ARGUMENT_CHARS` each).
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

MAX_NESTING = 3
"""JSON inside a JSON string is decoded this many levels deep (double encoding and more)."""
# At least 8 bytes (16 hex digits): shorter runs are ids and colours, not hidden text.
_HEX_RUN = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){8,}(?![0-9A-Fa-f])")
_TOKEN_LIKE = re.compile(r"(?=[^\s]*[A-Za-z])[^\s]+")
_JSON_STARTS = frozenset('{["')
_JSON_ENDS = frozenset('}]"')


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
    values: list[str] = []
    decoded: list[str] = []
    for call in candidate.tool_calls:
        parts.extend((call.name, call.arguments))
        strings, call_values = _decoded_strings(call.arguments)
        decoded.extend(strings)
        values.extend(call_values)
    parts.extend(decoded)
    parts.extend(_hex_decoded([c.name for c in candidate.tool_calls] + decoded))
    if len(values) > 1:
        tokens = [v for v in values if _TOKEN_LIKE.fullmatch(v)]
        if len(tokens) > 1:
            parts.append("".join(tokens))
        parts.append(" ".join(values))
    return "\n".join(p for p in parts if p)


def judged_texts(completions: Sequence[str], candidates: Sequence[Candidate]) -> list[str]:
    """:func:`judged_text` for a group (``candidates`` may be empty: texts only)."""
    if len(candidates) != len(completions):
        return list(completions)
    return [judged_text(t, c) for t, c in zip(completions, candidates, strict=True)]


def _decoded_strings(arguments: str) -> tuple[list[str], list[str]]:
    """Every string (key or value) in the arguments' JSON, decoded, and the values alone,
    in the order written; none if it is not JSON. A string that parses as JSON (an object,
    an array or a string) is walked too, :data:`MAX_NESTING` levels deep at most."""
    found: list[str] = []
    values: list[str] = []
    if len(arguments) > MAX_ARGUMENT_CHARS:
        return found, values  # the raw text is still judged
    try:
        root = json.loads(arguments)
    except (ValueError, RecursionError):
        return found, values
    # Iterative: the model's JSON may nest as deep as the parser allows. Each entry is
    # (node, is_key, JSON levels decoded so far).
    stack: list[tuple[Any, bool, int]] = [(root, False, 0)]
    while stack:
        node, is_key, level = stack.pop()
        if isinstance(node, str):
            text = _LONE_SURROGATE.sub("\ufffd", node)
            found.append(text)
            inner = _nested_json(text, level)
            if inner is not _NOT_JSON:
                stack.append((inner, is_key, level + 1))
            elif not is_key:
                values.append(text)
        elif isinstance(node, dict):
            for key, child in reversed(node.items()):
                stack.append((child, False, level))
                stack.append((key, True, level))
        elif isinstance(node, list):
            stack.extend((child, False, level) for child in reversed(node))
    return found, values


_NOT_JSON = object()


def _nested_json(text: str, level: int) -> Any:
    """``text`` parsed, when it is a JSON object, array or string and nesting allows."""
    if level >= MAX_NESTING or text[:1] not in _JSON_STARTS or text[-1:] not in _JSON_ENDS:
        return _NOT_JSON
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _hex_decoded(strings: Sequence[str]) -> list[str]:
    """The hex runs of ``strings`` that decode to printable UTF-8 text, decoded.

    A hash or an id decodes to bytes that are seldom valid UTF-8, and never to
    printable text but by chance; those are skipped. Every run is decoded, whatever
    their number: the work is linear in the strings' total length (each character is
    in at most one run) and the output at most half of it, so the bound is the
    arguments' size, not a count a decoy could use up.
    """
    out: list[str] = []
    for text in strings:
        for match in _HEX_RUN.finditer(text):
            try:
                plain = bytes.fromhex(match.group(0)).decode("utf-8")
            except ValueError:
                continue
            if plain.isprintable():
                out.append(plain)
    return out
