"""Tests for rewards.sandbox: real subprocess runs, limits and isolation."""

from __future__ import annotations

import os

import pytest

from rewards.sandbox import SandboxLimits, Step, isolation, run_batch, run_tests

ADD = "def add(a, b):\n    return a + b\n"
# Generous wall clock: the machines running the tests may be loaded (timeouts are tested apart).
ROOMY = SandboxLimits(wall_seconds=30)


def test_counts_each_kind_of_test() -> None:
    steps = [
        Step("assert", "assert add(1, 2) == 3", "a1"),
        Step("assert", "assert add(1, 1) == 3", "a2"),
        Step("setup", "x = add(2, 2)"),
        Step("doctest", "x", "d1", "4\n"),
        Step("doctest", "add('a', 'b')", "d2", "'ab'\n"),
        Step("doctest", "add(1, None)", "d3", "Traceback (most recent call last):\nTypeError: x\n"),
        Step("function", "def test_add():\n    assert add(-1, 1) == 0\n", "test_add"),
        Step(
            "testcase",
            "import unittest\nclass T(unittest.TestCase):\n"
            "    def test_a(self):\n        self.assertEqual(add(1, 1), 2)\n"
            "    def test_b(self):\n        self.assertEqual(add(1, 1), 3)\n",
            "T.test_a",
        ),
        Step("testcase", "", "T.test_b"),
    ]
    result = run_tests(ADD, steps, ROOMY)
    assert result.total == 8
    assert [o.passed for o in result.outcomes] == [True, False, True, True, True, True, True, False]
    assert result.first_failure == "a2: AssertionError: got 2"
    assert result.outcomes[-1].error == "AssertionError: 2 != 3"
    assert result.load_error is None
    assert not result.timed_out


def test_doctest_mismatch_says_what_it_got() -> None:
    result = run_tests(ADD, [Step("doctest", "add(2, 2)", "d", "5\n")], ROOMY)
    assert result.passed == 0
    assert result.outcomes[0].error == "expected 5, got 4"


def test_load_error_is_reported_and_tests_still_run() -> None:
    result = run_tests(
        ADD + "raise ValueError('boom')\n", [Step("assert", "assert add(1, 1) == 2", "a")], ROOMY
    )
    assert result.load_error == "ValueError: boom"
    assert result.passed == 1


def test_wall_clock_timeout_kills_the_run_and_keeps_finished_tests() -> None:
    steps = [
        Step("assert", "assert add(1, 1) == 2", "first"),
        Step("assert", "import time\ntime.sleep(60)", "sleeps"),
        Step("assert", "assert True", "never reached"),
    ]
    result = run_tests(ADD, steps, SandboxLimits(wall_seconds=5))
    assert result.timed_out
    assert [o.name for o in result.outcomes] == ["first"]
    assert result.passed == 1 and result.total == 3
    assert result.first_failure is not None and "timeout" in result.first_failure


def test_cpu_limit_ends_a_busy_loop() -> None:
    result = run_tests(
        "while True:\n    pass\n",
        [Step("assert", "assert True", "t")],
        SandboxLimits(cpu_seconds=1, wall_seconds=30),
    )
    assert not result.timed_out
    assert result.outcomes == []
    assert result.first_failure is not None and "not reached" in result.first_failure


def test_memory_limit() -> None:
    result = run_tests("data = bytearray(2 * 1024**3)\n", [], ROOMY)
    assert result.load_error == "MemoryError"


def test_output_is_capped_by_the_file_limit() -> None:
    code = "while True:\n    print('spam' * 100)\n"
    limits = SandboxLimits(wall_seconds=30, max_file_bytes=64 * 1024, output_chars=500)
    result = run_tests(code, [], limits)
    assert result.load_error is not None and "File too large" in result.load_error
    assert len(result.output) == 500


@pytest.mark.parametrize(
    ("source", "error"),
    [
        (
            "import socket\nsocket.socket()",
            "PermissionError: sandbox: socket.__new__ is not allowed",
        ),
        ("import os\nos.fork()", "PermissionError: sandbox: os.fork is not allowed"),
        ("import os\nos.system('true')", "PermissionError: sandbox: os.system is not allowed"),
        ("import os\nos.kill(1, 9)", "PermissionError: sandbox: os.kill is not allowed"),
        ("open('/tmp/bon-sandbox-escape', 'w')", "PermissionError: sandbox: writing outside"),
        ("import os\nos.remove('/etc/hostname')", "PermissionError: sandbox: os.remove outside"),
    ],
)
def test_audit_hook_refuses(source: str, error: str) -> None:
    result = run_tests("", [Step("assert", source, "t")], ROOMY)
    assert result.outcomes[0].error.startswith(error)
    assert not os.path.exists("/tmp/bon-sandbox-escape")


def test_own_directory_is_writable_and_removed_afterwards() -> None:
    code = "import os\nopen('notes.txt', 'w').write('hi')\nprint(os.getcwd())\n"
    check = Step("assert", "assert open('notes.txt').read() == 'hi'", "t")
    result = run_tests(code, [check], ROOMY)
    assert result.passed == 1
    workdir = result.output.strip()
    assert os.path.basename(workdir).startswith("bon-sandbox-")
    assert not os.path.exists(workdir)


def test_isolation_on_this_machine() -> None:
    iso = isolation()
    # /proc/self/net shows the network namespace the process is in.
    show = "import os\nlines = open('/proc/self/net/dev').read().splitlines()[2:]\n"
    show += "print(os.getuid(), sorted(line.split(':')[0].strip() for line in lines))"
    result = run_tests("", [Step("assert", show, "t")], ROOMY)
    assert result.passed == 1
    uid, _, interfaces = result.output.strip().partition(" ")
    if iso.mode != "audit-hook":
        assert interfaces == "['lo']"  # a network namespace of its own
    if os.geteuid() == 0 and iso.mode == "namespaces":
        assert result.unprivileged and uid == "65534"


def test_batch_runs_identical_jobs_once_and_keeps_order() -> None:
    jobs = [
        (f"def f():\n    return {value}\n", [Step("assert", "assert f() == 1", "t")])
        for value in (1, 2, 1)
    ]
    results = run_batch(jobs, ROOMY, workers=2)
    assert [r.passed if r else None for r in results] == [1, 0, 1]
    assert results[0] is results[2]


def test_batch_skips_jobs_once_the_budget_is_spent() -> None:
    slow = [Step("assert", "import time\ntime.sleep(30)", "t")]
    jobs = [(f"x = {i}\n", slow) for i in range(3)]
    results = run_batch(jobs, SandboxLimits(wall_seconds=1.0), workers=1, budget_seconds=1.2)
    assert results[0] is not None and results[0].timed_out
    assert results[1:] == [None, None]


ALWAYS_EQUAL = """
class Anything:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__

class Text(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__

def answer(kind):
    return {"object": Anything(), "str": Text("no"), "list": [Anything()]}[kind]
"""


@pytest.mark.parametrize(
    ("test", "passed"),
    [
        ("assert answer('object') == 42", False),
        ("assert 'yes' == answer('str')", False),
        ("assert answer('list') == [1]", False),
        ("assert answer('list') != [1]", False),  # not a literal ==: runs as written
        ("assert len('abc') == 3.0", True),  # numbers may mix, as == lets them
        ("assert {'a': (1, 2)} == dict(a=(1, 2))", True),
    ],
)
def test_always_equal_objects_do_not_pass_literal_asserts(test: str, passed: bool) -> None:
    result = run_tests(ALWAYS_EQUAL, [Step("assert", test, "t")], ROOMY)
    assert result.outcomes[0].passed is passed, result.outcomes[0]


def test_second_batch_of_the_same_jobs_comes_from_the_cache() -> None:
    jobs = [("def g():\n    return 7\n", [Step("assert", "assert g() == 7", "cached")])]
    [first] = run_batch(jobs, ROOMY)
    [again] = run_batch(jobs, ROOMY)
    assert first is not None and again is first
