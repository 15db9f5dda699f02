"""The group record (issue 11): each fact computed once a round, one notion of "the same
answer", a fact that fails makes its readers carry no signal, offline use without it."""

from __future__ import annotations

import pickle
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import rewards.builtin.math_answers as math_answers
import rewards.builtin.math_reasoning as math_reasoning
import rewards.builtin.math_steps as math_steps
import rewards.mathverify_pool as mathverify_pool
from rewards.adaptive import AdaptivePolicy, settle
from rewards.budget import BudgetPool, Budgets
from rewards.builtin.answer_agreement import AnswerAgreement
from rewards.builtin.efficiency import Efficiency
from rewards.context import build_context
from rewards.group import FACTS, GroupRecord, ordered
from rewards.refine import refiner
from rewards.scoring import GroupResult, score_group
from rewards.selection import select_rewards
from rewards.trl import as_trl_reward
from rewards.types import Candidate, RewardContext

PROMPT = "Tom has 12 bags of 3 apples and buys 6 more apples. How many apples does he have?"
EIGHT = [
    "12 * 3 = 36, 36 + 6 = 42. The answer is \\boxed{42}.",
    "12 * 3 = 36, 36 + 5 = 41. The answer is \\boxed{41}.",
    "First 12 * 3 = 36, then 36 + 6 = 42. \\boxed{42}",
    "The answer is \\boxed{42.0}.",
    "12 * 3 = 36 and 36 + 6 = 42, so 42 apples.",
    "12 + 3 + 6 = 21. The answer is \\boxed{21}.",
    "12 * 3 = 36, 36 + 6 = 42. The answer is 42",
    "He has 12 * 3 = 36 apples, then 36 + 6 = 42. \\boxed{\\frac{84}{2}}",
]


def group(texts: list[str]) -> list[Candidate]:
    return [
        Candidate(i, t, tuple(range(len(t.split()))), "stop", -0.1 * len(t.split()))
        for i, t in enumerate(texts)
    ]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts the calls of the functions behind the math facts, wherever they are bound."""
    counts: Counter[str] = Counter()

    def counted(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    # extract_answer and voting_answer call find_answer: it counts them all.
    find = counted("extract_answer", math_answers.find_answer)
    monkeypatch.setattr(math_answers, "find_answer", find)
    monkeypatch.setattr(math_reasoning, "find_answer", find)
    steps = counted("check_steps", math_steps.check_steps)
    monkeypatch.setattr(math_steps, "check_steps", steps)
    monkeypatch.setattr(math_reasoning, "check_steps", steps)
    monkeypatch.setattr(
        mathverify_pool,
        "classify_answers",
        counted("classify_answers", mathverify_pool.classify_answers),
    )
    yield counts


def scored(texts: list[str], **kwargs: Any) -> GroupResult:
    context = build_context(PROMPT)
    return score_group(context, group(texts), select_rewards(context), refine=refiner(), **kwargs)


def test_a_round_of_eight_computes_each_fact_once(calls: Counter[str]) -> None:
    result = scored(EIGHT)
    record = result.group
    assert record is not None
    names = {r.name for r in result.rewards}
    assert {"answer_agreement", "efficiency", "math_steps", "math_reasoning"} <= names
    assert {"answers", "answer_classes", "steps", "reasoning"} <= set(record.computed)
    assert all(count == 1 for count in record.computed.values()), record.computed
    # Issue 11 counted 24, 16 and 2 on one such request before the record.
    assert calls == {"extract_answer": 8, "check_steps": 8, "classify_answers": 1}
    assert [f.name for f in result.facts] == ordered(record.computed)
    assert all(f.error is None for f in result.facts)


def test_best_of_auto_computes_each_fact_once_a_round(calls: Counter[str]) -> None:
    context = build_context(PROMPT)
    selection = select_rewards(context)
    policy = AdaptivePolicy(first_round=4, round_size=4, max_samples=8, min_agreement=0.9)
    pool = group(EIGHT)
    rounds = []
    used = 0
    for size in policy.rounds():
        used += size
        candidates = pool[:used]
        earlier = rounds[-1].group if rounds else None
        result = score_group(context, candidates, selection, refine=refiner(), earlier=earlier)
        rounds.append(result)
        if settle(context, candidates, result, policy).settled:
            break
    assert len(rounds) == 2  # 3 of 4 agree, then 6 of 8: never 90%
    for result in rounds:
        assert result.group is not None
        assert all(count == 1 for count in result.group.computed.values())
    # One extraction and one step check a candidate over both rounds (round one's four are
    # carried into round two's record), and one classification a round (the group grew).
    assert calls == {"extract_answer": 8, "check_steps": 8, "classify_answers": 2}
    # What was carried reads as if computed on the round's whole group, and scores so.
    second = rounds[1].group
    assert second is not None
    fresh = score_group(context, pool[:8], selection, refine=refiner())
    assert fresh.group is not None
    for name in ("answers", "steps", "reasoning", "answer_classes"):
        assert second.fact(name) == fresh.group.fact(name), name
    assert [r.scores for r in rounds[1].rewards] == [r.scores for r in fresh.rewards]
    assert rounds[1].ranking == fresh.ranking


def test_the_same_answer_for_agreement_and_efficiency() -> None:
    texts = ["\\boxed{\\frac{1}{2}}", "\\boxed{0.5}", "So \\boxed{0.5} it is", "\\boxed{3}"]
    context = RewardContext(prompt="Half of one?", task="math")
    record = GroupRecord(context, group(texts))
    assert record.fact("answer_classes").classes == (0, 0, 0, 1)
    agreement = AnswerAgreement(weighted=False)(
        completions=texts, context=context, candidates=list(record.candidates), group=record
    )
    assert [s.value for s in agreement] == [0.75, 0.75, 0.75, 0.25]
    efficiency = Efficiency()(
        completions=texts, context=context, candidates=list(record.candidates), group=record
    )
    # Before the record, efficiency's text majority left \frac{1}{2} "not compared".
    assert [s.value is not None for s in efficiency] == [True, True, True, False]
    assert "the majority answer" in efficiency[0].evidence
    assert record.computed == {"answers": 1, "answer_classes": 1}


def _broken_fact(record: GroupRecord) -> Any:
    raise RuntimeError("fact broke")


def _slow_fact(record: GroupRecord) -> Any:
    time.sleep(300)


def test_a_failed_fact_leaves_its_readers_without_signal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FACTS, "answer_classes", f"{__name__}:_broken_fact")
    result = scored(EIGHT)
    by_name = {r.name: r for r in result.rewards}
    for name in ("answer_agreement", "efficiency"):
        reward = by_name[name]
        assert reward.no_signal and reward.error is not None
        # The exception's type only: its message may quote a (vetoed) candidate's text.
        assert reward.error == "fact 'answer_classes' unavailable: RuntimeError"
        assert "fact broke" not in reward.error
        assert all(s.value is None for s in reward.scores)
    assert by_name["math_steps"].error is None  # it reads the steps only
    [fact] = [f for f in result.facts if f.name == "answer_classes"]
    assert fact.error == "RuntimeError"
    assert result.best is not None  # the group is still scored by the others
    assert result.selection is not None
    assert any(d.startswith("no second look") for d in result.selection.decisions)


def test_a_fact_out_of_time_leaves_its_readers_without_signal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(FACTS, "answer_classes", f"{__name__}:_slow_fact")
    pool = BudgetPool(size=1, warm_math=False)
    try:
        # 15 s, not less: the budget is every fact's and reward's, and the others must
        # finish inside it on a loaded machine; only the sleeping fact runs out.
        result = scored(
            EIGHT[:4], budgets=Budgets(reward_s=15.0, gate_s=120.0, group_s=600.0, pool=pool)
        )
    finally:
        pool.close()
    by_name = {r.name: r for r in result.rewards}
    agreement = by_name["answer_agreement"]
    assert agreement.no_signal
    assert agreement.error == "fact 'answer_classes' unavailable: timeout after 15 s"
    assert by_name["math_steps"].error is None
    [fact] = [f for f in result.facts if f.name == "answer_classes"]
    assert fact.where == "worker" and fact.error == "timeout after 15 s"
    context = build_context(PROMPT)
    verdict = settle(context, group(EIGHT[:4]), result, AdaptivePolicy())
    assert not verdict.settled and "timeout" in verdict.reason


def test_offline_rewards_build_their_own_record() -> None:
    context = RewardContext(prompt="What is 6 * 7?", task="math")
    texts = ["6 * 7 = 42, so \\boxed{42}", "It is 42.0", "6 * 7 = 41, so 41"]
    alone = AnswerAgreement()(completions=texts, context=context, candidates=[])
    record = GroupRecord(context, [Candidate(i, t) for i, t in enumerate(texts)])
    shared = AnswerAgreement()(
        completions=texts, context=context, candidates=list(record.candidates), group=record
    )
    assert [s.value for s in alone] == [s.value for s in shared]
    trl = as_trl_reward(AnswerAgreement())
    values = trl(prompts=["What is 6 * 7?"] * 3, completions=texts)
    assert [round(v, 2) for v in values if v is not None] == [0.86, 0.86, 0.14]


def test_a_reward_is_sent_only_the_facts_it_reads() -> None:
    result = scored(EIGHT)
    record = result.group
    assert record is not None
    steps_only = record.only(("steps",))
    assert steps_only.has("steps") and not steps_only.has("answer_classes")
    assert len(pickle.dumps(steps_only)) < len(pickle.dumps(record))
    # What a worker receives round-trips with the facts already computed.
    copy = pickle.loads(pickle.dumps(record))
    assert copy.fact("answer_classes") == record.fact("answer_classes")
    assert copy.computed == record.computed


def test_auto_carries_facts_through_the_budget_workers() -> None:
    # With budgets the carried facts' new items are computed in a worker on the new
    # candidates only; the round reads and scores as if computed on the whole group.
    context = build_context(PROMPT)
    selection = select_rewards(context)
    pool = BudgetPool(size=1, warm_math=False)
    try:
        budgets = Budgets(reward_s=60.0, group_s=300.0, pool=pool)
        first = score_group(context, group(EIGHT)[:4], selection, refine=refiner(), budgets=budgets)
        second = score_group(
            context, group(EIGHT), selection, refine=refiner(), budgets=budgets, earlier=first.group
        )
    finally:
        pool.close()
    fresh = score_group(context, group(EIGHT), selection, refine=refiner())
    assert second.group is not None and fresh.group is not None
    where = {f.name: f.where for f in second.facts}
    assert where["answers"] == "worker" and where["steps"] == "worker"  # the four new ones
    for name in ("answers", "steps", "reasoning", "answer_classes"):
        assert second.group.fact(name) == fresh.group.fact(name), name
    assert all(f.error is None for f in second.facts)
    assert [r.scores for r in second.rewards] == [r.scores for r in fresh.rewards]


def test_a_record_carries_only_what_an_earlier_round_saw() -> None:
    context = build_context(PROMPT)
    earlier = GroupRecord(context, group(EIGHT)[:4])
    earlier.fact("steps")
    earlier.fact("answer_classes")
    same = GroupRecord(context, group(EIGHT))
    assert same.carry(earlier) == 4
    assert same.carried("steps") == earlier.fact("steps")
    assert same.carried("answer_classes") is None  # about the group: recomputed
    # Not the same first candidates, or another request: nothing is carried.
    other = GroupRecord(context, group(list(reversed(EIGHT))))
    assert other.carry(earlier) == 0
    elsewhere = GroupRecord(build_context("What is 2 + 2?"), group(EIGHT))
    assert elsewhere.carry(earlier) == 0
    # A reader is sent the finished facts, not what was carried.
    assert same.only(["steps"])._carried == {}


def test_code_exec_decides_the_code_fact_settings_whoever_is_listed_first() -> None:
    # A profile may list efficiency before code_exec, each with its own config: the code
    # fact runs once, under the settings of the reward that owns it (code_exec).
    from rewards.builtin.code_exec import CodeExec, CodeSettings
    from rewards.registry import RewardRegistry
    from rewards.selection import RewardChoice, Selection

    registry = RewardRegistry()
    registry.register_reward("efficiency", lambda: Efficiency(code_timeout_s=1.0, sandbox="off"))
    registry.register_reward("code_exec", lambda: CodeExec(timeout_s=2.0, sandbox="off"))
    context = build_context("Write a function add(a, b).\n```python\nassert add(1, 2) == 3\n```")
    selection = Selection(
        task="code",
        rewards=[RewardChoice("efficiency", 1.0, "first"), RewardChoice("code_exec", 1.0, "")],
    )
    result = score_group(
        context, group(["def add(a, b):\n    return a + b"]), selection, registry=registry
    )
    assert result.group is not None
    assert result.group.settings["code"] == CodeSettings(timeout_s=2.0, sandbox="off")
