"""answer_agreement: self-consistency weighted by each candidate's quality."""

import sys
import threading

import pytest

from rewards import mathverify_pool
from rewards.builtin.answer_agreement import AnswerAgreement
from rewards.mathverify_pool import MathVerifyPool
from rewards.types import Candidate, RewardContext, Score

CTX = RewardContext(prompt="What is half of one?", task="math")


def score(
    texts: list[str], candidates: list[Candidate] | None = None, ctx: RewardContext = CTX
) -> list[Score]:
    return AnswerAgreement()(completions=texts, context=ctx, candidates=candidates or [])


def values(scores: list[Score]) -> list[float | None]:
    return [None if s.value is None else round(s.value, 4) for s in scores]


def test_equal_weights_give_the_majority_share() -> None:
    # All marked, no arithmetic claims: every weight is 0.25, the share is count / n.
    scores = score(["\\boxed{1/2}", "the answer is 0.5", "Answer: $\\frac{1}{2}$", "\\boxed{0.25}"])
    assert values(scores) == [0.75, 0.75, 0.75, 0.25]
    assert scores[0].evidence == (
        "answer 1/2: cluster 3/4 candidates, weighted share 0.75; own weight 0.25 (steps 0/0)"
    )


def test_unweighted_is_plain_majority_share() -> None:
    texts = ["3 * 4 = 13, so \\boxed{13}"] * 2 + ["3 * 4 = 12, so \\boxed{12}"]
    scores = AnswerAgreement(weighted=False)(completions=texts, context=CTX, candidates=[])
    assert values(scores) == [0.6667, 0.6667, 0.3333]
    assert scores[2].evidence.endswith("own weight 1 (unweighted)")


def test_checked_steps_outvote_a_wrong_majority() -> None:
    # Plain majority picks 13 (2 votes to 1); the weights trust the candidate whose
    # arithmetic holds: weights 0.11, 0.11 and 0.56, so 12 gets 0.72 of the vote.
    texts = [
        "3 * 4 = 13, so the answer is 13.",
        "3 * 4 = 13. Answer: 13",
        "3 * 4 = 12 and 12 + 0 = 12, so \\boxed{12}",
    ]
    scores = score(texts, ctx=RewardContext(prompt="What is 3 * 4 + 0?", task="math"))
    assert scores[2].value is not None and scores[0].value is not None
    assert scores[2].value > scores[0].value
    assert values(scores) == [0.2832, 0.2832, 0.7168]
    assert scores[0].evidence == (
        "answer 13: cluster 2/3 candidates, weighted share 0.28; own weight 0.11 (steps 0/1)"
    )
    assert scores[2].evidence == (
        "answer 12: cluster 1/3 candidates, weighted share 0.72; own weight 0.56 (steps 2/2)"
    )


def test_truncated_candidates_do_not_vote() -> None:
    texts = ["\\boxed{7}", "so it is 8", "\\boxed{9}", "\\boxed{7} and then"]
    cands = [
        Candidate(0, texts[0], (1,), "stop"),
        Candidate(1, texts[1], (1,), "stop"),
        Candidate(2, texts[2], (1,), "length"),
        Candidate(3, texts[3], (1,), "length"),
    ]
    scores = score(texts, cands)
    # weights 0.25, 0.25 (a bare number is not weighted down); the truncated ones add
    # nothing; the one whose stated 7 matches a complete cluster gets half its share.
    assert values(scores) == [0.5, 0.5, 0.0, 0.25]
    assert scores[1].evidence.endswith("own weight 0.25 (steps 0/0)")
    assert scores[2].evidence.startswith("truncated, stated answer 9: matches a cluster of 0")
    assert scores[3].evidence.startswith("truncated, stated answer 7: matches a cluster of 1")


def test_no_answer_votes_for_nothing() -> None:
    texts = ["\\boxed{7}"] * 5 + ["\\boxed{8}"] * 2 + ["no idea"]
    scores = score(texts)
    # weights 0.25 each: "no idea" counts in the denominator
    assert values(scores) == [0.625] * 5 + [0.25] * 2 + [0.0]
    assert scores[7] == Score(0.0, "no final answer; weight 0.25 (steps 0/0)")


def test_single_candidate_is_not_applicable() -> None:
    assert [s.value for s in score(["\\boxed{1}"])] == [None]


def test_text_answers_compare_as_text() -> None:
    scores = score(["\\boxed{\\text{yes}}", "\\boxed{\\text{yes}}", "\\boxed{\\text{no}}"])
    assert values(scores) == [0.6667, 0.6667, 0.3333]


def test_runs_inside_a_worker_thread() -> None:
    # math-verify's signal timeouts would raise here: the comparison runs in the pool.
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
    worker.join(timeout=120)
    assert not errors
    scores = result[0]
    assert values(scores) == [0.5, 0.5, 0.5, 0.5]
    assert "compared:" not in scores[0].evidence  # the worker did it


def test_math_verify_defaults_fail_off_the_main_thread() -> None:
    # Why math-verify runs in a worker process (see rewards.mathverify_pool).
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


def test_astronomical_answer_is_compared_as_text() -> None:
    scores = score(["\\boxed{10^{10^{10}}}", "\\boxed{5}", "\\boxed{10^{10^{10}}}"])
    assert values(scores) == [0.6667, 0.3333, 0.6667]
    assert "(compared as text)" in scores[0].evidence


def test_spent_budget_falls_back_to_text_and_says_so() -> None:
    texts = ["\\boxed{1/2}", "\\boxed{0.5}", "\\boxed{1/2}"]
    scores = AnswerAgreement(budget_s=0.0)(completions=texts, context=CTX, candidates=[])
    assert values(scores) == [0.6667, 0.3333, 0.6667]
    assert scores[1].evidence.startswith(
        "answer 0.5 (compared as text: verify budget spent): cluster 1/3"
    )


def test_many_distinct_symbolic_answers_stay_within_budget() -> None:
    texts = [f"\\boxed{{x^{i % 5}+{i}x+1}}" for i in range(64)]
    scores = AnswerAgreement(budget_s=0.5)(completions=texts, context=CTX, candidates=[])
    assert all(s.value == pytest.approx(1 / 64) for s in scores)


def test_evidence_says_when_math_verify_ran_without_its_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pool = MathVerifyPool(size=1)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")  # no worker can start
    # The group record's answer_classes fact classifies (once a round, for every reader).
    monkeypatch.setattr(mathverify_pool, "classify_answers", pool.classify)
    try:
        scores = score(["\\boxed{1/2}", "\\boxed{0.5}", "\\boxed{3}"])
    finally:
        pool.close()
    assert values(scores) == [0.6667, 0.6667, 0.3333]  # still equivalent, in-thread
    assert scores[0].evidence.endswith(
        "; compared: in-thread, no timeouts (cannot start a worker: FileNotFoundError)"
    )


def test_votes_weighted_by_reasoning_steps() -> None:
    # Issue 14: "12 * 7 = 84" is true arithmetic but not the question's computation; by
    # default a vote weighs by the steps that hold on the reasoning checks (math_reasoning).
    ctx = RewardContext(prompt="Ivo has 12 stickers and buys 7 more. How many now?", task="math")
    texts = ["12 * 7 = 84. Answer: 84", "12 * 7 = 84, so 84", "12 + 7 = 19. Answer: 19"]
    by_reasoning = score(texts, ctx=ctx)
    assert by_reasoning[2].value is not None and by_reasoning[0].value is not None
    assert by_reasoning[2].value > by_reasoning[0].value
    assert by_reasoning[0].evidence.endswith("own weight 0.11 (steps 0/1)")
    arithmetic = AnswerAgreement(steps="arithmetic")(completions=texts, context=ctx, candidates=[])
    assert arithmetic[0].value is not None and arithmetic[2].value is not None
    assert arithmetic[0].value > arithmetic[2].value  # two true claims outvote one
