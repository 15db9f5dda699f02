"""``POST /v1/feedback``: the trace's owner says how good a candidate was.

One row per judgement (:class:`server.store.schema.FeedbackRow`): the trace, the
candidate (by its index in the group, or by the index of the returned choice), a
``name`` (``correct``, ``thumbs``, ...), a ``value`` (a number or a boolean), an optional
comment, and an optional client-chosen ``id`` that makes the call idempotent: the same
id with the same body is one row (the stored one comes back), with a different body a
409. Only the trace's owner may give feedback; anyone else gets the 404 of a missing
trace. Feedback is what later learns reward weights and labels exports.
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from server.auth import Caller, caller_of
from server.errors import APIError, InvalidRequest, NotFound, ServiceUnavailable
from server.metrics import Metrics
from server.protocol import ErrorResponse
from server.store.schema import FeedbackRow
from server.store.traces import StoredTraces
from server.tolerance import field_names, refuse_many_unknown

__all__ = ["Conflict", "FeedbackRequest", "feedback_router", "feedback_view"]

_NAME = r"^[A-Za-z][A-Za-z0-9_.:-]{0,63}$"
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
_MAX_COMMENT = 4096


class Conflict(APIError):
    """409: the client reused an idempotency id with a different body."""

    status_code = 409
    type = "invalid_request_error"


class FeedbackRequest(BaseModel):
    """The body of ``POST /v1/feedback``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str | None = Field(None, pattern=_ID, description="Client-chosen idempotency id.")
    trace_id: str = Field(min_length=1, max_length=128)
    candidate_index: int | None = Field(None, ge=0, le=1023)
    choice_index: int | None = Field(None, ge=0, le=1023)
    name: str = Field(pattern=_NAME, description="What is judged: correct, thumbs, ...")
    value: bool | float = Field(description="A number (finite) or a boolean.")
    comment: str | None = Field(None, max_length=_MAX_COMMENT)

    @model_validator(mode="before")
    @classmethod
    def _few_unknown_fields(cls, data: Any) -> Any:
        return refuse_many_unknown(field_names(cls), data)

    @field_validator("comment")
    @classmethod
    def _no_nul(cls, v: str | None) -> str | None:
        # Refused, not stripped: PostgreSQL text cannot hold U+0000 (it answered 503), and a
        # comment silently changed is not the one the client sent.
        if v is not None and "\x00" in v:
            raise ValueError("comment must not contain NUL characters (U+0000)")
        return v

    @model_validator(mode="after")
    def _one_index(self) -> FeedbackRequest:
        if (self.candidate_index is None) == (self.choice_index is None):
            raise ValueError("give exactly one of candidate_index and choice_index")
        if isinstance(self.value, float) and not math.isfinite(self.value):
            raise ValueError("value must be a finite number or a boolean")
        return self


def feedback_view(row: FeedbackRow) -> dict[str, Any]:
    """A stored feedback row as the API and the viewer show it."""
    value: bool | float = bool(row.value) if row.value_type == "boolean" else row.value
    return {
        "id": row.feedback_id,
        "object": "bon.feedback",
        "trace_id": row.trace_id,
        "candidate_index": row.candidate_index,
        "choice_index": row.choice_index,
        "name": row.name,
        "value": value,
        "comment": row.comment,
        "created": row.created,
    }


def _same(row: FeedbackRow, new: dict[str, Any]) -> bool:
    fields = ("trace_id", "candidate_index", "choice_index", "name", "value", "value_type")
    return all(getattr(row, f) == new[f] for f in (*fields, "comment"))


def _candidate(trace: dict[str, Any], body: FeedbackRequest) -> int:
    """The group index the feedback is about (400 for an index the trace does not have)."""
    if body.choice_index is not None:
        selected = list(trace.get("selected") or [])
        if body.choice_index >= len(selected):
            raise InvalidRequest(
                f"choice_index {body.choice_index} is out of range: the response returned"
                f" {len(selected)} choice(s).",
                param="choice_index",
                code="invalid_value",
            )
        return int(selected[body.choice_index])
    assert body.candidate_index is not None  # _one_index
    size = len(trace.get("candidates") or [])
    if body.candidate_index >= size:
        raise InvalidRequest(
            f"candidate_index {body.candidate_index} is out of range: the group had"
            f" {size} candidate(s).",
            param="candidate_index",
            code="invalid_value",
        )
    return body.candidate_index


feedback_router = APIRouter(tags=["bon"])


def _traces(request: Request) -> StoredTraces:
    traces: StoredTraces = request.app.state.traces
    return traces


def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


@feedback_router.post(
    "/v1/feedback",
    responses={
        400: {"model": ErrorResponse, "description": "Bad index, name or value."},
        404: {"model": ErrorResponse, "description": "No trace with that id (or not yours)."},
        409: {"model": ErrorResponse, "description": "That id was used with another body."},
        503: {"model": ErrorResponse, "description": "The store is unavailable."},
    },
)
async def post_feedback(
    body: FeedbackRequest,
    caller: Annotated[Caller, Depends(caller_of)],
    traces: Annotated[StoredTraces, Depends(_traces)],
    metrics: Annotated[Metrics, Depends(_metrics)],
) -> JSONResponse:
    """Judge one candidate of one of your traces (idempotent with `id`)."""
    trace = await traces.find(body.trace_id, caller)
    # Only the owner: an operator reads every trace but speaks only for its own.
    if trace is None or trace.get("owner") != caller.owner:
        raise NotFound(
            f"No trace with id '{body.trace_id}'.", param="trace_id", code="trace_not_found"
        )
    index = _candidate(trace, body)
    row = {
        "feedback_id": body.id or f"fb-{uuid.uuid4().hex}",
        "owner": caller.owner,
        "trace_id": body.trace_id,
        "candidate_index": index,
        "choice_index": body.choice_index,
        "name": body.name,
        "value": float(body.value),
        "value_type": "boolean" if isinstance(body.value, bool) else "number",
        "comment": body.comment,
        "created": time.time(),
    }
    try:
        stored, created = await traces.store.add_feedback(row)
    except Exception as exc:
        raise ServiceUnavailable(
            "The feedback store is unavailable; retry later.", code="store_down"
        ) from exc
    if not created and not _same(stored, row):
        metrics.feedback.labels(result="conflict").inc()
        raise Conflict(
            f"Feedback id '{body.id}' was already used with a different body.",
            param="id",
            code="idempotency_conflict",
        )
    metrics.feedback.labels(result="created" if created else "duplicate").inc()
    if created:  # a `correct` label teaches the reward weights (server.store.learning)
        traces.labelled(stored.trace_id, stored.name, stored.value, stored.value_type)
    return JSONResponse(feedback_view(stored), status_code=201 if created else 200)
