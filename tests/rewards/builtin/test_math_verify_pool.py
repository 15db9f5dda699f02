"""The math-verify worker pool: timeouts on, bounded waits, restarts, fallback."""

import os
import resource
import signal
import sys
import threading
from collections.abc import Iterator

import pytest

from rewards.builtin.math_answers import answer_classes
from rewards.mathverify_pool import Classification, MathVerifyPool, _Worker, classify_answers

# verify() on these runs for seconds (sympy expands both powers): math-verify's
# timeout fires, which only works on a main thread, i.e. in the worker.
SLOW = ["(x+1)^{1000}(x-1)^{1000}", "(x^2-1)^{1000}+1"]


@pytest.fixture
def pool() -> Iterator[MathVerifyPool]:
    p = MathVerifyPool(size=1)
    yield p
    p.close()


def test_equivalent_answers_share_a_class_in_the_worker(pool: MathVerifyPool) -> None:
    result = pool.classify(["1/2", "0.5", "\\frac{2}{4}", "3", "x^2+1", "1+x^2"], budget_s=10)
    assert (result.classes, result.notes, result.where) == ([0, 0, 0, 1, 2, 2], {}, "worker")


def test_one_distinct_answer_needs_no_worker(pool: MathVerifyPool) -> None:
    result = pool.classify(["12", " 12", "12"], budget_s=10)
    assert result == Classification([0, 0, 0], {}, "text (one distinct answer)")
    assert pool._count == 0  # nothing was started


def test_math_verify_timeouts_fire_in_the_worker() -> None:
    p = MathVerifyPool(size=1, call_timeout_s=1)
    try:
        result = p.classify(SLOW, budget_s=30)
    finally:
        p.close()
    assert result.where == "worker"
    assert result.classes == [0, 1]
    assert result.timeouts >= 1


def test_called_from_scoring_threads() -> None:
    p = MathVerifyPool(size=2)
    results: list[Classification] = []
    errors: list[BaseException] = []

    def work(answers: list[str]) -> None:
        try:
            results.append(p.classify(answers, budget_s=10))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(["42", "42.0", str(i)],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    p.close()
    assert not errors
    assert [r.classes for r in results] == [[0, 0, 1]] * 4
    assert all(r.where == "worker" for r in results)


def test_hung_worker_is_killed_and_the_group_compared_as_text() -> None:
    pool = MathVerifyPool(size=1, call_timeout_s=1)
    pool.classify(["1", "2"], budget_s=1)  # a warm worker, now idle
    [worker] = pool._idle
    os.kill(worker.proc.pid, signal.SIGSTOP)  # a real hang: it reads nothing any more
    result = pool.classify(["1/2", "0.5", "3"], budget_s=0.5)
    assert result.classes == [0, 1, 2]  # as text: 1/2 and 0.5 differ
    assert result.where == "text (math-verify worker did not answer in 3.5 s)"
    assert worker.proc.poll() is not None  # killed
    assert pool.classify(["1/2", "0.5"], budget_s=5).where == "worker"  # a fresh one
    pool.close()


def test_dead_worker_is_replaced_for_the_same_group(pool: MathVerifyPool) -> None:
    pool.classify(["1", "2"], budget_s=1)
    [worker] = pool._idle
    worker.proc.kill()
    worker.proc.wait()
    result = pool.classify(["1/2", "0.5"], budget_s=5)
    assert (result.classes, result.notes, result.where) == ([0, 0], {}, "worker")


def test_no_worker_falls_back_to_the_thread_and_says_so(
    pool: MathVerifyPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    result = pool.classify(["1/2", "0.5", "3"], budget_s=5)
    assert result.classes == [0, 0, 1]
    assert result.where == "in-thread, no timeouts (cannot start a worker: FileNotFoundError)"
    # and it does not retry a start on every group
    assert pool.classify(["1", "2"], budget_s=5).where.startswith("in-thread")


def test_worker_that_exits_at_once_falls_back_after_two_tries(
    pool: MathVerifyPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")
    result = pool.classify(["1/2", "0.5"], budget_s=5)
    assert result.where == "in-thread, no timeouts (worker failed twice)"
    assert result.classes == [0, 0]


def test_worker_exits_when_its_parent_goes_away() -> None:
    worker = _Worker()
    assert worker.proc.stdin is not None
    worker.proc.stdin.close()  # what the parent's death does to the pipe
    assert worker.proc.wait(timeout=60) == 0
    worker.kill()


def test_same_classes_as_the_in_thread_path() -> None:
    answers = ["\\frac{1}{3}", "0.333333", "1/3", "2", "\\sqrt{4}", "10^{10^{10}}", "\\text{yes}"]
    in_thread = answer_classes(answers, budget_s=10)
    result = classify_answers(answers, budget_s=10)
    assert (result.classes, result.notes) == in_thread
    assert result.classes == [0, 0, 0, 1, 1, 2, 3]
    assert result.notes == {5: "compared as text"}


def test_bad_sizes() -> None:
    with pytest.raises(ValueError):
        MathVerifyPool(size=0)


def test_works_when_the_server_has_many_descriptors_open() -> None:
    # A server with many connections: the worker's pipes get numbers past 1024,
    # which select() refuses ("filedescriptor out of range").
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1300:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (1300, hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    p = MathVerifyPool(size=1)
    try:
        result = p.classify(["1/2", "0.5", "3"], budget_s=10)
        [worker] = p._idle
        assert worker.proc.stdout is not None and worker.proc.stdout.fileno() > 1024
    finally:
        p.close()
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert (result.classes, result.notes, result.where) == ([0, 0, 1], {}, "worker")


def test_a_request_larger_than_the_pipe_to_a_hung_worker_does_not_block() -> None:
    p = MathVerifyPool(size=1, call_timeout_s=1)
    try:
        p.classify(["1", "2"], budget_s=1)
        [worker] = p._idle
        os.kill(worker.proc.pid, signal.SIGSTOP)
        answers = [f"{i} " + "x" * 5000 for i in range(64)]  # 320 kB: more than a pipe holds
        result = p.classify(answers, budget_s=0.5)
    finally:
        p.close()
    assert result.where == "text (math-verify worker did not answer in 3.5 s)"
    assert result.classes == list(range(64))


def test_a_group_that_raises_in_the_worker_does_not_kill_it() -> None:
    worker = _Worker()
    try:
        bad = worker.request({"answers": [None, "1"], "budget_s": 1, "timeout_s": 1}, 10)
        good = worker.request({"answers": ["1/2", "0.5"], "budget_s": 5, "timeout_s": 2}, 10)
    finally:
        worker.kill()
    assert bad["error"] == "TypeError"
    assert good["classes"] == [0, 0]
