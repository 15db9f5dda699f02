"""Tests for rewards.sandbox: what runs count, the API, the module cache, the bounds.

The attacks, in every deployment mode, are in ``test_sandbox_attacks.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sysconfig
import threading
from pathlib import Path

import pytest

from rewards import sandbox
from rewards.sandbox import (
    Isolation,
    RunResult,
    SandboxLimits,
    SandboxUnavailable,
    Step,
    TestOutcome,
    isolation,
    run_batch,
    run_tests,
)
from tests.rewards.sandbox_modes import SYSTEM_PYTHON, WORKER, _venv

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
            "    def test_b(self):\n        self.assertEqual(add(1, 1), 3)\n"
            "    def test_c(self):\n        add(1, None)\n",
            "T.test_a",
        ),
        Step("testcase", "", "T.test_b"),
        Step("testcase", "", "T.test_c"),
        Step("doctest", "print(list(range(30)))", "d4", "[0, 1, ..., 29]\n"),
    ]
    result = run_tests(ADD, steps, ROOMY)
    assert result.total == 10
    assert [(o.passed, o.error) for o in result.outcomes] == [
        (True, ""),
        (False, "AssertionError"),
        (True, ""),
        (True, ""),
        (True, ""),
        (True, ""),
        (True, ""),
        (False, "AssertionError"),
        (False, "TypeError"),
        (True, ""),
    ]
    assert result.first_failure == "a2: AssertionError"  # no "got 2": that is the run's text
    assert result.load_error is None and result.ended_by is None and not result.timed_out
    assert result.isolation == "wasi"


@pytest.mark.parametrize(
    ("step", "error"),
    [
        (Step("doctest", "add(2, 2)", "d", "5\n"), "wrong output"),
        (Step("doctest", "add(2, 2)", "d", "Traceback (most recent call last):\nKeyError\n"),
         "expected exception not raised"),
        (Step("doctest", "add(2, None)", "d", "4\n"), "TypeError"),
        (Step("function", "def test_f():\n    {}['k']\n", "test_f"), "KeyError"),
        (Step("assert", "assert add(1, 2) ==", "broken"), "SyntaxError"),
    ],
)  # fmt: skip
def test_failures_are_named_in_fixed_words_or_a_type(step: Step, error: str) -> None:
    [outcome] = run_tests(ADD, [step], ROOMY).outcomes
    assert not outcome.passed and outcome.error == error


def test_load_error_is_reported_and_tests_still_run() -> None:
    result = run_tests(
        ADD + "raise ValueError('boom')\n", [Step("assert", "assert add(1, 1) == 2", "a")], ROOMY
    )
    assert result.load_error == "ValueError"
    assert result.passed == 1


def test_the_candidate_is_module_solution() -> None:
    result = run_tests(ADD, [Step("assert", "from solution import add as f\nassert f(1, 2) == 3")])
    assert result.passed == 1


def test_no_field_carries_output() -> None:
    fields = {f.name for f in dataclasses.fields(RunResult)}
    assert "output" not in fields
    result = run_tests("print('hello from the run')\n" + ADD, [], ROOMY)
    assert "hello" not in repr(result)


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
        ("assert {1, 2} == set([2, 1])", True),
    ],
)
def test_always_equal_objects_do_not_pass_literal_asserts(test: str, passed: bool) -> None:
    result = run_tests(ALWAYS_EQUAL, [Step("assert", test, "t")], ROOMY)
    assert result.outcomes[0].passed is passed, result.outcomes[0]


def test_unreached_tests_say_why_in_fixed_words() -> None:
    result = RunResult([TestOutcome("a", True)], total=3, ended_by="CPU budget exhausted")
    assert result.first_failure == "test 2 of 3 not reached: CPU budget exhausted"
    assert RunResult([], total=1).first_failure == "test 1 of 1 not reached: run ended early"


def test_reported_reasons_are_checked_by_the_host() -> None:
    assert sandbox._reason("ValueError") == "ValueError"
    assert sandbox._reason("wrong output") == "wrong output"
    for forged in ("Secret_hunter2", "ValueError: hunter2", "x" * 500, ""):
        assert sandbox._reason(forged) == "Exception"


# --- the API the server builds on -----------------------------------------------------


def test_isolation_is_wasi_and_ready() -> None:
    iso = isolation()
    assert iso == sandbox.prepare()
    assert iso.mode == "wasi" and iso.ready, iso.reason
    assert "wasmtime 50.0.1" in iso.runtime


def test_not_ready_raises_sandbox_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sandbox._state, "isolation", Isolation(ready=False, reason="no wasm"))
    with pytest.raises(SandboxUnavailable, match="no wasm"):
        run_tests(ADD, [])
    with pytest.raises(SandboxUnavailable):
        run_batch([(ADD, [])])


def test_a_wasm_with_another_hash_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "python.wasm"
    fake.write_bytes(b"\0asm\1\0\0\0")
    monkeypatch.setattr(sandbox, "_wasm_path", lambda: fake)
    monkeypatch.setenv("BON_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(SandboxUnavailable, match="hash mismatch"):
        sandbox._compiled_module()
    assert hashlib.sha256(fake.read_bytes()).hexdigest() != sandbox.WASM_SHA256


def test_cache_dir_follows_bon_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BON_CACHE_DIR", str(tmp_path))
    assert sandbox.cache_dir() == tmp_path
    monkeypatch.delenv("BON_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert sandbox.cache_dir() == tmp_path / "xdg" / "bon-server"


def test_a_cached_module_others_could_write_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "m.cwasm"
    path.write_bytes(b"x")
    tmp_path.chmod(0o755)
    path.chmod(0o644)
    assert sandbox._trusted(path)
    path.chmod(0o666)
    assert not sandbox._trusted(path)
    path.chmod(0o644)
    tmp_path.chmod(0o777)
    assert not sandbox._trusted(path)


def test_an_unwritable_cache_dir_compiles_in_memory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("BON_CACHE_DIR", str(blocker / "below-a-file"))  # mkdir fails
    monkeypatch.setattr(sandbox, "_private_copy", None)
    monkeypatch.setattr(sandbox, "_compile", lambda engine, wasm: b"compiled")  # 9 s saved
    path, origin = sandbox._compiled_module()
    assert "not writable" in origin
    assert path.read_bytes() == b"compiled" and path.stat().st_mode & 0o077 == 0
    path.unlink()


def test_the_concurrency_bound_is_process_wide() -> None:
    before = sandbox.max_concurrent_runs()
    sandbox.set_max_concurrent_runs(1)
    try:
        assert sandbox.max_concurrent_runs() == 1
        with sandbox._slots_lock:
            slots = sandbox._slots
        assert slots.acquire(timeout=5)  # the one slot is taken
        try:
            result = run_tests(ADD, [Step("assert", "assert add(1, 1) == 2", "t")],
                               SandboxLimits(wall_seconds=0.2))  # fmt: skip
        finally:
            slots.release()
        assert result.ended_by == "sandbox busy" and result.outcomes == []
        assert run_tests(ADD, [Step("assert", "assert add(1, 1) == 2", "t")], ROOMY).passed == 1
    finally:
        sandbox.set_max_concurrent_runs(before)
    with pytest.raises(ValueError):
        sandbox.set_max_concurrent_runs(0)


def test_runs_in_threads_share_the_bound() -> None:
    results: list[RunResult] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        result = run_tests(f"x = {i}\n", [Step("assert", f"assert x == {i}", "t")], ROOMY)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.passed for r in results) == [1, 1, 1, 1]


# --- batches -----------------------------------------------------------------------------


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


def test_a_second_batch_runs_again_nothing_is_remembered_past_a_batch() -> None:
    """No process-wide result cache: a round's runs live in its group record."""
    jobs = [("def g():\n    return 7\n", [Step("assert", "assert g() == 7", "again")])]
    [first] = run_batch(jobs, ROOMY)
    [again] = run_batch(jobs, ROOMY)
    assert first is not None and again is not None
    assert again is not first and again.passed == first.passed == 1


def test_the_runner_finds_wasmtime_where_the_server_did(tmp_path: Path) -> None:
    """wasmtime reachable only through ``PYTHONPATH`` (which the runner's ``-I`` drops):
    the server names the folder, so runs still start (seen: "smoke run failed")."""
    site = Path(sysconfig.get_path("purelib", vars={"base": str(_venv().parent.parent)}))
    assert (site / "wasmtime").is_dir(), site
    bare = subprocess.run(
        [SYSTEM_PYTHON, "-I", "-c", "import wasmtime"], capture_output=True, check=False
    )
    assert bare.returncode != 0, "this test needs an interpreter without wasmtime of its own"
    root = Path(__file__).resolve().parents[2]
    job = {
        "code": "def add(a, b):\n    return a + b\n",
        "steps": [dataclasses.asdict(Step("assert", "assert add(1, 2) == 3", "a1"))],
        "limits": dataclasses.asdict(SandboxLimits()),
    }
    done = subprocess.run(
        [SYSTEM_PYTHON, str(WORKER), str(root)],
        input=json.dumps(job) + "\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(site),
            "BON_CACHE_DIR": str(tmp_path),
            "HOME": str(tmp_path),
        },
    )
    lines = done.stdout.splitlines()
    assert len(lines) == 2, (done.stdout, done.stderr[-2000:])
    hello, answer = json.loads(lines[0]), json.loads(lines[1])
    assert hello["isolation"]["ready"], hello
    assert [o["passed"] for o in answer["outcomes"]] == [True], answer
