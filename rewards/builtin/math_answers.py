"""Final-answer extraction and equivalence for math candidates.

Equivalence is math-verify's (``parse`` + ``verify``), never hand-written. Two
facts about math-verify shape this module:

* its timeouts use ``signal.alarm``, which raises off the main thread, and the
  server scores in a worker thread: every call passes ``parsing_timeout=None`` /
  ``timeout_seconds=None``;
* without the alarm nothing stops sympy from evaluating ``10^{10^{10}}`` for
  ever, so :func:`too_costly` refuses expressions whose exact value would have
  more than :data:`MAX_DIGITS` digits, and answers longer than
  :data:`MAX_ANSWER_CHARS` are not parsed. Such answers are compared as text.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from typing import Any

from math_verify import parse, verify

# sympy ships no type information; math-verify depends on it, so it is always installed.
from sympy import (  # type: ignore[import-untyped,unused-ignore]
    Basic,
    Float,
    Integer,
    Pow,
    Rational,
)
from sympy.functions.combinatorial.factorials import (  # type: ignore[import-untyped,unused-ignore]
    factorial,
)

MAX_ANSWER_CHARS = 200
MAX_DIGITS = 10_000

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_ANSWER_PHRASE = re.compile(r"(?:final answer|answer)\s*(?:is|:|=)\s*:?\s*(.+)", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,;:!?]\s|\.(?:\s|$)")
_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?")
_MATH_DELIMS = re.compile(r"^(?:\$\$?|\\\(|\\\[)(.*?)(?:\$\$?|\\\)|\\\])$", re.DOTALL)


class _DropTimeoutNotice(logging.Filter):
    """Drops math-verify's once-per-process "Timeout is disabled" warning.

    We disable its signal timeouts on purpose (see the module docstring) and bound
    the work with :func:`too_costly` instead, so the notice would only alarm operators.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "Timeout is disabled" not in record.getMessage()


for _name in ("math_verify.parser", "math_verify.grader"):
    logging.getLogger(_name).addFilter(_DropTimeoutNotice())


def _boxed_contents(text: str) -> list[str]:
    """Contents of every closed ``\\boxed{...}``, matching nested braces.

    Braces are paired in one pass: scanning forward from each ``\\boxed{`` would be
    quadratic on a degenerate completion that repeats ``\\boxed{`` thousands of times.
    """
    closing: dict[int, int] = {}
    open_at: list[int] = []
    for pos, char in enumerate(text):
        if char == "{":
            open_at.append(pos)
        elif char == "}" and open_at:
            closing[open_at.pop()] = pos
    found: list[str] = []
    for match in _BOXED.finditer(text):
        brace = match.end() - 1
        if brace in closing:
            found.append(text[match.end() : closing[brace]])
    return found


def final_segment(text: str) -> str | None:
    """The part of a completion that may hold the final answer.

    Reasoning in ``<think>`` is skipped: it holds tentative answers. A ``<think>``
    that is never closed means the reasoning was cut off, so there is no answer.
    """
    lower = text.lower()
    if "</think>" in lower:
        return text[lower.rindex("</think>") + len("</think>") :]
    if "<think>" in lower:
        return None
    return text


def extract_answer(text: str) -> str | None:
    """The candidate's final answer as a string, or None.

    Order: the last ``\\boxed{}``; the last ``<answer>..</answer>``; the text after
    the last "answer is"/"Answer:"; else the last number.

    Args:
        text: the completion.

    >>> extract_answer("so x = 2, thus \\\\boxed{\\\\frac{1}{2}}")
    '\\\\frac{1}{2}'
    >>> extract_answer("The answer is 42.")
    '42'
    """
    segment = final_segment(text)
    if segment is None:
        return None
    boxed = _boxed_contents(segment)
    if boxed:
        return _clean(boxed[-1])
    tags = _ANSWER_TAG.findall(segment)
    if tags:
        inner = _boxed_contents(tags[-1])
        return _clean(inner[-1] if inner else tags[-1])
    phrases = _ANSWER_PHRASE.findall(segment)
    if phrases:
        # "The answer is 0.5, so ..." : the answer ends at the first clause boundary.
        return _clean(_CLAUSE_END.split(phrases[-1].splitlines()[0], maxsplit=1)[0])
    numbers = _NUMBER.findall(segment)
    if numbers:
        return _clean(numbers[-1])
    return None


def _clean(answer: str) -> str | None:
    answer = answer.strip().rstrip(".").strip()
    delimited = _MATH_DELIMS.match(answer)
    if delimited:
        answer = delimited.group(1).strip()
    return answer or None


def normalize_text(answer: str) -> str:
    """A cheap normal form for the textual comparison (case, spaces, ``$``)."""
    return re.sub(r"[\s$]+", "", answer).casefold()


@dataclass(frozen=True)
class ParsedAnswer:
    """An extracted answer with math-verify's parse of it (empty when unparseable)."""

    text: str
    parsed: tuple[Any, ...]
    verifiable: bool


def parse_answer(answer: str) -> ParsedAnswer:
    """Parses an extracted answer with math-verify, without signal timeouts.

    The answer is wrapped in ``\\boxed{}`` so math-verify reads it as LaTeX: that
    parses ``x^2+1``, ``\\frac12`` and ``\\{1,2\\}``, which plain parsing drops.
    """
    if len(answer) > MAX_ANSWER_CHARS:
        return ParsedAnswer(answer, (), False)
    parsed = parse("\\boxed{" + answer + "}", parsing_timeout=None)
    if not parsed:
        parsed = parse(answer, parsing_timeout=None)
    verifiable = bool(parsed) and not any(too_costly(p) for p in parsed)
    return ParsedAnswer(answer, tuple(parsed), verifiable)


def equivalent(a: ParsedAnswer, b: ParsedAnswer) -> bool:
    """Whether two answers are the same, by text or by math-verify (either direction).

    ``verify`` is not symmetric (gold vs prediction), and peers have no gold.
    """
    if normalize_text(a.text) == normalize_text(b.text):
        return True
    if not (a.verifiable and b.verifiable):
        return False
    return any(
        verify(list(x.parsed), list(y.parsed), timeout_seconds=None) for x, y in ((a, b), (b, a))
    )


def too_costly(expr: Any) -> bool:
    """Whether evaluating ``expr`` exactly could run away (more than MAX_DIGITS digits)."""
    if not isinstance(expr, Basic):
        return False
    try:
        return _digits(expr) > MAX_DIGITS
    except (TypeError, ValueError, OverflowError, AttributeError):
        return True  # could not bound it: do not hand it to sympy


def _digits(expr: Basic) -> float:
    """An upper bound on the decimal digits of ``expr``'s value (or its size if symbolic)."""
    if isinstance(expr, Integer):
        return int(expr).bit_length() * math.log10(2) + 1
    if isinstance(expr, Rational):
        return _digits(Integer(expr.p)) + _digits(Integer(expr.q))
    if isinstance(expr, Float):
        value = abs(float(expr))
        return math.log10(value) + 1 if value >= 1 else 1.0
    if isinstance(expr, Pow):
        base, exponent = expr.args
        size = _magnitude(exponent)
        return math.inf if size is None else size * max(_digits(base), 1.0)
    if isinstance(expr, factorial):
        size = _magnitude(expr.args[0])
        return math.inf if size is None else size * math.log10(size + 1) + 1
    return 1.0 + sum(_digits(arg) for arg in expr.args if isinstance(arg, Basic))


def _magnitude(expr: Any) -> float | None:
    """An upper bound on ``|expr|`` (1.0 for symbols), or None when it is astronomical."""
    if isinstance(expr, Integer | Rational | Float):
        value = abs(float(expr))
        return value if value < 10**6 else None
    digits = _digits(expr)
    return 10**digits if digits <= 6 else None
