"""The held-out word-problem set (bench/wordproblems.py) and its bench's plumbing: no engine."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from bench import wordproblems as wp
from bench.wordproblems_bench import majority, share_closed
from rewards.types import Candidate


@pytest.fixture(scope="module")
def both() -> dict[wp.Split, list[wp.WordProblem]]:
    return wp.splits()


def test_the_same_seed_builds_the_same_items_and_another_seed_others() -> None:
    assert wp.build(5) == wp.build(5)
    assert [i.question for i in wp.build(5)] != [i.question for i in wp.build(6)]


def test_every_split_is_balanced_over_template_instruction_and_number_style(
    both: dict[wp.Split, list[wp.WordProblem]],
) -> None:
    for items in both.values():
        assert len(items) == 96
        assert len({i.id for i in items}) == 96
        cells = Counter((i.template, i.instruction, i.in_words) for i in items)
        assert set(cells.values()) == {1}
        assert len(cells) == len(wp.TEMPLATES) * len(wp.INSTRUCTIONS) * 2


def test_the_splits_share_no_problem_even_under_other_names(
    both: dict[wp.Split, list[wp.WordProblem]],
) -> None:
    dev, test = both["dev"], both["test"]
    assert not {wp.key(i) for i in dev} & {wp.key(i) for i in test}
    assert not {i.question for i in dev} & {i.question for i in test}


# The answer of each template, recomputed from its numbers apart from the generator.
_SOLVE: dict[str, Any] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda total, k: Decimal(total) / k,
    "money_each": lambda n, cents: Decimal(n * cents) / 100,
    "km_rate": lambda speed, hours: speed * hours,
    "add_distractor": lambda a, b, _d: a + b,
    "minutes_distractor": lambda total, _bus, done: total - done,
    "add_sub": lambda a, b, g: a + b - g,
    "mul_add": lambda packs, per, had: packs * per + had,
    "money_change": lambda n, cents, bill: Decimal(bill - n * cents) / 100,
    "div_sub": lambda total, k, walked: Decimal(total) / k - walked,
}


def _written(n: int, item: wp.WordProblem) -> str:
    return wp.number_words(n) if item.in_words and n < 1000 else str(n)


def test_answers_are_right_by_construction_and_use_the_question_numbers(
    both: dict[wp.Split, list[wp.WordProblem]],
) -> None:
    assert set(_SOLVE) == set(wp.TEMPLATES)
    for item in both["dev"] + both["test"]:
        expected = Decimal(_SOLVE[item.template](*item.numbers))
        assert Decimal(item.answer) == expected, item.id
        assert expected > 0 and expected == expected.quantize(Decimal("0.01"))
        if item.template == "div":  # exact integer division
            assert expected == int(expected)
        for n in item.numbers:
            text = f"${n // 100}.{n % 100:02d}" if "money" in item.template and n >= 25 else None
            if text is None or text not in item.question:
                text = _written(n, item)
            assert text in item.question, (item.id, n)
        assert item.prompt.startswith(item.question)
        if item.instruction == "none":
            assert item.prompt == item.question
        else:
            assert item.prompt.endswith(wp.INSTRUCTIONS[item.instruction])


def test_words_and_money_formats() -> None:
    assert wp.number_words(0) == "zero"
    assert wp.number_words(42) == "forty-two"
    assert wp.number_words(105) == "one hundred and five"
    assert wp.number_words(990) == "nine hundred and ninety"
    with pytest.raises(ValueError):
        wp.number_words(1000)


def test_the_committed_files_are_what_the_seeds_build(
    both: dict[wp.Split, list[wp.WordProblem]],
) -> None:
    for split, items in both.items():
        data = json.loads((wp.DATA / f"wordproblems_{split}.json").read_text())
        assert data["meta"]["seed"] == wp.SPLIT_SEEDS[split]
        assert wp.load(split) == items


# ------------------------------------------------------------------------------ judge


def _item(instruction: wp.InstructionKind, answer: str = "25") -> wp.WordProblem:
    return wp.WordProblem(
        id="t",
        template="add",
        steps=1,
        question="q",
        instruction=instruction,
        prompt="q",
        answer=answer,
        in_words=False,
        numbers=[],
    )


@pytest.mark.parametrize(
    ("instruction", "text", "finish", "right"),
    [
        ("answer_line", "17 + 8 = 25\nAnswer: 25", "stop", True),
        ("answer_line", "**Answer:** 25 erasers.", "stop", True),
        ("answer_line", "The answer is 25.\nThen 25 + 4 = 29. The answer is 29.", "stop", False),
        ("answer_line", "the answer is 17 + 8 = 25.", "stop", True),
        ("answer_line", "17 + 8 = 25. So she has 25 erasers.", "stop", False),  # no statement
        (
            "answer_line",
            "Answer: 25.\n\nNow let us check: 17 +",
            "length",
            True,
        ),  # stated, then cut
        ("answer_line", "Step 1: 17 + 8 = 25\nStep 2: add 7 + 1", "length", False),
        ("answer_line", "so the answer is 2", "length", False),  # cut inside the statement
        ("boxed", "So \\boxed{25}", "stop", True),
        ("boxed", "\\boxed{17 + 8 = 25}", "stop", True),
        ("boxed", "17 + 8 = 25", "stop", False),
        ("just_number", "25", "stop", True),
        ("just_number", "25,", "stop", True),
        ("just_number", "17 + 8 = 25", "length", False),  # cut: its last number is no answer
        ("none", "She has 17 + 8 = 25 erasers.", "stop", True),
        ("none", "She has 17 + 8 =", "length", False),
        ("none", "Answer: <number>", "stop", False),
    ],
)
def test_the_judge_reads_only_a_stated_answer(
    instruction: wp.InstructionKind, text: str, finish: str, right: bool
) -> None:
    assert wp.is_correct(_item(instruction), text, finish) is right


def test_money_is_compared_within_half_a_cent() -> None:
    item = _item("answer_line", "8.75")
    assert wp.is_correct(item, "Answer: $8.75", "stop")
    assert wp.is_correct(item, "Answer: 8.750", "stop")
    assert not wp.is_correct(item, "Answer: $8.70", "stop")
    big = _item("just_number", "1250")
    assert wp.is_correct(big, "$1,250.00", "stop")


def test_majority_counts_stated_answers_and_skips_the_unstated() -> None:
    item = _item("none")
    texts = [("It is 7", "length"), ("It is 25", "stop"), ("7 apples", "stop"), ("25", "stop")]
    pool = [Candidate(index=i, text=t, finish_reason=f) for i, (t, f) in enumerate(texts)]
    # The cut "7" has no answer: 25 has two votes, 7 one; the first 25 wins.
    assert majority(item, pool, [0, 1, 2, 3]) == 1
    assert majority(item, pool, [0]) == 0  # nobody states anything: the first


def test_share_closed() -> None:
    assert share_closed(0.2, 0.5, 0.8) == pytest.approx(0.5)
    assert share_closed(0.2, 0.1, 0.8) == pytest.approx(-1 / 6)
    assert share_closed(0.3, 0.3, 0.3) is None
