"""Time budgets for rewards and gates, enforced in killable worker processes.

A reward or gate is Python over client and candidate text; a regex that
backtracks, or any loop inside a C extension, cannot be interrupted on the
thread that runs it. So each call (one reward or gate on one group, or one
prompt check) is pickled to a persistent worker process from
:class:`BudgetPool` (built on :mod:`rewards.workers`, the mechanism the
math-verify pool uses), which runs it on its main thread and pickles the
answer back. When the answer does not come within the call's budget the
worker is killed (SIGKILL works on C code too), :class:`BudgetExceeded` is
raised, and the next call gets a fresh worker. A call that raises in the
worker raises :class:`RemoteError` here; the worker lives on.

Which calls go to a worker is the object's own declaration (for plugin authors):

* ``runs_in_worker = False``: the reward cannot move to another process, e.g.
  it calls the engine (``judge``) or holds a loaded model (``relevance``). It
  runs on the scoring thread; its time still counts against the group, and an
  overrun of its budget is marked (not killable, so not cut short).
* ``self_bounded = True`` (implies the above): the reward bounds itself, e.g.
  ``code_exec`` and ``efficiency``, whose sandboxed runs have their own
  wall-clock and batch budgets; it is not nested in a worker either.

Everything else (default) runs in a worker: objects are picklable factories by
design. One that does not pickle runs on the thread, and its result says so.

Costs: interpreter start-up is paid once per worker (started lazily, or by
:meth:`WorkerPool.warm_up`), not per call; per call, the context and the
candidates are pickled both ways (see ``bench/budget_overhead.py``).
"""

from __future__ import annotations

import atexit
import base64
import functools
import logging
import os
import pickle
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from rewards.workers import WorkerError, WorkerPool, WorkerProcess

__all__ = [
    "DEFAULT_GATE_TIMEOUT_S",
    "DEFAULT_GROUP_TIMEOUT_S",
    "DEFAULT_REWARD_TIMEOUT_S",
    "BudgetExceeded",
    "BudgetPool",
    "Budgets",
    "RemoteError",
    "default_budget_pool",
    "runs_in_worker",
]

logger = logging.getLogger(__name__)

DEFAULT_REWARD_TIMEOUT_S = 10.0
"""One reward on one group (math-verify alone may use 3 s plus a 2 s call)."""
DEFAULT_GATE_TIMEOUT_S = 5.0
"""One gate on one group, or one prompt check (the rules are linear-time regexes)."""
DEFAULT_GROUP_TIMEOUT_S = 60.0
"""All rewards and gates of a group (self-bounded ones such as code_exec count too)."""

START_TIMEOUT_S = 120.0
"""Wait for a fresh worker to be ready (interpreter start and imports; not the budget).

Generous: sympy's parsers alone took over 30 s on a loaded 2-core machine, and a gate
whose worker is not ready fails closed (the request is refused), so a tight wait here
turns a slow start into a refusal. Paid once per worker, and workers are started with
the server (``warm_up``)."""


class BudgetExceeded(Exception):
    """The call did not finish within ``budget_s``; its worker was killed."""

    def __init__(self, budget_s: float) -> None:
        super().__init__(f"timeout after {budget_s:g} s")
        self.budget_s = budget_s


class RemoteError(Exception):
    """The call raised in the worker; the message is ``Type: text`` of that exception."""


@dataclass(frozen=True)
class Budgets:
    """The time budgets of one group's scoring.

    Attributes:
        reward_s: seconds for one reward on the whole group.
        gate_s: seconds for one gate on the whole group, or one prompt check.
        group_s: seconds for all rewards and gates of one group together; a call
            gets at most what is left of it.
        pool: the workers; :func:`default_budget_pool` when None.
    """

    reward_s: float = DEFAULT_REWARD_TIMEOUT_S
    gate_s: float = DEFAULT_GATE_TIMEOUT_S
    group_s: float = DEFAULT_GROUP_TIMEOUT_S
    pool: BudgetPool | None = None

    def __post_init__(self) -> None:
        if min(self.reward_s, self.gate_s, self.group_s) <= 0:
            raise ValueError("budgets must be > 0 seconds")

    def workers(self) -> BudgetPool:
        return self.pool or default_budget_pool()


def runs_in_worker(obj: object) -> bool:
    """Whether a reward or gate goes to a worker (see the module docstring)."""
    if getattr(obj, "self_bounded", False):
        return False
    return bool(getattr(obj, "runs_in_worker", True))


class _BudgetWorker(WorkerProcess):
    """One worker (:func:`main`): a pickled call per line in, a pickled answer out."""

    def __init__(self, warm_math: bool = True) -> None:
        super().__init__("rewards.budget", "main" if warm_math else "main_bare")

    def call(self, payload: bytes, budget_s: float) -> tuple[str, Any]:
        # A fresh worker's start-up (interpreter, imports) is not the call's budget.
        if self.fresh:
            try:
                ready = self.read_line(time.monotonic() + START_TIMEOUT_S)
            except WorkerError as exc:  # not the call's budget: say so, not "timeout"
                raise WorkerError(f"worker did not start within {START_TIMEOUT_S:g} s") from exc
            if ready != b"ready":
                raise WorkerError("worker did not start")
        deadline = time.monotonic() + budget_s
        self.send_line(payload, deadline)
        line = self.read_line(deadline)
        try:
            status, value = pickle.loads(base64.b64decode(line))
        except Exception as exc:
            raise WorkerError(f"worker answered garbage: {line[:80]!r}") from exc
        return str(status), value


class BudgetPool(WorkerPool[_BudgetWorker]):
    """Worker processes that run reward and gate calls under a time budget.

    Args:
        size: at most this many workers (one call at a time each).
        warm_math: build sympy's parsers when a worker starts (seconds, once), so the
            math rewards' first call does not pay for it inside its budget.

    Example:
        >>> pool = BudgetPool(size=1, warm_math=False)
        >>> pool.call("a-b", "split", {"sep": "-"}, budget_s=30)
        ['a', 'b']
        >>> pool.close()
    """

    def __init__(self, size: int = 4, *, warm_math: bool = True) -> None:
        super().__init__(functools.partial(_BudgetWorker, warm_math), size, kind="budget worker")

    def call(self, obj: Any, method: str, kwargs: dict[str, Any], budget_s: float) -> Any:
        """Runs ``getattr(obj, method)(**kwargs)`` in a worker within ``budget_s`` seconds.

        Raises:
            Exception: whatever pickling raises when the call does not pickle.
            BudgetExceeded, RemoteError, WorkerError: as :meth:`run`.
        """
        return self.run(self.encode(obj, method, kwargs), budget_s)

    @staticmethod
    def encode(obj: Any, method: str, kwargs: dict[str, Any]) -> bytes:
        """The request line for one call (raises when something in it does not pickle)."""
        return base64.b64encode(pickle.dumps((obj, method, kwargs), protocol=5))

    def run(self, payload: bytes, budget_s: float) -> Any:
        """Sends an :meth:`encode`-d call to a worker and waits at most ``budget_s``.

        Raises:
            BudgetExceeded: no answer in time; the worker was killed.
            RemoteError: the call raised in the worker, or the worker died.
            WorkerError: no worker could be had (``str`` says why).
        """
        worker, why_not = self.acquire(time.monotonic() + START_TIMEOUT_S + budget_s)
        if worker is None:
            raise WorkerError(why_not)
        try:
            status, value = worker.call(payload, budget_s)
        except WorkerError as exc:
            self.discard(worker)
            if exc.timed_out:
                logger.warning("budget worker: no answer within %g s; killed", budget_s)
                raise BudgetExceeded(budget_s) from exc
            raise RemoteError(f"WorkerError: {exc}") from exc
        except BaseException:
            self.discard(worker)  # e.g. an OSError on its pipe: never lose the pool's slot
            raise
        self.release(worker)
        if status != "ok":
            raise RemoteError(str(value))
        return value


_default: BudgetPool | None = None
_default_lock = threading.Lock()


def default_budget_pool(size: int = 4) -> BudgetPool:
    """The process-wide pool (created on first use, grown to ``size``, closed at exit).

    Every app and test in a process shares it, so workers start once.
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = BudgetPool(size)
            atexit.register(_default.close)
        else:
            _default.grow(size)
        return _default


def main() -> None:
    """A budget worker's entry point (see :class:`_BudgetWorker`)."""
    _start(warm_math=True)


def main_bare() -> None:
    """A budget worker that does not build sympy's parsers before it is ready."""
    _start(warm_math=False)


def _start(warm_math: bool) -> None:
    # Answers go to the original stdout; anything a reward prints goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # Pay the imports now, before "ready": the first call's budget is its own.
    import rewards.registry  # noqa: F401
    from rewards import mathverify_pool

    mathverify_pool.run_here()  # the math rewards compare answers here, alarms on
    if warm_math:
        # sympy's parsers are built on first use (seconds on a loaded machine).
        from rewards.builtin.math_answers import answer_classes

        answer_classes(["\\frac{1}{2}", "0.5", "x^2+1", "1+x^2"], budget_s=30, timeout_s=None)
    out.write(b"ready\n")
    out.flush()
    _serve(out)


def _serve(replies: Any) -> None:
    """The worker's loop (on its main thread): run each call, answer ok or error."""
    for line in sys.stdin.buffer:
        try:
            obj, method, kwargs = pickle.loads(base64.b64decode(line))
            answer: tuple[str, Any] = ("ok", getattr(obj, method)(**kwargs))
            encoded = pickle.dumps(answer, protocol=5)
        except Exception as exc:  # the call's own failure: the caller records it
            encoded = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"[:500]), protocol=5)
        replies.write(base64.b64encode(encoded) + b"\n")
        replies.flush()
