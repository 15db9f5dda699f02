"""Runs untrusted Python (a candidate's code and the prompt's tests) in a subprocess.

What one run gets (see the README's "Sandbox" section for what it does *not* stop):

* a fresh interpreter, ``python -I -S`` (no site-packages, no ``PYTHON*`` variables,
  no user site): the standard library only;
* when ``unshare`` works (as root, or with user namespaces): new network and PID
  namespaces, so no network interface but loopback and every process the code starts
  dies with the run; otherwise (mode ``audit-hook``) only the audit hook below;
* as root, the process drops to ``nobody`` after pre-importing a set of standard
  modules (``PREIMPORTED``): it cannot write outside its directory, signal other
  users' processes, or read files only root can read;
* an audit hook (installed before the code runs) that refuses sockets, new processes,
  signals, ``ctypes`` and writes outside the run's own directory;
* resource limits: CPU seconds, address space, processes, file size, open files, no
  core dumps; output (stdout and stderr, one file) capped by the file-size limit;
* its own temporary directory as working directory, ``HOME`` and ``TMPDIR``, deleted
  afterwards; a wall-clock timeout, after which its whole process group is killed.

The tests run in the same interpreter as the candidate's code, one after another;
each one's outcome is reported on a pipe as it finishes, so a run killed halfway
still reports the tests it finished.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "PREIMPORTED",
    "Isolation",
    "RunResult",
    "SandboxLimits",
    "Step",
    "TestOutcome",
    "isolation",
    "run_batch",
    "run_tests",
]

StepKind = Literal["setup", "assert", "doctest", "function", "testcase"]

PREIMPORTED = (
    "abc", "array", "bisect", "calendar", "cmath", "collections", "collections.abc", "copy",
    "dataclasses", "datetime", "decimal", "doctest", "enum", "fractions", "functools", "hashlib",
    "heapq", "io", "itertools", "json", "math", "operator", "random", "re", "socket", "statistics",
    "string", "textwrap", "typing", "unicodedata", "unittest", "_strptime",
)  # fmt: skip
"""Imported before dropping to ``nobody``: where the interpreter's own files are not
readable by ``nobody`` (here it lives under ``/root``), only these can be imported."""

_NOBODY = (65534, 65534)
_MAX_ERROR = 200
_MAX_STEPS = 100


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one run.

    Attributes:
        wall_seconds: wall-clock timeout; then the process group is killed.
        cpu_seconds: RLIMIT_CPU (SIGXCPU, then SIGKILL).
        memory_bytes: RLIMIT_AS, the address space.
        max_processes: RLIMIT_NPROC (effective once the run is not root).
        max_file_bytes: RLIMIT_FSIZE: any file written, the output included.
        max_open_files: RLIMIT_NOFILE.
        output_chars: how much of the output is kept in :class:`RunResult`.
    """

    wall_seconds: float = 5.0
    cpu_seconds: int = 3
    memory_bytes: int = 512 * 1024 * 1024
    max_processes: int = 16
    max_file_bytes: int = 256 * 1024
    max_open_files: int = 64
    output_chars: int = 2000


@dataclass(frozen=True)
class Step:
    """One step of a run: setup code, or a test that counts.

    Attributes:
        kind: ``setup`` (runs, not counted), ``assert`` (code that must not raise),
            ``doctest`` (``source`` evaluated, its output compared with ``want``),
            ``function`` (a ``def test_...()`` to define and call), ``testcase`` (a
            ``unittest.TestCase`` class; ``name`` is ``Class.method``).
        source: the code.
        name: a short name for the evidence.
        want: the expected output of a doctest example.
    """

    kind: StepKind
    source: str
    name: str = ""
    want: str = ""


@dataclass(frozen=True)
class TestOutcome:
    """One counted test's outcome; ``error`` says what failed."""

    name: str
    passed: bool
    error: str = ""


@dataclass(frozen=True)
class RunResult:
    """What one run did.

    Attributes:
        outcomes: the counted tests, in order; tests the run did not reach are missing.
        total: how many tests were to run.
        load_error: the candidate's code raised while being defined, if it did.
        timed_out: killed by the wall-clock timeout.
        returncode: the process's exit status (negative: killed by that signal).
        output: the start of the run's stdout and stderr.
        seconds: wall time of the run.
        isolation: the isolation mode it ran under.
        unprivileged: whether it ran as ``nobody``.
    """

    outcomes: list[TestOutcome]
    total: int
    load_error: str | None = None
    timed_out: bool = False
    returncode: int | None = None
    output: str = ""
    seconds: float = 0.0
    isolation: str = ""
    unprivileged: bool = False

    @property
    def passed(self) -> int:
        """Tests passed."""
        return sum(1 for o in self.outcomes if o.passed)

    @property
    def first_failure(self) -> str | None:
        """The first failing or unreached test, in words; None when all passed."""
        for outcome in self.outcomes:
            if not outcome.passed:
                return f"{outcome.name}: {outcome.error}"
        if len(self.outcomes) < self.total:
            why = (
                "wall-clock timeout"
                if self.timed_out
                else f"run ended early (exit {self.returncode}: CPU or memory limit, or a crash)"
            )
            return f"test {len(self.outcomes) + 1} of {self.total} not reached: {why}"
        return None


@dataclass(frozen=True)
class Isolation:
    """How runs are isolated on this machine (probed once)."""

    mode: Literal["namespaces", "user-namespaces", "audit-hook"]
    prefix: tuple[str, ...] = field(default=())
    drop_privileges: bool = False


_probe_lock = threading.Lock()


@functools.cache
def _probe() -> Isolation:
    unshare = shutil.which("unshare")
    is_root = os.geteuid() == 0
    if unshare:
        base = ("--net", "--pid", "--fork", "--kill-child")
        for mode, flags in (
            ("namespaces", base),
            ("user-namespaces", ("--map-root-user", *base)),
        ):
            cmd = (unshare, *flags)
            try:
                done = subprocess.run(
                    [*cmd, sys.executable, "-I", "-S", "-c", "pass"],
                    capture_output=True,
                    timeout=10,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired):
                continue
            if done.returncode == 0:
                # In a user namespace "root" is the caller itself: nothing to drop.
                return Isolation(mode, cmd, is_root and mode == "namespaces")  # type: ignore[arg-type]
    return Isolation("audit-hook", (), is_root)


def isolation() -> Isolation:
    """The isolation runs get here: namespaces via ``unshare`` when possible."""
    with _probe_lock:
        return _probe()


# The program that runs inside the sandbox (passed with -c: nothing to read as nobody).
_RUNNER = (Path(__file__).parent / "sandbox_runner.py").read_text(encoding="utf-8")


def _limits(limits: SandboxLimits) -> dict[str, int]:
    return {
        "RLIMIT_CPU": limits.cpu_seconds,
        "RLIMIT_AS": limits.memory_bytes,
        "RLIMIT_NPROC": limits.max_processes,
        "RLIMIT_FSIZE": limits.max_file_bytes,
        "RLIMIT_NOFILE": limits.max_open_files,
        "RLIMIT_CORE": 0,
    }


def _read_available(fd: int) -> bytes:
    os.set_blocking(fd, False)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def run_tests(
    code: str,
    steps: Sequence[Step],
    limits: SandboxLimits | None = None,
) -> RunResult:
    """Runs ``code`` and then ``steps`` in one sandboxed interpreter.

    Args:
        code: the candidate's Python code (defined first, as module ``solution``).
        steps: setup and tests, run in order after the code (at most 100 are run).
        limits: the run's limits; :class:`SandboxLimits` defaults when None.

    Returns:
        The :class:`RunResult`; tests not reached (timeout, crash) are missing from
        ``outcomes`` and count as not passed.

    >>> result = run_tests("def add(a, b):\\n    return a + b\\n",
    ...                    [Step("assert", "assert add(1, 2) == 3", "assert add(1, 2) == 3"),
    ...                     Step("assert", "assert add(1, 1) == 3", "assert add(1, 1) == 3")])
    >>> result.passed, result.total, result.first_failure
    (1, 2, 'assert add(1, 1) == 3: AssertionError: got 2')
    """
    limits = limits or SandboxLimits()
    iso = isolation()
    steps = list(steps)[:_MAX_STEPS]
    total = sum(1 for s in steps if s.kind != "setup")
    workdir = tempfile.mkdtemp(prefix="bon-sandbox-")
    read_fd, write_fd = os.pipe()
    started = time.perf_counter()
    timed_out = False
    returncode: int | None = None
    try:
        if iso.drop_privileges:
            os.chown(workdir, *_NOBODY)
        job: dict[str, Any] = {
            "fd": write_fd,
            "limits": _limits(limits),
            "preimport": PREIMPORTED,
            "drop": _NOBODY if iso.drop_privileges else None,
            "code": code,
            "steps": [s.__dict__ for s in steps],
        }
        job_path = os.path.join(workdir, ".job.json")
        with open(job_path, "w", encoding="utf-8") as fh:
            json.dump(job, fh)
        output_path = os.path.join(workdir, ".output")
        with (
            open(job_path, "rb") as stdin,
            open(output_path, "wb") as output,
        ):
            os.unlink(job_path)
            proc = subprocess.Popen(
                [*iso.prefix, sys.executable, "-I", "-S", "-c", _RUNNER],
                stdin=stdin,
                stdout=output,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd,),
                cwd=workdir,
                env={
                    "PATH": "/usr/bin:/bin",
                    "HOME": workdir,
                    "TMPDIR": workdir,
                    "LANG": "C.UTF-8",
                },
                start_new_session=True,
            )
        os.close(write_fd)
        write_fd = -1
        try:
            timed_out = not _wait_unreaped(proc.pid, limits.wall_seconds)
        finally:
            # Before reaping, so the group id cannot have been reused: kills what is left.
            _kill_group(proc.pid)
            returncode = proc.wait()
        raw = _read_available(read_fd)
        with open(output_path, "rb") as fh:
            output_text = fh.read(limits.output_chars * 4).decode("utf-8", "replace")
    finally:
        os.close(read_fd)
        if write_fd != -1:
            os.close(write_fd)
        shutil.rmtree(workdir, ignore_errors=True)
    outcomes, load_error, unprivileged = _parse(raw, total)
    return RunResult(
        outcomes=outcomes,
        total=total,
        load_error=load_error,
        timed_out=timed_out,
        returncode=returncode,
        output=output_text[: limits.output_chars],
        seconds=time.perf_counter() - started,
        isolation=iso.mode,
        unprivileged=unprivileged,
    )


def _wait_unreaped(pid: int, timeout: float) -> bool:
    """Waits up to ``timeout`` for ``pid`` to exit, leaving it unreaped; True if it did."""
    deadline = time.monotonic() + timeout
    delay = 0.002
    while True:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(delay, left))
        delay = min(delay * 2, 0.05)


def _kill_group(pid: int) -> None:
    """Kills the run's process group (its children included); gone already is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _parse(raw: bytes, total: int) -> tuple[list[TestOutcome], str | None, bool]:
    outcomes: list[TestOutcome] = []
    load_error: str | None = None
    unprivileged = False
    for line in raw.decode("utf-8", "replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        kind = event.get("event")
        if kind == "start":
            unprivileged = bool(event.get("unprivileged"))
        elif kind == "load" and load_error is None:
            load_error = str(event.get("error", ""))[:_MAX_ERROR]
        elif kind == "test" and len(outcomes) < total:
            outcomes.append(
                TestOutcome(
                    str(event.get("name", "")),
                    event.get("passed") is True,
                    str(event.get("error") or "")[:_MAX_ERROR],
                )
            )
    return outcomes, load_error, unprivileged


def run_batch(
    jobs: Sequence[tuple[str, Sequence[Step]]],
    limits: SandboxLimits | None = None,
    *,
    workers: int = 2,
    budget_seconds: float = 20.0,
) -> list[RunResult | None]:
    """Runs several jobs, ``workers`` at a time, within a total time budget.

    A job that would start after the budget is spent is not run (None); a job that
    starts late gets only the time left as its wall-clock limit. Identical jobs run
    once, and the last 256 results are remembered (the same code and tests, under
    the same limits, are not run again).

    Args:
        jobs: (code, steps) pairs.
        limits: limits of each run.
        workers: runs at the same time.
        budget_seconds: wall time for the whole batch.
    """
    limits = limits or SandboxLimits()
    deadline = time.monotonic() + budget_seconds
    keys = [
        hashlib.sha256(
            json.dumps([code, [s.__dict__ for s in steps], limits.__dict__]).encode()
        ).hexdigest()
        for code, steps in jobs
    ]
    unique = dict(zip(keys, jobs, strict=True))

    def one(key: str, job: tuple[str, Sequence[Step]]) -> RunResult | None:
        cached = _cache_get(key)
        if cached is not None:
            return cached
        left = deadline - time.monotonic()
        if left < 0.5:
            return None
        wall = min(limits.wall_seconds, left)
        own = limits if wall == limits.wall_seconds else _with_wall(limits, wall)
        result = run_tests(job[0], job[1], own)
        if own is limits or not result.timed_out:  # cut short by the budget: not the code's
            _cache_put(key, result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="sandbox") as pool:
        results = dict(zip(unique, pool.map(one, unique, unique.values()), strict=True))
    return [results[key] for key in keys]


# Recent results by job: rewards that need the same runs (code_exec, efficiency) share them.
_CACHE_SIZE = 256
_cache: OrderedDict[str, RunResult] = OrderedDict()
_cache_lock = threading.Lock()


def _cache_get(key: str) -> RunResult | None:
    with _cache_lock:
        result = _cache.get(key)
        if result is not None:
            _cache.move_to_end(key)
        return result


def _cache_put(key: str, result: RunResult) -> None:
    with _cache_lock:
        _cache[key] = result
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def _with_wall(limits: SandboxLimits, wall: float) -> SandboxLimits:
    values = dict(limits.__dict__)
    values["wall_seconds"] = wall
    return SandboxLimits(**values)
