"""The best-of-N pipeline, independent of HTTP.

admit -> select rewards -> generate the group (one engine request) -> score
every candidate off the event loop -> aggregate and rank -> trace and stats.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from rewards import (
    AdaptivePolicy,
    AggregationMode,
    Budgets,
    Candidate,
    GateResult,
    GroupRecord,
    GroupResult,
    Profile,
    Profiles,
    RewardContext,
    RewardRegistry,
    Selection,
    UnknownRewardError,
    build_context,
    choose_rewards,
    default_budget_pool,
    detect_task,
    messages_text,
    refiner,
    score_group,
    screen_prompt,
    settle,
)
from server.auth import ANONYMOUS
from server.config import Settings
from server.engines.base import (
    Engine,
    EngineError,
    EngineInputError,
    EngineUnavailable,
    Generation,
    GenerationRequest,
    UpstreamError,
    UpstreamTimeout,
)
from server.errors import (
    BadGateway,
    GatewayTimeout,
    InvalidRequest,
    Overloaded,
    ServiceUnavailable,
)
from server.logs import note_group
from server.metrics import GroupStats, Metrics
from server.outcome import Outcome, decide_outcome
from server.tool_parsing import ToolParsing, UnknownToolParser
from server.tools import ToolSpec
from server.trace import Timings, TraceStore, build_trace

log = logging.getLogger(__name__)


Progress = Callable[[str, dict[str, Any]], None]
"""A hook called at each phase of a group, ``progress(phase, info)``: ``generating`` once
the group is admitted, ``scoring`` once it is generated (streaming sends them as
keep-alive comments)."""


@dataclass(frozen=True)
class GroupJob:
    """One best-of-N request, as the serving layer hands it to the pipeline."""

    request_id: str
    endpoint: str  # "chat.completions" | "completions"
    best_of: int
    n: int
    max_tokens: int
    temperature: float
    top_p: float
    stop: list[str]
    seed: int | None
    trace_level: str
    prompt: str | None = None
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    logit_bias: dict[int, float] | None = None
    messages: list[dict[str, Any]] | None = None
    response_format: dict[str, Any] | None = None
    reward_weights: dict[str, float] | None = None
    deadline_s: float | None = None  # the client's deadline; the server's limit still applies
    adaptive: bool = False  # best_of="auto": rounds up to best_of candidates, stop when settled
    profile: Profile | None = None  # the reward profile, resolved once by the serving layer
    owner: str = ANONYMOUS  # the caller's key hash (server.auth.owner_of): who may read the trace
    tools: ToolSpec | None = None  # the declared tools and tool_choice (server.tools)
    # The client's `reference` extension (answer, tests, schema): decides the verified
    # outcome in the store; never part of the reward context.
    reference: dict[str, Any] | None = None
    logprobs: int | None = None  # alternatives per token the client asked for (None: none)
    # The prompt as one text, flattened once here (rewards.types.messages_text for a chat):
    # what the reward context, the task detection and the trace read.
    prompt_text: str = field(init=False)

    def __post_init__(self) -> None:
        text = self.prompt if self.prompt is not None else messages_text(self.messages or [])
        object.__setattr__(self, "prompt_text", text)


@dataclass(frozen=True)
class GroupOutcome:
    """What the serving layer needs to build the response."""

    job: GroupJob
    created: int
    candidates: list[Candidate]
    result: GroupResult
    selection: Selection
    usage: dict[str, int]  # prompt_tokens, completion_tokens (every candidate), total_tokens
    trace: dict[str, Any]
    outcome: Outcome  # answered or refused, and why: what the response is built from

    @property
    def selected(self) -> tuple[int, ...]:
        """The returned candidates, best first (at most n); empty for a refusal."""
        return self.outcome.selected


class GroupScorer:
    """The pipeline's decisions without the engine: choose the rewards for a job, and
    score a group of candidates for it. Benchmarks use it to judge candidates exactly
    as the server does.
    """

    def __init__(self, settings: Settings, registry: RewardRegistry) -> None:
        self.settings = settings
        self.registry = registry
        # One process-wide pool: every app (and test) in a process shares its workers.
        self.budgets = Budgets(
            reward_s=settings.reward_timeout_s,
            gate_s=settings.gate_timeout_s,
            group_s=settings.score_timeout_s,
            pool=default_budget_pool(settings.score_workers),
        )
        # Learned reward weights (server.learning.Learning.apply): None keeps the
        # selection's own weights (benchmarks, a scorer without a store).
        self.reweigh: Callable[[Selection], Selection] | None = None

    def plan(self, job: GroupJob) -> tuple[RewardContext, Selection]:
        """Build the reward context and choose the rewards (client errors raise 400)."""
        prompt = job.prompt_text
        tools, choice = (job.tools.tools, job.tools.tool_choice) if job.tools else ((), None)
        task, evidence = detect_task(
            prompt,
            messages=job.messages,
            response_format=job.response_format,
            tools=tools,
            tool_choice=choice,
        )
        context = build_context(
            prompt, job.messages, job.response_format, task=task, tools=tools, tool_choice=choice
        )
        context = replace(context, profile=job.profile.name if job.profile else None)
        try:
            selection = choose_rewards(
                context,
                self.registry,
                requested=job.reward_weights,
                profile=job.profile,
                task_evidence=evidence,
                optional=self.settings.optional_rewards,
            )
        except UnknownRewardError as exc:
            raise InvalidRequest(str(exc), param="rewards", code="unknown_reward") from exc
        except ValueError as exc:
            raise InvalidRequest(str(exc), param="rewards", code="invalid_value") from exc
        return context, selection

    def screen(self, context: RewardContext) -> list[GateResult]:
        """The gates' prompt checks (on a worker thread): an unsafe request is refused."""
        return screen_prompt(context, self.registry, budgets=self.budgets)

    def mode(self, job: GroupJob) -> AggregationMode:
        if job.profile is not None and job.profile.aggregation is not None:
            return job.profile.aggregation
        return self.settings.aggregation

    def score(
        self,
        job: GroupJob,
        context: RewardContext,
        selection: Selection,
        candidates: list[Candidate],
        earlier: GroupRecord | None = None,
    ) -> tuple[Selection, GroupResult]:
        """Score the candidates, the selection refined on the round's group record
        (after the gates; on a worker thread); ``earlier``: the previous round's record
        (best_of "auto"), whose candidates' facts are carried."""
        # Learned weights after the refinement: the weights actually used.
        refine = refiner(self.settings.optional_rewards, then=self.reweigh)
        result = score_group(
            context,
            candidates,
            selection,
            registry=self.registry,
            mode=self.mode(job),
            budgets=self.budgets,
            refine=refine,
            earlier=earlier,
        )
        return result.selection or selection, result


class BestOfNPipeline:
    """Runs groups on an engine and scores them with the reward library."""

    def __init__(
        self,
        *,
        engine: Engine,
        settings: Settings,
        registry: RewardRegistry,
        metrics: Metrics,
        traces: TraceStore,
        profiles: Profiles | None = None,
    ) -> None:
        self.engine = engine
        self.profiles = profiles or Profiles()
        self.scorer = GroupScorer(settings, registry)
        self.settings = settings
        self.registry = registry
        self.metrics = metrics
        self.traces = traces
        # vLLM's tool parsers read the candidates' calls (imported at the first tool request).
        self.tool_parsing = ToolParsing(
            settings.tool_call_parser, getattr(engine, "tokenizer", None)
        )
        self.engine_started = int(time.time())
        self._slots = asyncio.Semaphore(settings.max_concurrent_groups)
        # Fair share between tenants: groups in flight per key (event-loop state only).
        self._per_key_limit = settings.max_groups_per_key or max(1, settings.score_workers // 2)
        self._in_flight: dict[str, int] = {}
        # The budget workers start now, in the background (their imports run in the new
        # processes, so this returns at once); the pool is shared, so only once a process.
        self.scorer.budgets.workers().warm_up(settings.score_workers)
        # Rewards are CPU-bound Python; they run here so a slow reward never stalls
        # the event loop (and with it every other request).
        self._executor = ThreadPoolExecutor(
            max_workers=settings.score_workers, thread_name_prefix="bon-score"
        )

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def plan(self, job: GroupJob) -> tuple[RewardContext, Selection]:
        """Build the reward context and choose the rewards (client errors raise 400)."""
        return self.scorer.plan(job)

    async def run(self, job: GroupJob, progress: Progress | None = None) -> GroupOutcome:
        t0 = time.perf_counter()
        # Admission first: a full server refuses before doing any CPU work on the request.
        if self._slots.locked():
            # A bounded queue of zero: better a clear 429 than an unbounded wait.
            raise Overloaded(
                f"Server is at capacity ({self.settings.max_concurrent_groups} groups in flight)."
                " Retry later.",
                code="server_busy",
                headers={"Retry-After": "1"},
            )
        if job.owner != ANONYMOUS and self._in_flight.get(job.owner, 0) >= self._per_key_limit:
            raise Overloaded(
                f"This API key already has {self._per_key_limit} groups in flight"
                " (max_groups_per_key). Retry later.",
                code="key_busy",
                headers={"Retry-After": "1"},
            )
        self._in_flight[job.owner] = self._in_flight.get(job.owner, 0) + 1
        try:
            return await self._admitted(job, progress, t0)
        finally:
            left = self._in_flight[job.owner] - 1
            if left:
                self._in_flight[job.owner] = left
            else:
                del self._in_flight[job.owner]

    async def _admitted(self, job: GroupJob, progress: Progress | None, t0: float) -> GroupOutcome:
        loop = asyncio.get_running_loop()
        async with self._slots:
            t_admit = time.perf_counter()
            deadline = t_admit + self._timeout(job)
            # Task detection runs regexes over the whole prompt: off the loop, like scoring.
            context, selection = await loop.run_in_executor(self._executor, self.plan, job)
            # An unsafe request is refused before anything is generated (gates' check_prompt).
            screened = await loop.run_in_executor(self._executor, self.scorer.screen, context)
            t_plan = time.perf_counter()
            if any(not g.verdicts[0].passed for g in screened):
                nothing = GroupResult(self.scorer.mode(job), [], [], [], [], [], [])
                marks = (t0, t_admit, t_plan, t_plan, t_plan)
                return self._finish(
                    job, Generation([], 0), selection, nothing, marks, prompt_gates=screened
                )
            adaptive: dict[str, Any] | None = None
            if job.adaptive:
                generation, selection, result, adaptive, gen_s = await self._rounds(
                    job, context, selection, deadline, progress
                )
                t_gen = t_plan + gen_s
            else:
                if progress is not None:
                    progress("generating", {"request_id": job.request_id, "best_of": job.best_of})
                generation = await self._generate(job, deadline=deadline)
                t_gen = time.perf_counter()
                if progress is not None:
                    progress("scoring", {"candidates": len(generation.candidates)})
                selection, result = await loop.run_in_executor(
                    self._executor,
                    self.scorer.score,
                    job,
                    context,
                    selection,
                    generation.candidates,
                )
            t_score = time.perf_counter()
        return self._finish(
            job,
            generation,
            selection,
            result,
            (t0, t_admit, t_plan, t_gen, t_score),
            adaptive=adaptive,
            prompt_gates=screened,
        )

    def _timeout(self, job: GroupJob) -> float:
        timeout = self.settings.request_timeout_s
        if job.deadline_s is not None:
            timeout = min(timeout, job.deadline_s)
        return timeout

    async def _rounds(
        self,
        job: GroupJob,
        context: RewardContext,
        selection: Selection,
        deadline: float,
        progress: Progress | None,
    ) -> tuple[Generation, Selection, GroupResult, dict[str, Any], float]:
        """best_of="auto": generate and score in rounds until the answer is settled.

        Every round is one engine request; the whole group so far is scored after
        each, and :func:`rewards.adaptive.settle` decides whether to stop. Returns the
        whole group, the last selection and result, the trace's ``adaptive`` record and
        the seconds spent generating.
        """
        s = self.settings
        policy = AdaptivePolicy(
            first_round=min(max(s.auto_first_round, job.n), job.best_of),
            round_size=s.auto_round_size,
            max_samples=job.best_of,
            min_agreement=s.auto_min_agreement,
            min_margin=s.auto_min_margin,
        )
        loop = asyncio.get_running_loop()
        candidates: list[Candidate] = []
        rounds: list[dict[str, Any]] = []
        gen_s = 0.0
        prompt_tokens, prompt_text = 0, None
        refined: Selection = selection
        result: GroupResult | None = None
        for number, size in enumerate(policy.rounds(), start=1):
            if progress is not None:
                info = {"request_id": job.request_id, "round": number, "best_of": size}
                progress("generating", info)
            t = time.perf_counter()
            gen = await self._generate(
                job, n=size, request_id=f"{job.request_id}-r{number}", deadline=deadline
            )
            gen_s += time.perf_counter() - t
            prompt_tokens, prompt_text = gen.prompt_tokens, gen.prompt_text
            offset = len(candidates)
            candidates += [replace(c, index=offset + i) for i, c in enumerate(gen.candidates)]
            if progress is not None:
                progress("scoring", {"round": number, "candidates": len(candidates)})
            group = list(candidates)
            refined, scored = await loop.run_in_executor(
                self._executor,
                self.scorer.score,
                job,
                context,
                selection,
                group,
                result.group if result is not None else None,
            )
            result = scored
            verdict = settle(context, group, scored, policy)
            rounds.append(
                {
                    "round": number,
                    "samples": size,
                    "group_size": len(group),
                    "settled": verdict.settled,
                    "reason": verdict.reason,
                }
            )
            if verdict.settled:
                break
        assert result is not None  # policy.rounds() yields at least one round
        record = {
            "budget": job.best_of,
            "samples_used": len(candidates),
            "saved": job.best_of - len(candidates),
            "settled": rounds[-1]["settled"],
            "rounds": rounds,
        }
        return Generation(candidates, prompt_tokens, prompt_text), refined, result, record, gen_s

    async def _generate(
        self,
        job: GroupJob,
        *,
        deadline: float,
        n: int | None = None,
        request_id: str | None = None,
    ) -> Generation:
        request = GenerationRequest(
            request_id=request_id or job.request_id,
            n=job.best_of if n is None else n,
            max_tokens=job.max_tokens,
            prompt=job.prompt if job.messages is None else None,
            messages=job.messages,
            temperature=job.temperature,
            top_p=job.top_p,
            stop=job.stop,
            seed=job.seed,
            presence_penalty=job.presence_penalty,
            frequency_penalty=job.frequency_penalty,
            logit_bias=job.logit_bias,
            logprobs=job.logprobs,
            **(await self._tool_fields(job)),
        )
        timeout = max(deadline - time.perf_counter(), 0.0)
        try:
            generation = await asyncio.wait_for(self.engine.generate(request), timeout=timeout)
            if job.tools is None:
                return generation
            return await self._parse_tool_calls(job.tools, generation)
        except asyncio.CancelledError:
            # Only a cancelled generation aborts an engine request (the client left or the
            # server is stopping); a disconnect while scoring aborts nothing in the engine.
            self.metrics.aborts.labels(reason="client_disconnect").inc()
            raise
        except TimeoutError as exc:
            self.metrics.aborts.labels(reason="timeout").inc()
            raise GatewayTimeout(
                f"Generation did not finish within {self._timeout(job):g} s;"
                " the engine request was aborted.",
                code="timeout",
            ) from exc
        except EngineInputError as exc:
            raise InvalidRequest(str(exc), param=exc.param, code="engine_rejected_input") from exc
        except EngineUnavailable as exc:
            raise ServiceUnavailable(f"Engine unavailable: {exc}", code="engine_down") from exc
        except UpstreamTimeout as exc:
            self.metrics.aborts.labels(reason="timeout").inc()
            raise GatewayTimeout(f"Upstream timeout: {exc}", code="upstream_timeout") from exc
        except UpstreamError as exc:
            log.error("upstream error for %s: %s", job.request_id, exc)
            raise BadGateway(f"Upstream error: {exc}", code="upstream_error") from exc
        except EngineError as exc:
            log.error("engine error for %s: %s", job.request_id, exc)
            raise ServiceUnavailable(f"Engine error: {exc}", code="engine_error") from exc

    async def _tool_fields(self, job: GroupJob) -> dict[str, Any]:
        """The GenerationRequest's tool fields: tools rendered unless tool_choice is none,
        the JSON Schema that forces a call (required/named). Off the loop (vLLM's import)."""
        spec = job.tools
        if spec is None:
            return {}
        loop = asyncio.get_running_loop()
        try:
            guided = await loop.run_in_executor(
                self._executor, self.tool_parsing.guided_schema, spec
            )
            keep_special = await loop.run_in_executor(
                self._executor, self.tool_parsing.keeps_special_tokens, spec
            )
        except UnknownToolParser as exc:  # the operator's --tool-call-parser, not the client
            raise ServiceUnavailable(str(exc), code="tool_parser_unavailable") from exc
        except ValueError as exc:  # vLLM refuses the tools (e.g. conflicting $defs)
            raise InvalidRequest(str(exc), param="tools", code="invalid_value") from exc
        return {
            "skip_special_tokens": not keep_special,
            "tools": spec.tools if spec.active else (),
            "tool_choice": spec.tool_choice,
            "parallel_tool_calls": spec.parallel_tool_calls,
            "guided_json": guided,
        }

    async def _parse_tool_calls(self, spec: ToolSpec, generation: Generation) -> Generation:
        """Every candidate's calls, read by vLLM's tool parser (on a worker thread)."""
        loop = asyncio.get_running_loop()
        try:
            candidates = await loop.run_in_executor(
                self._executor,
                lambda: self.tool_parsing.parse(
                    generation.candidates, spec, guided=generation.guided
                ),
            )
        except UnknownToolParser as exc:  # the operator's --tool-call-parser, not the client
            raise ServiceUnavailable(str(exc), code="tool_parser_unavailable") from exc
        return replace(generation, candidates=candidates)

    def _finish(
        self,
        job: GroupJob,
        generation: Generation,
        selection: Selection,
        result: GroupResult,
        marks: tuple[float, float, float, float, float],
        *,
        adaptive: dict[str, Any] | None = None,
        prompt_gates: list[GateResult] | None = None,
    ) -> GroupOutcome:
        t0, t_admit, t_plan, t_gen, t_score = marks  # admitted, then planned and screened
        prompt_gates = prompt_gates or []
        candidates = generation.candidates
        # Decided once; the trace, the log line, the metrics and the response read it.
        outcome = decide_outcome(result, job.n, prompt_gates)
        completion_tokens = sum(c.num_tokens for c in candidates)
        usage = {
            "prompt_tokens": generation.prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": generation.prompt_tokens + completion_tokens,
        }
        created = int(time.time())
        timings = Timings(
            select_s=t_plan - t_admit,
            queue_s=t_admit - t0,
            generate_s=t_gen - t_plan,
            score_s=t_score - t_gen,
            total_s=time.perf_counter() - t0,
        )
        trace = build_trace(
            trace_id=job.request_id,
            owner=job.owner,
            created=created,
            model=self.engine.model_name,
            endpoint=job.endpoint,
            level=job.trace_level if job.trace_level != "none" else "summary",
            n=job.n,
            candidates=candidates,
            selection=selection,
            result=result,
            outcome=outcome,
            timings=timings,
            usage=usage,
            adaptive=adaptive,
            prompt=job.prompt_text,
            messages=job.messages,
            prompt_gates=prompt_gates,
            trace_text=self.settings.trace_text,
        )
        self.traces.put(trace, candidates=candidates, reference=job.reference)
        note_group(trace, outcome, prompt=job.prompt_text, candidates=candidates)
        stats = self._stats(job, usage, result, timings, outcome)
        stats.budget_overruns += [("prompt", g.name) for g in prompt_gates if g.overrun]
        self.metrics.observe_group(stats)
        if adaptive is not None:
            self.metrics.observe_adaptive(len(adaptive["rounds"]), adaptive["saved"])
        return GroupOutcome(
            job=job,
            created=created,
            candidates=candidates,
            result=result,
            selection=selection,
            usage=usage,
            trace=trace,
            outcome=outcome,
        )

    @staticmethod
    def _stats(
        job: GroupJob,
        usage: dict[str, int],
        result: GroupResult,
        timings: Timings,
        outcome: Outcome,
    ) -> GroupStats:
        stats = GroupStats(
            endpoint=job.endpoint,
            outcome=outcome,
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
            queue_s=timings.queue_s,
            generate_s=timings.generate_s,
            score_s=timings.score_s,
        )
        stats.budget_overruns += [("reward", r.name) for r in result.rewards if r.overrun]
        stats.budget_overruns += [("gate", g.name) for g in result.gates if g.overrun]
        stats.budget_overruns += [
            ("fact", f.name) for f in result.facts if f.error and f.error.startswith("timeout")
        ]
        for r in result.rewards:
            stats.reward_scores[r.name] = [s.value for s in r.scores if s.value is not None]
            if r.error:
                stats.reward_errors.append(r.name)
            elif r.no_signal:
                stats.no_signal_rewards.append(r.name)
        for g in result.gates:
            for v in g.verdicts:
                if not v.passed:
                    stats.vetoes.append((g.name, v.category or "unspecified"))
                for hit in v.hits:
                    if hit.action == "penalty":
                        stats.penalties.append((g.name, hit.rule))
                    elif hit.action == "flag":
                        stats.flags.append((g.name, hit.rule))
        return stats
