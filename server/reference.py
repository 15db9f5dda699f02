"""The ``reference`` extension: what the client knows the right answer to be.

A request may carry ``{"reference": {"answer": ...}}`` (or ``tests``, or ``json_schema``)
to label its candidates for evaluation and data (:mod:`server.store.records` decides
their verified outcome from it). It never reaches the rewards: the pipeline keeps it on
the job and hands it only to the store, so a reward cannot be steered, or a selection
gamed, by it. Its size is bounded (``--reference-max-bytes``).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from server.errors import InvalidRequest

__all__ = ["Reference", "checked_reference"]


class Reference(BaseModel):
    """A known answer, tests or a JSON Schema (at least one)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    answer: str | None = Field(None, min_length=1, max_length=4096)
    tests: str | None = Field(None, min_length=1)
    json_schema: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _something(self) -> Reference:
        if self.answer is None and self.tests is None and self.json_schema is None:
            raise ValueError("reference needs answer, tests or json_schema")
        return self


def checked_reference(reference: Reference | None, max_bytes: int) -> dict[str, Any] | None:
    """The reference as stored, or a 400 when it is over ``max_bytes`` of JSON."""
    if reference is None:
        return None
    data = reference.model_dump(exclude_none=True)
    size = len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    if size > max_bytes:
        raise InvalidRequest(
            f"reference is {size} bytes of JSON; this server accepts at most {max_bytes}.",
            param="reference",
            code="reference_too_large",
        )
    return data
