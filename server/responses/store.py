"""Responses kept for ``GET /v1/responses/{id}`` and ``previous_response_id``.

OpenAI stores a response unless the request says ``store: false``, and the clients
rely on that default (openai-agents and LangChain leave ``store`` out), so the server
keeps one too: in memory, bounded like the trace store (``--trace-store-size``, oldest
evicted first), owner-only (another key's response reads as missing, an operator key's too: a
stored Response is the tenant's conversation, which an operator may not read, continue
or delete; operators read traces, which say why an answer won).
Each entry holds the Response and the conversation that led to it, as chat messages,
so a follow-up naming it as ``previous_response_id`` continues where it ended.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from server.auth import Caller


@dataclass(frozen=True)
class Stored:
    owner: str
    response: dict[str, Any]
    history: list[dict[str, Any]]  # the chat messages up to and including the output


class ResponseStore:
    """A bounded, thread-safe, owner-scoped map of response id to :class:`Stored`."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, Stored] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, stored: Stored) -> None:
        if self.capacity <= 0:
            return
        key = stored.response["id"]
        with self._lock:
            self._items[key] = stored
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def read(self, response_id: str, caller: Caller) -> Stored | None:
        """The entry if it is ``caller``'s own; None when missing or someone else's."""
        with self._lock:
            stored = self._items.get(response_id)
        if stored is None or stored.owner != caller.owner:
            return None
        return stored

    def delete(self, response_id: str, caller: Caller) -> bool:
        with self._lock:
            stored = self._items.get(response_id)
            if stored is None or stored.owner != caller.owner:
                return False
            del self._items[response_id]
            return True

    def __len__(self) -> int:
        return len(self._items)
