"""math-verify in worker processes, where its timeouts work.

math-verify bounds ``parse`` and ``verify`` with ``signal.alarm``, which only
works on a process's main thread, and the server scores groups in worker
threads. So the comparisons of a group's answers go, as ONE batch, to a small
persistent worker process (:func:`main`, in a new interpreter) whose main
thread runs them with math-verify's timeouts on (:data:`CALL_TIMEOUT_S` per
call). The worker is started with ``subprocess`` (fork and exec at once, never
a bare fork of a process that runs vLLM's threads), reads JSON lines on stdin,
answers on stdout, and exits when its stdin closes (the parent died). The
process and pool mechanics are :mod:`rewards.workers`'; inside one of
:mod:`rewards.budget`'s workers (:func:`run_here`) the comparison runs on the
spot, on that worker's main thread, with the same timeouts.

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
import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from rewards.builtin.math_answers import answer_classes, normalize_text
from rewards.workers import RETRY_START_AFTER_S, WorkerError, WorkerPool, WorkerProcess

if TYPE_CHECKING:
    from rewards.group import GroupRecord

__all__ = [
    "CALL_TIMEOUT_S",
    "RETRY_START_AFTER_S",
    "START_TIMEOUT_S",
    "AnswerClasses",
    "Classification",
    "MathVerifyPool",
    "WorkerError",
    "answer_classes_fact",
    "classify_answers",
    "default_pool",
    "run_here",
]

logger = logging.getLogger(__name__)

CALL_TIMEOUT_S = 2
"""math-verify's own timeout per ``parse`` / ``verify`` call in the worker (whole seconds)."""

START_TIMEOUT_S = 20.0
"""Extra wait for a fresh worker (interpreter start, sympy import: about 1.5 s idle)."""

_HERE = False  # set by run_here(): this process's main thread is itself a worker's


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


class _Worker(WorkerProcess):
    """One math-verify worker process (:func:`main`) speaking JSON lines."""

    def __init__(self) -> None:
        super().__init__("rewards.mathverify_pool")
        self._next_id = 0

    def request(self, payload: dict[str, Any], wait_s: float) -> dict[str, Any]:
        """Sends one request and waits up to ``wait_s`` for its answer."""
        if self.fresh:
            wait_s += START_TIMEOUT_S
        self._next_id += 1
        payload = {**payload, "id": self._next_id}
        deadline = time.monotonic() + wait_s
        self.send_line(json.dumps(payload).encode(), deadline)
        line = self.read_line(deadline)
        try:
            answer: dict[str, Any] = json.loads(line)
        except ValueError as exc:
            raise WorkerError(f"worker answered garbage: {line[:80]!r}") from exc
        if answer.get("id") != self._next_id:
            raise WorkerError(f"worker answered request {answer.get('id')}, not {self._next_id}")
        return answer


class MathVerifyPool(WorkerPool[_Worker]):
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
        super().__init__(_Worker, size, kind="math-verify worker")
        self.call_timeout_s = call_timeout_s

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
        if _here_on_main_thread():
            return _classify_here(answers, budget_s, self.call_timeout_s)
        wait_s = budget_s + 2 * self.call_timeout_s + 1.0
        for attempt in range(2):
            worker, why_not = self.acquire(time.monotonic() + wait_s)
            if worker is None:
                return self._in_thread(answers, budget_s, why_not)
            try:
                reply = worker.request(
                    {"answers": answers, "budget_s": budget_s, "timeout_s": self.call_timeout_s},
                    wait_s,
                )
            except WorkerError as exc:
                self.discard(worker)
                if exc.timed_out:
                    logger.warning("math-verify worker timed out after %.1f s; killed", wait_s)
                    return Classification(
                        _text_classes(answers),
                        where=f"text (math-verify worker did not answer in {wait_s:.1f} s)",
                    )
                logger.warning("math-verify worker failed (attempt %d): %s", attempt + 1, exc)
                continue
            self.release(worker)
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
        self.mark_broken("worker failed twice")
        return self._in_thread(answers, budget_s, "worker failed twice")

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


def _quiet_math_verify() -> _CountTimeouts:
    """Counts math-verify's timeouts and keeps its log lines (candidates' text) to itself."""
    counter = _CountTimeouts()
    for name in ("math_verify.parser", "math_verify.grader"):
        source = logging.getLogger(name)
        source.addHandler(counter)
        source.propagate = False  # the candidates' text stays out of the server's stderr
    return counter


_counter: _CountTimeouts | None = None


def run_here() -> None:
    """Declares this process a worker: its main thread may use math-verify's alarms.

    :mod:`rewards.budget`'s workers call it, so the math rewards they run compare
    answers on the spot, with math-verify's timeouts on, instead of handing them
    to yet another process.
    """
    global _HERE, _counter
    _HERE = True
    _counter = _quiet_math_verify()


def _here_on_main_thread() -> bool:
    return _HERE and threading.current_thread() is threading.main_thread()


def _classify_here(answers: list[str], budget_s: float, timeout_s: int) -> Classification:
    """math-verify with its timeouts on, in this process (its main thread)."""
    assert _counter is not None
    _counter.count = 0
    try:
        classes, notes = answer_classes(answers, budget_s, timeout_s=timeout_s)
    except Exception as exc:  # e.g. RecursionError deep in sympy: this group only
        return Classification(
            _text_classes(answers), where=f"text (math-verify failed: {type(exc).__name__})"
        )
    return Classification(classes, notes, where="worker", timeouts=_counter.count)


def _serve(requests: IO[str], replies: IO[str]) -> None:
    """The worker's loop: one JSON request per line in, one reply per line out."""
    counter = _quiet_math_verify()
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


@dataclass(frozen=True)
class AnswerClasses:
    """The group record's ``answer_classes`` fact: one notion of "the same answer".

    The kept candidates' stated answers (the ``answers`` fact's ``found``: a
    truncated candidate's stated answer is classed too, though it does not vote),
    grouped by :func:`classify_answers` once per round. Agreement, efficiency, the
    refinement and auto's stopping rule all read these classes.

    Attributes:
        classes: per candidate, its answer's class id (0, 1, ... in order of first
            appearance), or None (vetoed, or no answer).
        notes: by candidate position, why its answer was compared as text only.
        where: how the comparison ran (:attr:`Classification.where`).
        timeouts: math-verify calls that hit their timeout.
    """

    classes: tuple[int | None, ...]
    notes: dict[int, str] = field(default_factory=dict)
    where: str = "worker"
    timeouts: int = 0

    def votes(self, voters: Sequence[int]) -> Counter[int]:
        """Votes per class among the candidates ``voters`` (positions) that have a class."""
        return Counter(c for i in voters if (c := self.classes[i]) is not None)


def answer_classes_fact(record: GroupRecord) -> AnswerClasses:
    """The ``answer_classes`` fact (see :class:`AnswerClasses`)."""
    answers = record.fact("answers")
    stated = {i: a for i in record.kept if (a := answers[i].answer) is not None}
    positions = list(stated)
    result = classify_answers(list(stated.values()), record.verify_budget_s)
    classes: list[int | None] = [None] * len(record.candidates)
    for position, class_id in zip(positions, result.classes, strict=True):
        classes[position] = class_id
    notes = {positions[k]: note for k, note in result.notes.items()}
    return AnswerClasses(tuple(classes), notes, result.where, result.timeouts)
