"""The serving-model judge on the real vLLM engine (the embedded SmolLM2-135M)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.judge import RewardModelJudge, ServingJudge
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


@pytest.fixture(scope="module")
def reward_model(embedded_model: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded model with a one-label classification head (seeded, untrained).

    Real reward models are this shape (``*ForSequenceClassification``, one label); an
    untrained head has no taste, but every step of the path is the real one.
    """
    import torch
    from transformers import AutoTokenizer, LlamaForSequenceClassification

    folder = tmp_path_factory.mktemp("reward-model")
    torch.manual_seed(0)
    model = LlamaForSequenceClassification.from_pretrained(
        str(embedded_model.path), num_labels=1, torch_dtype=torch.float32
    )
    eos = model.config.eos_token_id
    if model.config.pad_token_id is None and isinstance(eos, int):
        model.config.pad_token_id = eos  # the head reads the last non-pad token
    model.save_pretrained(str(folder))
    AutoTokenizer.from_pretrained(str(embedded_model.path)).save_pretrained(str(folder))
    return folder


def test_reward_model_judge_scores_with_vllms_pooling_runner(reward_model: Path) -> None:
    judge = RewardModelJudge(reward_model, max_model_len=512, timeout_s=120)
    loop = EngineHarness()  # an event loop in a thread, as the server's
    running = judge.running()
    try:
        loop.run(running.__aenter__(), timeout=900)
        answers = ["Paris is the capital of France.", "Bananas are yellow."]
        scores = judge("What is the capital of France?", answers)
        assert len(scores) == 2
        assert all(s is not None and 0.0 < s < 1.0 for s in scores), scores
        assert scores[0] != scores[1]
        assert judge("What is the capital of France?", answers) == scores
        rendered = judge.render("What is the capital of France?", answers[0])
        assert f"<|im_start|>assistant\n{answers[0]}<|im_end|>" in rendered  # chat template
    finally:
        loop.run(running.__aexit__(None, None, None), timeout=120)
        loop.close()
