"""Thin routes: parse, hand to the serving class, shape the HTTP response."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from server.auth import Caller, caller_of
from server.engines.base import EngineUnavailable
from server.errors import NotFound
from server.metrics import CONTENT_TYPE_LATEST, Metrics
from server.protocol import (
    ChatCompletionRequest,
    ChatCompletionResponse,
    CompletionRequest,
    CompletionResponse,
    ErrorResponse,
    ModelCard,
    ModelList,
)
from server.serving import BestOfNServing
from server.store import StoredTraces
from server.streaming import stream_response

log = logging.getLogger(__name__)
T = TypeVar("T")

TRACE_HEADER = "X-Bon-Trace-Id"

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Invalid request (the field is in `param`)."},
    404: {"model": ErrorResponse, "description": "Unknown model."},
    401: {"model": ErrorResponse, "description": "Missing or wrong API key (when keys are set)."},
    413: {"model": ErrorResponse, "description": "Request body over --max-body-bytes."},
    429: {"model": ErrorResponse, "description": "At capacity; see Retry-After."},
    502: {"model": ErrorResponse, "description": "The upstream engine failed (--engine openai)."},
    503: {"model": ErrorResponse, "description": "Engine unavailable or failed."},
    504: {"model": ErrorResponse, "description": "Deadline passed; generation aborted."},
}
_STREAM_DOC = (
    "With `stream: true`: `text/event-stream` of `: progress ...` comments while the group"
    " is generated and scored, then the selected answer as OpenAI chunks (the trace on the"
    " last one), then `data: [DONE]`."
)


def get_serving(request: Request) -> BestOfNServing:
    serving: BestOfNServing = request.app.state.serving
    return serving


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def get_traces(request: Request) -> StoredTraces:
    traces: StoredTraces = request.app.state.traces
    return traces


Serving = Annotated[BestOfNServing, Depends(get_serving)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
Traces = Annotated[StoredTraces, Depends(get_traces)]
CallerDep = Annotated[Caller, Depends(caller_of)]


class ClientDisconnected(Exception):
    """The client went away before the answer was ready."""


async def _wait_for_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def with_cancellation(request: Request, work: Awaitable[T]) -> T:
    """Run `work`, cancelling it (and so aborting the engine request) if the client leaves."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_wait_for_disconnect(request))
    try:
        done, _ = await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        watcher.cancel()
    if task in done:
        return task.result()
    task.cancel()
    # Wait for the cancellation to run through (the engine abort) before answering.
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    log.info("client disconnected; request cancelled")
    raise ClientDisconnected


router = APIRouter()


@router.post(
    "/v1/chat/completions",
    response_model=ChatCompletionResponse,
    response_model_exclude_none=False,
    responses={**_ERRORS, 200: {"description": _STREAM_DOC}},
    tags=["openai"],
)
async def chat_completions(
    body: ChatCompletionRequest, request: Request, serving: Serving, caller: CallerDep
) -> Response:
    """Best-of-N chat completion: the best of `best_of` candidates (`n` of them, ranked)."""
    if body.stream:
        return await stream_response(
            request,
            lambda progress: serving.chat(body, progress, caller),
            include_usage=bool(body.stream_options and body.stream_options.include_usage),
            keepalive_s=serving.settings.stream_keepalive_s,
            send_timeout_s=serving.settings.stream_send_timeout_s,
            trace_header=TRACE_HEADER,
        )
    result = await with_cancellation(request, serving.chat(body, caller=caller))
    return JSONResponse(result.model_dump(mode="json"), headers={TRACE_HEADER: result.id})


@router.post(
    "/v1/completions",
    response_model=CompletionResponse,
    responses={**_ERRORS, 200: {"description": _STREAM_DOC}},
    tags=["openai"],
)
async def completions(
    body: CompletionRequest, request: Request, serving: Serving, caller: CallerDep
) -> Response:
    """Best-of-N text completion."""
    if body.stream:
        return await stream_response(
            request,
            lambda progress: serving.completion(body, progress, caller),
            include_usage=bool(body.stream_options and body.stream_options.include_usage),
            keepalive_s=serving.settings.stream_keepalive_s,
            send_timeout_s=serving.settings.stream_send_timeout_s,
            trace_header=TRACE_HEADER,
        )
    result = await with_cancellation(request, serving.completion(body, caller=caller))
    return JSONResponse(result.model_dump(mode="json"), headers={TRACE_HEADER: result.id})


def _served_model(serving: BestOfNServing) -> ModelCard:
    return ModelCard(id=serving.pipeline.engine.model_name, created=serving.pipeline.engine_started)


@router.get("/v1/models", response_model=ModelList, tags=["openai"])
async def list_models(serving: Serving) -> ModelList:
    return ModelList(data=[_served_model(serving)])


@router.get(
    "/v1/models/{model_id:path}",
    response_model=ModelCard,
    responses={404: {"model": ErrorResponse, "description": "Not the served model."}},
    tags=["openai"],
)
async def retrieve_model(model_id: str, serving: Serving) -> ModelCard:
    """The served model's object; OpenAI's 404 (`model_not_found`) for any other id."""
    serving.check_model(model_id)
    return _served_model(serving)


@router.get(
    "/v1/traces/{trace_id}",
    responses={404: {"model": ErrorResponse, "description": "No trace with that id."}},
    tags=["bon"],
)
async def get_trace(trace_id: str, traces: Traces, caller: CallerDep) -> dict[str, Any]:
    """A response's scoring trace, by the id in its `X-Bon-Trace-Id` header (the caller's
    own traces only; another key's are answered as missing)."""
    trace = await traces.find(trace_id, caller)
    if trace is None:
        raise NotFound(
            f"No trace with id '{trace_id}'.",
            param="trace_id",
            code="trace_not_found",
        )
    return trace


@router.get("/health", tags=["ops"])
async def health(request: Request, serving: Serving) -> JSONResponse:
    sandbox = request.app.state.sandbox.as_json()  # the mode in force, e.g. {"mode": "wasi"}
    try:
        await serving.pipeline.engine.check_health()
    except EngineUnavailable as exc:
        body = {"status": "unhealthy", "reason": str(exc), "sandbox": sandbox}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "sandbox": sandbox})


@router.get("/metrics", tags=["ops"])
async def metrics_endpoint(metrics: MetricsDep) -> Response:
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
