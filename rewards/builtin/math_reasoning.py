"""``math_reasoning``: do the candidate's steps compute with the question's numbers?

``math_steps`` checks that each arithmetic claim is true; "Ivo has 12 stickers and
buys 7 more" answered with "12 * 7 = 84" passes it. This reward checks the
reasoning around the arithmetic, as a process reward: each *step* (an arithmetic
claim, found by ``math_steps.check_steps``) holds when

1. **it is true** (``math_steps``' own check);
2. **its inputs come from somewhere**: every number it computes with is a quantity
   of the question, the result of an earlier step, or a small conversion constant
   (:data:`CONSTANTS`: 60 minutes, 100 per cent, ...). A step whose inputs come
   from nowhere fails;
3. **its operation is one the question asks for**, when it combines two of the
   question's own quantities and the question has operation words at all
   (:data:`_CUES`: "more", "buys" for ``+``; "gave away", "left" for ``-``;
   "each", "per" for ``*``; "shared equally", "split" for ``/``). This is what
   fails "12 * 7" for "buys 7 more";
4. for the last step, **the stated final answer is its result** (the answer
   phrase or ``\\boxed{}``, read by ``math_answers.find_answer``).

Besides the steps, **every quantity the question gives must be used** by some
step, or the candidate must say why not (a sentence that names it with "not
needed", "irrelevant", "does not matter", ...): if one is left unused without a
word, that counts as one more failed step. The score is the share of steps that
hold; ``None`` when the candidate makes no arithmetic claim (nothing to check) or
the prompt gives no quantity. The evidence names the first failed step and why,
and the unused quantities.

Quantities are read from the last user message: digits with their currency and
thousands separators (``$3.50`` is 3.5, ``1,200`` is 1200), percentages, and
numbers in words ("twelve", "thirty-seven", "a dozen"). Everything here is
bounded on hostile text: the question is read up to :data:`MAX_QUESTION_CHARS`
with linear-time patterns (``rewards.linear_re``) and the claims are
``check_steps``', itself capped at ``MAX_CLAIMS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from rewards import linear_re
from rewards.builtin.math_answers import FoundAnswer, find_answer
from rewards.builtin.math_steps import Claim, check_steps
from rewards.group import GroupRecord
from rewards.types import Candidate, RewardContext, Score, content_text

_UNSET: Any = object()

MAX_QUESTION_CHARS = 4000
MAX_QUANTITIES = 50
# Conversions any solution may bring in: halves and doubles, per cent, the clock, a dozen.
CONSTANTS = frozenset(Fraction(n) for n in (1, 2, 10, 12, 24, 60, 100, 1000))

_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate(
        ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
    if w != "_"
}
_NUMBER_WORDS = "|".join(sorted([*_UNITS, *_TENS, "hundred", "dozen"], key=len, reverse=True))
# One number in words: "thirty-seven", "one hundred and five", "a dozen".
_WORDS = linear_re.compile(
    rf"\b(?:a\s+dozen|(?:(?:{_NUMBER_WORDS})(?:[\s-]+(?:and\s+)?(?:{_NUMBER_WORDS}))*))\b",
    re.IGNORECASE,
)
_DIGITS = linear_re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
# Operation words in the question, by the operator they ask for.
_CUES: dict[str, Any] = {
    "+": linear_re.compile(
        r"\b(?:more|buys?|bought|gets?|got|finds?|found|receives?|received|adds?|added"
        r"|earns?|earned|collects?|collected|picks?|picked|altogether|in all|in total"
        r"|total|combined|sum|plus|together|another|joins?|joined)\b",
        re.IGNORECASE,
    ),
    "-": linear_re.compile(
        r"\b(?:gives?\s+away|gave\s+away|left|remain\w*|spends?|spent|loses?|lost|ate|eats?"
        r"|sold|sells?|fewer|less|difference|minus|change|takes?\s+away|took\s+away|uses?"
        r"|used|broke|breaks?|how\s+many\s+more|how\s+much\s+more)\b",
        re.IGNORECASE,
    ),
    "*": linear_re.compile(
        r"\b(?:each|per|every|times|twice|double|triple|rows?\s+of|boxes\s+of|packs?\s+of"
        r"|bags?\s+of|groups?\s+of|sets?\s+of|at\s+\$|costs?|product|multipl\w*)\b",
        re.IGNORECASE,
    ),
    "/": linear_re.compile(
        r"\b(?:shared?|split|divid\w*|equally|evenly|per|each|half|halves|quarter"
        r"|groups?|among|between|average|ratio)\b",
        re.IGNORECASE,
    ),
}
# "The 5 pencils are not needed", "the distance does not matter": a quantity set aside.
_SET_ASIDE = linear_re.compile(
    r"not\s+(?:needed|used|relevant|important|necessary|required|part)|irrelevant"
    r"|do(?:es)?\s*(?:n't|not)\s+(?:matter|affect|change|need|use|count)|extra\s+information"
    r"|distract\w*|ignore\w*|no\s+effect|unrelated|not\s+affect",
    re.IGNORECASE,
)
_SENTENCE = linear_re.compile(r"[^.!?\n]*")


def quantities(question: str) -> list[Fraction]:
    """The quantities a question gives, in order (digits, money, percentages, words).

    >>> [str(q) for q in quantities("Ivo has twelve stickers, buys $3.50 of tape and 1,200 pins.")]
    ['12', '7/2', '1200']
    """
    text = question[:MAX_QUESTION_CHARS]
    found: list[tuple[int, Fraction]] = []
    for match in _DIGITS.finditer(text):
        found.append((match.start(), Fraction(match.group(0).replace(",", ""))))
    for match in _WORDS.finditer(text):
        value = _words_value(match.group(0))
        if value is not None:
            found.append((match.start(), Fraction(value)))
    return [value for _, value in sorted(found)][:MAX_QUANTITIES]


def _words_value(words: str) -> int | None:
    """ "thirty-seven" -> 37, "one hundred and five" -> 105, "a dozen" -> 12."""
    total, current = 0, 0
    for word in re.split(r"[\s-]+", words.lower()):
        if word in ("a", "and"):
            continue
        if word == "dozen":
            current = max(current, 1) * 12
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
    total += current
    if words.lower().strip() == "zero":
        return 0
    return total or None


def cued_operators(question: str) -> set[str]:
    """The operators the question's words ask for (empty: it says nothing about them).

    >>> sorted(cued_operators("Ivo has 12 stickers and buys 7 more."))
    ['+']
    """
    text = question[:MAX_QUESTION_CHARS]
    return {op for op, pattern in _CUES.items() if pattern.search(text)}


@dataclass(frozen=True)
class StepCheck:
    """One step's verdict on the reasoning checks."""

    claim: Claim
    holds: bool
    why: str  # "" when it holds


@dataclass(frozen=True)
class ReasoningReport:
    """The reasoning checks of one candidate."""

    steps: tuple[StepCheck, ...]
    unused: tuple[Fraction, ...]  # question quantities neither used nor set aside

    @property
    def total(self) -> int:
        """Steps checked, plus one for the quantities left unused (if any)."""
        return len(self.steps) + (1 if self.unused else 0)

    @property
    def held(self) -> int:
        """Steps that hold on every check."""
        return sum(s.holds for s in self.steps)

    @property
    def share(self) -> float | None:
        """Share of the steps that hold; None when there is no step to check."""
        return self.held / self.total if self.steps else None

    def describe(self) -> str:
        """Counts, the first failed step and why, the unused quantities."""
        if not self.steps:
            return "no arithmetic steps to check"
        parts = [f"{self.held}/{self.total} reasoning steps hold"]
        failed = next((s for s in self.steps if not s.holds), None)
        if failed is not None:
            parts.append(f"first failed: {failed.claim.text} ({failed.why})")
        if self.unused:
            shown = ", ".join(_show(q) for q in self.unused[:5])
            parts.append(f"question quantities unused without a word: {shown}")
        return "; ".join(parts)


def check_reasoning(
    question: str,
    text: str,
    finish_reason: str | None = None,
    *,
    claims: tuple[Claim, ...] | None = None,
    found: FoundAnswer | None = _UNSET,
) -> ReasoningReport | None:
    """Checks a candidate's steps against the question (see the module docstring).

    Returns None when the question gives no quantity (nothing to trace back to).
    ``claims`` (:func:`check_steps`'s) and ``found`` (:func:`find_answer`'s, with the
    finish reason) are the group record's facts when the caller has them; else they
    are computed here.

    >>> q = "Ivo has 12 stickers and buys 7 more. How many stickers does he have?"
    >>> check_reasoning(q, "12 * 7 = 84. Answer: 84").steps[0].why
    'operation * not asked for (the question asks for +)'
    >>> check_reasoning(q, "12 + 7 = 19. Answer: 19").share
    1.0
    """
    given = quantities(question)
    if not given:
        return None
    known = set(given) | CONSTANTS
    cues = cued_operators(question)
    if claims is None:
        claims = check_steps(text).claims
    if found is _UNSET:
        found = find_answer(text, finish_reason=finish_reason)
    # Only an answer the candidate marked ("Answer: 19", \boxed{}): a bare last number
    # is already the reading of its last computation.
    stated = _value(found.answer) if found is not None and found.marked else None
    used: set[Fraction] = set()
    steps: list[StepCheck] = []
    for position, claim in enumerate(claims):
        why = _step_fault(claim, known, set(given), cues)
        if not why and position == len(claims) - 1 and stated is not None:
            reached = claim.value if claim.holds else claim.result
            if reached is not None and stated != reached:
                why = f"the stated answer {_show(stated)} is not its result {_show(reached)}"
        steps.append(StepCheck(claim, not why, why))
        used.update(claim.operands)
        known.add(claim.value)
        if claim.result is not None:
            known.add(claim.result)
    # 0 and 1 are left out: "one of them", "no one" are words more often than quantities.
    unused = tuple(
        q for q in dict.fromkeys(given) if q > 1 and q not in used and not _set_aside(q, text)
    )
    return ReasoningReport(tuple(steps), unused)


def _step_fault(claim: Claim, known: set[Fraction], given: set[Fraction], cues: set[str]) -> str:
    """Why a step fails the checks, or "" when it holds."""
    if not claim.holds:
        return "arithmetic does not hold"
    stray = [o for o in claim.operands if o not in known]
    if stray:
        return f"{_show(stray[0])} is neither in the question nor an earlier result"
    from_question = sum(1 for o in claim.operands if o in given) >= 2
    if from_question and cues and not any(op in cues for op in claim.operators):
        done = " ".join(dict.fromkeys(claim.operators))
        return f"operation {done} not asked for (the question asks for {' or '.join(sorted(cues))})"
    return ""


def _set_aside(quantity: Fraction, text: str) -> bool:
    """Whether a sentence of the candidate names the quantity and says it is not needed."""
    shown = _show(quantity)
    for match in _SENTENCE.finditer(text[:20_000]):
        sentence = match.group(0)
        if shown in sentence and _SET_ASIDE.search(sentence):
            return True
    return False


def _value(answer: str) -> Fraction | None:
    cleaned = re.sub(r"[$,\s]", "", answer)
    if not re.fullmatch(r"-?\d+(?:\.\d+)?(?:/\d+)?", cleaned) or len(cleaned) > 30:
        return None
    try:
        return Fraction(cleaned)
    except (ValueError, ZeroDivisionError):
        return None


def _show(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):g}"


def question_of(context: RewardContext) -> str:
    """The last user message (the question), else the prompt."""
    for message in reversed(context.messages or []):
        if message.get("role") == "user":
            return content_text(message.get("content"))
    return context.prompt


def reasoning_fact(record: GroupRecord) -> tuple[ReasoningReport | None, ...]:
    """The group record's ``reasoning`` fact: :func:`check_reasoning` once per candidate,
    from the record's ``steps`` and ``answers`` (None: the question gives no quantity)."""
    question = question_of(record.context)
    steps = record.fact("steps")
    answers = record.fact("answers")
    return tuple(
        check_reasoning(
            question, c.text, c.finish_reason, claims=steps[i].claims, found=answers[i].found
        )
        for i, c in enumerate(record.candidates)
    )


class MathReasoning:
    """Share of a candidate's steps that compute with the question's numbers.

    Example:
        >>> reward = MathReasoning()
        >>> ctx = RewardContext(prompt="Ivo has 12 stickers and buys 7 more. How many now?")
        >>> texts = ["12 + 7 = 19. Answer: 19", "12 * 7 = 84. Answer: 84", "It is 19."]
        >>> [s.value for s in reward(completions=texts, context=ctx, candidates=[])]
        [1.0, 0.0, None]
    """

    name = "math_reasoning"
    reads: ClassVar[tuple[str, ...]] = ("reasoning",)

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
            context: the request context: its last user message is the question.
            candidates: the candidates, for their finish reasons; may be empty.
            **kwargs: ``group`` (the round's record: its ``reasoning`` fact); the rest
                is ignored, for forward compatibility.
        """
        record = GroupRecord.of(completions, context, candidates, kwargs.get("group"))
        scores: list[Score] = []
        for report in record.fact("reasoning"):
            if report is None:
                scores.append(Score(None, "the question gives no quantity"))
            else:
                scores.append(Score(report.share, report.describe()))
        return scores
