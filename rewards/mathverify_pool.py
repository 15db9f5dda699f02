"""math-verify in worker processes, where its timeouts work.

math-verify bounds ``parse`` and ``verify`` with ``signal.alarm``, which only
works on a process's main thread, and the server scores groups in worker
threads. So the comparisons of a group's answers go, as ONE batch, to a small
persistent worker process (:func:`main`, in a new interpreter) whose main
thread runs them with math-verify's timeouts on (:data:`CALL_TIMEOUT_S` per
call). The worker is started with ``subprocess`` (fork and exec at once, never
a bare fork of a process that runs vLLM's threads), reads JSON lines on stdin,
answers on stdout, and exits when its stdin closes (the parent died).

Guards, outermost first:

* the caller waits for an answer at most the group's budget plus the time for
  one more parse and verify (and the start-up time for a fresh worker); a worker
  that does not answer in time is killed (a C-level sympy loop ignores
  ``SIGALRM``) and the group is compared as text; the next group gets a new one;
* a worker that dies is replaced once for the same group; a group that raises
  in the worker (sympy's deep recursions) is compared as text, the worker lives on;
* when no worker can be started (or none is free in time) the group is compared
  on the calling thread with timeouts off, guarded by ``too_costly`` and the
  budget only, as before; the result says so in ``where``, which the rewards
  copy into their evidence;
* inside the worker, :func:`~rewards.builtin.math_answers.too_costly` still
  refuses astronomical expressions, since the alarm cannot interrupt a single
  huge integer power.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rewards.builtin.math_answers import answer_classes, normalize_text

logger = logging.getLogger(__name__)

CALL_TIMEOUT_S = 2
"""math-verify's own timeout per ``parse`` / ``verify`` call in the worker (whole seconds)."""

START_TIMEOUT_S = 20.0
"""Extra wait for a fresh worker (interpreter start, sympy import: about 1.5 s idle)."""

RETRY_START_AFTER_S = 60.0
"""After a worker failed to start, use the in-thread path this long before trying again."""


@dataclass(frozen=True)
class Classification:
    """Equivalence classes of a group's answers.

    Attributes:
        classes: the class id per answer (0, 1, ... in order of first appearance).
        notes: by position, why an answer was compared as text only.
        where: how the comparison ran: ``worker`` (math-verify with its timeouts),
            ``text`` (no comparison needed, or the worker timed out), or
            ``in-thread`` (worker unavailable: math-verify without timeouts), with
            the reason in parentheses.
        timeouts: math-verify calls that hit their timeout in the worker.
    """

    classes: list[int]
    notes: dict[int, str] = field(default_factory=dict)
    where: str = "worker"
    timeouts: int = 0


class WorkerError(RuntimeError):
    """A worker died, answered garbage, or did not answer in time (``timed_out``)."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class _Worker:
    """One worker process and its pipes."""

    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from rewards.mathverify_pool import main; main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=root,
        )
        self.fresh = True
        self._pending = b""
        self._next_id = 0

    def request(self, payload: dict[str, Any], wait_s: float) -> dict[str, Any]:
        """Sends one request and waits up to ``wait_s`` for its answer."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if self.fresh:
            wait_s += START_TIMEOUT_S
        self._next_id += 1
        payload = {**payload, "id": self._next_id}
        deadline = time.monotonic() + wait_s
        self._write_all(self.proc.stdin, json.dumps(payload).encode() + b"\n", deadline)
        line = self._read_line(self.proc.stdout, deadline)
        try:
            answer: dict[str, Any] = json.loads(line)
        except ValueError as exc:
            raise WorkerError(f"worker answered garbage: {line[:80]!r}") from exc
        if answer.get("id") != self._next_id:
            raise WorkerError(f"worker answered request {answer.get('id')}, not {self._next_id}")
        self.fresh = False
        return answer

    @staticmethod
    def _write_all(stream: IO[bytes], data: bytes, deadline: float) -> None:
        """Writes without blocking past ``deadline`` (a hung worker stops reading)."""
        fd = stream.fileno()
        os.set_blocking(fd, False)
        view = memoryview(data)
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_WRITE)
            while view:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WorkerError("worker did not read its request in time", timed_out=True)
                if not selector.select(remaining):
                    continue
                try:
                    view = view[os.write(fd, view) :]
                except BlockingIOError:
                    continue
                except OSError as exc:
                    raise WorkerError(f"worker gone ({exc})") from exc

    def _read_line(self, stream: IO[bytes], deadline: float) -> bytes:
        fd = stream.fileno()
        # poll, not select: a server's descriptors can be numbered past select's 1024.
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WorkerError("worker did not answer in time", timed_out=True)
                if selector.select(remaining):
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        raise WorkerError(f"worker exited (status {self.proc.poll()})")
                    self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line

    def kill(self) -> None:
        """Kills the process (it has no children) and closes the pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # a broken pipe is already closed
                    stream.close()
        logger.debug("math-verify worker %d stopped", self.proc.pid)


class MathVerifyPool:
    """A few math-verify worker processes shared by the scoring threads.

    Args:
        size: at most this many workers (one group at a time each).
        call_timeout_s: math-verify's timeout per call inside a worker.

    Example:
        >>> pool = MathVerifyPool(size=1)
        >>> result = pool.classify(["1/2", "0.5", "\\\\frac{2}{4}", "3"], budget_s=5.0)
        >>> result.classes, result.where
        ([0, 0, 0, 1], 'worker')
        >>> pool.close()
    """

    def __init__(self, size: int = 2, call_timeout_s: int = CALL_TIMEOUT_S) -> None:
        if size < 1 or call_timeout_s < 1:
            raise ValueError("size and call_timeout_s must be >= 1")
        self.size = size
        self.call_timeout_s = call_timeout_s
        self._idle: list[_Worker] = []
        self._count = 0
        self._cond = threading.Condition()
        self._broken_until = 0.0
        self._broken_reason = ""
        self._closed = False

    def classify(self, answers: Sequence[str], budget_s: float) -> Classification:
        """Groups a group's answers into classes of equivalent answers.

        Args:
            answers: the extracted answers.
            budget_s: seconds of math-verify work for the group; past it, the rest
                is compared as text (see ``answer_classes``).
        """
        answers = list(answers)
        if len({normalize_text(a) for a in answers}) <= 1:
            return Classification([0] * len(answers), where="text (one distinct answer)")
        wait_s = budget_s + 2 * self.call_timeout_s + 1.0
        for attempt in range(2):
            worker, why_not = self._acquire(time.monotonic() + wait_s)
            if worker is None:
                return self._in_thread(answers, budget_s, why_not)
            try:
                reply = worker.request(
                    {"answers": answers, "budget_s": budget_s, "timeout_s": self.call_timeout_s},
                    wait_s,
                )
            except WorkerError as exc:
                self._discard(worker)
                if exc.timed_out:
                    logger.warning("math-verify worker timed out after %.1f s; killed", wait_s)
                    return Classification(
                        _text_classes(answers),
                        where=f"text (math-verify worker did not answer in {wait_s:.1f} s)",
                    )
                logger.warning("math-verify worker failed (attempt %d): %s", attempt + 1, exc)
                continue
            self._release(worker)
            if "error" in reply:
                return Classification(
                    _text_classes(answers), where=f"text (math-verify failed: {reply['error']})"
                )
            return Classification(
                classes=[int(c) for c in reply["classes"]],
                notes={int(k): str(v) for k, v in reply["notes"].items()},
                where="worker",
                timeouts=int(reply.get("timeouts", 0)),
            )
        with self._cond:
            self._broken_reason = "worker failed twice"
            self._broken_until = time.monotonic() + RETRY_START_AFTER_S
        return self._in_thread(answers, budget_s, "worker failed twice")

    def warm_up(self) -> None:
        """Starts the workers now (they import sympy in the background)."""
        started: list[_Worker] = []
        with self._cond:
            while self._count < self.size and not self._closed:
                try:
                    started.append(_Worker())
                except OSError as exc:
                    self._mark_broken(exc)
                    break
                self._count += 1
            self._idle.extend(started)

    def close(self) -> None:
        """Stops every idle worker; busy ones stop when they are handed back."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.kill()

    def _acquire(self, deadline: float) -> tuple[_Worker | None, str]:
        with self._cond:
            while True:
                if self._closed:
                    return None, "pool closed"
                if time.monotonic() < self._broken_until:
                    return None, self._broken_reason
                if self._idle:
                    return self._idle.pop(), ""
                if self._count < self.size:
                    self._count += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None, "all workers busy"
                self._cond.wait(remaining)
        try:
            return _Worker(), ""
        except OSError as exc:
            with self._cond:
                self._count -= 1
                self._mark_broken(exc)
                self._cond.notify()
            return None, self._broken_reason

    def _mark_broken(self, exc: BaseException) -> None:
        logger.warning("cannot start a math-verify worker: %s", exc)
        self._broken_reason = f"cannot start a worker: {type(exc).__name__}"
        self._broken_until = time.monotonic() + RETRY_START_AFTER_S

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            if not self._closed:
                self._idle.append(worker)
                self._cond.notify()
                return
            self._count -= 1
        worker.kill()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._cond:
            self._count -= 1
            self._cond.notify()

    @staticmethod
    def _in_thread(answers: list[str], budget_s: float, why: str) -> Classification:
        classes, notes = answer_classes(answers, budget_s, timeout_s=None)
        return Classification(classes, notes, where=f"in-thread, no timeouts ({why})")


def _text_classes(answers: Sequence[str]) -> list[int]:
    ids: dict[str, int] = {}
    return [ids.setdefault(normalize_text(a), len(ids)) for a in answers]


_default: MathVerifyPool | None = None
_default_lock = threading.Lock()


def default_pool() -> MathVerifyPool:
    """The process-wide pool (created on first use, closed at exit)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = MathVerifyPool()
            atexit.register(_default.close)
        return _default


def classify_answers(answers: Sequence[str], budget_s: float = 3.0) -> Classification:
    """Groups answers into classes of equivalent answers with :func:`default_pool`.

    >>> classify_answers(["42", "42.0", "41"]).classes
    [0, 0, 1]
    """
    return default_pool().classify(answers, budget_s)


class _CountTimeouts(logging.Handler):
    """Counts math-verify's "Timeout during ..." warnings (it swallows the exception)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "Timeout during" in record.getMessage():
            self.count += 1


def _serve(requests: IO[str], replies: IO[str]) -> None:
    """The worker's loop: one JSON request per line in, one reply per line out."""
    counter = _CountTimeouts()
    for name in ("math_verify.parser", "math_verify.grader"):
        source = logging.getLogger(name)
        source.addHandler(counter)
        source.propagate = False  # the candidates' text stays out of the server's stderr
    for line in requests:
        request = json.loads(line)
        counter.count = 0
        try:
            classes, notes = answer_classes(
                request["answers"], float(request["budget_s"]), timeout_s=int(request["timeout_s"])
            )
        except Exception as exc:  # e.g. RecursionError deep in sympy: this group only
            reply: dict[str, Any] = {"id": request["id"], "error": f"{type(exc).__name__}"}
        else:
            reply = {"id": request["id"], "classes": classes, "notes": notes}
        reply["timeouts"] = counter.count
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main() -> None:
    """The worker process's entry point (see :class:`_Worker`)."""
    # Replies go to the original stdout; anything else printed goes to stderr.
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # sympy and latex2sympy build their parsers on first use (0.5 s idle, several
    # seconds on a loaded machine): pay that here, not inside a group's 2 s alarms.
    answer_classes(["\\frac{1}{2}", "0.5", "x^2+1", "1+x^2"], budget_s=30, timeout_s=None)
    _serve(sys.stdin, replies)
