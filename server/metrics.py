"""Prometheus metrics, kept apart from the code they measure.

The pipeline fills a :class:`GroupStats` record; :meth:`Metrics.observe_group`
is the one place that turns it into metric updates. Each app owns its own
registry, so several apps (tests) never share counters.

Names follow Prometheus' conventions: prefix ``bon_``, base units in the name,
``_total`` only on counters, low-cardinality labels (never an id or a prompt).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from server.outcome import Outcome

__all__ = ["CONTENT_TYPE_LATEST", "GroupStats", "Metrics"]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_SCORE_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_GROUP_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
_UNIT_BUCKETS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass
class GroupStats:
    """What one best-of-N group did, as the pipeline saw it."""

    endpoint: str
    outcome: Outcome  # answered or refused (the group's size is its group_size)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    queue_s: float = 0.0
    generate_s: float = 0.0
    score_s: float = 0.0
    reward_scores: dict[str, list[float]] = field(default_factory=dict)
    no_signal_rewards: list[str] = field(default_factory=list)
    reward_errors: list[str] = field(default_factory=list)
    vetoes: list[tuple[str, str]] = field(default_factory=list)  # (gate, category)
    penalties: list[tuple[str, str]] = field(default_factory=list)  # (gate, rule)
    flags: list[tuple[str, str]] = field(default_factory=list)  # (gate, rule)
    budget_overruns: list[tuple[str, str]] = field(default_factory=list)  # (kind, name)


class Metrics:
    """All of bon-server's metrics, registered in one registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        # The `_created` series double every counter and histogram in the text format and
        # no dashboard here reads them (process-wide switch, as vLLM's server sets it).
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "bon_requests", "HTTP requests by route and status.", ["route", "status"], registry=r
        )
        self.request_duration = Histogram(
            "bon_request_duration_seconds",
            "Time from request received to response, by route.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "bon_requests_in_flight", "Best-of-N requests being served now.", registry=r
        )
        self.queue_duration = Histogram(
            "bon_queue_duration_seconds",
            "Time a group waited for admission.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.generate_duration = Histogram(
            "bon_generate_duration_seconds",
            "Engine time to generate one group.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.score_duration = Histogram(
            "bon_score_duration_seconds",
            "Time to score and rank one group (all rewards and gates).",
            buckets=_SCORE_BUCKETS,
            registry=r,
        )
        self.candidates = Histogram(
            "bon_candidates_per_request",
            "Candidates generated per request (group size).",
            buckets=_GROUP_BUCKETS,
            registry=r,
        )
        self.tokens = Counter(
            "bon_tokens", "Tokens processed, by kind (prompt, completion).", ["kind"], registry=r
        )
        self.reward_score = Histogram(
            "bon_reward_score",
            "Raw reward scores of candidates, by reward.",
            ["reward"],
            buckets=_UNIT_BUCKETS,
            registry=r,
        )
        self.reward_no_signal = Counter(
            "bon_reward_no_signal",
            "Groups in which a reward did not vary and so did not decide.",
            ["reward"],
            registry=r,
        )
        self.reward_errors = Counter(
            "bon_reward_errors", "Reward functions that raised, by reward.", ["reward"], registry=r
        )
        self.vetoes = Counter(
            "bon_vetoes",
            "Candidates vetoed, by gate and category.",
            ["gate", "category"],
            registry=r,
        )
        self.penalties = Counter(
            "bon_penalties",
            "Gate penalties applied to candidates (score lowered), by gate and rule id.",
            ["gate", "rule"],
            registry=r,
        )
        self.flags = Counter(
            "bon_flags",
            "Gate flags on candidates (annotation only), by gate and rule id.",
            ["gate", "rule"],
            registry=r,
        )
        self.budget_overruns = Counter(
            "bon_budget_overruns",
            "Rewards, gates and group facts whose time budget ran out, by kind (reward,"
            " gate, prompt: a prompt check, fact: a fact of the group record) and name. A"
            " gate or prompt check out of time vetoes (gate_timeout); a reward carries no"
            " signal, unless it bounds itself; a fact's readers carry no signal.",
            ["kind", "name"],
            registry=r,
        )
        self.refusals = Counter(
            "bon_refusals",
            "Responses refused, by reason: all_vetoed (every candidate vetoed) or"
            " unsafe_prompt (refused before generating).",
            ["reason"],
            registry=r,
        )
        for reason in ("all_vetoed", "unsafe_prompt"):
            self.refusals.labels(reason=reason)
        self.aborts = Counter(
            "bon_engine_aborts",
            "Engine requests aborted before they finished, by reason.",
            ["reason"],
            registry=r,
        )
        for reason in ("client_disconnect", "timeout"):
            self.aborts.labels(reason=reason)
        self.adaptive_rounds = Histogram(
            "bon_adaptive_rounds",
            "Rounds generated per best_of=auto request.",
            buckets=(1, 2, 3, 4, 6, 8, 16),
            registry=r,
        )
        self.adaptive_saved = Counter(
            "bon_adaptive_samples_saved",
            "Candidates best_of=auto did not generate because the answer was settled early.",
            registry=r,
        )
        self.rate_limited = Counter(
            "bon_rate_limited",
            "Requests refused with 429 by a per-key rate limit, by limit (requests, candidates).",
            ["limit"],
            registry=r,
        )
        for limit in ("requests", "candidates"):
            self.rate_limited.labels(limit=limit)
        self.sandbox_info = Gauge(
            "bon_sandbox_info",
            "The code sandbox's mode in force (wasi, off): 1 for that mode.",
            ["mode"],
            registry=r,
        )
        self.engine_unfinished = Gauge(
            "bon_engine_unfinished_requests",
            "Engine requests accepted and not yet finished or aborted.",
            registry=r,
        )
        # The store (server.store): writes off the request path, and feedback.
        self.store_writes = Counter("bon_store_writes", "Traces written to the store.", registry=r)
        self.store_dropped = Counter(
            "bon_store_dropped_writes",
            "Traces not written to the store, by reason: queue_full (the database is slow"
            " or stalled), error, timeout, shutdown.",
            ["reason"],
            registry=r,
        )
        for reason in ("queue_full", "error", "timeout", "shutdown"):
            self.store_dropped.labels(reason=reason)
        self.store_queue = Gauge(
            "bon_store_queue_depth", "Traces waiting to be written to the store.", registry=r
        )
        self.feedback = Counter(
            "bon_feedback",
            "POST /v1/feedback outcomes: created, duplicate (same id, same body), conflict.",
            ["result"],
            registry=r,
        )
        for result in ("created", "duplicate", "conflict"):
            self.feedback.labels(result=result)
        # Learned reward weights (server.learning): set whenever the snapshot is loaded.
        self.reward_reliability = Gauge(
            "bon_reward_reliability",
            "Share of labelled groups each reward ordered right, per task (a group is one unit:"
            " its share of pairs ordered right; owners capped as the weights are).",
            ["task", "reward"],
            registry=r,
        )

    def bind_engine(self, num_unfinished: Callable[[], int]) -> None:
        """Read the engine's own count at scrape time (so it can't drift from the engine)."""
        self.engine_unfinished.set_function(lambda: float(num_unfinished()))

    def observe_request(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route=route, status=str(status)).inc()
        self.request_duration.labels(route=route).observe(seconds)

    def observe_adaptive(self, rounds: int, saved: int) -> None:
        """One best_of=auto request: its rounds, and the candidates it did not need."""
        self.adaptive_rounds.observe(rounds)
        self.adaptive_saved.inc(saved)

    def observe_group(self, stats: GroupStats) -> None:
        self.queue_duration.observe(stats.queue_s)
        self.generate_duration.observe(stats.generate_s)
        self.score_duration.observe(stats.score_s)
        self.candidates.observe(stats.outcome.group_size)
        self.tokens.labels(kind="prompt").inc(stats.prompt_tokens)
        self.tokens.labels(kind="completion").inc(stats.completion_tokens)
        for name, values in stats.reward_scores.items():
            hist = self.reward_score.labels(reward=name)
            for v in values:
                hist.observe(v)
        for name in stats.no_signal_rewards:
            self.reward_no_signal.labels(reward=name).inc()
        for name in stats.reward_errors:
            self.reward_errors.labels(reward=name).inc()
        for gate, category in stats.vetoes:
            self.vetoes.labels(gate=gate, category=category).inc()
        for gate, rule in stats.penalties:
            self.penalties.labels(gate=gate, rule=rule).inc()
        for gate, rule in stats.flags:
            self.flags.labels(gate=gate, rule=rule).inc()
        for kind, name in stats.budget_overruns:
            self.budget_overruns.labels(kind=kind, name=name).inc()
        if stats.outcome.refused:
            self.refusals.labels(reason=stats.outcome.kind).inc()

    def set_sandbox_mode(self, mode: str) -> None:
        """Shows the sandbox mode in force (set once, at startup)."""
        self.sandbox_info.clear()
        self.sandbox_info.labels(mode=mode).set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)
