"""Time budgets (issue 10, "Bounded CPU"): enforced in a killable worker, fail closed.

The attacks are work that cannot be interrupted on a thread: a backtracking
regex and ``time.sleep``, both inside C. The assertions are about what the
budget did (the call returned, the result says timeout, the gate vetoed, the
worker was replaced), never about how long the machine took.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from rewards.budget import BudgetExceeded, BudgetPool, Budgets, RemoteError, runs_in_worker
from rewards.context import build_context
from rewards.registry import RewardRegistry, builtin_registry
from rewards.scoring import GATE_TIMEOUT, score_group, screen_prompt
from rewards.selection import RewardChoice, Selection
from rewards.types import Candidate, RewardContext, Score, Verdict

# Exponential backtracking in re's C matcher: far longer than any budget here.
EVIL_PATTERN = r"^(a|a)*$"
EVIL_TEXT = "a" * 40 + "b"


class CatastrophicGate:
    """A gate whose regex never finishes on its input, on candidates and on prompts."""

    name = "catastrophic"

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Verdict]:
        matched = [re.match(EVIL_PATTERN, c) is not None for c in completions]
        return [Verdict.veto("evil", "matched") if m else Verdict.ok() for m in matched]

    def check_prompt(self, *, context: RewardContext) -> Verdict:
        re.match(EVIL_PATTERN, context.user_text)
        return Verdict.ok()


class SleepingReward:
    name = "sleeping"

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Score]:
        time.sleep(60)  # C: no Python-level interruption reaches it
        return [Score(1.0, "slept")] * len(completions)


class LengthScore:
    name = "length_score"

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Score]:
        return [Score(float(len(c)), "len") for c in completions]


class Raising:
    name = "raising"

    def __call__(self, **kwargs: Any) -> list[Score]:
        raise ValueError("no good")


class InThread(LengthScore):
    name = "in_thread"
    runs_in_worker = False


@pytest.fixture(scope="module")
def pool() -> Iterator[BudgetPool]:
    p = BudgetPool(size=1, warm_math=False)  # these tests need no sympy
    yield p
    p.close()


def _registry(**entries: Any) -> RewardRegistry:
    registry = RewardRegistry()
    for name, factory in entries.items():
        if hasattr(factory, "check_prompt"):
            registry.register_gate(name, factory)
        else:
            registry.register_reward(name, factory)
    return registry


def _selection(*names: str) -> Selection:
    return Selection(task="general", rewards=[RewardChoice(n, 1.0, "test") for n in names])


def _group(texts: list[str]) -> list[Candidate]:
    return [Candidate(i, t, (1,) * (i + 1), "stop") for i, t in enumerate(texts)]


def test_a_catastrophic_regex_gate_times_out_and_vetoes(pool: BudgetPool) -> None:
    registry = _registry(catastrophic=CatastrophicGate, length_score=LengthScore)
    budgets = Budgets(gate_s=0.5, pool=pool)
    context = build_context("hello")
    result = score_group(
        context,
        _group([EVIL_TEXT, "ok"]),
        _selection("length_score"),
        registry=registry,
        budgets=budgets,
    )
    [gate] = result.gates
    assert gate.error == "timeout after 0.5 s"
    assert gate.overrun and gate.where == "worker"
    assert [v.category for v in gate.verdicts] == [GATE_TIMEOUT, GATE_TIMEOUT]
    assert "timeout after 0.5 s" in (gate.verdicts[0].evidence or "")
    assert result.vetoed == [True, True] and result.ranking == []
    assert gate.to_dict()["error"] == "timeout after 0.5 s"
    # The worker was killed; the next group is scored normally by a fresh one.
    after = score_group(
        context,
        _group(["a", "bb"]),
        _selection("length_score"),
        registry=_registry(length_score=LengthScore),
        budgets=budgets,
    )
    [reward] = after.rewards
    assert reward.error is None and reward.where == "worker"
    assert [s.value for s in reward.scores] == [1.0, 2.0]


def test_a_reward_sleeping_in_c_times_out_and_carries_no_signal(pool: BudgetPool) -> None:
    registry = _registry(sleeping=SleepingReward, length_score=LengthScore)
    t0 = time.monotonic()
    result = score_group(
        build_context("hello"),
        _group(["a", "bb"]),
        _selection("sleeping", "length_score"),
        registry=registry,
        budgets=Budgets(reward_s=0.5, pool=pool),
    )
    assert time.monotonic() - t0 < 50  # a sanity bound only: the sleep is 60 s
    sleeping, length = result.rewards
    assert sleeping.error == "timeout after 0.5 s"
    assert sleeping.no_signal and sleeping.overrun
    assert [s.value for s in sleeping.scores] == [None, None]
    assert sleeping.scores[0].evidence == "timeout after 0.5 s"
    assert length.error is None and [s.value for s in length.scores] == [1.0, 2.0]
    assert result.ranking == [1, 0]  # scored by the reward that answered


def test_a_prompt_check_times_out_and_refuses(pool: BudgetPool) -> None:
    registry = _registry(catastrophic=CatastrophicGate)
    [screened] = screen_prompt(
        build_context(EVIL_TEXT), registry, budgets=Budgets(gate_s=0.5, pool=pool)
    )
    assert screened.error == "timeout after 0.5 s"
    assert not screened.verdicts[0].passed
    assert screened.verdicts[0].category == GATE_TIMEOUT


def test_the_group_budget_caps_every_call(pool: BudgetPool) -> None:
    registry = _registry(sleeping=SleepingReward, length_score=LengthScore)
    result = score_group(
        build_context("hello"),
        _group(["a", "bb"]),
        _selection("sleeping", "length_score"),
        registry=registry,
        budgets=Budgets(reward_s=30, group_s=0.5, pool=pool),
    )
    sleeping, length = result.rewards
    assert sleeping.error is not None and sleeping.error.startswith("timeout after")
    assert sleeping.error.endswith("(of the group's 0.5 s)")
    assert length.error is not None and length.error.startswith("timeout after")  # none left
    assert result.ranking == [0, 1] or result.ranking == [1, 0]  # no signal: ties stand


def test_a_reward_that_raises_in_the_worker_is_recorded(pool: BudgetPool) -> None:
    registry = _registry(raising=Raising, length_score=LengthScore)
    result = score_group(
        build_context("hello"),
        _group(["a", "bb"]),
        _selection("raising", "length_score"),
        registry=registry,
        budgets=Budgets(pool=pool),
    )
    raising, length = result.rewards
    assert raising.error == "ValueError: no good" and raising.no_signal
    assert not raising.overrun and length.error is None


def test_declared_and_unpicklable_rewards_run_on_the_thread(pool: BudgetPool) -> None:
    class Local(LengthScore):  # a local class does not pickle
        name = "local"

    registry = _registry(in_thread=InThread, local=Local)
    result = score_group(
        build_context("hello"),
        _group(["a", "bb"]),
        _selection("in_thread", "local"),
        registry=registry,
        budgets=Budgets(pool=pool),
    )
    declared, local = result.rewards
    assert declared.where == "thread (declared)" and declared.error is None
    assert local.where.startswith("thread (not picklable") and local.error is None


def test_pool_call_raises_budget_exceeded_and_remote_errors(pool: BudgetPool) -> None:
    with pytest.raises(BudgetExceeded, match=r"timeout after 0\.5 s"):
        pool.call(SleepingReward(), "__call__", {"completions": ["a"]}, budget_s=0.5)
    with pytest.raises(RemoteError, match="ValueError: no good"):
        pool.call(Raising(), "__call__", {}, budget_s=30)
    assert pool.call("a-b", "split", {"sep": "-"}, budget_s=30) == ["a", "b"]


# efficiency reads the group record's code and json facts (computed once, by code_exec's
# fact) instead of running code itself: it runs in a worker like any other reward.
SELF_BOUNDED = {"code_exec"}
NOT_IN_WORKER = {"judge", "relevance"} | SELF_BOUNDED


@pytest.mark.parametrize("name", builtin_registry().reward_names())
def test_builtin_rewards_declare_where_they_run(name: str) -> None:
    reward = builtin_registry().reward(name)
    assert runs_in_worker(reward) == (name not in NOT_IN_WORKER)
    assert bool(getattr(reward, "self_bounded", False)) == (name in SELF_BOUNDED)


@pytest.mark.parametrize("name", builtin_registry().gate_names())
def test_builtin_gates_run_in_the_worker(name: str) -> None:
    assert runs_in_worker(builtin_registry().gate(name))


def test_builtin_gates_and_rewards_give_the_same_results_in_the_worker(pool: BudgetPool) -> None:
    registry = builtin_registry()
    names = [n for n in registry.reward_names() if n not in NOT_IN_WORKER]
    context = build_context("What is 1/2 + 1/2? Reply in JSON.", task="math")
    candidates = _group(
        ["<think>1</think>\\boxed{1}", "The answer is 1.0", '{"a": 1} jane@corp.io']
    )
    plain = score_group(context, candidates, _selection(*names), registry=registry)
    timed = score_group(
        context,
        candidates,
        _selection(*names),
        registry=registry,
        budgets=Budgets(reward_s=60, gate_s=60, group_s=300, pool=pool),
    )
    assert [r.where for r in timed.rewards + timed.gates] == ["worker"] * (
        len(names) + len(timed.gates)
    )
    assert [g.verdicts for g in timed.gates] == [g.verdicts for g in plain.gates]
    assert [[s.value for s in r.scores] for r in timed.rewards] == [
        [s.value for s in r.scores] for r in plain.rewards
    ]


def test_the_hazards_gate_with_a_loaded_classifier_stays_on_the_thread() -> None:
    from rewards.gates.hazards import HazardsGate

    class Classifier:
        def classify(self, texts: Sequence[str], *, role: str) -> list[list[str]]:
            return [[] for _ in texts]

    assert runs_in_worker(HazardsGate())
    assert not runs_in_worker(HazardsGate(classifier=Classifier()))


def test_no_worker_to_be_had_fails_closed_not_unbounded_on_the_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Review: a pool that cannot start a worker ran gates and rewards on the scoring
    thread with no budget at all. Now the gate vetoes and the reward carries no signal."""
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")  # no worker can start
    broken = BudgetPool(size=1, warm_math=False)
    try:
        result = score_group(
            build_context("hello"),
            _group(["a", "bb"]),
            _selection("length_score"),
            registry=_registry(catastrophic=CatastrophicGate, length_score=LengthScore),
            budgets=Budgets(gate_s=0.5, reward_s=0.5, pool=broken),
        )
    finally:
        broken.close()
    [gate] = result.gates
    assert gate.error is not None and "no budget worker" in gate.error
    assert result.vetoed == [True, True] and result.ranking == []
    [reward] = result.rewards
    assert reward.error is not None and "no budget worker" in reward.error
    assert reward.no_signal
