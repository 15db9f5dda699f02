"""A plain function with TRL's signature is a reward: no class, no factory.

``def f(completions, **kwargs) -> list[float | None]`` registers by itself (named after
the function) or under a given name, directly or by entry point; scoring turns its
numbers into Scores; a module-level function pickles, so it runs in a budget worker.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rewards import RewardChoice, RewardRegistry, Selection, build_context, score_group
from rewards.budget import BudgetPool, Budgets
from rewards.registry import FunctionReward, builtin_registry, is_reward_function
from rewards.types import Candidate
from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings


def boxed_42(completions: list[str], **kwargs: Any) -> list[float | None]:
    """1 for a completion that boxes 42, 0 otherwise (TRL's signature)."""
    return [1.0 if "\\boxed{42}" in text else 0.0 for text in completions]


def shrugs(completions: list[str], **kwargs: Any) -> list[float | None]:
    return [None] * len(completions)


def make_length(**config: Any) -> Any:  # a factory function: configuration keywords only
    from rewards.builtin import LengthReward

    return LengthReward(**config)


def test_a_function_is_told_from_a_factory() -> None:
    assert is_reward_function(boxed_42)
    assert is_reward_function(lambda completions, **kwargs: [])
    assert not is_reward_function(make_length)
    assert not is_reward_function(FunctionReward)  # a class is a factory
    assert not is_reward_function(lambda completions: [])  # TRL passes more keywords


def test_a_function_registers_by_its_name_or_a_given_one() -> None:
    registry = RewardRegistry()
    registry.register_reward(boxed_42)
    registry.register_reward("no_opinion", shrugs)
    registry.register_reward("length", make_length)
    assert registry.reward_names() == ["boxed_42", "length", "no_opinion"]
    reward = registry.reward("boxed_42")
    assert reward.name == "boxed_42"
    context = build_context("What is 6 * 7?")
    scores: list[Any] = reward(completions=["\\boxed{42}", "41"], context=context, candidates=[])
    assert scores == [1.0, 0.0]  # plain numbers: scoring makes them Scores
    with pytest.raises(ValueError, match="not a reward function"):
        registry.register_reward(make_length)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already registered"):
        registry.register_reward(boxed_42)


@pytest.fixture(scope="module")
def pool() -> Iterator[BudgetPool]:
    p = BudgetPool(size=1, warm_math=False)
    yield p
    p.close()


def test_a_module_level_function_scores_in_a_budget_worker(pool: BudgetPool) -> None:
    registry = RewardRegistry()
    registry.register_reward(boxed_42)
    registry.register_reward(shrugs)
    context = build_context("What is 6 * 7?")
    texts = ["6 * 7 = 42, so \\boxed{42}", "\\boxed{41}"]
    result = score_group(
        context,
        [Candidate(i, t, (1,), "stop") for i, t in enumerate(texts)],
        Selection(
            task="math",
            rewards=[RewardChoice("boxed_42", 1.0, "test"), RewardChoice("shrugs", 1.0, "test")],
        ),
        registry=registry,
        budgets=Budgets(reward_s=30, pool=pool),
    )
    boxed, shrug = result.rewards
    assert (boxed.where, boxed.error) == ("worker", None)
    assert [s.value for s in boxed.scores] == [1.0, 0.0]
    assert [s.value for s in shrug.scores] == [None, None] and shrug.no_signal
    assert result.best == 0


def test_the_server_scores_an_explicitly_selected_function() -> None:
    registry = builtin_registry()
    registry.register_reward(boxed_42)
    app = create_app(make_settings(), engine=make_engine(), registry=registry)
    with TestClient(app) as client:
        r = client.post(
            "/v1/chat/completions",
            json={
                "model": MODEL,
                "messages": [{"role": "user", "content": "How many apples?"}],
                "best_of": 4,
                "rewards": {"boxed_42": 1.0},
            },
        )
    assert r.status_code == 200, r.text
    trace = r.json()["trace"]
    assert [x["name"] for x in trace["rewards"]] == ["boxed_42"]
    assert trace["rewards"][0]["error"] is None
    raws = [c["scores"]["boxed_42"]["raw"] for c in trace["candidates"]]
    # The scripted group: three candidates box 42, one boxes 41.
    assert sorted(raws) == [0.0, 1.0, 1.0, 1.0]


@pytest.fixture
def function_plugin(tmp_path: Path) -> Iterator[str]:
    """A distribution whose reward entry point is a plain function."""
    (tmp_path / "bon_fn_plugin.py").write_text(
        "def shouting(completions, **kwargs):\n"
        "    return [1.0 if text.isupper() else 0.0 for text in completions]\n"
    )
    dist_info = tmp_path / "bon_fn_plugin-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: bon-fn-plugin\nVersion: 0.1\n"
    )
    (dist_info / "entry_points.txt").write_text(
        "[bon_server.rewards]\nshouting = bon_fn_plugin:shouting\n"
    )
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield "shouting"
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("bon_fn_plugin", None)
        importlib.invalidate_caches()


def test_an_entry_point_may_be_a_plain_function(function_plugin: str) -> None:
    registry = RewardRegistry()
    assert function_plugin in registry.load_entry_points()
    reward = registry.reward(function_plugin)
    assert isinstance(reward, FunctionReward)
    assert reward(completions=["YES", "no"]) == [1.0, 0.0]  # type: ignore[comparison-overlap]
