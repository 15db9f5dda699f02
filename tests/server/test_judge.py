"""The serving model as a judge: wiring through the app (scripted engine) and the real engine."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from rewards.registry import builtin_registry
from server.app import create_app
from server.judge import RewardModelJudge, ServingJudge, build_judge, with_judge
from tests.conftest import MODEL, make_engine, make_settings

# The judge's requests quote the answer after "Answer:"; the first matching rule wins.
JUDGE_SCRIPT: dict[str, Any] = {
    "rules": [
        {"match": "Answer:\nParis is the capital", "candidates": [{"text": "9"}]},
        {"match": "Answer:\nLyon", "candidates": [{"text": "Rating: 2/10"}]},
        {"match": "Answer:\n", "candidates": [{"text": "I cannot rate this."}]},
        {
            "match": "capital of France",
            "candidates": [
                {"text": "Lyon.", "logprob": -0.1},
                {"text": "Paris is the capital of France.", "logprob": -0.9},
                {"text": "Marseille, I think.", "logprob": -0.5},
            ],
        },
    ]
}


def test_serving_judge_ranks_the_group_and_explains_itself() -> None:
    app = create_app(make_settings(judge="serving"), engine=make_engine(JUDGE_SCRIPT))
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
        "best_of": 3,
        "rewards": {"judge": 1.0, "repetition": 0.1},
        "trace": "full",
    }
    with TestClient(app) as client:
        r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["choices"][0]["message"]["content"] == "Paris is the capital of France."
    [judge] = [rw for rw in out["trace"]["rewards"] if rw["name"] == "judge"]
    by_text = {c["text"]: c["scores"]["judge"] for c in out["trace"]["candidates"]}
    paris, lyon = by_text["Paris is the capital of France."], by_text["Lyon."]
    assert (paris["raw"], paris["evidence"]) == (pytest.approx(8 / 9), "serving model: 0.89")
    assert lyon["raw"] == pytest.approx(1 / 9)
    assert paris["advantage"] > lyon["advantage"]
    assert by_text["Marseille, I think."]["raw"] is None
    assert by_text["Marseille, I think."]["evidence"] == "serving model: no usable rating"
    assert judge["weight"] == 1.0


def test_judge_off_by_default_scores_nothing() -> None:
    app = create_app(make_settings(), engine=make_engine(JUDGE_SCRIPT))
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
        "best_of": 2,
        "rewards": {"judge": 1.0, "length": 0.2},
        "trace": "summary",
    }
    with TestClient(app) as client:
        r = client.post("/v1/chat/completions", json=body)
        assert r.status_code == 200, r.text
        [judge] = [rw for rw in r.json()["trace"]["rewards"] if rw["name"] == "judge"]
        assert judge["no_signal"] is True
        # A model's rating is never the only reward.
        alone = client.post("/v1/chat/completions", json={**body, "rewards": {"judge": 1.0}})
    assert alone.status_code == 400
    assert alone.json()["error"]["param"] == "rewards"
    assert "judge cannot be the only reward" in alone.json()["error"]["message"]


def test_with_judge_replaces_only_a_copy() -> None:
    base = builtin_registry()
    configured = with_judge(base, ServingJudge())
    assert configured is not base
    assert base.reward("judge").scorer is None  # type: ignore[attr-defined]
    assert isinstance(configured.reward("judge").scorer, ServingJudge)  # type: ignore[attr-defined]
    assert with_judge(base, None) is base


def test_unattached_judge_refuses() -> None:
    with pytest.raises(RuntimeError, match="not attached"):
        ServingJudge()("q", ["a"])


def test_judge_refuses_to_block_its_own_loop() -> None:
    judge = ServingJudge()

    async def call_on_loop() -> None:
        judge.attach(make_engine(JUDGE_SCRIPT), asyncio.get_running_loop())
        judge("q", ["a"])

    with pytest.raises(RuntimeError, match="must not be called on the engine's event loop"):
        asyncio.run(call_on_loop())


def test_judge_settings() -> None:
    assert build_judge(make_settings()) is None
    assert isinstance(build_judge(make_settings(judge="serving")), ServingJudge)
    judge = build_judge(make_settings(judge="model", judge_model="/models/rm"))
    assert isinstance(judge, RewardModelJudge) and str(judge.model_path) == "/models/rm"
    with pytest.raises(ValidationError, match="--judge model needs --judge-model DIR"):
        make_settings(judge="model")
