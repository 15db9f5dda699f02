"""An app served by uvicorn on a loopback port in a thread: real HTTP for real clients.

The official ``openai`` SDK and ``httpx-sse`` speak HTTP over sockets; serving the app
in-process (instead of as a subprocess) keeps the engine object in the test's hands,
so a test can check what the engine saw and what it aborted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from server.process import free_port


@contextmanager
def live_server(app: FastAPI, *, start_timeout_s: float = 20.0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 and yield its base URL; stop the server on exit."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
