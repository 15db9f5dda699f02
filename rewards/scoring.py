"""Scoring a group: every selected reward, every gate, aggregation and ranking.

Failure policy:

* a reward that raises (or returns the wrong number of scores) is recorded with
  ``error`` and carries no signal; the group is still scored by the others;
* a gate that raises (or returns the wrong number of verdicts) fails closed: it
  vetoes every candidate with category ``gate_error``. A safety check that could
  not run must not let an unchecked answer through;
* with :class:`~rewards.budget.Budgets` (the server always passes them) each
  reward, gate and prompt check runs in a killable worker process under its
  time budget, and all of a group's together under the group's budget. A reward
  out of time carries no signal (``error`` = ``timeout after N s``); a gate out
  of time vetoes every candidate with category ``gate_timeout`` (fail closed).
  Rewards that declare ``runs_in_worker = False`` or ``self_bounded = True`` run
  on the calling thread; an overrun of their budget is marked (``overrun``).

Gate actions: a ``veto`` excludes the candidate; a ``penalty`` subtracts its weight
from the candidate's combined score (advantage units: a weight of 1 is one standard
deviation of a weight-1 reward), after aggregation and before ranking; a ``flag``
only annotates. :func:`screen_prompt` runs the gates that also judge prompts
(those with a ``check_prompt`` method) before anything is generated.

The group record (:mod:`rewards.group`): after the gates, one record of the round is
built (the veto known); the facts the selected rewards declare (``reads``) are
computed once, here, before the rewards, each under a reward's time budget in a
budget worker (fact functions that bound themselves, ``self_bounded``, on this
thread); a fact that fails or runs out of time is recorded, and every reward that
reads it carries no signal with ``error`` saying which fact and why. Every reward
receives the record (keyword ``group``) holding the facts it declared. With
``refine`` (:func:`rewards.refine.refiner`) the automatic selection is refined on that
same record, so the refinement reads the answer classes the rewards read.

Nothing derived from a vetoed candidate's text leaves here except the gates'
redacted evidence: the rewards' evidence for it is withheld (scores are kept), and
rewards are told which candidates were vetoed (keyword ``vetoed``) so that the group
facts they quote for the others (a majority answer) are the kept candidates' only.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rewards.aggregate import DEFAULT_MODE, AggregationMode, aggregate
from rewards.budget import BudgetExceeded, Budgets, RemoteError, runs_in_worker
from rewards.group import NEEDS, GroupRecord, fact_function, ordered, reads_of
from rewards.ranking import rank_candidates
from rewards.registry import RewardRegistry, default_registry
from rewards.selection import RewardChoice, Selection
from rewards.tool_calls import invalid_calls, is_tool_turn, valid_first
from rewards.types import Candidate, RewardContext, Score, Verdict
from rewards.workers import WorkerError

logger = logging.getLogger(__name__)

GATE_ERROR = "gate_error"
GATE_TIMEOUT = "gate_timeout"
_WITHHELD = "withheld: candidate vetoed"
_MAX_ERROR_CHARS = 200


@dataclass(frozen=True)
class RewardResult:
    """One reward's outcome for the group (see :class:`GroupResult`)."""

    name: str
    weight: float
    reason: str
    scores: list[Score]
    advantages: list[float | None]
    no_signal: bool
    mean: float | None
    std: float | None
    error: str | None
    seconds: float
    scale: float | None = None  # what its advantages divide by (aggregate.Scaling)
    floor: float | None = None  # the least that scale could be
    stage: str = "context"  # when the selector chose it (see RewardChoice.stage)
    where: str = "thread"  # "worker" (budget enforced) or "thread (why)"
    overrun: bool = False  # its time budget ran out (see the module docstring)
    weight_source: str = ""  # where the weight came from (RewardChoice.weight_source)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (non-finite numbers become None)."""
        return {
            "name": self.name,
            "weight": _safe(self.weight),
            "weight_source": self.weight_source,
            "reason": self.reason,
            "stage": self.stage,
            "scores": [{"value": _safe(s.value), "evidence": s.evidence} for s in self.scores],
            "advantages": [_safe(a) for a in self.advantages],
            "no_signal": self.no_signal,
            "mean": _safe(self.mean),
            "std": _safe(self.std),
            "scale": _safe(self.scale),
            "floor": _safe(self.floor),
            "error": self.error,
            "seconds": _safe(self.seconds),
            "where": self.where,
            "overrun": self.overrun,
        }


@dataclass(frozen=True)
class GateResult:
    """One gate's verdicts for the group; ``error`` is set when it failed closed."""

    name: str
    verdicts: list[Verdict]
    seconds: float
    error: str | None = None
    where: str = "thread"  # "worker" (budget enforced) or "thread (why)"
    overrun: bool = False  # its time budget ran out: it vetoed (gate_timeout)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form."""
        return {
            "name": self.name,
            "verdicts": [verdict_dict(v) for v in self.verdicts],
            "seconds": _safe(self.seconds),
            "error": self.error,
            "where": self.where,
            "overrun": self.overrun,
        }


def verdict_dict(verdict: Verdict, *, excerpts: bool = False) -> dict[str, Any]:
    """A verdict as JSON: decision, most severe action and rule, penalty, every hit.

    Args:
        verdict: the verdict.
        excerpts: include each hit's unredacted ``excerpt`` (the operator's choice).
    """
    hits = []
    for h in verdict.hits:
        hit: dict[str, Any] = {
            "action": h.action,
            "category": h.category,
            "rule": h.rule,
            "message": h.message,
            "weight": _safe(h.weight),
        }
        if excerpts and h.excerpt:
            hit["excerpt"] = h.excerpt
        hits.append(hit)
    return {
        "passed": verdict.passed,
        "action": verdict.action,
        "category": verdict.category,
        "rule": verdict.rule,
        "penalty": _safe(verdict.penalty),
        "evidence": verdict.evidence,
        "hits": hits,
    }


@dataclass(frozen=True)
class FactResult:
    """How one fact of the group record was computed (see the module docstring)."""

    name: str
    seconds: float
    where: str
    error: str | None = None


@dataclass(frozen=True)
class GroupResult:
    """Everything :func:`score_group` decided, per reward, per gate and per candidate.

    Attributes:
        mode: the aggregation mode used.
        rewards: each selected reward's scores, advantages and statistics.
        gates: each gate's verdicts.
        vetoed: per candidate, whether any gate vetoed it.
        combined: per candidate, the combined score (None when vetoed), gate
            penalties already subtracted.
        ranking: candidate indices best first, vetoed ones left out (empty if all are).
        ranks: per candidate, its position in ``ranking`` (0 = best) or None when vetoed.
        seconds: wall time of the whole scoring.
        penalties: per candidate, the sum of the gates' penalty weights subtracted.
        facts: each fact computed for the round: seconds, where, error.
        group: the round's record (its facts), for the stopping rule; not serialised.
        selection: the selection scored (refined, with ``refine=True``).
    """

    mode: AggregationMode
    rewards: list[RewardResult]
    gates: list[GateResult]
    vetoed: list[bool]
    combined: list[float | None]
    ranking: list[int]
    ranks: list[int | None]
    seconds: float = 0.0
    penalties: list[float] = field(default_factory=list)
    facts: list[FactResult] = field(default_factory=list)
    group: GroupRecord | None = field(default=None, compare=False, repr=False)
    selection: Selection | None = field(default=None, compare=False, repr=False)

    @property
    def best(self) -> int | None:
        """Index of the best candidate, or None when every candidate was vetoed."""
        return self.ranking[0] if self.ranking else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (non-finite numbers become None)."""
        return {
            "mode": self.mode,
            "rewards": [r.to_dict() for r in self.rewards],
            "gates": [g.to_dict() for g in self.gates],
            "vetoed": list(self.vetoed),
            "combined": [_safe(c) for c in self.combined],
            "ranking": list(self.ranking),
            "ranks": list(self.ranks),
            "seconds": _safe(self.seconds),
            "penalties": [_safe(p) for p in self.penalties],
        }


def _safe(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, RemoteError):  # already "Type: message", from the worker
        return str(exc)[:_MAX_ERROR_CHARS]
    return f"{_kind(exc)}: {exc}"[:_MAX_ERROR_CHARS]


def _kind(exc: BaseException) -> str:
    """The exception's type name (for a call that raised in a worker: the original's)."""
    if isinstance(exc, RemoteError):
        return str(exc).partition(":")[0]
    return type(exc).__name__


class _Clock:
    """The group's scoring budget: what each call may still spend."""

    def __init__(self, budgets: Budgets | None) -> None:
        self.budgets = budgets
        self.deadline = time.monotonic() + (budgets.group_s if budgets else math.inf)

    def allow(self, own_s: float) -> tuple[float, str]:
        """Seconds for the next call (its own budget, capped by what the group has left)
        and how a timeout reads in the trace."""
        left = self.deadline - time.monotonic()
        if self.budgets is not None and left < own_s:
            return max(left, 0.0), f"of the group's {self.budgets.group_s:g} s"
        return own_s, ""


def _timeout_text(budget_s: float, note: str) -> str:
    return f"timeout after {budget_s:.3g} s" + (f" ({note})" if note else "")


def _call(
    obj: Any,
    method: str,
    kwargs: dict[str, Any],
    budgets: Budgets | None,
    budget_s: float,
) -> tuple[Any, str]:
    """Runs one reward, gate or prompt check: in a worker under ``budget_s`` when
    budgets apply and the object allows it, else on this thread.

    Returns:
        The call's value and where it ran.

    Raises:
        BudgetExceeded: out of time (the worker was killed).
        Exception: whatever the call raised (a :class:`RemoteError` from a worker).
    """
    if budgets is None:
        return getattr(obj, method)(**kwargs), "thread"
    if not runs_in_worker(obj):
        return getattr(obj, method)(**kwargs), "thread (declared)"
    if budget_s <= 0:
        raise BudgetExceeded(0.0)
    pool = budgets.workers()
    try:
        payload = pool.encode(obj, method, kwargs)
    except Exception as exc:  # a plugin that does not pickle still runs, unbounded
        logger.warning("%r does not pickle (%s): runs on the thread", obj, exc)
        return getattr(obj, method)(**kwargs), f"thread (not picklable: {type(exc).__name__})"
    try:
        return pool.run(payload, budget_s), "worker"
    except WorkerError as exc:
        # No worker to be had (none starts, or none is free in time): fail closed, like a
        # timeout; running it on the thread would run client text with no budget at all.
        logger.warning("%r: no budget worker (%s): not run (fail closed)", obj, exc)
        raise RuntimeError(f"no budget worker: {exc}") from exc


def _as_scores(returned: Any, n: int) -> list[Score]:
    """Checks a reward's return value; plain numbers (TRL-style rewards) become Scores."""
    if not isinstance(returned, list) or len(returned) != n:
        size = len(returned) if isinstance(returned, list) else type(returned).__name__
        raise ValueError(f"returned {size} scores for {n} candidates")
    scores: list[Score] = []
    for item in returned:
        if isinstance(item, Score):
            # Third-party rewards may leave evidence None; the trace wants a string.
            value, evidence = item.value, str(item.evidence or "")
        elif item is None or isinstance(item, int | float):
            value, evidence = item, ""
        else:
            raise ValueError(f"returned a {type(item).__name__}, not a Score")
        if value is not None and not math.isfinite(value):
            value, evidence = None, f"{evidence} [non-finite score dropped]".strip()
        scores.append(Score(None if value is None else float(value), evidence))
    return scores


def _run_gate(
    name: str,
    registry: RewardRegistry,
    kwargs: dict[str, Any],
    n: int,
    budgets: Budgets | None,
    clock: _Clock,
) -> GateResult:
    start = time.perf_counter()
    budget_s, note = clock.allow(budgets.gate_s if budgets else math.inf)
    where = "worker"
    try:
        verdicts, where = _call(registry.gate(name), "__call__", kwargs, budgets, budget_s)
        if not isinstance(verdicts, list) or len(verdicts) != n:
            raise ValueError(f"returned {verdicts!r:.40} instead of {n} verdicts")
        if not all(isinstance(v, Verdict) for v in verdicts):
            raise ValueError("returned something other than Verdicts")
        seconds = time.perf_counter() - start
        return GateResult(name, verdicts, seconds, where=where, overrun=seconds > budget_s)
    except BudgetExceeded as exc:
        logger.warning("gate %r out of time; vetoing the group (fail closed)", name)
        error = _timeout_text(exc.budget_s, note)
        veto = Verdict.veto(GATE_TIMEOUT, f"gate {name!r}: {error}: fail closed")
        return GateResult(
            name, [veto] * n, time.perf_counter() - start, error, where=where, overrun=True
        )
    except Exception as exc:
        logger.warning("gate %r failed; vetoing the group (fail closed)", name, exc_info=True)
        veto = Verdict.veto(GATE_ERROR, f"gate {name!r} failed ({_kind(exc)}): fail closed")
        return GateResult(
            name, [veto] * n, time.perf_counter() - start, _describe(exc), where=where
        )


def _run_reward(
    reward: Callable[..., Any],
    kwargs: dict[str, Any],
    n: int,
    budgets: Budgets | None,
    clock: _Clock,
) -> tuple[list[Score], str | None, float, str, bool]:
    """One reward on the group: scores, error, seconds, where it ran, overrun."""
    start = time.perf_counter()
    budget_s, note = clock.allow(budgets.reward_s if budgets else math.inf)
    where = "worker"
    try:
        returned, where = _call(reward, "__call__", kwargs, budgets, budget_s)
        scores = _as_scores(returned, n)
    except BudgetExceeded as exc:
        error = _timeout_text(exc.budget_s, note)
        logger.warning("reward %r: %s; it carries no signal", getattr(reward, "name", ""), error)
        return [Score(None, error)] * n, error, time.perf_counter() - start, where, True
    except Exception as exc:
        logger.warning("reward %r failed; it carries no signal", reward, exc_info=True)
        failed = [Score(None, "reward failed")] * n
        return failed, _describe(exc), time.perf_counter() - start, where, False
    seconds = time.perf_counter() - start
    # Only a reward that ran on the thread can overrun and still answer: it keeps its
    # scores (it bounds itself, or cannot move), and the overrun is marked and counted.
    return scores, None, seconds, where, seconds > budget_s


def _compute_facts(
    record: GroupRecord,
    names: Iterable[str],
    budgets: Budgets | None,
    clock: _Clock,
) -> list[FactResult]:
    """Computes the facts ``names`` (and what they need) once, each under a budget.

    Without budgets a fact runs on this thread (:meth:`GroupRecord.fact`). With them it
    runs in a budget worker like a reward, sent the record holding only the facts it
    needs (plain data), and its value is put into the record; a fact function that
    bounds itself (``self_bounded``) runs on this thread. A fact that fails or runs out
    of time is recorded as failed, and so is every fact that needs it.
    """
    results: list[FactResult] = []
    for name in ordered(names):
        if record.has(name):
            continue
        start = time.perf_counter()
        failed = next((need for need in NEEDS.get(name, ()) if record.error(need)), None)
        if failed is not None:
            record.fail(name, f"needs fact {failed!r}: {record.error(failed)}")
            results.append(FactResult(name, 0.0, "not run", record.error(name)))
            continue
        head = record.carried(name)
        if head is not None and len(head) == len(record):  # every candidate seen before
            record.put(name, head)
            results.append(FactResult(name, 0.0, "carried"))
            continue
        budget_s, note = clock.allow(budgets.reward_s if budgets else math.inf)
        where = "worker"
        try:
            if budgets is None:
                record.fact(name)
                where = "thread"
            else:
                # A fact carried from an earlier round is computed for the new candidates
                # only (the record's tail), and the earlier items are put in front.
                source = record if head is None else record.tail()
                sent = source.only(NEEDS.get(name, ()))
                value, where = _call(
                    fact_function(name), "__call__", {"record": sent}, budgets, budget_s
                )
                record.put(name, value if head is None else (*head, *value))
        except BudgetExceeded as exc:
            record.fail(name, _timeout_text(exc.budget_s, note))
            logger.warning("fact %r: %s; its readers carry no signal", name, record.error(name))
        except Exception as exc:
            if not record.error(name):  # GroupRecord.fact records its own failure
                # The type only (as GroupRecord.fact): the message may quote a vetoed text.
                record.fail(name, _kind(exc))
            logger.warning("fact %r failed; its readers carry no signal", name, exc_info=True)
        results.append(FactResult(name, time.perf_counter() - start, where, record.error(name)))
    return results


def _fact_error(reads: Sequence[str], record: GroupRecord) -> str | None:
    """Why a reward that reads ``reads`` cannot run: the first fact that failed."""
    for name in reads:
        why = record.error(name)
        if why is not None:
            return f"fact {name!r} unavailable: {why}"[:_MAX_ERROR_CHARS]
    return None


def screen_prompt(
    context: RewardContext,
    registry: RewardRegistry | None = None,
    *,
    budgets: Budgets | None = None,
) -> list[GateResult]:
    """Runs every gate that judges prompts (a ``check_prompt`` method) on the request.

    An unsafe prompt is refused before anything is generated. Like a candidate gate,
    a prompt check that raises or runs out of time fails closed: its verdict vetoes
    the prompt.

    Args:
        context: the request context (the gates read ``context.user_text``).
        registry: where the gates come from; :func:`default_registry` if None.
        budgets: each check's budget is ``gate_s`` (all of them: ``group_s``); None
            runs them on this thread without one.

    Returns:
        One :class:`GateResult` with a single verdict per prompt-checking gate.
    """
    registry = registry or default_registry()
    clock = _Clock(budgets)
    results = []
    for name in registry.gate_names():
        start = time.perf_counter()
        budget_s, note = clock.allow(budgets.gate_s if budgets else math.inf)
        where = "worker"
        try:
            gate = registry.gate(name)
            if getattr(gate, "check_prompt", None) is None:
                continue
            verdict, where = _call(gate, "check_prompt", {"context": context}, budgets, budget_s)
            if not isinstance(verdict, Verdict):
                raise ValueError("check_prompt returned something other than a Verdict")
            seconds = time.perf_counter() - start
            results.append(
                GateResult(name, [verdict], seconds, where=where, overrun=seconds > budget_s)
            )
        except BudgetExceeded as exc:
            logger.warning("gate %r out of time on the prompt; refusing (fail closed)", name)
            error = _timeout_text(exc.budget_s, note)
            veto = Verdict.veto(GATE_TIMEOUT, f"gate {name!r}: {error}: fail closed")
            seconds = time.perf_counter() - start
            results.append(GateResult(name, [veto], seconds, error, where=where, overrun=True))
        except Exception as exc:
            logger.warning(
                "gate %r failed on the prompt; refusing (fail closed)", name, exc_info=True
            )
            why = f"gate {name!r} failed ({_kind(exc)}): fail closed"
            veto = Verdict.veto(GATE_ERROR, why)
            seconds = time.perf_counter() - start
            results.append(GateResult(name, [veto], seconds, _describe(exc), where=where))
    return results


_TOOL_VALID = "tool_valid"


def _with_tool_validity(choices: list[RewardChoice], context: RewardContext) -> list[RewardChoice]:
    """The rewards to run: on a tool turn ``tool_valid`` too, whatever the selection.

    Its verdict is a constraint of the ranking, not only a weight, so a client's or a
    profile's reward set cannot leave it out; added at weight 0 it changes no score.
    """
    if not is_tool_turn(context) or any(c.name == _TOOL_VALID for c in choices):
        return choices
    why = "tool turn: always checked, an invalid call never ranks above a valid one"
    return [*choices, RewardChoice(_TOOL_VALID, 0.0, why)]


def score_group(
    context: RewardContext,
    candidates: Sequence[Candidate],
    selection: Selection,
    *,
    registry: RewardRegistry | None = None,
    mode: AggregationMode = DEFAULT_MODE,
    budgets: Budgets | None = None,
    refine: Callable[[Selection, GroupRecord], Selection] | None = None,
    earlier: GroupRecord | None = None,
) -> GroupResult:
    """Scores, gates, aggregates and ranks one group of candidates.

    Blocking and CPU-bound: call it off the event loop. Without ``budgets`` rewards
    and gates run on the calling thread; with them, in worker processes under their
    budgets (see the module docstring). Any thread works either way.

    Args:
        context: the request context.
        candidates: the group, in engine order.
        selection: the rewards to run, with weights (from the selector).
        registry: where rewards and gates come from; :func:`default_registry` if None.
        mode: the aggregation mode.
        budgets: the time budgets (:class:`~rewards.budget.Budgets`); None for none.
        refine: refines the selection on the round's record, after the gates and
            before the rewards (:func:`rewards.refine.refiner`); the result's
            ``selection`` is the one scored.
        earlier: the previous round's record (best_of "auto", ``result.group``): the
            per-candidate facts of the candidates it saw are carried, not computed
            again (:meth:`GroupRecord.carry`); group-level facts are recomputed.

    Returns:
        The :class:`GroupResult`; ``ranking`` is empty when every candidate was vetoed.
    """
    started = time.perf_counter()
    registry = registry or default_registry()
    candidates = list(candidates)
    n = len(candidates)
    kwargs: dict[str, Any] = {
        "completions": [c.text for c in candidates],
        "context": context,
        "candidates": candidates,
        "prompts": [context.prompt] * n,  # lets TRL-style reward functions run unchanged
    }
    clock = _Clock(budgets)
    gates = [_run_gate(name, registry, kwargs, n, budgets, clock) for name in registry.gate_names()]
    vetoed = [any(not g.verdicts[i].passed for g in gates) for i in range(n)]
    # The gates ran first, so rewards learn the veto (``vetoed``, one bool a candidate):
    # a fact about the group they quote (a majority answer) leaves the vetoed ones out.
    reward_kwargs = {**kwargs, "vetoed": list(vetoed)}
    # One record for the round: every fact below is computed once and read by all.
    record = GroupRecord(context, candidates, vetoed)
    record.carry(earlier)
    facts: list[FactResult] = []
    if refine is not None:
        from rewards.refine import refine_reads

        facts += _compute_facts(record, refine_reads(selection, context, n), budgets, clock)
        selection = refine(selection, record)

    choices = _with_tool_validity(selection.rewards, context)
    rewards: list[Callable[..., Any] | BaseException] = []
    for choice in choices:
        try:
            rewards.append(registry.reward(choice.name))
        except Exception as exc:
            logger.warning("reward %r failed; it carries no signal", choice.name, exc_info=True)
            rewards.append(exc)
    # A reward's fact settings (code_exec's sandbox limits) are the record's, so every
    # reader sees the same runs: the fact's owner decides (code_exec's for ``code``, a
    # profile's config for it included), else the first selected reward that states them.
    owners_first = sorted(rewards, key=lambda r: not getattr(r, "owns_facts", False))
    for reward in owners_first:
        for name, value in (getattr(reward, "fact_settings", None) or {}).items():
            record.settings.setdefault(name, value)
    reads = [() if isinstance(r, BaseException) else reads_of(r, context) for r in rewards]
    facts += _compute_facts(record, [name for names in reads for name in names], budgets, clock)

    raw: list[tuple[list[Score], str | None, float, str, bool]] = []
    for reward, names in zip(rewards, reads, strict=True):
        if isinstance(reward, BaseException):
            raw.append(
                ([Score(None, "reward failed")] * n, _describe(reward), 0.0, "thread", False)
            )
            continue
        unavailable = _fact_error(names, record)
        if unavailable is not None:
            scores = [Score(None, _WITHHELD if vetoed[i] else unavailable) for i in range(n)]
            raw.append((scores, unavailable, 0.0, "not run", False))
            continue
        call_kwargs = {**reward_kwargs, "group": record.only(names)}
        scores, error, seconds, where, overrun = _run_reward(reward, call_kwargs, n, budgets, clock)
        scores = [Score(s.value, _WITHHELD) if vetoed[i] else s for i, s in enumerate(scores)]
        raw.append((scores, error, seconds, where, overrun))
    # Names may repeat only by mistake; keying by position keeps each result its own.
    keys = [f"{i}:{choice.name}" for i, choice in enumerate(choices)]
    agg = aggregate(
        {key: scores for key, (scores, *_) in zip(keys, raw, strict=True)},
        {key: choice.weight for key, choice in zip(keys, choices, strict=True)},
        mode=mode,
        vetoed=vetoed,
    )
    results = []
    for key, choice, (scores, error, seconds, where, overrun) in zip(
        keys, choices, raw, strict=True
    ):
        stats = agg.rewards[key]
        results.append(
            RewardResult(
                name=choice.name,
                weight=choice.weight,
                reason=choice.reason,
                scores=scores,
                advantages=stats.advantages,
                no_signal=stats.no_signal or error is not None,
                mean=stats.mean,
                std=stats.std,
                scale=None if error is not None else stats.scale,
                floor=stats.floor,
                error=error,
                seconds=seconds,
                stage=choice.stage,
                where=where,
                overrun=overrun,
                weight_source=choice.weight_source,
            )
        )
    penalties = [sum(g.verdicts[i].penalty for g in gates) for i in range(n)]
    combined = [None if c is None else c - p for c, p in zip(agg.combined, penalties, strict=True)]
    ranking, ranks = rank_candidates(combined, candidates)
    if is_tool_turn(context):
        # The hard constraint of a tool turn: an invalid call never ranks above a valid one.
        validity = next((r for r in results if r.name == _TOOL_VALID), None)
        checked = [s.value for s in validity.scores] if validity and not validity.error else None
        ranking, ranks = valid_first(ranking, n, invalid_calls(context, candidates, checked))
    return GroupResult(
        mode=mode,
        rewards=results,
        gates=gates,
        vetoed=vetoed,
        combined=combined,
        ranking=ranking,
        ranks=ranks,
        seconds=time.perf_counter() - started,
        penalties=penalties,
        facts=facts,
        group=record,
        selection=selection,
    )
