"""``math_steps``: checks the arithmetic claims in a candidate's reasoning.

A *claim* is an equality between numeric expressions that the candidate wrote,
such as ``48 / 2 = 24``, ``3 x 7 = 21`` (also with the multiplication sign), ``12 * 3 + 6 = 42``,
``15% of 80 = 12``, ``$1,200 - $350 = $850`` or ``48 divided by 2 is 24``. The
score is the share of claims that hold (``None`` when there are none); the
evidence gives the counts and the first false claim. This rewards the reasoning
steps, not only the final answer.

How a text becomes claims:

* LaTeX (``\\frac{a}{b}``, ``\\times``, ``\\cdot``, ``\\div``, ``^{}``) and
  Unicode operators are read as arithmetic; ``x`` between two numbers and the
  words ``times``, ``plus``, ``minus``, ``divided by``, ``multiplied by`` are
  operators; ``is``, ``equals``, ``≈`` work like ``=``;
* currency signs and thousands separators are dropped (``$1,200`` is 1200), a
  percent is a hundredth (``15% of 80`` is 15/100 * 80), and a unit word right
  after a number (``12 apples + 3 apples``) is skipped;
* a chain ``a = b = c`` is one claim per ``=``; a running total such as
  ``2 + 3 = 5 + 4 = 9`` (the writer carried 5 on) holds when the next side
  starts with the value of the previous one;
* a claim needs an operator on at least one side, and a side that touches a
  variable (``x + 2 = 5``, ``5 = 2x``) is not a claim.

Evaluation never uses ``eval``: each side is parsed by :mod:`ast` and walked with
a whitelist (numbers, ``+ - * / **``, unary minus) in exact fractions; powers
are bounded (integer exponents up to :data:`MAX_EXPONENT`, results up to
:data:`MAX_RESULT_DIGITS` digits), so no claim can run away.

Tolerance: a side written as one decimal literal may be rounded or cut at its
last digit (``10 / 3 = 3.33``, ``2 / 3 = 0.67`` and ``2 / 3 = 0.66`` hold,
``10 / 3 = 3.4`` and ``7 / 2 = 3`` do not); ``≈`` also rounds to integers
(``10 / 3 ≈ 3``) and accepts 1% off.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from rewards.group import GroupRecord
from rewards.types import Candidate, RewardContext, Score

MAX_CLAIMS = 100
MAX_SIDE_CHARS = 120
MAX_LITERAL_DIGITS = 30
MAX_EXPONENT = 64
MAX_RESULT_DIGITS = 400
APPROX_RELATIVE = Fraction(1, 100)

_LATEX: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}"), r"(\1)/(\2)"),
    (re.compile(r"\^\s*\{([^{}]*)\}"), r"^(\1)"),
    (re.compile(r"\\left\s*\(|\\right\s*\)"), lambda m: m.group(0)[-1]),
    (re.compile(r"\\times\b|\\cdot\b"), " * "),
    (re.compile(r"\\div\b"), " ÷ "),
    (re.compile(r"\\approx\b"), " ≈ "),
    (re.compile(r"\\([%$])"), r"\1"),
    (re.compile(r"\\[()\[\]]|\$(?![\d.])"), " "),  # math delimiters, not currency
    # A label in parentheses after a number ("10 (Jack's marbles) + 9 (more) = 19"): the
    # number is the operand, the label a comment. Bounded: one start scans 40 characters.
    (re.compile(r"(?<=\d)[ \t]*\((?=[^()\d\n]{0,40}[A-Za-z])[^()\d\n]{1,40}\)"), " "),
    # Markdown bold (SmolLM2 writes "= **12**"); "2**3" (a power) is left alone.
    (re.compile(r"(?<![\w)])\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*(?![\w(])"), r"\1"),
    (re.compile(r"^[ \t]*[*+\-•][ \t]+", re.MULTILINE), ""),  # list bullets
]

_TOKEN = re.compile(
    r"""
    (?P<num>[$€£]?\s?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:\s*%(?:\s*of\b)?)?)
    |(?P<op>\*\*|[-+*/^\u00d7\u00f7\u00b7\u22c5\u2217\u2212]
        |\b(?:times|plus|minus|divided\s+by|multiplied\s+by)\b)
    |(?P<eq>=|≈|\b(?:is|equals)\b)
    |(?P<lp>\()
    |(?P<rp>\))
    |(?P<space>[ \t]+)
    |(?P<word>[A-Za-z]+)
    |(?P<other>.|\n)
    """,
    re.VERBOSE | re.IGNORECASE,
)
_OPS = {
    "\u00d7": "*",  # multiplication sign
    "\u00b7": "*",  # middle dot
    "\u22c5": "*",  # dot operator
    "\u2217": "*",  # asterisk operator
    "\u00f7": "/",  # division sign
    "\u2212": "-",  # minus sign
    "^": "**",
}
_WORD_OPS = {"times": "*", "plus": "+", "minus": "-", "divided": "/", "multiplied": "*"}
_ALLOWED_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


@dataclass(frozen=True)
class Claim:
    """One checked equality.

    Attributes:
        text: the claim as written (LaTeX and spacing normalised).
        value: the exact value of the left side.
        holds: whether the right side matches it (within the written precision).
    """

    text: str
    value: Fraction
    holds: bool
    operands: tuple[Fraction, ...] = ()  # the numbers of the computed side, in order
    operators: tuple[str, ...] = ()  # its operators, as Python ("+", "*"; "15% of" is "*")
    result: Fraction | None = None  # the other side's value: what the writer reached

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Alone (math_reasoning's StepCheck holds one), a claim pickles as a report does.
        return (_claim, _packed((self,)))


@dataclass(frozen=True)
class StepReport:
    """The arithmetic claims found in one text."""

    claims: tuple[Claim, ...]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Reports travel to and from the budget workers as the ``steps`` fact. A Fraction
        # pickles as its string and unpickles by parsing it (an eighth of the server's
        # busy time on a math group); see :func:`_packed` for the form used instead.
        return (_report, _packed(self.claims))

    @property
    def held(self) -> int:
        """How many claims hold."""
        return sum(c.holds for c in self.claims)

    @property
    def share(self) -> float | None:
        """Share of claims that hold; None when there are no claims."""
        return self.held / len(self.claims) if self.claims else None

    @property
    def first_false(self) -> Claim | None:
        """The first claim that does not hold, if any."""
        return next((c for c in self.claims if not c.holds), None)

    def describe(self) -> str:
        """Short evidence: the counts and the first false claim."""
        if not self.claims:
            return "no arithmetic claims"
        counts = f"{self.held}/{len(self.claims)} arithmetic claims hold"
        wrong = self.first_false
        if wrong is None:
            return counts
        return f"{counts}; first false: {wrong.text} (left side is {_show(wrong.value)})"


_Rows = tuple[tuple[Any, ...], ...]


def _packed(claims: tuple[Claim, ...]) -> tuple[tuple[tuple[int, int], ...], _Rows]:
    """Claims as plain data: each distinct value once, as numerator and denominator,
    and per claim its fields with values as positions in that table. The receiver
    builds each Fraction once (:func:`_unpacked`): the same exact values, fewer bytes."""
    table: dict[Fraction, int] = {}

    def at(value: Fraction) -> int:
        return table.setdefault(value, len(table))

    rows = tuple(
        (
            c.text,
            at(c.value),
            c.holds,
            tuple(at(o) for o in c.operands),
            c.operators,
            -1 if c.result is None else at(c.result),
        )
        for c in claims
    )
    return tuple((v.numerator, v.denominator) for v in table), rows


def _unpacked(values: tuple[tuple[int, int], ...], rows: _Rows) -> tuple[Claim, ...]:
    exact = [Fraction(n, d) for n, d in values]
    return tuple(
        Claim(
            text,
            exact[value],
            holds,
            tuple(exact[o] for o in operands),
            operators,
            None if result < 0 else exact[result],
        )
        for text, value, holds, operands, operators, result in rows
    )


def _report(values: tuple[tuple[int, int], ...], rows: _Rows) -> StepReport:
    """Rebuilds a pickled :class:`StepReport` (see :func:`_packed`)."""
    return StepReport(_unpacked(values, rows))


def _claim(values: tuple[tuple[int, int], ...], rows: _Rows) -> Claim:
    """Rebuilds a pickled :class:`Claim` (see :func:`_packed`)."""
    return _unpacked(values, rows)[0]


@dataclass(frozen=True)
class _Tok:
    kind: str  # num, op, eq, lp, rp, unit, break
    text: str  # as written
    code: str  # as Python arithmetic
    glued: bool = False  # touches a letter with no space (a coefficient: "2x")


def check_steps(text: str) -> StepReport:
    """Finds and checks the arithmetic claims in ``text``.

    Args:
        text: a completion (reasoning and answer).

    >>> report = check_steps("48 / 2 = 24, then 24 x 3 = 72 and 15% of 80 = 13.")
    >>> report.held, len(report.claims)
    (2, 3)
    >>> report.describe()
    '2/3 arithmetic claims hold; first false: 15% of 80 = 13 (left side is 12)'
    >>> check_steps("2 + 3 = 5 + 4 = 9").share
    1.0
    >>> check_steps("No numbers here.").share is None
    True
    """
    for pattern, replacement in _LATEX:
        text = pattern.sub(replacement, text)
    claims: list[Claim] = []
    for segment in _segments(_tokens(text)):
        claims.extend(_claims(segment))
        if len(claims) >= MAX_CLAIMS:
            return StepReport(tuple(claims[:MAX_CLAIMS]))
    return StepReport(tuple(claims))


def _tokens(text: str) -> list[_Tok]:
    raw: list[tuple[str, str, int, int]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind != "space":
            raw.append((kind, match.group(0), match.start(), match.end()))
    tokens: list[_Tok] = []
    for i, (kind, written, _, _) in enumerate(raw):
        prev = raw[i - 1] if i else None
        nxt = raw[i + 1] if i + 1 < len(raw) else None
        if kind == "num":
            tokens.append(_Tok("num", written, _number_code(written)))
        elif kind == "op":
            word = written.split()[0].lower()
            tokens.append(_Tok("op", written, _WORD_OPS.get(word, _OPS.get(written, written))))
        elif kind in ("eq", "lp", "rp"):
            tokens.append(_Tok(kind, written, written))
        elif kind == "word" and written in "xX" and prev and nxt and _is_operand_gap(prev, nxt):
            tokens.append(_Tok("op", written, "*"))
        elif kind == "word" and prev and prev[0] == "num" and nxt and _before_symbol(nxt):
            tokens.append(_Tok("unit", written, ""))  # "12 apples + 3 apples"
        else:
            tokens.append(_Tok("break", written, "word" if kind == "word" else ""))
    # A number glued to a one-letter word is a coefficient ("2x", "3y"): not arithmetic.
    for i, (kind, _, start, end) in enumerate(raw):
        if kind != "num":
            continue
        for j, touching in (
            (i - 1, raw[i - 1][3] == start if i else False),
            (i + 1, i + 1 < len(raw) and raw[i + 1][2] == end),
        ):
            single_letter = len(raw[j][1]) == 1 and raw[j][1].isalpha() if touching else False
            if single_letter and tokens[j].kind in ("unit", "break"):
                tokens[i] = _Tok("num", tokens[i].text, tokens[i].code, glued=True)
    return tokens


def _before_symbol(nxt: tuple[str, str, int, int]) -> bool:
    """Whether a word is followed by an operator or ``=``: then it may be a unit.

    Not before "is": in "a $6 hat is 3 * $6" the subject is the hat, not 6.
    """
    return nxt[0] == "op" or (nxt[0] == "eq" and not nxt[1].isalpha())


def _is_operand_gap(prev: tuple[str, str, int, int], nxt: tuple[str, str, int, int]) -> bool:
    """Whether an ``x`` sits between two operands (then it means times)."""
    return prev[0] in ("num", "rp") and nxt[0] in ("num", "lp")


def _number_code(written: str) -> str:
    number = re.sub(r"[$€£,\s]", "", written)
    if "%" not in number:
        return number
    digits = number.split("%")[0]
    return f"({digits}/100)*" if number.lower().endswith("of") else f"({digits}/100)"


def _segments(tokens: list[_Tok]) -> list[list[_Tok]]:
    """Runs of arithmetic tokens between breaks (words, punctuation, line ends).

    A run that touches a variable through an operator (``x + 2 = 5``) is marked
    by keeping the operator at its edge, which makes that side invalid.
    """
    segments: list[list[_Tok]] = []
    current: list[_Tok] = []
    previous: _Tok | None = None
    for token in tokens:
        if token.kind == "break":
            if current:
                segments.append(current)
            current = []
        elif token.kind != "unit":
            after_word = previous is not None and previous.code == "word"
            if not current and token.kind == "op" and (token.code != "-" or after_word):
                # "x + 2 = 5", "x - 2 = 5": the operator's left operand is not a number
                current.append(_Tok("op", "?", "?"))
            current.append(token)
        previous = token
    if current:
        segments.append(current)
    return segments


def _claims(segment: list[_Tok]) -> list[Claim]:
    sides: list[list[_Tok]] = [[]]
    relations: list[str] = []
    for token in segment:
        if token.kind == "eq":
            relations.append(token.text)
            sides.append([])
        else:
            sides[-1].append(token)
    if not relations:
        return []
    values = [_side_value(side) for side in sides]
    claims: list[Claim] = []
    for i, relation in enumerate(relations):
        left, right = sides[i], sides[i + 1]
        lv, rv = values[i], values[i + 1]
        if lv is None or rv is None:
            continue
        if not (_has_operator(left) or _has_operator(right)):
            continue  # "3 hours = 180 minutes", "x = 5": nothing computed
        approx = relation in ("≈",)
        holds = _close(lv, rv, left, right, approx) or _carried(lv, right, approx)
        text = f"{_show_side(left)} {relation} {_show_side(right)}"
        # The computed side is the one with the operator ("19 = 10 + 9" computes on the right).
        side, reached = (left, rv) if _has_operator(left) else (right, lv)
        operands = tuple(v for t in side if t.kind == "num" and (v := _literal(t)) is not None)
        operators = tuple(t.code for t in side if t.kind == "op") or ("*",)  # "15% of 80"
        claims.append(Claim(text, lv, holds, operands, operators, reached))
    return claims


def _literal(token: _Tok) -> Fraction | None:
    """A number token's value as written ("15%" is 15, "$1,200" is 1200)."""
    digits = re.sub(r"[^\d.]", "", token.text)
    try:
        return Fraction(digits) if digits and len(digits) <= MAX_LITERAL_DIGITS else None
    except ValueError:
        return None


def _has_operator(side: list[_Tok]) -> bool:
    return any(t.kind == "op" or "%" in t.text for t in side)


def _show_side(side: list[_Tok]) -> str:
    shown = " ".join(t.text.strip() for t in side)
    return shown.replace("( ", "(").replace(" )", ")")


def _side_value(side: list[_Tok]) -> Fraction | None:
    if not side or any(t.glued for t in side):
        return None
    code = " ".join(t.code for t in side)
    if len(code) > MAX_SIDE_CHARS or code.endswith("*"):
        return None
    try:
        tree = ast.parse(code, mode="eval")
        return _evaluate(tree.body, code)
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError):
        return None


def _evaluate(node: ast.expr, code: str) -> Fraction:
    """Exact value of a whitelisted expression tree; ValueError for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        literal = ast.get_source_segment(code, node) or ""
        if len(literal) > MAX_LITERAL_DIGITS:
            raise ValueError("literal too long")
        return Fraction(literal)  # from the text: 0.1 stays exactly 1/10
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _evaluate(node.operand, code)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, _ALLOWED_BINOPS):
        left, right = _evaluate(node.left, code), _evaluate(node.right, code)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        return _power(left, right)
    raise ValueError(f"not arithmetic: {type(node).__name__}")


def _power(base: Fraction, exponent: Fraction) -> Fraction:
    if exponent.denominator != 1 or abs(exponent) > MAX_EXPONENT:
        raise ValueError("exponent out of bounds")
    size = max(_digits(base.numerator), _digits(base.denominator))
    if size * abs(exponent) > MAX_RESULT_DIGITS:
        raise ValueError("power too large")
    return base ** int(exponent)


def _digits(value: int) -> int:
    return len(str(abs(value))) if abs(value) < 10**MAX_LITERAL_DIGITS else MAX_RESULT_DIGITS


def _decimals(side: list[_Tok]) -> int | None:
    """Decimal places of a side written as one plain literal, else None."""
    if len(side) == 2 and side[0].code == "-":
        side = side[1:]  # a negative literal
    if len(side) != 1 or side[0].kind != "num" or "%" in side[0].text:
        return None
    code = side[0].code
    return len(code.split(".")[1]) if "." in code else 0


def _close(lv: Fraction, rv: Fraction, left: list[_Tok], right: list[_Tok], approx: bool) -> bool:
    """Equal, or the side written as one decimal literal is the other rounded or cut."""
    if lv == rv:
        return True
    if approx and abs(lv - rv) <= APPROX_RELATIVE * abs(lv):
        return True
    places = _decimals(right)
    exact, written = lv, rv
    if places is None:
        places, exact, written = _decimals(left), rv, lv
    if places is None or (places == 0 and not approx):
        return False  # integers are exact: 7 / 2 = 3 is false
    unit = Fraction(1, 10**places)
    rounded = abs(exact - written) <= unit / 2
    cut = (exact >= 0) == (written >= 0) and abs(written) <= abs(exact) < abs(written) + unit
    return rounded or cut


def _carried(lv: Fraction, right: list[_Tok], approx: bool) -> bool:
    """A running total: ``2 + 3 = 5 + 4`` carries 5 on (its first number is the value)."""
    if len(right) < 3 or right[0].kind != "num" or right[1].kind != "op":
        return False
    first = _side_value(right[:1])
    return first is not None and _close(lv, first, [], right[:1], approx)


def _show(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    shown = f"{float(value):.6g}"
    return shown if math.isfinite(float(value)) else str(value)


def steps_fact(record: GroupRecord) -> tuple[StepReport, ...]:
    """The group record's ``steps`` fact: :func:`check_steps` once per candidate."""
    return tuple(check_steps(c.text) for c in record.candidates)


class MathSteps:
    """Share of the arithmetic claims in a candidate that hold.

    Example:
        >>> reward = MathSteps()
        >>> ctx = RewardContext(prompt="What is 3 * 7 + 1?", task="math")
        >>> texts = ["3 x 7 = 21, 21 + 1 = 22", "3 * 7 = 24, so 25", "It is 22."]
        >>> [s.value for s in reward(completions=texts, context=ctx, candidates=[])]
        [1.0, 0.0, None]
    """

    name = "math_steps"
    reads: ClassVar[tuple[str, ...]] = ("steps",)

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
            context: the request context (unused).
            candidates: the candidates (unused).
            **kwargs: ``group`` (the round's record: its ``steps`` fact); the rest
                is ignored, for forward compatibility.
        """
        record = GroupRecord.of(completions, context, candidates, kwargs.get("group"))
        return [Score(r.share, r.describe()) for r in record.fact("steps")]
