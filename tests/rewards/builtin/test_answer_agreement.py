"""answer_agreement: self-consistency via math-verify."""

import threading
import time

from rewards.builtin.answer_agreement import AnswerAgreement
from rewards.types import RewardContext, Score

CTX = RewardContext(prompt="What is half of one?", task="math")


def score(texts: list[str]) -> list[Score]:
    return AnswerAgreement()(completions=texts, context=CTX, candidates=[])


def test_equivalent_forms_agree() -> None:
    scores = score(["\\boxed{1/2}", "so it is 0.5", "Answer: $\\frac{1}{2}$", "\\boxed{0.25}"])
    assert [s.value for s in scores] == [2 / 3, 2 / 3, 2 / 3, 0.0]
    assert scores[0].evidence == "answer 1/2 agrees with 2/3 others"
    assert scores[3].evidence == "answer 0.25 agrees with 0/3 others"


def test_answer_phrase_agrees_with_decimal() -> None:
    scores = score(["The answer is 42", "42.0", "\\boxed{41}"])
    assert [s.value for s in scores] == [0.5, 0.5, 0.0]


def test_majority_answer_scores_highest() -> None:
    texts = ["\\boxed{7}"] * 5 + ["\\boxed{8}"] * 2 + ["no idea"]
    scores = score(texts)
    assert scores[0].value == 4 / 7
    assert scores[0].evidence == "answer 7 agrees with 4/7 others"
    assert scores[5].value == 1 / 7
    assert scores[7] == Score(0.0, "no final answer")


def test_single_candidate_is_not_applicable() -> None:
    assert [s.value for s in score(["\\boxed{1}"])] == [None]


def test_text_answers_compare_as_text() -> None:
    scores = score(["\\boxed{\\text{yes}}", "\\boxed{\\text{yes}}", "\\boxed{\\text{no}}"])
    assert [s.value for s in scores] == [0.5, 0.5, 0.0]


def test_runs_inside_a_worker_thread() -> None:
    # math-verify's default signal.alarm timeouts raise off the main thread.
    result: list[list[Score]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            result.append(
                score(["\\boxed{\\frac{1}{2}}", "0.5", "\\boxed{x^2+1}", "\\boxed{1+x^2}"])
            )
        except BaseException as exc:  # surfaced to the test below
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=60)
    assert not errors
    assert [s.value for s in result[0]] == [1 / 3, 1 / 3, 1 / 3, 1 / 3]


def test_math_verify_defaults_fail_off_the_main_thread() -> None:
    # Why every call passes parsing_timeout=None / timeout_seconds=None.
    from math_verify import parse

    errors: list[BaseException] = []

    def work() -> None:
        try:
            parse("\\boxed{1}")
        except ValueError as exc:
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=60)
    assert errors and "threaded environment" in str(errors[0])


def test_astronomical_answer_does_not_hang() -> None:
    scores = score(["\\boxed{10^{10^{10}}}", "\\boxed{5}", "\\boxed{10^{10^{10}}}"])
    assert [s.value for s in scores] == [0.5, 0.0, 0.5]
    assert "compared as text" in scores[0].evidence


def test_spent_budget_falls_back_to_text_and_says_so() -> None:
    texts = ["\\boxed{1/2}", "\\boxed{0.5}", "\\boxed{1/2}"]
    scores = AnswerAgreement(budget_s=0.0)(completions=texts, context=CTX, candidates=[])
    assert [s.value for s in scores] == [0.5, 0.0, 0.5]
    assert scores[1].evidence == (
        "answer 0.5 agrees with 0/2 others (compared as text: verify budget spent)"
    )


def test_many_distinct_symbolic_answers_stay_within_budget() -> None:
    texts = [f"\\boxed{{x^{i % 5}+{i}x+1}}" for i in range(64)]
    start = time.monotonic()
    scores = AnswerAgreement(budget_s=0.5)(completions=texts, context=CTX, candidates=[])
    assert time.monotonic() - start < 5.0
    assert all(s.value == 0.0 for s in scores)
