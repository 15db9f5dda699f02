"""length: relative brevity, truncation scores 0."""

from rewards.builtin.length import LengthReward
from rewards.types import Candidate, RewardContext, Score

CTX = RewardContext(prompt="q")


def cand(i: int, tokens: int, finish: str = "stop") -> Candidate:
    return Candidate(i, "x" * tokens, tuple(range(tokens)), finish)


def test_shorter_is_better_on_tokens() -> None:
    cands = [cand(0, 10), cand(1, 30), cand(2, 20)]
    scores = LengthReward()(completions=[c.text for c in cands], context=CTX, candidates=cands)
    assert [s.value for s in scores] == [1.0, 0.0, 0.5]
    assert scores[2].evidence == "20 tokens (group range 10-30)"


def test_truncated_scores_zero_and_stays_out_of_the_range() -> None:
    cands = [cand(0, 10), cand(1, 500, "length"), cand(2, 20)]
    scores = LengthReward()(completions=[c.text for c in cands], context=CTX, candidates=cands)
    assert scores[1] == Score(0.0, "truncated at 500 tokens (finish_reason=length)")
    assert [s.value for s in scores] == [1.0, 0.0, 0.0]


def test_falls_back_to_characters_without_token_ids() -> None:
    scores = LengthReward()(completions=["abcd", "ab"], context=CTX, candidates=[])
    assert [s.value for s in scores] == [0.0, 1.0]
    assert scores[0].evidence == "4 chars (group range 2-4)"


def test_equal_lengths_all_score_one() -> None:
    scores = LengthReward()(completions=["ab", "cd"], context=CTX, candidates=[])
    assert [s.value for s in scores] == [1.0, 1.0]


def test_vetoed_candidates_stay_out_of_the_group_range() -> None:
    # Review 5 #6: a vetoed candidate's size was quoted in every kept one's evidence.
    cands = [cand(0, 10), cand(1, 999), cand(2, 20), cand(3, 3)]
    scores = LengthReward()(
        completions=[c.text for c in cands],
        context=CTX,
        candidates=cands,
        vetoed=[False, True, False, True],
    )
    assert scores[0] == Score(1.0, "10 tokens (group range 10-20)")
    assert scores[2] == Score(0.0, "20 tokens (group range 10-20)")
    assert scores[1].value is None and "999" not in scores[1].evidence
    assert scores[3].value is None and "3 tokens" not in scores[3].evidence
    for score in scores:
        assert "999" not in score.evidence and "3-" not in score.evidence


def test_the_record_s_veto_is_read_too() -> None:
    from rewards.group import GroupRecord

    cands = [cand(0, 10), cand(1, 999), cand(2, 20)]
    record = GroupRecord(CTX, cands, [False, True, False])
    scores = LengthReward()(
        completions=[c.text for c in cands], context=CTX, candidates=cands, group=record
    )
    assert [s.value for s in scores] == [1.0, None, 0.0]
