"""Issue 14, cause 1: a truncated candidate's last number is not its answer.

The groups in ``data/issue14_candidates.json`` are verbatim SmolLM2-135M outputs from
the accuracy bench's pools. In ``math-7`` a candidate cut off at max_tokens
("... You already had 19 marbles and Jack already had 10 additional marbles (sin")
was read as answering its last number, clustered with a complete wrong candidate
and won over the complete candidate that answered 19 with its claim checked.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from rewards.builtin.answer_agreement import AnswerAgreement
from rewards.builtin.efficiency import Efficiency
from rewards.builtin.math_answers import extract_answer, find_answer, voting_answer
from rewards.ranking import rank_candidates
from rewards.refine import refine_selection
from rewards.scoring import score_group
from rewards.selection import select_rewards
from rewards.types import Candidate, RewardContext

DATA = json.loads((Path(__file__).parent / "data" / "issue14_candidates.json").read_text())


def group(name: str) -> tuple[RewardContext, list[Candidate], dict[str, Any]]:
    g = DATA["groups"][name]
    prompt = g["messages"][-1]["content"]
    ctx = RewardContext(prompt=prompt, task="math", messages=g["messages"])
    cands = [
        Candidate(
            index=i,
            text=c["text"],
            token_ids=tuple(c["token_ids"]),
            finish_reason=c["finish_reason"],
            cumulative_logprob=c["cumulative_logprob"],
        )
        for i, c in enumerate(g["candidates"])
    ]
    return ctx, cands, g


def select(ctx: RewardContext, cands: list[Candidate]) -> int:
    selection = refine_selection(select_rewards(ctx, task_evidence=[]), ctx, cands)
    result = score_group(ctx, cands, selection)
    return result.ranking[0]


def test_truncated_mid_computation_has_no_answer() -> None:
    _, cands, _ = group("math-7-8-16")
    cut = cands[2]  # "... This means Jack got 10 + 9 = 19 marbles. ... (sin"
    assert cut.finish_reason == "length"
    assert extract_answer(cut.text) == "11"  # the old reading: its last number
    assert extract_answer(cut.text, cut.finish_reason) is None
    assert voting_answer(cut.text, cut.finish_reason) is None


def test_the_issue_case_1_plus_7() -> None:
    text = "3. Stickers given away: 8 - 2 = 6\n4. Add the number of stickers left: 1 + 7"
    assert find_answer(text, finish_reason="length") is None
    assert find_answer(text) is not None  # complete, its last number would still count


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("So the answer is 8 pencils.\n\nThe list of pencils is ", "8"),
        ("The answer is 10 + 10 = 20\n\nThe list of pencils is ", "20"),
        ("so \\boxed{12}", "12"),  # a closed box ends the answer
        ("So the answer is 6", None),  # at the cut: may be "6" of "63"
        ("So the answer is **6**.", None),
        ("... add 1 to 9 to get 8.\n\nNow I need 9 shells from ", None),  # no phrase
    ],
)
def test_a_truncated_candidate_keeps_only_a_stated_answer(text: str, answer: str | None) -> None:
    assert extract_answer(text, "length") == answer


def test_truncated_candidates_form_and_join_no_cluster() -> None:
    ctx, cands, _ = group("math-7-8-16")
    texts = [c.text for c in cands]
    scores = AnswerAgreement()(completions=texts, context=ctx, candidates=cands)
    for c, s in zip(cands, scores, strict=True):
        if c.finish_reason == "length":
            assert s.value == 0.0
            assert "truncated" in s.evidence
    # the complete "= 11" candidate (index 5) is alone in its cluster now
    assert scores[5].evidence.startswith("answer 11: cluster 1/8 candidates")


def test_the_complete_checked_answer_wins() -> None:
    ctx, cands, g = group("math-7-8-16")
    best = select(ctx, cands)
    assert cands[best].finish_reason == "stop"
    # "10 (Jack's original number) + 9 (grazing his marbles) = 19 ... The answer is 19."
    assert extract_answer(cands[best].text) == g["answer"] == "19"


def test_a_truncated_candidate_with_a_stated_answer_is_not_selected() -> None:
    ctx, cands, _ = group("math-27-8-16")  # index 5 was cut off; it says "4" on its way
    assert cands[5].finish_reason == "length"
    best = select(ctx, cands)
    assert cands[best].finish_reason == "stop"


def test_complete_ranks_above_truncated_with_the_same_evidence() -> None:
    same = "6 * 7 = 42. The answer is 42.\n\nNext"
    cands = [
        Candidate(0, same, (1, 2, 3), "length", cumulative_logprob=-0.1),
        Candidate(1, same, (1, 2, 3), "stop", cumulative_logprob=-3.0),
    ]
    order, _ = rank_candidates([0.5, 0.5], cands)
    assert order == [1, 0]
    ctx = RewardContext(prompt="What is 6 * 7?", task="math")
    result = score_group(ctx, cands, select_rewards(ctx, task_evidence=[]))
    assert result.ranking[0] == 1
    agree = next(r for r in result.rewards if r.name == "answer_agreement")
    assert agree.scores[1].value is not None and agree.scores[0].value is not None
    assert agree.scores[1].value > agree.scores[0].value


def test_efficiency_majority_ignores_truncated() -> None:
    texts = ["so 11", "it is 11 and", "it is 19"]
    cands = [
        Candidate(0, texts[0], (1,), "stop"),
        Candidate(1, texts[1], (1, 2), "length"),
        Candidate(2, texts[2], (1,), "stop"),
    ]
    ctx = RewardContext(prompt="What is 10 + 9?", task="math")
    scores = Efficiency()(completions=texts, context=ctx, candidates=cands)
    assert "no majority" in (scores[0].evidence or "")
