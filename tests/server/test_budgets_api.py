"""Time budgets through the API: the request returns, the trace says timeout, a metric counts it.

The gates here spend far longer than any budget inside re's C matcher (an
exponential backtrack), on every group or on every prompt; the budget kills the
worker, the gate fails closed, and the next request is served normally.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rewards import default_registry
from rewards.types import RewardContext, Verdict
from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings

PROMPT = "Tom has 12 bags of 3 apples and buys 6 more apples. How many apples does he have?"


def _backtrack() -> None:
    re.match(r"^(a|a)*$", "a" * 40 + "b")


class StuckGate:
    """A candidate gate that never finishes."""

    name = "stuck"

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Verdict]:
        _backtrack()
        return [Verdict.ok() for _ in completions]


class StuckPromptGate(StuckGate):
    """A prompt check that never finishes (its candidate side is quick)."""

    name = "stuck_prompt"

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Verdict]:
        return [Verdict.ok() for _ in completions]

    def check_prompt(self, *, context: RewardContext, **kwargs: Any) -> Verdict:
        _backtrack()
        return Verdict.ok()


def _client(gate: str, factory: Any) -> TestClient:
    registry = default_registry().copy()
    registry.register_gate(gate, factory)
    settings = make_settings(gate_timeout_s=0.5)
    return TestClient(create_app(settings, engine=make_engine(), registry=registry))


def _chat(client: TestClient) -> dict[str, Any]:
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": PROMPT}],
        "best_of": 4,
        "trace": "summary",
    }
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _overruns(client: TestClient, kind: str, name: str) -> float:
    value = client.app.state.metrics.registry.get_sample_value(  # type: ignore[attr-defined]
        "bon_budget_overruns_total", {"kind": kind, "name": name}
    )
    return float(value or 0.0)


def test_a_gate_out_of_time_vetoes_and_is_counted() -> None:
    with _client("stuck", StuckGate) as client:
        data = _chat(client)
        trace = data["trace"]
        assert trace["outcome"] == "all_vetoed"
        [stuck] = [g for g in trace["gates"] if g["name"] == "stuck"]
        assert stuck["error"] == "timeout after 0.5 s"
        assert stuck["vetoes"] == 4
        assert _overruns(client, "gate", "stuck") == 1
        metrics = client.get("/metrics").text
        assert 'bon_vetoes_total{category="gate_timeout",gate="stuck"} 4.0' in metrics


def test_a_prompt_check_out_of_time_refuses_and_is_counted() -> None:
    with _client("stuck_prompt", StuckPromptGate) as client:
        data = _chat(client)
        trace = data["trace"]
        assert trace["outcome"] == "unsafe_prompt"
        [stuck] = [g for g in trace["prompt_gates"] if g["name"] == "stuck_prompt"]
        assert stuck["error"] == "timeout after 0.5 s"
        assert stuck["passed"] is False
        assert _overruns(client, "prompt", "stuck_prompt") == 1


def test_the_next_request_is_scored_normally() -> None:
    with _client("stuck", StuckGate) as client:
        _chat(client)
    # A fresh app without the stuck gate, on the same (shared) pool of workers.
    app = create_app(make_settings(gate_timeout_s=0.5), engine=make_engine())
    with TestClient(app) as client:
        trace = _chat(client)["trace"]
        assert trace["outcome"] != "all_vetoed"
        assert all(g["error"] is None for g in trace["gates"])
        assert all(r["error"] is None for r in trace["rewards"])


def test_budgets_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BON_GATE_TIMEOUT_S", "1.5")
    settings = make_settings(reward_timeout_s=7, score_timeout_s=20)
    budgets = create_app(settings, engine=make_engine()).state.pipeline.scorer.budgets
    assert (budgets.reward_s, budgets.gate_s, budgets.group_s) == (7, 1.5, 20)
    with pytest.raises(ValueError):
        make_settings(gate_timeout_s=0)
