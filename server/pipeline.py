"""The best-of-N pipeline, independent of HTTP.

admit -> select rewards -> generate the group (one engine request) -> score
every candidate off the event loop -> aggregate and rank -> trace and stats.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from rewards import (
    GroupResult,
    RewardRegistry,
    Selection,
    UnknownRewardError,
    build_context,
    detect_task,
    explicit_selection,
    score_group,
    select_rewards,
)
from rewards.types import Candidate, RewardContext, content_text
from server.config import Settings
from server.engines.base import (
    Engine,
    EngineError,
    EngineInputError,
    EngineUnavailable,
    Generation,
    GenerationRequest,
)
from server.errors import (
    GatewayTimeout,
    InvalidRequest,
    Overloaded,
    ServiceUnavailable,
)
from server.metrics import GroupStats, Metrics
from server.trace import Timings, TraceStore, build_trace

log = logging.getLogger(__name__)


def _messages_text(messages: list[dict[str, Any]]) -> str:
    """The chat's contents as one text (multi-part messages: their text parts)."""
    parts = ((m.get("role", "user"), content_text(m.get("content"))) for m in messages)
    return "\n".join(f"{role}: {text}" for role, text in parts if text)


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
    messages: list[dict[str, Any]] | None = None
    response_format: dict[str, Any] | None = None
    reward_weights: dict[str, float] | None = None


@dataclass(frozen=True)
class GroupOutcome:
    """What the serving layer needs to build the response."""

    job: GroupJob
    created: int
    candidates: list[Candidate]
    selected: list[int]  # best first, at most n; empty when every candidate was vetoed
    result: GroupResult
    selection: Selection
    usage: dict[str, int]  # prompt_tokens, completion_tokens (every candidate), total_tokens
    trace: dict[str, Any]


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
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.registry = registry
        self.metrics = metrics
        self.traces = traces
        self.engine_started = int(time.time())
        self._slots = asyncio.Semaphore(settings.max_concurrent_groups)
        # Rewards are CPU-bound Python; they run here so a slow reward never stalls
        # the event loop (and with it every other request).
        self._executor = ThreadPoolExecutor(
            max_workers=settings.score_workers, thread_name_prefix="bon-score"
        )

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def plan(self, job: GroupJob) -> tuple[RewardContext, Selection]:
        """Build the reward context and choose the rewards (client errors raise 400)."""
        prompt = job.prompt if job.prompt is not None else _messages_text(job.messages or [])
        task, evidence = detect_task(
            prompt, messages=job.messages, response_format=job.response_format
        )
        context = build_context(prompt, job.messages, job.response_format, task=task)
        if job.reward_weights is not None:
            try:
                selection = explicit_selection(context, job.reward_weights, self.registry)
            except UnknownRewardError as exc:
                raise InvalidRequest(str(exc), param="rewards", code="unknown_reward") from exc
            except ValueError as exc:
                raise InvalidRequest(str(exc), param="rewards", code="invalid_value") from exc
        else:
            selection = select_rewards(context, task_evidence=evidence)
        return context, selection

    async def run(self, job: GroupJob) -> GroupOutcome:
        t0 = time.perf_counter()
        loop = asyncio.get_running_loop()
        # Task detection runs regexes over the whole prompt: off the loop, like scoring.
        context, selection = await loop.run_in_executor(self._executor, self.plan, job)
        t_plan = time.perf_counter()
        if self._slots.locked():
            # A bounded queue of zero: better a clear 429 than an unbounded wait.
            raise Overloaded(
                f"Server is at capacity ({self.settings.max_concurrent_groups} groups in flight)."
                " Retry later.",
                code="server_busy",
                headers={"Retry-After": "1"},
            )
        async with self._slots:
            t_admit = time.perf_counter()
            generation = await self._generate(job)
            t_gen = time.perf_counter()
            result: GroupResult = await loop.run_in_executor(
                self._executor,
                lambda: score_group(
                    context,
                    generation.candidates,
                    selection,
                    registry=self.registry,
                    mode=self.settings.aggregation,
                ),
            )
            t_score = time.perf_counter()
        return self._finish(
            job, generation, selection, result, (t0, t_plan, t_admit, t_gen, t_score)
        )

    async def _generate(self, job: GroupJob) -> Generation:
        request = GenerationRequest(
            request_id=job.request_id,
            n=job.best_of,
            max_tokens=job.max_tokens,
            prompt=job.prompt if job.messages is None else None,
            messages=job.messages,
            temperature=job.temperature,
            top_p=job.top_p,
            stop=job.stop,
            seed=job.seed,
        )
        try:
            return await asyncio.wait_for(
                self.engine.generate(request), timeout=self.settings.request_timeout_s
            )
        except asyncio.CancelledError:
            # Only a cancelled generation aborts an engine request (the client left or the
            # server is stopping); a disconnect while scoring aborts nothing in the engine.
            self.metrics.aborts.labels(reason="client_disconnect").inc()
            raise
        except TimeoutError as exc:
            self.metrics.aborts.labels(reason="timeout").inc()
            raise GatewayTimeout(
                f"Generation did not finish within {self.settings.request_timeout_s:g} s;"
                " the engine request was aborted.",
                code="timeout",
            ) from exc
        except EngineInputError as exc:
            raise InvalidRequest(str(exc), param=exc.param, code="engine_rejected_input") from exc
        except EngineUnavailable as exc:
            raise ServiceUnavailable(f"Engine unavailable: {exc}", code="engine_down") from exc
        except EngineError as exc:
            log.error("engine error for %s: %s", job.request_id, exc)
            raise ServiceUnavailable(f"Engine error: {exc}", code="engine_error") from exc

    def _finish(
        self,
        job: GroupJob,
        generation: Generation,
        selection: Selection,
        result: GroupResult,
        marks: tuple[float, float, float, float, float],
    ) -> GroupOutcome:
        t0, t_plan, t_admit, t_gen, t_score = marks
        candidates = generation.candidates
        selected = list(result.ranking[: job.n])
        completion_tokens = sum(c.num_tokens for c in candidates)
        usage = {
            "prompt_tokens": generation.prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": generation.prompt_tokens + completion_tokens,
        }
        created = int(time.time())
        timings = Timings(
            select_s=t_plan - t0,
            queue_s=t_admit - t_plan,
            generate_s=t_gen - t_admit,
            score_s=t_score - t_gen,
            total_s=time.perf_counter() - t0,
        )
        trace = build_trace(
            trace_id=job.request_id,
            created=created,
            model=self.engine.model_name,
            endpoint=job.endpoint,
            level=job.trace_level if job.trace_level != "none" else "summary",
            n=job.n,
            candidates=candidates,
            selection=selection,
            result=result,
            selected=selected,
            timings=timings,
            usage=usage,
        )
        self.traces.put(trace)
        stats = self._stats(job, generation, usage, result, timings, refused=not selected)
        self.metrics.observe_group(stats)
        return GroupOutcome(
            job=job,
            created=created,
            candidates=candidates,
            selected=selected,
            result=result,
            selection=selection,
            usage=usage,
            trace=trace,
        )

    @staticmethod
    def _stats(
        job: GroupJob,
        generation: Generation,
        usage: dict[str, int],
        result: GroupResult,
        timings: Timings,
        refused: bool,
    ) -> GroupStats:
        stats = GroupStats(
            endpoint=job.endpoint,
            group_size=len(generation.candidates),
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
            queue_s=timings.queue_s,
            generate_s=timings.generate_s,
            score_s=timings.score_s,
            refused=refused,
        )
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
        return stats
