"""Persistent, killable worker processes with a bounded wait: one mechanism, two users.

The scoring threads hand work that may not stop by itself (math-verify's sympy,
a reward's regex, anything inside a C extension) to a worker process, wait for
its answer with a deadline, and kill the process when the deadline passes: a
thread cannot be interrupted, a process can. :mod:`rewards.mathverify_pool`
(JSON requests) and :mod:`rewards.budget` (pickled reward and gate calls) are
both built from the two classes here.

* :class:`WorkerProcess` is one worker: a new interpreter (``subprocess``: fork
  and exec at once, never a bare fork of a process that runs vLLM's threads)
  running an entry point that reads one request per line on stdin and answers
  one line on stdout; it exits when its stdin closes (the parent died). Reads
  and writes never block past their deadline, even when the worker stopped
  reading (a request larger than a pipe) or the server holds descriptors past
  ``select``'s 1024.
* :class:`WorkerPool` keeps up to ``size`` of them, started lazily and reused;
  a caller discards (kills) a worker that timed out or died, and the next
  caller gets a fresh one. When none can be started, the pool says so for
  :data:`RETRY_START_AFTER_S` instead of trying again for every call.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

RETRY_START_AFTER_S = 60.0
"""After a worker failed to start, callers are told so this long before a new try."""

_ROOT = str(Path(__file__).resolve().parent.parent)


class WorkerError(RuntimeError):
    """A worker died, answered garbage, or did not answer in time (``timed_out``)."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class WorkerProcess:
    """One worker process running ``module.function()`` and its pipes.

    Args:
        module: the module of the worker's entry point.
        function: the entry point, called without arguments in the new interpreter.
    """

    def __init__(self, module: str, function: str = "main") -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", f"from {module} import {function}; {function}()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=_ROOT,
        )
        self.fresh = True  # no answer read yet (the interpreter may still be starting)
        self._pending = b""
        # One poll object per pipe for the process's life: a selector made per call costs
        # more than the wait itself (tens of microseconds, twice a call). poll, not select:
        # a server's descriptors can be numbered past select's 1024.
        assert self.proc.stdin is not None and self.proc.stdout is not None
        os.set_blocking(self.proc.stdin.fileno(), False)
        self._writable = select.poll()
        self._writable.register(self.proc.stdin.fileno(), select.POLLOUT)
        self._readable = select.poll()
        self._readable.register(self.proc.stdout.fileno(), select.POLLIN)

    def send_line(self, line: bytes, deadline: float) -> None:
        """Writes one request line without blocking past ``deadline`` (a hung worker
        stops reading, and a request can be larger than the pipe holds)."""
        assert self.proc.stdin is not None
        fd = self.proc.stdin.fileno()
        view = memoryview(line + b"\n")
        while view:
            try:  # first without waiting: a request usually fits in the pipe at once
                view = view[os.write(fd, view) :]
                continue
            except BlockingIOError:
                pass
            except OSError as exc:
                raise WorkerError(f"worker gone ({exc})") from exc
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerError("worker did not read its request in time", timed_out=True)
            self._writable.poll(_ms(remaining))

    def read_line(self, deadline: float) -> bytes:
        """Reads one answer line, waiting at most until ``deadline``."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerError("worker did not answer in time", timed_out=True)
            if self._readable.poll(_ms(remaining)):
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise WorkerError(f"worker exited (status {self.proc.poll()})")
                self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        self.fresh = False
        return line

    def alive(self) -> bool:
        """Whether the process is still running (an idle worker can die too)."""
        return self.proc.poll() is None

    def kill(self) -> None:
        """Kills the process (it has no children) and closes the pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # a broken pipe is already closed
                    stream.close()
        logger.debug("worker %d stopped", self.proc.pid)


def _ms(seconds: float) -> int:
    """A poll timeout: whole milliseconds, rounded up (0 would not wait at all)."""
    return max(1, math.ceil(seconds * 1000))


W = TypeVar("W", bound=WorkerProcess)


class WorkerPool(Generic[W]):
    """Up to ``size`` workers made by ``spawn``, shared by threads, one call at a time each.

    Args:
        spawn: starts one worker (raises ``OSError`` when it cannot).
        size: at most this many workers.
        kind: names the workers in log lines.
    """

    def __init__(self, spawn: Callable[[], W], size: int, kind: str = "worker") -> None:
        if size < 1:
            raise ValueError("size must be >= 1")
        self.size = size
        self.kind = kind
        self._spawn = spawn
        self._idle: list[W] = []
        self._count = 0
        self._cond = threading.Condition()
        self._broken_until = 0.0
        self._broken_reason = ""
        self._closed = False

    def grow(self, size: int) -> None:
        """Allows at least ``size`` workers (a shared pool serves the largest user)."""
        with self._cond:
            self.size = max(self.size, size)
            self._cond.notify_all()

    def warm_up(self, count: int | None = None) -> None:
        """Starts workers now (up to ``count``, default ``size``) so no caller waits."""
        started: list[W] = []
        with self._cond:
            target = self.size if count is None else min(count, self.size)
            while self._count < target and not self._closed:
                try:
                    started.append(self._spawn())
                except OSError as exc:
                    self._mark_broken(exc)
                    break
                self._count += 1
            self._idle.extend(started)
            self._cond.notify_all()

    def close(self) -> None:
        """Stops every idle worker; busy ones stop when they are handed back."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.kill()

    def acquire(self, deadline: float) -> tuple[W | None, str]:
        """A worker (idle, or newly started), or None and why not (closed, broken, busy)."""
        with self._cond:
            while True:
                if self._closed:
                    return None, "pool closed"
                if time.monotonic() < self._broken_until:
                    return None, self._broken_reason
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive():
                        return worker, ""
                    self._count -= 1  # died while idle: replace it below
                    worker.kill()
                if self._count < self.size:
                    self._count += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None, "all workers busy"
                self._cond.wait(remaining)
        try:
            return self._spawn(), ""
        except OSError as exc:
            with self._cond:
                self._count -= 1
                self._mark_broken(exc)
                self._cond.notify()
            return None, self._broken_reason

    def mark_broken(self, reason: str) -> None:
        """Tells callers to do without workers for a while (e.g. they keep failing)."""
        with self._cond:
            self._broken_reason = reason
            self._broken_until = time.monotonic() + RETRY_START_AFTER_S

    def _mark_broken(self, exc: BaseException) -> None:
        logger.warning("cannot start a %s: %s", self.kind, exc)
        self._broken_reason = f"cannot start a worker: {type(exc).__name__}"
        self._broken_until = time.monotonic() + RETRY_START_AFTER_S

    def release(self, worker: W) -> None:
        """Hands a healthy worker back for the next caller."""
        with self._cond:
            if not self._closed:
                self._idle.append(worker)
                self._cond.notify()
                return
            self._count -= 1
        worker.kill()

    def discard(self, worker: W) -> None:
        """Kills a worker that timed out or failed; the next caller gets a fresh one."""
        worker.kill()
        with self._cond:
            self._count -= 1
            self._cond.notify()
