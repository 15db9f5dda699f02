"""The group record: one round's facts, each computed at most once, read by everyone.

Many readers need the same facts about a group: the candidates' final answers and
which of them are the same answer (agreement, efficiency, the refinement, auto's
stopping rule), their arithmetic steps (math_steps, math_reasoning, agreement's
vote weights), their code's test runs, their JSON. Computed by each reader, the
facts were computed several times a round and, worse, could disagree (efficiency's
text majority against agreement's math-verify classes). A :class:`GroupRecord`
holds them for one round: :meth:`GroupRecord.fact` computes a fact on first use and
keeps it, with the record, so no process-wide cache stands in for it.

:data:`FACTS` names each fact's function (``"module:function"``, imported on first
use, so this module imports no reward and there is no import cycle). A fact
function takes the record and returns plain, picklable data (one item per candidate,
or one value for the group); it bounds its own work, as the code it came from did.
:data:`NEEDS` lists the facts a fact reads, so that :func:`ordered` computes them
first. A function with ``self_bounded = True`` (its sandbox runs have their own
budgets) runs on the scoring thread rather than in a budget worker.

In the server, ``rewards.scoring`` fills the record once per round, before the
rewards, each fact under a time budget in this process's budget workers; a fact
that fails or runs out of time is recorded (:meth:`GroupRecord.fail`), and the
rewards that read it carry no signal with that reason. Rewards declare what they
read (``reads = ("answers", "answer_classes")``) and receive the record as the
keyword ``group``; a reward called without one (offline, ``rewards.trl``) builds
its own with :meth:`GroupRecord.of`.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rewards.types import Candidate, RewardContext

__all__ = ["FACTS", "NEEDS", "PER_CANDIDATE", "FactError", "GroupRecord", "ordered", "reads_of"]

FACTS: dict[str, str] = {
    # per candidate: the final answer and how it was found (truncation-aware), and the
    # answer it votes with (math_answers.voting_answer's rule)
    "answers": "rewards.builtin.math_answers:answers_fact",
    # math-verify classes of the kept candidates' answers: the one "same answer"
    "answer_classes": "rewards.mathverify_pool:answer_classes_fact",
    # per candidate: math_steps.StepReport (its arithmetic claims)
    "steps": "rewards.builtin.math_steps:steps_fact",
    # per candidate: math_reasoning.ReasoningReport (steps against the question) or None
    "reasoning": "rewards.builtin.math_reasoning:reasoning_fact",
    # per candidate: extracted code; the tests; sandbox runs (code_exec.CodeFact)
    "code": "rewards.builtin.code_exec:code_fact",
    # per candidate: parsed JSON or why not, schema check (json_valid.JsonFact)
    "json": "rewards.builtin.json_valid:json_fact",
    # per candidate: prose language, confidence, shares (language.LanguageReading)
    "languages": "rewards.builtin.language:languages_fact",
    # per candidate: its calls' validity against the declared tools (tools.CallCheck)
    "tool_checks": "rewards.builtin.tools:tool_checks_fact",
}
"""Fact name -> ``"module:function"`` computing it from a record."""

NEEDS: dict[str, tuple[str, ...]] = {
    "answer_classes": ("answers",),
    "reasoning": ("answers", "steps"),
}
"""Fact name -> the facts its function reads (computed before it)."""

PER_CANDIDATE: frozenset[str] = frozenset(
    {"answers", "steps", "reasoning", "languages", "tool_checks"}
)
"""Facts whose value is one item a candidate, each read from that candidate (and the
request) alone: with best_of "auto", a candidate's items are carried from the round
that first saw it (:meth:`GroupRecord.carry`) instead of computed again. Group-level
facts (``answer_classes``, ``code``'s shared tests, ``json``) are always recomputed."""


class FactError(RuntimeError):
    """A fact could not be computed (it failed or ran out of time): its readers
    carry no signal, and the message says why."""


def _function(name: str) -> Callable[[GroupRecord], Any]:
    try:
        target = FACTS[name]
    except KeyError:
        raise FactError(f"unknown fact {name!r}") from None
    module, _, attr = target.partition(":")
    fn: Callable[[GroupRecord], Any] = getattr(importlib.import_module(module), attr)
    return fn


def fact_function(name: str) -> Callable[[GroupRecord], Any]:
    """The function that computes fact ``name`` (imported now)."""
    return _function(name)


def ordered(names: Iterable[str]) -> list[str]:
    """``names`` and the facts they need, each after what it needs.

    >>> ordered(["reasoning", "answer_classes"])
    ['answers', 'steps', 'reasoning', 'answer_classes']
    """
    done: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in path:
            raise ValueError(f"facts need each other: {' -> '.join((*path, name))}")
        for need in NEEDS.get(name, ()):
            visit(need, (*path, name))
        done.append(name)

    for name in names:
        visit(name, ())
    return done


def reads_of(reward: object, context: RewardContext | None = None) -> tuple[str, ...]:
    """The facts a reward declares it reads, known ones only.

    ``reads`` (a class attribute) names them; a reward whose facts depend on the
    request (``efficiency`` reads the answers on math, the code runs on code) may
    define ``reads_for(context)`` instead, so no fact is computed for nothing.
    """
    reads_for = getattr(reward, "reads_for", None)
    if context is not None and callable(reads_for):
        names = reads_for(context)
    else:
        names = getattr(reward, "reads", ()) or ()
    return tuple(name for name in names if name in FACTS)


class GroupRecord:
    """The facts of one round's group, each computed at most once.

    Read by every reward, the refinement and auto's stopping rule. Lives with the
    group: no process-wide caches. Pickled to the budget workers with the facts
    already computed (plain data), so a worker reads them instead of recomputing.

    Attributes:
        context: the request context.
        candidates: the group, in engine order.
        vetoed: per candidate, whether a gate vetoed it (facts about the group, such as
            the answer classes, are the kept candidates' only).
        computed: how many times each fact's function ran for this record (tests pin 1).
        verify_budget_s: seconds of math-verify work for the answer classes.
        settings: per fact, the settings it is computed under, from the rewards that
            state them (``fact_settings``: ``code_exec``'s sandbox limits for ``code``).

    Example:
        >>> from rewards.types import Candidate, RewardContext
        >>> record = GroupRecord(RewardContext("2+2?", task="math"),
        ...                      [Candidate(0, "\\\\boxed{4}"), Candidate(1, "It is 4.0")])
        >>> [a.voting for a in record.fact("answers")]
        ['4', '4.0']
        >>> record.fact("answer_classes").classes, record.computed["answers"]
        ((0, 0), 1)
    """

    def __init__(
        self,
        context: RewardContext,
        candidates: Sequence[Candidate],
        vetoed: Sequence[bool] | None = None,
        *,
        verify_budget_s: float = 3.0,
    ) -> None:
        self.context = context
        self.candidates: tuple[Candidate, ...] = tuple(candidates)
        n = len(self.candidates)
        self.vetoed: tuple[bool, ...] = tuple(bool(v) for v in vetoed or ()) or (False,) * n
        if len(self.vetoed) != n:
            raise ValueError(f"{len(self.vetoed)} veto flags for {n} candidates")
        self.verify_budget_s = verify_budget_s
        self.settings: dict[str, Any] = {}
        self.computed: Counter[str] = Counter()
        self._values: dict[str, Any] = {}
        self._errors: dict[str, str] = {}
        # Per-candidate facts' items for the first ``_carried_n`` candidates, carried from
        # an earlier round's record (see carry): only the rest is computed.
        self._carried: dict[str, tuple[Any, ...]] = {}
        self._carried_n = 0

    @classmethod
    def of(
        cls,
        completions: Sequence[str],
        context: RewardContext,
        candidates: Sequence[Candidate] = (),
        group: GroupRecord | None = None,
        vetoed: Sequence[bool] | None = None,
        *,
        verify_budget_s: float = 3.0,
    ) -> GroupRecord:
        """The record a reward reads: the one it was given (``group``), else its own.

        Offline callers (``rewards.trl``, a notebook) pass texts and maybe candidates;
        without candidates of the same length, each text becomes a bare candidate.
        ``verify_budget_s`` is the own record's math-verify budget.
        """
        n = len(completions)
        if group is not None and len(group.candidates) == n:
            return group
        if len(candidates) != n:
            candidates = [Candidate(i, text) for i, text in enumerate(completions)]
        flags = list(vetoed or ())
        return cls(
            context, candidates, flags if len(flags) == n else None, verify_budget_s=verify_budget_s
        )

    def __len__(self) -> int:
        return len(self.candidates)

    @property
    def kept(self) -> tuple[int, ...]:
        """The indices (positions) of the candidates no gate vetoed."""
        return tuple(i for i, v in enumerate(self.vetoed) if not v)

    def fact(self, name: str) -> Any:
        """Fact ``name``: computed on first use (once), then kept.

        Raises:
            FactError: the fact is unknown, failed now, or failed (or ran out of time)
                when it was computed before; its readers carry no signal.
        """
        if name in self._errors:
            raise FactError(f"fact {name!r} unavailable: {self._errors[name]}")
        if name not in self._values:
            fn = _function(name)
            self.computed[name] += 1
            head = self._carried.get(name)
            try:
                value = fn(self) if head is None else (*head, *fn(self.tail()))
            except Exception as exc:
                # The type only: a fact reads every candidate, vetoed ones included, and an
                # exception's message may quote the text it choked on.
                self.fail(name, type(exc).__name__)
                raise FactError(f"fact {name!r} unavailable: {self._errors[name]}") from exc
            self._values[name] = value
        return self._values[name]

    def has(self, name: str) -> bool:
        """Whether fact ``name`` is computed (or failed): reading it costs nothing."""
        return name in self._values or name in self._errors

    def error(self, name: str) -> str | None:
        """Why fact ``name`` could not be computed, or None."""
        return self._errors.get(name)

    def put(self, name: str, value: Any) -> None:
        """Records a fact computed elsewhere (in a budget worker) as computed once."""
        self.computed[name] += 1
        self._values[name] = value

    def fail(self, name: str, why: str) -> None:
        """Records that fact ``name`` could not be computed, and why (for the trace)."""
        self._values.pop(name, None)
        self._errors[name] = why

    def carry(self, earlier: GroupRecord | None) -> int:
        """Takes the per-candidate facts (:data:`PER_CANDIDATE`) of the candidates that
        ``earlier`` (the previous round's record, best_of "auto") already saw.

        Only when the request is the same and ``earlier``'s candidates are the first of
        this group, in order; only facts ``earlier`` computed without error. Returns how
        many candidates are carried (0: nothing is). Group-level facts are not carried.
        """
        if earlier is None or earlier is self or earlier.context != self.context:
            return 0
        m = len(earlier.candidates)
        if m == 0 or m > len(self.candidates):
            return 0
        mine = self.candidates[:m]
        if not all(a is b or a == b for a, b in zip(earlier.candidates, mine, strict=True)):
            return 0
        carried = {
            name: tuple(value)
            for name, value in earlier._values.items()
            if name in PER_CANDIDATE and isinstance(value, tuple) and len(value) == m
        }
        if not carried:
            return 0
        self._carried, self._carried_n = carried, m
        return m

    def carried(self, name: str) -> tuple[Any, ...] | None:
        """The carried items of per-candidate fact ``name`` (the first candidates'), or None."""
        return self._carried.get(name)

    def tail(self) -> GroupRecord:
        """A record of the candidates not carried, holding the tail of every fact computed
        so far that is per candidate: what computes a carried fact's remaining items."""
        m = self._carried_n
        rest = GroupRecord(
            self.context,
            self.candidates[m:],
            self.vetoed[m:],
            verify_budget_s=self.verify_budget_s,
        )
        rest.settings = dict(self.settings)
        for name, value in self._values.items():
            if name in PER_CANDIDATE and isinstance(value, tuple):
                rest._values[name] = value[m:]
        rest._errors = dict(self._errors)
        return rest

    def only(self, names: Iterable[str]) -> GroupRecord:
        """A copy holding only the facts ``names`` (and errors): what one reader is sent.

        A reward is pickled to its worker with the record; sending only the facts it
        declared keeps that payload small.
        """
        wanted = set(names)
        copy = GroupRecord.__new__(GroupRecord)
        copy.__dict__.update(self.__dict__)
        copy.computed = Counter()
        copy._carried, copy._carried_n = {}, 0  # what was carried is in _values now
        copy._values = {k: v for k, v in self._values.items() if k in wanted}
        copy._errors = {k: v for k, v in self._errors.items() if k in wanted}
        return copy

    def __repr__(self) -> str:
        return (
            f"GroupRecord({len(self.candidates)} candidates, "
            f"facts={sorted(self._values)}, errors={sorted(self._errors)})"
        )
