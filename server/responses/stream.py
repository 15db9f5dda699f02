"""The Responses stream: OpenAI's named SSE events, each with a ``sequence_number``.

As on chat (:mod:`server.streaming`), the answer is known only once the group is
scored, so the stream opens with ``response.created`` and ``response.in_progress`` as
soon as the group is admitted, carries ``: progress`` comments while it is generated
and scored, then replays the chosen output in OpenAI's order::

    response.output_item.added         (a message, then each function_call)
    response.content_part.added
    response.output_text.delta ...     (or response.refusal.delta)
    response.output_text.done
    response.content_part.done
    response.output_item.done
    response.function_call_arguments.delta / .done   (for a function_call item)
    response.completed                 (response.incomplete when cut short or refused)

A failure after the stream began is ``response.failed`` (the Response with its
``error``), as OpenAI sends it; there is no ``[DONE]`` in this protocol.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from server.logprobs import split_by_pieces
from server.streaming import coalesced_pieces


def sse_event(kind: str, payload: dict[str, Any]) -> str:
    data = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    return f"event: {kind}\ndata: {data}\n\n"


class ResponseEvents:
    """Renders one Response as its event sequence (built lazily, one event at a time)."""

    def __init__(self, skeleton: dict[str, Any]) -> None:
        self.skeleton = skeleton
        self._seq = itertools.count()

    def _event(self, kind: str, **fields: Any) -> str:
        return sse_event(kind, {"type": kind, "sequence_number": next(self._seq), **fields})

    def opening(self) -> Iterator[str]:
        yield self._event("response.created", response=self.skeleton)
        yield self._event("response.in_progress", response=self.skeleton)

    def body(self, response: dict[str, Any]) -> Iterator[str]:
        for index, item in enumerate(response["output"]):
            if item["type"] == "message":
                yield from self._message(index, item)
            elif item["type"] == "function_call":
                yield from self._call(index, item)
        final = "response.completed" if response["status"] == "completed" else "response.incomplete"
        yield self._event(final, response=response)

    def failure(self, body: dict[str, Any]) -> Iterator[str]:
        error = body.get("error") or {}
        failed = {
            **self.skeleton,
            "status": "failed",
            "error": {
                "code": error.get("code") or error.get("type"),
                "message": error.get("message"),
            },
        }
        yield self._event("response.failed", response=failed)

    def _message(self, index: int, item: dict[str, Any]) -> Iterator[str]:
        ids = {"item_id": item["id"], "output_index": index}
        yield self._event(
            "response.output_item.added",
            output_index=index,
            item={**item, "status": "in_progress", "content": []},
        )
        for c, part in enumerate(item["content"]):
            where = {**ids, "content_index": c}
            if part["type"] == "refusal":
                empty: dict[str, Any] = {"type": "refusal", "refusal": ""}
                yield self._event("response.content_part.added", **where, part=empty)
                for piece in coalesced_pieces(part["refusal"]):
                    yield self._event("response.refusal.delta", **where, delta=piece)
                yield self._event("response.refusal.done", **where, refusal=part["refusal"])
            else:
                logprobs = part.get("logprobs")
                empty = {"type": "output_text", "text": "", "annotations": []}
                if logprobs is not None:
                    empty["logprobs"] = []
                yield self._event("response.content_part.added", **where, part=empty)
                pieces = list(coalesced_pieces(part["text"]))
                shares = split_by_pieces(pieces, logprobs or [], lambda e: len(e["token"]))
                for piece, share in zip(pieces, shares, strict=True):
                    yield self._event(
                        "response.output_text.delta", **where, delta=piece, logprobs=share
                    )
                yield self._event(
                    "response.output_text.done", **where, text=part["text"], logprobs=logprobs or []
                )
            yield self._event("response.content_part.done", **where, part=part)
        yield self._event("response.output_item.done", output_index=index, item=item)

    def _call(self, index: int, item: dict[str, Any]) -> Iterator[str]:
        ids = {"item_id": item["id"], "output_index": index}
        yield self._event(
            "response.output_item.added",
            output_index=index,
            item={**item, "arguments": "", "status": "in_progress"},
        )
        for piece in coalesced_pieces(item["arguments"]):
            yield self._event("response.function_call_arguments.delta", **ids, delta=piece)
        yield self._event(
            "response.function_call_arguments.done",
            **ids,
            name=item["name"],
            arguments=item["arguments"],
        )
        yield self._event("response.output_item.done", output_index=index, item=item)
