"""The app factory: ``create_app(settings, engine=...)``.

Nothing is built at import time. With an engine given (tests, embedding), the
app is ready at once; without one, the lifespan starts the engine the settings
name and stops it on shutdown.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rewards import (
    Profiles,
    RewardRegistry,
    check_profiles,
    default_registry,
    default_reward_sets,
    load_profiles,
)
from rewards import default_mathverify_pool as default_pool
from rewards.gates import HazardsGate, LlamaGuardClassifier, PolicyGate, load_policy
from server.auth import APIKeyMiddleware, load_api_keys
from server.config import Settings
from server.engines.base import Engine
from server.errors import error_body, error_response, install_error_handlers
from server.feedback import feedback_router
from server.judge import RewardModelJudge, build_judge, with_judge
from server.limits import BodyLimitMiddleware
from server.logs import AccessLogMiddleware
from server.metrics import Metrics
from server.pipeline import BestOfNPipeline
from server.ratelimit import RateLimiter
from server.request_id import RequestIdMiddleware
from server.responses.routes import router as responses_router
from server.rewards_routes import rewards_router
from server.routes import ClientDisconnected, router
from server.sandbox_mode import start_sandbox, with_sandbox
from server.serving import BestOfNServing
from server.store import build_traces
from server.streaming import StreamClientGone
from server.viewer import viewer_router

log = logging.getLogger(__name__)

# Routes whose requests are counted in bon_requests_total (scrapes of /metrics are not).
_COUNTED_PREFIXES = ("/v1/",)


class RequestMetricsMiddleware:
    """Counts requests by route template and status (pure ASGI: keeps disconnects visible)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(_COUNTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        best_of_route = scope["path"] in ("/v1/chat/completions", "/v1/completions")

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        if best_of_route:
            self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if best_of_route:
                self.metrics.in_flight.dec()
            route = scope.get("route")
            label = getattr(route, "path", None) or "unmatched"
            self.metrics.observe_request(label, status, time.perf_counter() - start)


def check_registry(registry: RewardRegistry) -> None:
    """Fail at startup, not per request: every automatic reward exists, every gate builds.

    Raises:
        UnknownRewardError: a default reward set names a reward the registry lacks.
    """
    for choices in default_reward_sets().values():
        registry.validate(c.name for c in choices)
    for name in registry.gate_names():
        registry.gate(name)


def with_policy(registry: RewardRegistry, settings: Settings) -> RewardRegistry:
    """The registry plus the operator's gates: the compliance policy as the ``policy`` gate,
    and the hazards gate with a model-based classifier when ``hazard_model`` is set.

    Raises:
        PolicyError: the policy file is missing or invalid (at startup, never per request).
        ValueError: ``hazard_model`` is not a model folder.
    """
    if settings.policy_file is None and settings.hazard_model is None:
        return registry
    registry = registry.copy()
    if settings.policy_file is not None:
        policy = load_policy(settings.policy_file)
        registry.register_gate(PolicyGate.name, functools.partial(PolicyGate, policy))
    if settings.hazard_model is not None:
        classifier = LlamaGuardClassifier(settings.hazard_model)
        registry.replace_gate(HazardsGate.name, functools.partial(HazardsGate, classifier))
    return registry


def load_settings_profiles(settings: Settings, registry: RewardRegistry) -> Profiles:
    """The operator's reward profiles, checked against the registry (at startup).

    Raises:
        ProfileError: the file is invalid or names an unknown reward.
        UnknownRewardError: ``optional_rewards`` names an unknown reward.
    """
    registry.validate(settings.optional_rewards)
    if settings.profiles_file is None:
        return Profiles()
    profiles = load_profiles(settings.profiles_file)
    check_profiles(profiles, registry.reward_names())
    return profiles


def _install(app: FastAPI, settings: Settings, engine: Engine) -> None:
    registry: RewardRegistry = app.state.registry
    pipeline = BestOfNPipeline(
        engine=engine,
        settings=settings,
        registry=registry,
        metrics=app.state.metrics,
        traces=app.state.traces,
        profiles=app.state.profiles,
    )
    app.state.engine = engine
    app.state.metrics.bind_engine(engine.num_unfinished_requests)
    app.state.pipeline = pipeline
    pipeline.scorer.reweigh = app.state.traces.learning.apply  # learned reward weights
    app.state.serving = BestOfNServing(pipeline, settings, app.state.rate_limiter)


async def _start_engine(settings: Settings, stack: AsyncExitStack) -> Engine:
    if settings.engine == "scripted":
        from server.engines.scripted import ScriptedEngine

        assert settings.script is not None  # checked by Settings
        return ScriptedEngine.from_file(settings.script, model_name=settings.model_id)
    if settings.engine == "openai":
        from server.engines.openai_engine import OpenAIEngine

        assert settings.upstream is not None  # checked by Settings
        upstream: Engine = await stack.enter_async_context(
            OpenAIEngine.start(
                settings.upstream,
                model=settings.upstream_model,
                served_name=settings.served_model_name,
                api_key=settings.upstream_api_key,
                timeout_s=settings.upstream_timeout_s,
                max_parallel=settings.upstream_max_parallel,
                retries=settings.upstream_retries,
            )
        )
        return upstream
    from server.config import EMBEDDED_MODEL_NAME
    from server.engines.vllm_engine import VLLMEngine
    from server.model import prepare_model
    from server.tools import chat_template_for

    # The first conversion takes ~40 s: keep the loop free meanwhile.
    resolved = await asyncio.to_thread(prepare_model, settings.model, settings.cache_dir)
    engine: Engine = await stack.enter_async_context(
        VLLMEngine.start(
            resolved.path,
            settings.model_id,
            max_model_len=settings.max_model_len,
            dtype=settings.dtype,
            cpu_kvcache_space_gib=settings.cpu_kvcache_space_gib,
            gpu_memory_utilization=settings.gpu_memory_utilization,
            chat_template=chat_template_for(
                settings.chat_template, embedded=settings.model == EMBEDDED_MODEL_NAME
            ),
            engine_kwargs=(
                {"tensor_parallel_size": settings.tensor_parallel_size}
                if settings.tensor_parallel_size > 1
                else None
            ),
        )
    )
    return engine


def _drop_unused_422(app: FastAPI) -> None:
    """Validation errors are 400s here (as OpenAI's); don't document FastAPI's 422."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            for path in schema.get("paths", {}).values():
                for op in path.values():
                    op.get("responses", {}).pop("422", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    registry: RewardRegistry | None = None,
) -> FastAPI:
    """Build the app. Pass `engine` to inject one; otherwise the lifespan starts it."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            default_pool().warm_up()  # math-verify workers import sympy while the engine starts
            if engine is None:
                started = await _start_engine(settings, stack)
                _install(app, settings, started)
                log.info("engine ready: %s", started.model_name)
            if isinstance(app.state.judge, RewardModelJudge):
                await stack.enter_async_context(app.state.judge.running())
            elif app.state.judge is not None:
                app.state.judge.attach(app.state.engine, asyncio.get_running_loop())
            # The store's writer: migrations, then writes off the request path.
            await app.state.traces.writer.start()
            stack.push_async_callback(app.state.traces.store.close)
            stack.push_async_callback(app.state.traces.writer.stop)
            try:
                yield
            finally:
                app.state.pipeline.close()
                if engine is not None:
                    # An injected engine outlives this lifespan: the app can start again.
                    _install(app, settings, engine)

    app = FastAPI(
        title="bon-server",
        version="0.1.0",
        summary="Reward-guided best-of-N with an OpenAI-compatible API.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    # Before anything else: no server runs on a sandbox that cannot start (SandboxRefused).
    app.state.sandbox = start_sandbox(settings)
    app.state.judge = build_judge(settings)
    app.state.registry = with_judge(
        with_policy(registry or default_registry(), settings), app.state.judge
    )
    app.state.registry = with_sandbox(app.state.registry, settings)
    check_registry(app.state.registry)
    app.state.profiles = load_settings_profiles(settings, app.state.registry)
    app.state.metrics = Metrics()
    app.state.metrics.set_sandbox_mode(app.state.sandbox.mode)
    app.state.traces = build_traces(settings, app.state.metrics)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_rpm, settings.rate_limit_cpm)
    install_error_handlers(app)

    @app.exception_handler(ClientDisconnected)
    @app.exception_handler(StreamClientGone)
    async def _gone(_: Request, __: Any) -> JSONResponse:
        # Nobody reads this; 499 (nginx's "client closed request") keeps the metrics honest.
        body = error_body("Client closed the request.", "client_closed_request")
        return error_response(499, body)

    app.include_router(router)
    app.include_router(viewer_router)
    app.include_router(responses_router)
    app.include_router(feedback_router)
    app.include_router(rewards_router)
    _drop_unused_422(app)
    # Inside the metrics and the access log, so refused requests are counted and logged;
    # the key is checked before a body is read.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    keys = load_api_keys(settings.api_keys, settings.api_keys_file)
    operator_keys = load_api_keys(settings.operator_keys, settings.operator_keys_file)
    if keys or operator_keys:
        app.add_middleware(
            APIKeyMiddleware,
            keys=keys,
            operator_keys=operator_keys,
            protect_metrics=settings.metrics_require_key,
        )
    app.add_middleware(RequestMetricsMiddleware, metrics=app.state.metrics)
    # Outermost: its line carries the status every inner layer settled on.
    app.add_middleware(AccessLogMiddleware, log_text=settings.log_text)
    # Outside everything: every response, a 401 or a 413 included, carries x-request-id.
    app.add_middleware(RequestIdMiddleware)
    if engine is not None:
        _install(app, settings, engine)
    return app
