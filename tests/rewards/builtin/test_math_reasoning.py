"""math_reasoning (issue 14, cause 3): steps that use the question's numbers, its operation,
and end at the stated answer. Real candidates are verbatim SmolLM2-135M outputs from the
accuracy bench's pools (tests/rewards/data/issue14_candidates.json)."""

import json
from fractions import Fraction
from pathlib import Path

import pytest

from rewards.builtin.math_answers import extract_answer
from rewards.builtin.math_reasoning import (
    MathReasoning,
    check_reasoning,
    cued_operators,
    quantities,
)
from rewards.builtin.math_steps import check_steps
from rewards.types import RewardContext

DATA = json.loads((Path(__file__).parents[1] / "data" / "issue14_candidates.json").read_text())
SINGLES = DATA["singles"]
IVO = "Ivo has 12 stickers and buys 7 more. How many stickers does Ivo have now?"


def test_the_issue_case_12_times_7_for_12_plus_7() -> None:
    text = "Ivo has 12 stickers. He buys 7 more.\n12 * 7 = 84\nAnswer: 84"
    assert check_steps(text).share == 1.0  # every claim true: math_steps is satisfied
    report = check_reasoning(IVO, text)
    assert report is not None and report.share == 0.0
    assert "operation * not asked for (the question asks for +)" in report.describe()
    right = check_reasoning(IVO, "12 + 7 = 19\nAnswer: 19")
    assert right is not None and right.share == 1.0


def test_real_wrong_operation_add_for_gave_away() -> None:
    c = SINGLES["math-3-3"]  # "Iris had 10 stickers and gave away 4": "10 + 4 = 14"
    assert check_steps(c["text"]).share == 1.0
    report = check_reasoning(c["question"], c["text"], c["finish_reason"])
    assert report is not None and report.share == 0.0
    assert "10 + 4 = 14 (operation + not asked for (the question asks for -))" in report.describe()


def test_real_inputs_from_nowhere_and_unused_quantity() -> None:
    c = SINGLES["math-1-0"]  # "Iris has 8 shells and gets 6 more": "8 * 8 = 64", 6 never used
    report = check_reasoning(c["question"], c["text"], c["finish_reason"])
    assert report is not None and report.share == 0.0
    assert report.unused == (Fraction(6),)
    assert "question quantities unused without a word: 6" in report.describe()


def test_a_step_whose_input_comes_from_nowhere_fails() -> None:
    report = check_reasoning(IVO, "12 + 7 = 19, and 19 + 5 = 24. Answer: 24")
    assert report is not None
    assert [s.holds for s in report.steps] == [True, False]
    assert report.steps[1].why == "5 is neither in the question nor an earlier result"


def test_earlier_results_are_valid_inputs() -> None:
    q = "Mia buys 3 packs of 4 pens and gives away 5 pens. How many pens are left?"
    report = check_reasoning(q, "3 * 4 = 12 pens. 12 - 5 = 7 pens left. Answer: 7")
    assert report is not None and report.share == 1.0


def test_the_stated_answer_must_be_the_last_result() -> None:
    report = check_reasoning(IVO, "12 + 7 = 19. Answer: 18")
    assert report is not None and report.share == 0.0
    assert report.steps[-1].why == "the stated answer 18 is not its result 19"


def test_real_unmarked_answer_is_read_as_the_computed_result() -> None:
    c = SINGLES["math-5-12"]  # "6 * 5 = 30 pencils. Therefore, there are 30 pencils in 6 boxes."
    assert extract_answer(c["text"], c["finish_reason"]) == "30" == c["answer"]
    report = check_reasoning(c["question"], c["text"], c["finish_reason"])
    assert report is not None and report.share == 1.0


def test_a_distractor_set_aside_in_words_is_not_unused() -> None:
    q = "Lena has 9 apples and buys 4 more. She is 11 years old. How many apples does she have?"
    silent = check_reasoning(q, "9 + 4 = 13. Answer: 13")
    said = check_reasoning(q, "9 + 4 = 13. Her age, 11, is not needed. Answer: 13")
    assert silent is not None and silent.unused == (Fraction(11),) and silent.share == 0.5
    assert said is not None and said.unused == () and said.share == 1.0


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Farid has seventeen crayons. Carmen gives Farid six more crayons.", [17, 6]),
        ("Dmitri has thirty-seven erasers and a dozen pens.", [37, 12]),
        ("A ticket costs $3.50 and a drink $1,200.25.", [Fraction(7, 2), Fraction(120025, 100)]),
        ("It rained on 15% of one hundred and five days.", [15, 105]),
    ],
)
def test_quantities_in_digits_words_money(question: str, expected: list[Fraction]) -> None:
    assert quantities(question) == [Fraction(e) for e in expected]


def test_money_steps_trace_back_to_the_question() -> None:
    q = "A notebook costs $3.50. Tom buys 4 notebooks. How much does he pay?"
    report = check_reasoning(q, "$3.50 x 4 = $14.00\nAnswer: $14")
    assert report is not None and report.share == 1.0


def test_cues() -> None:
    assert cued_operators("Iris had 10 stickers and gave away 4. How many are left?") == {"-"}
    assert cued_operators("What is 2 + 6?") == set()  # no words: the operation is not judged


def test_reward_scores_and_evidence() -> None:
    ctx = RewardContext(prompt=IVO, task="math")
    texts = ["12 + 7 = 19. Answer: 19", "12 * 7 = 84. Answer: 84", "It is 19."]
    scores = MathReasoning()(completions=texts, context=ctx, candidates=[])
    assert [s.value for s in scores] == [1.0, 0.0, None]
    assert scores[0].evidence == "1/1 reasoning steps hold"
    none = MathReasoning()(
        completions=["1 + 1 = 2"], context=RewardContext(prompt="Hi"), candidates=[]
    )
    assert none[0].value is None and none[0].evidence == "the question gives no quantity"


def test_bounded_on_hostile_text() -> None:
    # Long runs of number words and digits: linear-time patterns, capped quantities.
    question = "twenty-" * 20_000 + " 1," * 20_000
    assert len(quantities(question)) <= 50
    text = "1 + 1 = 2 " * 5_000
    report = check_reasoning("Ann has 1 cat and gets 1 more.", text)
    assert report is not None and len(report.steps) <= 100
