"""Scoring a group: every selected reward, every gate, aggregation and ranking.

Failure policy:

* a reward that raises (or returns the wrong number of scores) is recorded with
  ``error`` and carries no signal; the group is still scored by the others;
* a gate that raises (or returns the wrong number of verdicts) fails closed: it
  vetoes every candidate with category ``gate_error``. A safety check that could
  not run must not let an unchecked answer through.

Gate actions: a ``veto`` excludes the candidate; a ``penalty`` subtracts its weight
from the candidate's combined score (advantage units: a weight of 1 is one standard
deviation of a weight-1 reward), after aggregation and before ranking; a ``flag``
only annotates. :func:`screen_prompt` runs the gates that also judge prompts
(those with a ``check_prompt`` method) before anything is generated.

Nothing derived from a vetoed candidate's text leaves here except the gates'
redacted evidence: the rewards' evidence for it is withheld (scores are kept).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rewards.aggregate import DEFAULT_MODE, AggregationMode, aggregate
from rewards.ranking import rank_candidates
from rewards.registry import RewardRegistry, default_registry
from rewards.selector import Selection
from rewards.types import Candidate, RewardContext, Score, Verdict

logger = logging.getLogger(__name__)

GATE_ERROR = "gate_error"
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
    stage: str = "context"  # when the selector chose it (see RewardChoice.stage)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (non-finite numbers become None)."""
        return {
            "name": self.name,
            "weight": _safe(self.weight),
            "reason": self.reason,
            "stage": self.stage,
            "scores": [{"value": _safe(s.value), "evidence": s.evidence} for s in self.scores],
            "advantages": [_safe(a) for a in self.advantages],
            "no_signal": self.no_signal,
            "mean": _safe(self.mean),
            "std": _safe(self.std),
            "error": self.error,
            "seconds": _safe(self.seconds),
        }


@dataclass(frozen=True)
class GateResult:
    """One gate's verdicts for the group; ``error`` is set when it failed closed."""

    name: str
    verdicts: list[Verdict]
    seconds: float
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form."""
        return {
            "name": self.name,
            "verdicts": [verdict_dict(v) for v in self.verdicts],
            "seconds": _safe(self.seconds),
            "error": self.error,
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
    return f"{type(exc).__name__}: {exc}"[:_MAX_ERROR_CHARS]


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


def _run_gate(name: str, registry: RewardRegistry, kwargs: dict[str, Any], n: int) -> GateResult:
    start = time.perf_counter()
    try:
        verdicts = registry.gate(name)(**kwargs)
        if not isinstance(verdicts, list) or len(verdicts) != n:
            raise ValueError(f"returned {verdicts!r:.40} instead of {n} verdicts")
        if not all(isinstance(v, Verdict) for v in verdicts):
            raise ValueError("returned something other than Verdicts")
        return GateResult(name, verdicts, time.perf_counter() - start)
    except Exception as exc:
        logger.warning("gate %r failed; vetoing the group (fail closed)", name, exc_info=True)
        error = _describe(exc)
        veto = Verdict.veto(GATE_ERROR, f"gate {name!r} failed ({type(exc).__name__}): fail closed")
        return GateResult(name, [veto] * n, time.perf_counter() - start, error)


def screen_prompt(
    context: RewardContext, registry: RewardRegistry | None = None
) -> list[GateResult]:
    """Runs every gate that judges prompts (a ``check_prompt`` method) on the request.

    An unsafe prompt is refused before anything is generated. Like a candidate gate,
    a prompt check that raises fails closed: its verdict vetoes the prompt.

    Args:
        context: the request context (the gates read ``context.user_text``).
        registry: where the gates come from; :func:`default_registry` if None.

    Returns:
        One :class:`GateResult` with a single verdict per prompt-checking gate.
    """
    registry = registry or default_registry()
    results = []
    for name in registry.gate_names():
        start = time.perf_counter()
        try:
            check = getattr(registry.gate(name), "check_prompt", None)
            if check is None:
                continue
            verdict = check(context=context)
            if not isinstance(verdict, Verdict):
                raise ValueError("check_prompt returned something other than a Verdict")
            results.append(GateResult(name, [verdict], time.perf_counter() - start))
        except Exception as exc:
            logger.warning(
                "gate %r failed on the prompt; refusing (fail closed)", name, exc_info=True
            )
            why = f"gate {name!r} failed ({type(exc).__name__}): fail closed"
            veto = Verdict.veto(GATE_ERROR, why)
            results.append(GateResult(name, [veto], time.perf_counter() - start, _describe(exc)))
    return results


def score_group(
    context: RewardContext,
    candidates: Sequence[Candidate],
    selection: Selection,
    *,
    registry: RewardRegistry | None = None,
    mode: AggregationMode = DEFAULT_MODE,
) -> GroupResult:
    """Scores, gates, aggregates and ranks one group of candidates.

    Blocking and CPU-bound: call it off the event loop. Rewards run on the calling
    thread; math-verify is used without signal timeouts, so any thread works.

    Args:
        context: the request context.
        candidates: the group, in engine order.
        selection: the rewards to run, with weights (from the selector).
        registry: where rewards and gates come from; :func:`default_registry` if None.
        mode: the aggregation mode.

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
    gates = [_run_gate(name, registry, kwargs, n) for name in registry.gate_names()]
    vetoed = [any(not g.verdicts[i].passed for g in gates) for i in range(n)]

    raw: list[tuple[list[Score], str | None, float]] = []
    for choice in selection.rewards:
        start = time.perf_counter()
        try:
            scores, error = _as_scores(registry.reward(choice.name)(**kwargs), n), None
        except Exception as exc:
            logger.warning("reward %r failed; it carries no signal", choice.name, exc_info=True)
            scores, error = [Score(None, "reward failed")] * n, _describe(exc)
        scores = [Score(s.value, _WITHHELD) if vetoed[i] else s for i, s in enumerate(scores)]
        raw.append((scores, error, time.perf_counter() - start))

    # Names may repeat only by mistake; keying by position keeps each result its own.
    keys = [f"{i}:{choice.name}" for i, choice in enumerate(selection.rewards)]
    agg = aggregate(
        {key: scores for key, (scores, _, _) in zip(keys, raw, strict=True)},
        {key: choice.weight for key, choice in zip(keys, selection.rewards, strict=True)},
        mode=mode,
        vetoed=vetoed,
    )
    results = []
    for key, choice, (scores, error, seconds) in zip(keys, selection.rewards, raw, strict=True):
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
                error=error,
                seconds=seconds,
                stage=choice.stage,
            )
        )
    penalties = [sum(g.verdicts[i].penalty for g in gates) for i in range(n)]
    combined = [None if c is None else c - p for c, p in zip(agg.combined, penalties, strict=True)]
    ranking, ranks = rank_candidates(combined, candidates)
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
    )
