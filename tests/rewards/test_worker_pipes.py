"""The worker pipes (rewards/workers.py) under the budget pool: large requests and answers,
many calls on one worker, and a worker that never answers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from rewards.budget import BudgetExceeded, BudgetPool


@dataclass(frozen=True)
class Sleeper:
    """Pickles to the worker, then sleeps there past any budget."""

    def nap(self, secs: float) -> None:
        time.sleep(secs)


@pytest.fixture(scope="module")
def pool() -> Iterator[BudgetPool]:
    p = BudgetPool(size=1, warm_math=False)
    yield p
    p.close()


def test_a_request_and_answer_larger_than_the_pipe_go_through(pool: BudgetPool) -> None:
    text = "ab" * 500_000  # 1 MB each way, many times a pipe's buffer
    assert pool.call(text, "upper", {}, budget_s=60) == text.upper()


def test_many_calls_on_one_worker_each_get_their_own_answer(pool: BudgetPool) -> None:
    for i in range(50):
        assert pool.call(f"{i}-x", "split", {"sep": "-"}, budget_s=60) == [str(i), "x"]


def test_a_worker_that_never_answers_is_out_of_time_and_the_next_call_works(
    pool: BudgetPool,
) -> None:
    with pytest.raises(BudgetExceeded):
        pool.call(Sleeper(), "nap", {"secs": 60}, budget_s=0.5)
    assert pool.call("a-b", "split", {"sep": "-"}, budget_s=60) == ["a", "b"]
