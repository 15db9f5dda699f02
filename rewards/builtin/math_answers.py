"""Final-answer extraction and equivalence for math candidates.

Equivalence is math-verify's (``parse`` + ``verify``), never hand-written. Two
facts about math-verify shape this module:

* its timeouts use ``signal.alarm``, which raises off the main thread, and the
  server scores in worker threads: the functions here take ``timeout_s``, which
  ``rewards.mathverify_pool`` sets in its worker process's main thread, and
  which is None (no alarm) anywhere else;
* the alarm cannot stop one long C-level step, and without it nothing stops
  sympy from evaluating ``10^{10^{10}}`` for ever, so :func:`too_costly`
  refuses expressions whose exact value would have more than
  :data:`MAX_DIGITS` digits, and answers longer than :data:`MAX_ANSWER_CHARS`
  are not parsed. Such answers are compared as text.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from math_verify import parse, verify

# sympy ships no type information; math-verify depends on it, so it is always installed.
from sympy import (  # type: ignore[import-untyped,unused-ignore]
    Basic,
    Float,
    Integer,
    Pow,
    Product,
    Rational,
    Sum,
)
from sympy.functions.combinatorial.factorials import (  # type: ignore[import-untyped,unused-ignore]
    factorial,
)

from rewards import linear_re

if TYPE_CHECKING:
    from rewards.group import GroupRecord

MAX_ANSWER_CHARS = 200
MAX_DIGITS = 10_000

# Completions are client-visible text: these run on RE2 (linear time). Under re, _HASHES
# was quadratic on blank lines ("\n" * 20000: 3.7 s) and _ANSWER_TAG on unclosed tags.
_BOXED = linear_re.compile(r"\\(?:boxed|fbox)\s*\{")
_ANSWER_TAG = linear_re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_ANSWER_PHRASE = linear_re.compile(
    r"(?:final answer|answer)\s*(?:is|:|=)\s*:?\s*(.+)", re.IGNORECASE
)
_HASHES = linear_re.compile(r"^\s*#{4,}\s*(.+)", re.MULTILINE)  # GSM8K's "#### 42"
_SENTENCE_END = linear_re.compile(r"[.!?](?:\s|$)|\n")
_RESULT = linear_re.compile(r"=\s*\$?\s*(-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?)")
_CLAUSE_END = linear_re.compile(r"[,;:!?]\s|\.(?:\s|$)")
_NUMBER = linear_re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?")
# re (lookarounds): a start needs a "*" after a non-word character, and the lazy
# [^*\n]+? cannot pass the next "*" or newline: each start scans to the next one only.
_EMPHASIS = re.compile(r"(?<![\w*])\*{1,2}(?=\S)([^*\n]+?)(?<=\S)\*{1,2}(?![\w*])")
_LEADING_NUMBER = linear_re.compile(r"\s*\$?\s*(-?\d+(?:,\d{3})*(?:\.\d+)?)(?:\s*%)?\s+[A-Za-z(]")
_MATH_DELIMS = linear_re.compile(r"^(?:\$\$?|\\\(|\\\[)(.*?)(?:\$\$?|\\\)|\\\])$", re.DOTALL)


class _DropTimeoutNotice(logging.Filter):
    """Drops math-verify's once-per-process "Timeout is disabled" warning.

    Off the worker's main thread the signal timeouts are off on purpose (see the
    module docstring; :func:`too_costly` bounds the work), so the notice would
    only alarm operators.
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


@dataclass(frozen=True)
class FoundAnswer:
    """A final answer and how it was found.

    Attributes:
        answer: the answer's text.
        how: ``boxed``, ``tag`` (``<answer>``), ``phrase`` ("the answer is",
            "Answer:") or ``number`` (only the last number of the text).
    """

    answer: str
    how: str

    @property
    def marked(self) -> bool:
        """Whether the candidate marked it as its answer (not just its last number)."""
        return self.how != "number"


def extract_answer(text: str, finish_reason: str | None = None) -> str | None:
    """The candidate's final answer as a string, or None.

    Order: the last ``\\boxed{}``; the last ``<answer>..</answer>``; the text after
    the last "answer is"/"Answer:"; else the last number. See :func:`find_answer`.

    Args:
        text: the completion.
        finish_reason: the candidate's; ``"length"`` (cut off) keeps only an answer
            it stated before the cut (see :func:`find_answer`).

    >>> extract_answer("so x = 2, thus \\\\boxed{\\\\frac{1}{2}}")
    '\\\\frac{1}{2}'
    >>> extract_answer("The answer is 42.")
    '42'
    >>> extract_answer("So, the answer is **12 apples**.")
    '12'
    """
    found = find_answer(text, finish_reason=finish_reason)
    return found.answer if found else None


def find_answer(text: str, *, finish_reason: str | None = None) -> FoundAnswer | None:
    """The candidate's final answer and how it was found, or None (see :func:`extract_answer`).

    Markdown emphasis is dropped (``**12**``), and an answer phrase that is a
    number followed by words ("12 apples", "$36 in total") is reduced to the number;
    one that starts with words ("that Tom has 21 pencils") to its first number.

    A candidate cut off by the token limit (``finish_reason="length"``) has an answer
    only if it stated one before the cut: a closed ``\\boxed{}``, an ``<answer>`` tag or
    an answer phrase, with text after it (an answer at the very end may itself be cut:
    "Answer: 6" of "Answer: 63"). Its last number is where it stopped, not an answer:
    "... Add the stickers left: 1 + 7" has none.

    >>> find_answer("4. Add the stickers left: 1 + 7", finish_reason="length") is None
    True
    >>> find_answer("The answer is 8 pencils.\\n\\nNext, ", finish_reason="length").answer
    '8'
    """
    found = _find_answer(text)
    if found is None or not truncated(finish_reason):
        return found
    if not found.marked or (found.how == "phrase" and _ends_with(text, found.answer)):
        return None  # a closed \\boxed{} or tag ends the answer; a phrase at the cut may not
    return found


def truncated(finish_reason: str | None) -> bool:
    """Whether a candidate was cut off by the token limit (the one test, used everywhere)."""
    return finish_reason == "length"


def voting_answer(text: str, finish_reason: str | None = None) -> str | None:
    """The answer a candidate votes with in agreement (clusters, majorities), or None.

    A truncated candidate never votes, even with a stated answer: it never finished
    checking it. This is the one place that rule lives; the group record's
    ``answers`` fact (:func:`answers_fact`) applies it once per candidate for
    ``answer_agreement``, ``efficiency``, the refinement and the adaptive stop.
    """
    if truncated(finish_reason):
        return None
    return extract_answer(text)


@dataclass(frozen=True)
class CandidateAnswer:
    """One candidate's entry of the group record's ``answers`` fact.

    Attributes:
        found: its final answer and how it was found, truncation-aware
            (:func:`find_answer` with its finish reason), or None.
        voting: the answer it votes with (:func:`voting_answer`'s rule: a truncated
            candidate never votes), or None.
    """

    found: FoundAnswer | None
    voting: str | None

    @property
    def answer(self) -> str | None:
        """The found answer's text, or None."""
        return self.found.answer if self.found is not None else None


def answers_fact(record: GroupRecord) -> tuple[CandidateAnswer, ...]:
    """The ``answers`` fact: :func:`find_answer` once per candidate of the group.

    Its two readings (the stated answer, truncation-aware, and the voting answer)
    come from the one extraction: for a candidate that was not cut off they are the
    same answer, and a cut-off one does not vote.
    """
    answers = []
    for candidate in record.candidates:
        found = find_answer(candidate.text, finish_reason=candidate.finish_reason)
        votes = found is not None and not truncated(candidate.finish_reason)
        answers.append(CandidateAnswer(found, found.answer if votes and found else None))
    return tuple(answers)


def _ends_with(text: str, answer: str) -> bool:
    """Whether ``answer`` is the last thing in ``text`` (only emphasis or a full stop after)."""
    tail = text[-(len(answer) + 40) :].rstrip().rstrip("*").rstrip(".").rstrip("*").rstrip()
    return tail.endswith(answer)


def _find_answer(text: str) -> FoundAnswer | None:
    segment = final_segment(text)
    if segment is None:
        return None
    segment = _EMPHASIS.sub(r"\1", segment)
    boxed = _boxed_contents(segment)
    if boxed:
        return _found(boxed[-1], "boxed")
    tags = _ANSWER_TAG.findall(segment)
    if tags:
        inner = _boxed_contents(tags[-1])
        return _found(inner[-1] if inner else tags[-1], "tag")
    phrase = _last_phrase(segment)
    if phrase is not None:
        return _found(_number_in_words(phrase), "phrase")
    return _found(_last_number(segment), "number")


def _last_phrase(segment: str) -> str | None:
    """The answer phrase ("the answer is ...", "Answer: ...", "#### ...") written last."""
    matches = [m for pattern in (_ANSWER_PHRASE, _HASHES) for m in pattern.finditer(segment)]
    if not matches:
        return None
    text = max(matches, key=lambda m: m.start()).group(1)
    # "The answer is 0.5, so ..." : the answer ends at the first clause boundary.
    phrase = _CLAUSE_END.split(text.splitlines()[0], maxsplit=1)[0]
    result = re.split(r"=|\u2248|\\approx", phrase)[-1]  # "is 54 + 18 + 3 = 75": its result
    phrase = result if result.strip() else phrase
    if len(phrase.split()) > 1 and not re.search(r"\d|\\", phrase):
        return None  # "the answer is a number", "... is always one more": no answer here
    return phrase


def _last_number(segment: str) -> str:
    """The last number of the last sentence that has one, or the result it states.

    ``7 + 5 = 12 is the sum of 7 and 5.`` -> ``12``: numbers after the last ``=``
    that only repeat the sentence's earlier numbers do not count; of the sentence's
    numbers, one that an earlier computation reached (``= 30``) wins over the others.
    """
    sentences = [s for s in _SENTENCE_END.split(segment) if _NUMBER.search(s)]
    if not sentences:
        return ""
    last = sentences[-1]
    results = list(_RESULT.finditer(last))
    if results:
        before = set(_NUMBER.findall(last[: results[-1].start()]))
        after = _NUMBER.findall(last[results[-1].end() :])
        if all(n in before for n in after):
            return str(results[-1].group(1))
    numbers = _NUMBER.findall(last)
    # "6 * 5 = 30 pencils. Therefore, there are 30 pencils in 6 boxes.": of the last
    # sentence's numbers, the one an earlier "= N" reached is the answer, not the 6.
    reached = {m.group(1) for m in _RESULT.finditer(segment)}
    computed = [n for n in numbers if n in reached] if not results else []
    return str(computed[-1] if computed else numbers[-1])


def _number_in_words(phrase: str) -> str:
    """``12 apples`` -> ``12``; ``that Tom has 21 pencils`` -> ``21``; math is kept."""
    lead = _LEADING_NUMBER.match(phrase)
    if lead:
        return str(lead.group(1))
    if re.match(r"\s*[A-Za-z]{2,}\s", phrase) and "\\" not in phrase:
        numbers = _NUMBER.findall(phrase)
        if numbers:
            return str(numbers[0])
    return phrase


def _found(answer: str, how: str) -> FoundAnswer | None:
    cleaned = _clean(answer)
    return FoundAnswer(cleaned, how) if cleaned else None


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


def parse_answer(answer: str, timeout_s: int | None = None) -> ParsedAnswer:
    """Parses an extracted answer with math-verify.

    The answer is wrapped in ``\\boxed{}`` so math-verify reads it as LaTeX: that
    parses ``x^2+1``, ``\\frac12`` and ``\\{1,2\\}``, which plain parsing drops.

    Args:
        answer: the extracted answer.
        timeout_s: math-verify's own timeout (``signal.alarm``): only on the main
            thread (see ``rewards.mathverify_pool``); None disables it, and then
            :func:`too_costly` is the only guard.
    """
    if len(answer) > MAX_ANSWER_CHARS:
        return ParsedAnswer(answer, (), False)
    parsed = parse("\\boxed{" + answer + "}", parsing_timeout=timeout_s)  # type: ignore[arg-type]
    if not parsed:
        parsed = parse(answer, parsing_timeout=timeout_s)  # type: ignore[arg-type]
    verifiable = bool(parsed) and not any(too_costly(p) for p in parsed)
    return ParsedAnswer(answer, tuple(parsed), verifiable)


def equivalent(a: ParsedAnswer | str, b: ParsedAnswer | str, timeout_s: int | None = None) -> bool:
    """Whether two answers are the same, by text or by math-verify (either direction).

    ``verify`` is not symmetric (gold vs prediction), and peers have no gold.

    Args:
        a: an answer, parsed or as extracted.
        b: the other answer.
        timeout_s: math-verify's timeout per call, main thread only (see :func:`parse_answer`).

    >>> equivalent("1/2", "0.5"), equivalent("\\\\frac{3}{4}", "0.7")
    (True, False)
    """
    if normalize_text(a.text if isinstance(a, ParsedAnswer) else a) == normalize_text(
        b.text if isinstance(b, ParsedAnswer) else b
    ):
        return True
    a = parse_answer(a, timeout_s) if isinstance(a, str) else a
    b = parse_answer(b, timeout_s) if isinstance(b, str) else b
    if not (a.verifiable and b.verifiable):
        return False
    return any(
        verify(list(x.parsed), list(y.parsed), timeout_seconds=timeout_s)  # type: ignore[arg-type]
        for x, y in ((a, b), (b, a))
    )


def answer_classes(
    answers: Sequence[str], budget_s: float, timeout_s: int | None = None
) -> tuple[list[int], dict[int, str]]:
    """Groups answers into classes of equivalent answers.

    A new answer is compared with one representative per class (by text first,
    then math-verify), so a group that mostly agrees needs few ``verify`` calls;
    answers are parsed only when a comparison needs it. Once ``budget_s`` is
    spent, the remaining answers are compared as text only.

    Args:
        answers: the answers (distinct or not).
        budget_s: seconds of parsing and ``verify`` before falling back to text.
        timeout_s: math-verify's timeout per call, main thread only (see :func:`parse_answer`).

    Returns:
        The class id per answer (0, 1, ... in order of first appearance), and for
        answers not compared by math-verify why, by position.

    >>> answer_classes(["1/2", "0.5", "2", "\\\\frac{1}{2}"], budget_s=5.0)
    ([0, 0, 1, 0], {})
    """
    deadline = time.monotonic() + budget_s
    parsed: dict[str, ParsedAnswer] = {}
    unverifiable: set[str] = set()
    spent: set[str] = set()
    representatives: list[str] = []
    class_of: dict[str, int] = {}

    def parsed_form(answer: str) -> ParsedAnswer:
        if answer not in parsed:
            if time.monotonic() > deadline:
                spent.add(answer)
                parsed[answer] = ParsedAnswer(answer, (), False)
            else:
                parsed[answer] = parse_answer(answer, timeout_s)
                if not parsed[answer].verifiable:
                    unverifiable.add(answer)
        return parsed[answer]

    for answer in dict.fromkeys(answers):
        for class_id, representative in enumerate(representatives):
            if normalize_text(answer) == normalize_text(representative):
                class_of[answer] = class_id
                break
            if time.monotonic() > deadline and answer not in parsed:
                spent.add(answer)
                parsed[answer] = ParsedAnswer(answer, (), False)
            if equivalent(parsed_form(answer), parsed_form(representative), timeout_s):
                class_of[answer] = class_id
                break
        else:
            class_of[answer] = len(representatives)
            representatives.append(answer)
    notes: dict[int, str] = {}
    for position, answer in enumerate(answers):
        if answer in spent:
            notes[position] = "compared as text: verify budget spent"
        elif answer in unverifiable:
            notes[position] = "compared as text"
    return [class_of[a] for a in answers], notes


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
    if isinstance(expr, Sum | Product):
        # \\sum_{k=1}^{100000} k^k is a loop of 10^5 huge powers: count every term.
        terms = 1.0
        for _, low, high in (limit for limit in expr.limits if len(limit) == 3):
            span = _magnitude(high - low)
            terms *= math.inf if span is None else span + 1
        return terms * _digits(expr.function)
    return 1.0 + sum(_digits(arg) for arg in expr.args if isinstance(arg, Basic))


def _magnitude(expr: Any) -> float | None:
    """An upper bound on ``|expr|`` (1.0 for symbols), or None when it is astronomical."""
    if isinstance(expr, Integer | Rational | Float):
        value = abs(float(expr))
        return value if value < 10**6 else None
    digits = _digits(expr)
    return 10**digits if digits <= 6 else None
