"""The serving-model judge on the real vLLM engine (the embedded SmolLM2-135M)."""

from __future__ import annotations

import pytest

from server.judge import ServingJudge
from tests.engine.conftest import EngineHarness

pytestmark = pytest.mark.engine


def test_serving_judge_rates_every_answer_on_the_real_engine(harness: EngineHarness) -> None:
    judge = ServingJudge(timeout_s=120)
    judge.attach(harness.engine, harness.loop)
    answers = ["Paris is the capital of France.", "Bananas are yellow.", ""]
    scores = judge("What is the capital of France?", answers)
    assert len(scores) == 3
    assert all(s is None or 0.0 <= s <= 1.0 for s in scores)
    # A 135M model's taste is not tested, only that its replies parse as ratings.
    assert any(s is not None for s in scores), scores
    # Greedy: the same question and answers get the same ratings.
    assert judge("What is the capital of France?", answers) == scores
