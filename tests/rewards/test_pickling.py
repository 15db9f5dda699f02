"""Every built-in reward and gate survives a pickle round trip (trainer workers)."""

import pickle
from typing import Any

import pytest

from rewards.registry import builtin_registry
from rewards.types import Candidate, Gate, Reward, RewardContext

REGISTRY = builtin_registry()
CTX = RewardContext(prompt="What is 1/2 + 1/2? Reply in JSON.", task="math")
TEXTS = ["<think>1</think>\\boxed{1}", "The answer is 1.0", '{"a": 1} jane@corp.io']
CANDIDATES = [Candidate(i, t, (1,) * (i + 1), "stop") for i, t in enumerate(TEXTS)]


@pytest.mark.parametrize("name", REGISTRY.reward_names())
def test_reward_pickles(name: str) -> None:
    reward = REGISTRY.reward(name)
    clone = pickle.loads(pickle.dumps(reward))
    assert isinstance(clone, Reward)
    assert clone.name == name
    kwargs: dict[str, Any] = {"completions": TEXTS, "context": CTX, "candidates": CANDIDATES}
    assert clone(**kwargs) == reward(**kwargs)


@pytest.mark.parametrize("name", REGISTRY.gate_names())
def test_gate_pickles(name: str) -> None:
    gate = REGISTRY.gate(name)
    clone = pickle.loads(pickle.dumps(gate))
    assert isinstance(clone, Gate)
    assert clone.name == name
    kwargs: dict[str, Any] = {"completions": TEXTS, "context": CTX, "candidates": CANDIDATES}
    assert clone(**kwargs) == gate(**kwargs)
