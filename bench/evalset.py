"""A small evaluation set that regenerates from a seed: arithmetic word problems
with exact answers, small JSON tasks with exact expected values, and small Python
functions with tests given in the prompt.

Every item knows how to judge a completion (:func:`is_correct`), independently of the
server's rewards: math by math-verify against the exact answer, JSON by parsing and
comparing the values, code by running the item's *hidden* tests (more cases than the
prompt shows) in the sandbox.

    .venv/bin/python bench/evalset.py --seed 0   # prints the items
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

Kind = str  # "math" | "json" | "code"


@dataclass(frozen=True)
class Item:
    """One evaluation task: the chat messages, and what a correct answer is."""

    id: str
    kind: Kind
    messages: list[dict[str, str]]
    answer: str  # math: the exact number; json: the expected object; code: the function name
    hidden_tests: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_NAMES = ["Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Hugo", "Iris", "Jack"]
_THINGS = ["apples", "pencils", "stickers", "marbles", "books", "cookies", "stamps", "shells"]


def _math_items(rng: random.Random, count: int) -> list[Item]:
    """One-step arithmetic, bare and in words, with small numbers: the embedded 135M
    model gets some of these right and many wrong, which is what a selection benchmark
    needs (a first run on two-step word problems with two-digit numbers got almost
    none right: nothing to select)."""
    items = []
    for i in range(count):
        who, thing = rng.choice(_NAMES), rng.choice(_THINGS)
        shape = i % 6
        a, b = rng.randint(2, 12), rng.randint(2, 12)
        if shape == 0:
            text, ans = f"What is {a} + {b}?", a + b
        elif shape == 1:
            text, ans = f"{who} has {a} {thing} and gets {b} more. How many {thing} now?", a + b
        elif shape == 2:
            big = a + b
            text, ans = f"What is {big} - {b}?", a
        elif shape == 3:
            big = a + b
            text, ans = f"{who} had {big} {thing} and gave away {b}. How many are left?", a
        elif shape == 4:
            a, b = rng.randint(2, 9), rng.randint(2, 9)
            text, ans = f"What is {a} times {b}?", a * b
        else:
            a, b = rng.randint(2, 6), rng.randint(2, 6)
            text, ans = f"A box holds {a} {thing}. How many {thing} are in {b} boxes?", a * b
        prompt = f"{text} Answer with the number."
        items.append(Item(f"math-{i}", "math", [{"role": "user", "content": prompt}], str(ans)))
    return items


def _json_items(rng: random.Random, count: int) -> list[Item]:
    items = []
    cities = ["Paris", "Lima", "Oslo", "Cairo", "Tokyo", "Quito", "Rome", "Seoul"]
    for i in range(count):
        name, age, city = rng.choice(_NAMES), rng.randint(18, 80), rng.choice(cities)
        expected = {"name": name, "age": age, "city": city}
        prompt = (
            f"{name} is {age} years old and lives in {city}. Return only a JSON object with "
            'the keys "name" (string), "age" (integer) and "city" (string) for this person.'
        )
        items.append(
            Item(f"json-{i}", "json", [{"role": "user", "content": prompt}], json.dumps(expected))
        )
    return items


# name, description, signature, (shown test, hidden tests)
_FUNCTIONS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("add", "returns the sum of a and b", "a, b", [("2, 3", "5"), ("-1, 1", "0"), ("10, 5", "15")]),
    ("square", "returns x squared", "x", [("3", "9"), ("0", "0"), ("-4", "16")]),
    ("is_even", "returns True if n is even, else False", "n", [("4", "True"), ("7", "False")]),
    ("maximum", "returns the larger of a and b", "a, b", [("2, 9", "9"), ("5, 1", "5")]),
    ("double", "returns n multiplied by 2", "n", [("4", "8"), ("0", "0"), ("-3", "-6")]),
    (
        "reverse",
        "returns the string s reversed",
        "s",
        [("'abc'", "'cba'"), ("''", "''"), ("'ab'", "'ba'")],
    ),
    ("last", "returns the last element of the list xs", "xs", [("[1, 2, 3]", "3"), ("[7]", "7")]),
    ("absolute", "returns the absolute value of n", "n", [("-5", "5"), ("3", "3"), ("0", "0")]),
    ("count_a", "returns how many times 'a' occurs in s", "s", [("'banana'", "3"), ("'xyz'", "0")]),
    ("total", "returns the sum of the numbers in the list xs", "xs", [("[1, 2, 3]", "6")]),
]


def _code_items(count: int) -> list[Item]:
    items = []
    for i, (name, what, args, cases) in enumerate(_FUNCTIONS[:count]):
        shown = f"assert {name}({cases[0][0]}) == {cases[0][1]}"
        hidden = [f"assert {name}({a}) == {r}" for a, r in cases]
        prompt = (
            f"Write a Python function `{name}({args})` that {what}.\n"
            f"It must pass this test:\n```python\n{shown}\n```"
        )
        items.append(Item(f"code-{i}", "code", [{"role": "user", "content": prompt}], name, hidden))
    return items


def build(seed: int = 0, n_math: int = 30, n_json: int = 8, n_code: int = 10) -> list[Item]:
    """The evaluation set for ``seed``: the same seed gives the same items."""
    rng = random.Random(seed)
    return _math_items(rng, n_math) + _json_items(rng, n_json) + _code_items(n_code)


# ---------------------------------------------------------------------------- judging

_FENCE = re.compile(r"```[\w+-]*\s*\n(.*?)```", re.DOTALL)
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def _json_in(text: str) -> Any:
    for chunk in [*_FENCE.findall(text), text, *_OBJECT.findall(text)]:
        try:
            return json.loads(chunk.strip())
        except ValueError:
            continue
    return None


def is_correct(item: Item, text: str, finish_reason: str | None = None) -> bool:
    """Whether ``text`` answers ``item`` correctly (the benchmark's ground truth).

    A math solution cut off by the token limit has no final answer: its last number
    is an accident of where it stopped, so it never counts as correct.
    """
    if item.kind == "math":
        from rewards.builtin.math_answers import equivalent, extract_answer

        if finish_reason == "length":
            return False
        found = extract_answer(text)
        return found is not None and equivalent(found, item.answer)
    if item.kind == "json":
        return bool(_json_in(text) == json.loads(item.answer))
    from rewards.builtin.code_exec import extract_code
    from rewards.sandbox import Step, run_tests

    code = extract_code(text)
    if code is None or not code.code:
        return False
    result = run_tests(code.code, [Step("assert", t, t) for t in item.hidden_tests])
    return result.passed == result.total


def majority_key(item: Item, text: str) -> str | None:
    """What majority vote compares: the final answer, the parsed object, the code."""
    if item.kind == "math":
        from rewards.builtin.math_answers import extract_answer

        found = extract_answer(text)
        return found.strip() if found else None
    if item.kind == "json":
        value = _json_in(text)
        return json.dumps(value, sort_keys=True) if value is not None else None
    from rewards.builtin.code_exec import extract_code

    code = extract_code(text)
    return re.sub(r"\s+", " ", code.code).strip() if code and code.code else None


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    for item in build(args.seed):
        print(json.dumps(item.to_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
