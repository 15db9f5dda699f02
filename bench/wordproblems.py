"""A held-out set of math word problems, and a judge written apart from the server.

Why it exists: the repo's accuracy bench (bench/accuracy.py on bench/evalset.py) is the set
the reward rules were written against, so a gain there may not carry over. This module
builds problems from templates and seeds that the rules never saw, and judges answers
with its own extraction (it imports nothing from ``rewards/``), so that the server's
selection is measured on ground it was not tuned on.

**The set.** Twelve templates (:data:`TEMPLATES`): six one-step (each of +, -, x, /,
money at "$p each", km per hour) and six more that carry a distractor (a quantity in the
question the answer does not use) or take two steps (+ then -, x then +, money change
from a bill, / then -). Every template is crossed with the four answer-format
instructions (:data:`INSTRUCTIONS`, one of them none) and with two number styles (bare
digits, or counts in words: "twelve"; money stays in digits), so 12 x 4 x 2 = 96 items
per split, balanced. Names, objects and numbers come from the split's seed. The answer
is computed from the drawn numbers (exact: integers, money in cents), never typed.

**The splits.** ``dev`` (seed :data:`DEV_SEED`) is for building and tuning; ``test``
(seed :data:`TEST_SEED`) is run once per change and never read while tuning. The test
split skips any draw whose template and numbers a dev item already has, so the two share
no problem even under other names.

**The judge** (:func:`stated_answer`, :func:`is_correct`). A candidate's answer is what
it *states*: the last ``\\boxed{...}`` or answer phrase ("Answer: 12", "the answer is
12", "final answer: $3.50"; after an "=" in it, the number after the last "="),
wherever it stands, even in a candidate cut at max_tokens after stating it (but not one
cut in the middle of the statement's sentence). Without such a statement, and only when
the instruction asked for nothing but the number or for nothing at all, the last number
of a candidate that *finished* (finish_reason "stop") is its answer. Anything else has
no answer and is wrong: in particular a candidate cut at max_tokens that stated
nothing, and a finished candidate that ignored an "Answer:"/``\\boxed{}`` instruction.
Numbers are read with "$" and thousands commas dropped and compared to the expected
answer within half a cent (0.005), so "19", "19.0" and "$19.00" are the same answer.
Numbers written in words in a candidate are not read (a limitation: the model answers
in digits almost always).

    .venv/bin/python bench/wordproblems.py          # rewrite bench/data/wordproblems_*.json
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

DEV_SEED = 20261201
TEST_SEED = 77140913
SPLIT_SEEDS = {"dev": DEV_SEED, "test": TEST_SEED}
DATA = Path(__file__).parent / "data"

Split = Literal["dev", "test"]
InstructionKind = Literal["answer_line", "boxed", "just_number", "none"]

INSTRUCTIONS: dict[InstructionKind, str] = {
    "answer_line": "Think step by step, then end with 'Answer: <number>'.",
    "boxed": "Put the final answer in \\boxed{}.",
    "just_number": "Reply with just the number.",
    "none": "",
}

_NAMES = [
    "Amara", "Bilal", "Carmen", "Dmitri", "Esme", "Farid", "Gita", "Hassan", "Ines", "Jonas",
    "Keiko", "Lars", "Mina", "Nikolai", "Oona", "Pablo", "Quinn", "Rosa", "Sanjay", "Tove",
]  # fmt: skip
_OBJECTS = [
    "buttons", "crayons", "erasers", "postcards", "beads", "tickets", "coins", "seeds",
    "ribbons", "magnets", "puzzles", "candles",
]  # fmt: skip
_GOODS = [
    ("notebook", "notebooks"), ("sandwich", "sandwiches"), ("pen", "pens"),
    ("ticket", "tickets"), ("cupcake", "cupcakes"), ("bus pass", "bus passes"),
    ("plant", "plants"), ("mug", "mugs"),
]  # fmt: skip
_OTHERS = ["cats", "bikes", "plants", "brothers", "hats", "lamps"]

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """English words for 0 <= n < 1000 ("forty-two", "one hundred and five")."""
    if not 0 <= n < 1000:
        raise ValueError(f"{n} is out of range")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    head = f"{_ONES[hundreds]} hundred"
    return head + (f" and {number_words(rest)}" if rest else "")


@dataclass(frozen=True)
class WordProblem:
    """One item: what is asked, how the answer is to be given, and the exact answer."""

    id: str
    template: str
    steps: int  # 1 or 2 arithmetic operations to reach the answer
    question: str
    instruction: InstructionKind
    prompt: str  # the question, then the instruction (if any): the one user message
    answer: str  # exact decimal: "42", "17.50"
    in_words: bool
    numbers: list[int]  # the drawn quantities (money in cents), for disjointness

    @property
    def messages(self) -> list[dict[str, str]]:
        return [{"role": "user", "content": self.prompt}]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Draw:
    question: str
    answer: Decimal
    numbers: list[int]


class _Ctx:
    """What a template draws from: the seeded generator and the number style."""

    def __init__(self, rng: random.Random, in_words: bool) -> None:
        self.rng = rng
        self.in_words = in_words

    def n(self, value: int) -> str:
        """A count as the item's style writes it (words only below 1000)."""
        return number_words(value) if self.in_words and value < 1000 else str(value)

    def names(self, k: int = 2) -> list[str]:
        return self.rng.sample(_NAMES, k)

    def obj(self) -> str:
        return self.rng.choice(_OBJECTS)

    def r(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


def _money(cents: int) -> str:
    return f"${cents // 100}.{cents % 100:02d}"


def _dec(cents: int) -> Decimal:
    return Decimal(cents) / 100


def _add(c: _Ctx) -> _Draw:
    (a_name, b_name), thing = c.names(), c.obj()
    a, b = c.r(3, 40), c.r(2, 30)
    q = (
        f"{a_name} has {c.n(a)} {thing}. {b_name} gives {a_name} {c.n(b)} more {thing}. "
        f"How many {thing} does {a_name} have now?"
    )
    return _Draw(q, Decimal(a + b), [a, b])


def _sub(c: _Ctx) -> _Draw:
    (a_name, b_name), thing = c.names(), c.obj()
    b = c.r(2, 25)
    a = b + c.r(1, 30)
    q = (
        f"{a_name} had {c.n(a)} {thing} and gave {c.n(b)} of them to {b_name}. "
        f"How many {thing} does {a_name} have left?"
    )
    return _Draw(q, Decimal(a - b), [a, b])


def _mul(c: _Ctx) -> _Draw:
    (a_name,), thing = c.names(1), c.obj()
    a, b = c.r(2, 9), c.r(3, 12)
    q = (
        f"{a_name} buys {c.n(a)} boxes of {thing}. Each box holds {c.n(b)} {thing}. "
        f"How many {thing} does {a_name} buy in total?"
    )
    return _Draw(q, Decimal(a * b), [a, b])


def _div(c: _Ctx) -> _Draw:
    (a_name,), thing = c.names(1), c.obj()
    per, friends = c.r(2, 12), c.r(2, 8)
    total = per * friends
    q = (
        f"{a_name} shares {c.n(total)} {thing} equally among {c.n(friends)} friends. "
        f"How many {thing} does each friend get?"
    )
    return _Draw(q, Decimal(per), [total, friends])


def _money_each(c: _Ctx) -> _Draw:
    (a_name,), (good, _) = c.names(1), c.rng.choice(_GOODS)
    count, price = c.r(2, 9), c.r(3, 40) * 25  # prices in quarters: $0.75 .. $10.00
    q = (
        f"A {good} costs {_money(price)} each. {a_name} buys {c.n(count)} of them. "
        f"How many dollars does {a_name} pay?"
    )
    return _Draw(q, _dec(count * price), [count, price])


def _km(c: _Ctx) -> _Draw:
    (a_name,) = c.names(1)
    speed, hours = c.r(3, 12) * 5, c.r(2, 6)
    vehicle = c.rng.choice(["bus", "train", "boat", "van"])
    q = (
        f"{a_name}'s {vehicle} travels {c.n(speed)} km every hour. It travels for "
        f"{c.n(hours)} hours. How many km does it travel?"
    )
    return _Draw(q, Decimal(speed * hours), [speed, hours])


def _add_distractor(c: _Ctx) -> _Draw:
    (a_name,), thing, other = c.names(1), c.obj(), c.rng.choice(_OTHERS)
    a, b, d = c.r(3, 40), c.r(2, 30), c.r(2, 9)
    q = (
        f"{a_name} has {c.n(a)} {thing} and {c.n(d)} {other}. {a_name} finds "
        f"{c.n(b)} more {thing}. How many {thing} does {a_name} have now?"
    )
    return _Draw(q, Decimal(a + b), [a, b, d])


def _minutes_distractor(c: _Ctx) -> _Draw:
    (a_name,) = c.names(1)
    done = c.r(5, 40)
    total = done + c.r(5, 40)
    bus = c.r(10, 90)
    q = (
        f"{a_name} needs {c.n(total)} minutes to finish a puzzle. The bus comes in "
        f"{c.n(bus)} minutes. {a_name} has already worked on the puzzle for {c.n(done)} "
        "minutes. How many more minutes does the puzzle need?"
    )
    return _Draw(q, Decimal(total - done), [total, bus, done])


def _add_sub(c: _Ctx) -> _Draw:
    (a_name, b_name), thing = c.names(), c.obj()
    a, b = c.r(5, 30), c.r(2, 20)
    g = c.r(1, a + b - 1)
    q = (
        f"{a_name} has {c.n(a)} {thing}, buys {c.n(b)} more, then gives {c.n(g)} to "
        f"{b_name}. How many {thing} does {a_name} have now?"
    )
    return _Draw(q, Decimal(a + b - g), [a, b, g])


def _mul_add(c: _Ctx) -> _Draw:
    (a_name,), thing = c.names(1), c.obj()
    packs, per, had = c.r(2, 8), c.r(3, 10), c.r(1, 25)
    q = (
        f"{a_name} already has {c.n(had)} {thing}. {a_name} buys {c.n(packs)} packs with "
        f"{c.n(per)} {thing} in each pack. How many {thing} does {a_name} have now?"
    )
    return _Draw(q, Decimal(packs * per + had), [packs, per, had])


def _money_change(c: _Ctx) -> _Draw:
    (a_name,), (_, goods) = c.names(1), c.rng.choice(_GOODS)
    count, price = c.r(2, 6), c.r(2, 15) * 25
    bill = next(b for b in (500, 1000, 2000, 5000, 10000) if b > count * price)
    q = (
        f"{a_name} buys {c.n(count)} {goods} at {_money(price)} each and pays with a "
        f"{_money(bill)} bill. How many dollars of change does {a_name} get?"
    )
    return _Draw(q, _dec(bill - count * price), [count, price, bill])


def _div_sub(c: _Ctx) -> _Draw:
    (a_name,) = c.names(1)
    part, parts = c.r(4, 15), c.r(2, 6)
    walked = c.r(1, part - 1)
    q = (
        f"A trail of {c.n(part * parts)} km is split into {c.n(parts)} equal parts. "
        f"{a_name} has walked {c.n(walked)} km of the first part. How many km of the "
        "first part are left?"
    )
    return _Draw(q, Decimal(part - walked), [part * parts, parts, walked])


# name -> (steps, draw): one-step first, then distractors and two-step.
TEMPLATES: dict[str, tuple[int, Callable[[_Ctx], _Draw]]] = {
    "add": (1, _add),
    "sub": (1, _sub),
    "mul": (1, _mul),
    "div": (1, _div),
    "money_each": (1, _money_each),
    "km_rate": (1, _km),
    "add_distractor": (1, _add_distractor),
    "minutes_distractor": (1, _minutes_distractor),
    "add_sub": (2, _add_sub),
    "mul_add": (2, _mul_add),
    "money_change": (2, _money_change),
    "div_sub": (2, _div_sub),
}


def _fmt(value: Decimal) -> str:
    """The exact answer as text: an integer without decimals, money with two."""
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value:.2f}"


def build(
    seed: int, prefix: str = "wp", exclude: frozenset[tuple[Any, ...]] = frozenset()
) -> list[WordProblem]:
    """The 96 items of one split: every template x instruction x number style, once.

    ``exclude`` holds (template, numbers) keys another split already has; such a draw is
    redrawn, so splits never share a problem.
    """
    rng = random.Random(seed)
    items: list[WordProblem] = []
    seen = set(exclude)
    for name, (steps, draw) in TEMPLATES.items():
        for kind in INSTRUCTIONS:
            for in_words in (False, True):
                ctx = _Ctx(rng, in_words)
                for _ in range(1000):
                    d = draw(ctx)
                    key = (name, *d.numbers)
                    if key not in seen:
                        break
                else:  # pragma: no cover - the ranges hold far more than 96 draws
                    raise RuntimeError(f"{name}: no fresh draw")
                seen.add(key)
                instruction = INSTRUCTIONS[kind]
                items.append(
                    WordProblem(
                        id=f"{prefix}-{len(items):03d}-{name}",
                        template=name,
                        steps=steps,
                        question=d.question,
                        instruction=kind,
                        prompt=f"{d.question} {instruction}".strip(),
                        answer=_fmt(d.answer),
                        in_words=in_words,
                        numbers=d.numbers,
                    )
                )
    return items


def key(item: WordProblem) -> tuple[Any, ...]:
    """What makes two items the same problem: the template and the drawn numbers."""
    return (item.template, *item.numbers)


def splits() -> dict[Split, list[WordProblem]]:
    """Both splits; the test split excludes every dev problem."""
    dev = build(DEV_SEED, "dev")
    test = build(TEST_SEED, "test", exclude=frozenset(key(i) for i in dev))
    return {"dev": dev, "test": test}


def load(split: Split) -> list[WordProblem]:
    """A split as committed in bench/data/wordproblems_<split>.json."""
    data = json.loads((DATA / f"wordproblems_{split}.json").read_text())
    return [WordProblem(**row) for row in data["items"]]


# ------------------------------------------------------------------------------ judge

_NUM = r"-?\$?\s?\d[\d,]*(?:\.\d+)?|-?\$?\s?\.\d+"
# An answer phrase: "Answer: 12", "**Answer:** $3.50", "the (final) answer is 12". What it
# states is read from the rest of its line, up to the sentence's end: after the last "="
# if there is one ("the answer is 38 + 27 = 55" states 55), else its first number.
_PHRASE = re.compile(r"\banswer\b[\s*]*(?:is\b|:|=)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\n|\.(?:\s|$)")
_BOXED = re.compile(r"\\boxed\s*\{([^{}]*)\}")
_ANY_NUM = re.compile(_NUM)


def _number(text: str) -> Decimal | None:
    cleaned = text.replace("$", "").replace(",", "").replace(" ", "")
    try:
        return Decimal(cleaned)
    except ArithmeticError:
        return None


def stated_answer(
    text: str, instruction: InstructionKind, finish_reason: str | None
) -> Decimal | None:
    """The candidate's final answer by the module's rules (see the docstring), or None."""
    stated: list[tuple[int, str]] = []
    for m in _BOXED.finditer(text):
        nums = _ANY_NUM.findall(m.group(1))
        if nums:
            stated.append((m.start(), nums[-1]))
    for m in _PHRASE.finditer(text):
        rest = text[m.end() :].lstrip(" \t\n*")
        end = _SENTENCE_END.search(rest)
        if end is None and finish_reason != "stop":
            continue  # cut while stating it: "Answer: 2" may have been going to be 25
        segment = (rest if end is None else rest[: end.start()]).rsplit("=", 1)[-1]
        num = _ANY_NUM.search(segment)
        if num:
            stated.append((m.start(), num.group()))
    if stated:
        return _number(max(stated)[1])
    if instruction in ("just_number", "none") and finish_reason == "stop":
        nums = _ANY_NUM.findall(text)
        if nums:
            return _number(nums[-1])
    return None


def is_correct(item: WordProblem, text: str, finish_reason: str | None) -> bool:
    """Whether the candidate's stated final answer equals the item's, within half a cent."""
    got = stated_answer(text, item.instruction, finish_reason)
    return got is not None and abs(got - Decimal(item.answer)) <= Decimal("0.005")


def answer_key(item: WordProblem, text: str, finish_reason: str | None) -> str | None:
    """The answer as majority vote counts it (the same reading as the judge)."""
    got = stated_answer(text, item.instruction, finish_reason)
    return None if got is None else _fmt(got.quantize(Decimal("0.01")))


def main() -> int:
    DATA.mkdir(parents=True, exist_ok=True)
    for split, items in splits().items():
        path = DATA / f"wordproblems_{split}.json"
        meta = {"split": split, "seed": SPLIT_SEEDS[split], "items": len(items)}
        if split == "test":
            meta["excludes_seed"] = DEV_SEED
        path.write_text(
            json.dumps({"meta": meta, "items": [i.to_dict() for i in items]}, indent=1) + "\n"
        )
        print(f"wrote {path} ({len(items)} items, seed {SPLIT_SEEDS[split]})")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
