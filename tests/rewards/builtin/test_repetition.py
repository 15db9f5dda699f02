"""repetition: distinct word n-grams."""

import pytest

from rewards.builtin.repetition import RepetitionReward
from rewards.types import RewardContext, Score

CTX = RewardContext(prompt="q")


def test_varied_text_scores_one() -> None:
    text = "Paris is the capital of France and its largest city by population."
    [result] = RepetitionReward()(completions=[text], context=CTX, candidates=[])
    assert result == Score(1.0, "10/10 distinct word 3-grams")


def test_loop_scores_low() -> None:
    text = "Paris. " * 30
    [result] = RepetitionReward()(completions=[text], context=CTX, candidates=[])
    assert result.value == pytest.approx(1 / 28)


def test_hand_computed_bigrams() -> None:
    # bigrams: (a b) (b a) (a b) (b c) -> 3 distinct of 4
    [result] = RepetitionReward(ngram_size=2)(completions=["a b a b c"], context=CTX, candidates=[])
    assert result == Score(0.75, "3/4 distinct word 2-grams")


def test_short_text_cannot_repeat() -> None:
    [result] = RepetitionReward()(completions=["Yes."], context=CTX, candidates=[])
    assert result.value == 1.0


def test_ngram_size_is_validated() -> None:
    with pytest.raises(ValueError, match="ngram_size"):
        RepetitionReward(ngram_size=0)
