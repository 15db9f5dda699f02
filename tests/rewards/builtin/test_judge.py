"""Tests for the judge reward (the scorer is injected; the server's is tested in tests/server)."""

from __future__ import annotations

import pickle
from collections.abc import Sequence

import pytest

from rewards.builtin.judge import JudgeReward, judge_messages, parse_rating
from rewards.types import RewardContext, Score


class KeywordJudge:
    """A picklable scorer: 1.0 when the answer holds the keyword, else 0.2."""

    def __init__(self, keyword: str) -> None:
        self.keyword = keyword
        self.seen: list[tuple[str, list[str]]] = []

    def __call__(self, prompt: str, answers: Sequence[str]) -> list[float | None]:
        self.seen.append((prompt, list(answers)))
        return [1.0 if self.keyword in a else 0.2 for a in answers]


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("8", 7 / 9),
        ("Rating: 3", 2 / 9),
        ("**10**", 1.0),
        ("I would give it 6/10.", 5 / 9),
        ("7 out of 10", 6 / 9),
        ("1", 0.0),
        ("0", None),
        ("42", None),
        ("great answer", None),
        ("", None),
    ],
)
def test_parse_rating(reply: str, value: float | None) -> None:
    assert parse_rating(reply) == (pytest.approx(value) if value is not None else None)


def test_unconfigured_judge_is_not_applicable() -> None:
    ctx = RewardContext(prompt="q")
    assert (
        JudgeReward()(completions=["a", "b"], context=ctx, candidates=[])
        == [Score(None, "no judge configured")] * 2
    )


def test_judge_sees_the_user_words_and_answers_without_reasoning() -> None:
    judge = KeywordJudge("Paris")
    reward = JudgeReward(judge, label="keyword judge")
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
    ]
    ctx = RewardContext(prompt="Be brief.\nCapital of France?", messages=tuple(messages))
    texts = ["<think>Paris? Lyon?</think>Lyon.", "Paris."]
    scores = reward(completions=texts, context=ctx, candidates=[])
    assert scores == [Score(0.2, "keyword judge: 0.20"), Score(1.0, "keyword judge: 1.00")]
    assert judge.seen == [("Capital of France?", ["Lyon.", "Paris."])]
    clone = pickle.loads(pickle.dumps(reward))
    assert clone(completions=texts, context=ctx, candidates=[]) == scores


def test_bad_scorer_output() -> None:
    ctx = RewardContext(prompt="q")
    odd = JudgeReward(lambda p, a: [float("nan"), 1.7])
    assert [s.value for s in odd(completions=["a", "b"], context=ctx, candidates=[])] == [
        None,
        1.0,
    ]
    short = JudgeReward(lambda p, a: [0.5])
    with pytest.raises(ValueError, match="returned 1 scores for 2"):
        short(completions=["a", "b"], context=ctx, candidates=[])


def test_judge_messages_cut_long_texts() -> None:
    messages = judge_messages("q" * 10_000, "a" * 10_000)
    assert messages[0]["role"] == "system"
    assert [m["role"] for m in messages[1:]] == ["user", "assistant"] * 4 + ["user"]
    assert all(parse_rating(m["content"]) is not None for m in messages if m["role"] == "assistant")
    assert messages[-1]["content"].endswith("Rating (1-10):")
    assert len(messages[-1]["content"]) < 8_100
