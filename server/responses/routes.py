"""``POST /v1/responses``, ``GET`` and ``DELETE /v1/responses/{id}``: thin routes over
:class:`ResponsesServing`, which runs a Responses request on the chat pipeline."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from server.auth import Caller, caller_of
from server.errors import InvalidRequest, NotFound
from server.pipeline import Progress
from server.responses.convert import (
    finish,
    input_messages,
    output_messages,
    skeleton,
    to_chat_request,
)
from server.responses.protocol import ResponsesRequest
from server.responses.store import ResponseStore, Stored
from server.responses.stream import ResponseEvents
from server.routes import _ERRORS, TRACE_HEADER, with_cancellation
from server.serving import BestOfNServing
from server.streaming import stream_response


class ResponsesServing:
    """One Responses request: its history, the chat run, the Response, the store."""

    def __init__(self, serving: BestOfNServing, store: ResponseStore) -> None:
        self.serving = serving
        self.store = store

    def history(self, req: ResponsesRequest, caller: Caller) -> list[dict[str, Any]]:
        """The turns of ``previous_response_id``'s conversation (empty without one).

        Raises:
            NotFound: no such response for this caller (or it was not stored).
        """
        if req.previous_response_id is None:
            return []
        stored = self.store.read(req.previous_response_id, caller)
        if stored is None:
            raise NotFound(
                f"Previous response with id '{req.previous_response_id}' not found (the "
                f"server keeps the last {self.store.capacity}, and none with store=false).",
                param="previous_response_id",
                code="previous_response_not_found",
            )
        return list(stored.history)

    async def create(
        self,
        req: ResponsesRequest,
        response_id: str,
        created_at: int,
        caller: Caller,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        history = self.history(req, caller)
        chat_req = to_chat_request(req, history)
        chat = await self.serving.chat(chat_req, progress, caller)
        store = req.store is not False
        response = finish(req, chat, response_id, created_at, store=store)
        response["_trace_id"] = chat.id  # popped by the route (the X-Bon-Trace-Id header)
        if store:
            turns = history + input_messages(req) + output_messages(response)
            public = {k: v for k, v in response.items() if k != "_trace_id"}
            self.store.put(Stored(owner=caller.owner, response=public, history=turns))
        return response


def _serving(request: Request) -> ResponsesServing:
    state = request.app.state
    existing = getattr(state, "responses", None)
    if not isinstance(existing, ResponsesServing):
        # Made on first use, so the app factory only mounts the router.
        serving: BestOfNServing = state.serving
        store = ResponseStore(serving.settings.trace_store_size)
        existing = state.responses = ResponsesServing(serving, store)
    return existing


ServingDep = Annotated[ResponsesServing, Depends(_serving)]
CallerDep = Annotated[Caller, Depends(caller_of)]

router = APIRouter(tags=["openai"])

_STREAM_DOC = (
    "With `stream: true`: `text/event-stream` of OpenAI's named Responses events"
    " (`response.created`, `response.in_progress`, then `: progress ...` comments while the"
    " group is generated and scored, then the output's events, then `response.completed`)."
)


@router.post("/v1/responses", responses={**_ERRORS, 200: {"description": _STREAM_DOC}})
async def create_response(
    body: ResponsesRequest, request: Request, serving: ServingDep, caller: CallerDep
) -> Response:
    """A Response from the best of `best_of` candidates, on the chat pipeline (stateless
    but for `store`/`previous_response_id`)."""
    if body.stream_options is not None and not body.stream:
        raise InvalidRequest(
            "stream_options is only allowed with stream=true.",
            param="stream_options",
            code="invalid_value",
        )
    response_id = f"resp_{uuid.uuid4().hex}"
    created_at = int(time.time())
    if body.stream:
        frame = skeleton(body, response_id, created_at, store=body.store is not False)
        events = ResponseEvents(frame)

        async def run(progress: Progress) -> dict[str, Any]:
            result = await serving.create(body, response_id, created_at, caller, progress)
            result.pop("_trace_id", None)
            return result

        return await stream_response(
            request,
            run,
            include_usage=False,
            keepalive_s=serving.serving.settings.stream_keepalive_s,
            send_timeout_s=serving.serving.settings.stream_send_timeout_s,
            trace_header=TRACE_HEADER,
            event_format=events,
        )
    result = await with_cancellation(request, serving.create(body, response_id, created_at, caller))
    trace_id = result.pop("_trace_id")
    return JSONResponse(result, headers={TRACE_HEADER: trace_id})


def _missing(response_id: str) -> NotFound:
    return NotFound(
        f"No response with id '{response_id}' (not stored, evicted, or another key's).",
        param="response_id",
        code="response_not_found",
    )


@router.get("/v1/responses/{response_id}", responses={404: _ERRORS[404]})
async def retrieve_response(
    response_id: str, serving: ServingDep, caller: CallerDep
) -> dict[str, Any]:
    """A stored Response (the caller's own; another key's reads as missing)."""
    stored = serving.store.read(response_id, caller)
    if stored is None:
        raise _missing(response_id)
    return stored.response


@router.delete("/v1/responses/{response_id}", responses={404: _ERRORS[404]})
async def delete_response(
    response_id: str, serving: ServingDep, caller: CallerDep
) -> dict[str, Any]:
    if not serving.store.delete(response_id, caller):
        raise _missing(response_id)
    return {"id": response_id, "object": "response.deleted", "deleted": True}
