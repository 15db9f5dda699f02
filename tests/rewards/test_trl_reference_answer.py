"""rewards.trl.reference_answer: the GRPO export's ``answer`` column as a TRL reward."""

from __future__ import annotations

import pickle

import rewards
from rewards.trl import reference_answer


def test_an_equivalent_answer_scores_one_another_zero() -> None:
    completions = ["Half of it: \\boxed{\\frac{1}{2}}", "The answer is 3."]
    assert reference_answer(completions=completions, answer=["0.5", "0.5"]) == [1.0, 0.0]


def test_a_completion_without_an_answer_scores_zero() -> None:
    # No final answer is not the reference's: 0.0, like a wrong one (None is for no reference).
    completions = ["I cannot tell.", "<think>1/2 maybe"]  # an unclosed <think>: cut off
    assert reference_answer(completions=completions, answer=["0.5", "0.5"]) == [0.0, 0.0]


def test_a_row_without_a_reference_gives_no_signal() -> None:
    values = reference_answer(completions=["\\boxed{42}", "\\boxed{42}"], answer=[None, " "])
    assert values == [None, None]


def test_each_row_is_compared_with_its_own_reference() -> None:
    completions = ["\\boxed{42}", "\\boxed{41}", "x = 2/4", "so 3"]
    answers = ["42", "42", "\\frac{1}{2}", "\\frac{1}{2}"]
    assert reference_answer(completions=completions, answer=answers) == [1.0, 0.0, 1.0, 0.0]


def test_conversational_completions_and_trls_other_columns() -> None:
    completions = [[{"role": "assistant", "content": "The answer is 0.5."}]]
    values = reference_answer(
        prompts=[[{"role": "user", "content": "Half of 1?"}]],
        completions=completions,
        answer=["\\frac{1}{2}"],
        task=["math"],
        completion_ids=[[1, 2]],
    )
    assert values == [1.0]


def test_exported_named_and_picklable_for_trl() -> None:
    assert rewards.reference_answer is reference_answer
    assert reference_answer.__name__ == "reference_answer"  # TRL logs rewards by it
    assert pickle.loads(pickle.dumps(reference_answer)) is reference_answer
