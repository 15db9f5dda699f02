"""The real vLLM engine on the embedded model, started once per test session.

The engine lives on an event loop of its own, in a background thread, for the whole
session; tests hand it coroutines with :meth:`EngineHarness.run`. (A session-scoped
async fixture would tie the engine to one test's event loop.)

The converted model is cached in ``$BON_CACHE_DIR`` (default: bon-server's usual
cache folder), so only the first session pays for the conversion (~40 s).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

MAX_MODEL_LEN = 1024


class EngineHarness:
    """An event loop in a background thread, and the engine started on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="vllm-engine-loop", daemon=True
        )
        self.thread.start()
        self.engine: Any = None
        self._context: Any = None

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 300.0) -> T:
        """Run ``coro`` on the engine's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self, model_path: Path, name: str, **kwargs: Any) -> None:
        from server.engines.vllm_engine import VLLMEngine

        context = VLLMEngine.start(model_path, name, **kwargs)
        self.engine = self.run(context.__aenter__(), timeout=900)
        self._context = context  # only once entered: close() exits it

    def close(self) -> None:
        try:
            if self._context is not None:
                self.run(self._context.__aexit__(None, None, None), timeout=120)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=30)
            self.loop.close()


def _cache_dir() -> Path:
    from server.config import default_cache_dir

    configured = os.environ.get("BON_CACHE_DIR")
    return Path(configured) if configured else default_cache_dir()


@pytest.fixture(scope="session")
def embedded_model() -> Any:
    """The embedded model, converted once into the cache.

    No skip when vLLM, transformers or the model's package is missing: `make test`
    installs them, so their absence is a failure (deselect with -m "not engine").
    """
    from server.model import prepare_model

    return prepare_model("smollm2-135m-instruct", _cache_dir())


@pytest.fixture(scope="session")
def harness(embedded_model: Any) -> Iterator[EngineHarness]:
    """The vLLM engine on the embedded model, started once for the session."""
    h = EngineHarness()
    try:
        h.start(embedded_model.path, embedded_model.name, max_model_len=MAX_MODEL_LEN)
        yield h
    finally:
        h.close()
