"""Learning reward weights end to end: the scripted engine, a store, labelled groups.

The "apples" group (tests/conftest.py MATH_SCRIPT) has three candidates answering 42 and
one answering 41; the request's ``reference`` says 42 is right, so every group gives
three (correct, incorrect) pairs. ``contrarian`` prefers the 41: it ranks against the
truth and must lose its weight; ``answer_agreement`` ranks with it and keeps some.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rewards import RewardRegistry, Score, default_registry
from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings
from tests.store.helpers import BUDGETS, bearer, metric, wait_for, written

PROFILES = """
profiles:
  learnme:
    rewards: {answer_agreement: 1.0, contrarian: 1.0}
"""
ASK = {"model": MODEL, "messages": [{"role": "user", "content": "Compute 12 * 3 + 6 apples."}]}
# Five labelled groups (no keys: one anonymous owner is enough). Three were enough when
# each group of four counted as its three pairs; as one unit each, three right groups give
# a lower bound of 0.05 ** (1 / 4) = 0.47, under chance; five give 0.61.
MIN_GROUPS = 5
KEY = "sk-tenant-0123456789"
OPERATOR = "sk-operator-99999999"


class Contrarian:
    """Prefers the candidate that answers 41 (the wrong one)."""

    name = "contrarian"

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Score]:
        return [Score(1.0 if "41" in t else 0.0, "says 41") for t in completions]


def _registry() -> RewardRegistry:
    registry = default_registry().copy()
    registry.register_reward("contrarian", Contrarian)
    return registry


def _app(tmp_path: Path, **settings: Any) -> TestClient:
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(PROFILES)
    app = create_app(
        make_settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'learn.db'}",
            profiles_file=profiles,
            reward_learning_min_groups=MIN_GROUPS,
            **BUDGETS,
            **settings,
        ),
        engine=make_engine(),
        registry=_registry(),
    )
    return TestClient(app)


@pytest.fixture
def c(tmp_path: Path) -> Iterator[TestClient]:
    with _app(tmp_path) as client:
        yield client


def _weights(client: TestClient, **extra: Any) -> dict[str, tuple[float, str]]:
    body = {**ASK, "best_of": 4, "reward_profile": "learnme", "trace": "summary", **extra}
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    rewards = r.json()["trace"]["rewards"]
    return {x["name"]: (x["weight"], x["weight_source"]) for x in rewards}


def _teach(client: TestClient, groups: int, already: int = 0) -> None:
    for _ in range(groups):
        _weights(client, reference={"answer": "42"})
    written(client, already + groups)


def test_a_reward_ranking_against_the_truth_loses_its_weight(c: TestClient) -> None:
    cold = _weights(c)
    assert cold["contrarian"][0] == 1.0
    assert cold["contrarian"][1] == (
        "profile weight: 0 labelled math groups from 0 owners so far"
        f" (learning starts at {MIN_GROUPS} groups)"
    )
    _teach(c, MIN_GROUPS, already=1)
    learned = _weights(c)
    weight, source = learned["contrarian"]
    assert weight == 0.0
    assert source.startswith("learned: no better than chance for math, so it stops deciding")
    assert "0.00 of 5 math groups from 1 owner (15 pairs;" in source
    weight, source = learned["answer_agreement"]
    assert 0.0 < weight < 1.0
    assert source.startswith("learned: orders verified pairs right in 1.00 of 5 math groups")


def test_feedback_labels_teach_too(c: TestClient) -> None:
    """No reference: the owner's `correct` feedback labels the candidates."""
    for _ in range(MIN_GROUPS):
        r = c.post(
            "/v1/chat/completions",
            json={**ASK, "best_of": 4, "reward_profile": "learnme", "trace": "full"},
        )
        trace = r.json()["trace"]
        for cand in trace["candidates"]:
            good = "41" not in cand["text"]
            fb = c.post(
                "/v1/feedback",
                json={
                    "trace_id": trace["id"],
                    "candidate_index": cand["index"],
                    "name": "correct",
                    "value": good,
                },
            )
            assert fb.status_code == 201, fb.text
        # a thumbs-down on the right answer teaches nothing
        c.post(
            "/v1/feedback",
            json={"trace_id": trace["id"], "candidate_index": 0, "name": "thumbs", "value": 0},
        )
    wait_for(
        lambda: c.app.state.traces.learning.of("math", "contrarian").tally.groups == MIN_GROUPS,  # type: ignore[attr-defined]
        "feedback learned",
    )
    assert _weights(c)["contrarian"][0] == 0.0


def test_frozen_weights_keep_the_profile(tmp_path: Path) -> None:
    with _app(tmp_path, reward_weights="frozen") as c:
        _teach(c, MIN_GROUPS)
        weights = _weights(c)
        assert weights["contrarian"] == (1.0, "frozen by operator")
        # learning still counts meanwhile
        assert c.get("/v1/rewards").json()["weights"] == "frozen"


def test_an_explicit_reward_set_keeps_the_clients_weights(c: TestClient) -> None:
    _teach(c, MIN_GROUPS)
    weights = _weights(c, rewards={"contrarian": 1.0, "answer_agreement": 1.0})
    assert weights["contrarian"][0] == 1.0
    assert "client" in weights["contrarian"][1]


def test_learning_survives_a_restart(tmp_path: Path) -> None:
    with _app(tmp_path) as c:
        _teach(c, MIN_GROUPS)
    with _app(tmp_path) as c:
        weight, source = _weights(c)["contrarian"]
        assert weight == 0.0 and "5 math groups from 1 owner (15 pairs" in source


def test_list_rewards_and_the_gauge(c: TestClient) -> None:
    _teach(c, MIN_GROUPS)
    listing = c.get("/v1/rewards").json()
    assert listing["weights"] == "learned" and listing["min_groups"] == MIN_GROUPS
    # No keys configured: one anonymous owner, so neither owners nor a cap apply.
    assert listing["min_owners"] == 1 and listing["owner_cap"] is None
    by = {r["name"]: r for r in listing["data"]}
    assert set(by) == set(_registry().reward_names())
    (math,) = by["contrarian"]["reliability"]
    assert math["task"] == "math" and math["pairs"] == 15 and math["pairs_right"] == 0
    assert (
        math["groups"] == MIN_GROUPS
        and math["right"] == 0
        and math["owners"] == 1
        and math["share"] == 0.0
        and math["factor"] == 0.0
    )
    assert math["learned"] is True
    page = c.get("/metrics").text
    assert metric(page, "bon_reward_reliability", 'reward="contrarian",task="math"') == 0.0
    assert metric(page, "bon_reward_reliability", 'reward="answer_agreement",task="math"') == 1.0


def test_list_rewards_needs_a_key_like_every_get(tmp_path: Path) -> None:
    with _app(tmp_path, api_keys=KEY, operator_keys=OPERATOR) as c:
        assert c.get("/v1/rewards").status_code == 401
        assert c.get("/v1/rewards", headers=bearer("sk-wrong-000000000")).status_code == 401
        assert c.get("/v1/rewards", headers=bearer(KEY)).status_code == 200
        assert c.get("/v1/rewards", headers=bearer(OPERATOR)).status_code == 200
