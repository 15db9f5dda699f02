"""The store writer always stops, even when the database driver swallows a cancellation.

Seen in the suite (SQLite store, apps stopped right after they started): the writer's
cancellation was lost while it was in the database layer (on Python 3.11 ``wait_for``
also drops a cancellation that arrives as its inner call finishes), the task went on to
wait on its queue, and ``await task`` in stop() hung the app's shutdown (a TestClient's
exit, a server's SIGTERM) for ever. Here the store loses the cancellation on purpose.
"""

from __future__ import annotations

import asyncio
from typing import Any

from server.store.writer import Retention, StoreWriter


class SwallowingStore:
    """A store whose start (the migration) loses the cancellation that reaches it."""

    def __init__(self) -> None:
        self.starting = asyncio.Event()
        self.swallowed = 0

    async def start(self) -> None:
        self.starting.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.swallowed += 1  # lost here: the writer carries on to its queue

    async def prune(self, **_: Any) -> int:  # pragma: no cover - retention is off
        return 0

    async def save(self, record: Any) -> None:  # pragma: no cover - nothing is written
        raise AssertionError("nothing was submitted")


def test_stop_ends_the_writer_although_the_driver_swallowed_the_cancel() -> None:
    async def scenario() -> tuple[int, bool]:
        store = SwallowingStore()
        writer = StoreWriter(
            store,  # type: ignore[arg-type]
            queue_size=4,
            write_timeout_s=3600.0,
            retention=Retention(),
        )
        await writer.start(wait_s=0.0)
        await store.starting.wait()  # the writer is inside the store now
        task = writer._task
        assert task is not None
        # Bounded generously, and without cancelling stop() (that would cancel the writer
        # a second time and hide the bug): a regression fails here instead of hanging.
        stopping = asyncio.ensure_future(writer.stop(drain_s=0.0))
        done, _ = await asyncio.wait({stopping}, timeout=60)
        stopped = stopping in done
        if not stopped:
            task.cancel()  # let the loop end
            await asyncio.wait({stopping}, timeout=60)
        return store.swallowed, stopped and task.done()

    swallowed, done = asyncio.run(scenario())
    assert swallowed == 1  # the first cancellation was lost, as in the driver
    assert done  # and the writer still ended
