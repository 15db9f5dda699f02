"""Shared fixtures: an app on the scripted engine, and an anyio backend."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.config import Settings
from server.engines.scripted import ScriptedEngine

MODEL = "scripted-model"

# A group in which three of four candidates agree on 42; one leaks a card number.
MATH_SCRIPT: dict[str, Any] = {
    "rules": [
        {
            "match": "apples",
            "candidates": [
                {"text": "12 * 3 = 36, 36 + 6 = 42. The answer is \\boxed{42}.", "logprob": -0.4},
                {"text": "12 * 3 = 36, 36 + 5 = 41. The answer is \\boxed{41}.", "logprob": -0.2},
                {"text": "First 12 * 3 = 36, then 36 + 6 = 42. \\boxed{42}", "logprob": -0.5},
                {"text": "The answer is \\boxed{42}.", "logprob": -0.3},
            ],
        },
        {
            "match": "card",
            "candidates": [
                {"text": "Use card 4111 1111 1111 1111 to pay.", "logprob": -0.1},
                {"text": "I can't share card numbers, but billing can help.", "logprob": -0.9},
            ],
        },
        {
            "match": "all leak",
            "candidates": [
                {"text": "Write to alice.smith@northwind-mail.com for the key.", "logprob": -0.1},
                {"text": "The key is AKIA2E0A8F3B244C9986, enjoy.", "logprob": -0.2},
            ],
        },
        {"match": "explode", "error": "simulated engine failure"},
        {
            "candidates": [
                {"text": "Paris is the capital of France.", "logprob": -0.3},
                {"text": "Paris. Paris. Paris. Paris. Paris. Paris. Paris.", "logprob": -0.1},
                {"text": "The capital of France is Paris, on the Seine.", "logprob": -0.6},
            ],
        },
    ]
}


def make_engine(script: dict[str, Any] | None = None, delay_s: float = 0.0) -> ScriptedEngine:
    data = dict(script or MATH_SCRIPT)
    data["delay_s"] = delay_s
    return ScriptedEngine.from_dict(data, model_name=MODEL)


def make_settings(**overrides: Any) -> Settings:
    # Each app its own in-memory store, unless a test names one (tests/server/test_store*.py).
    overrides.setdefault("database_url", "sqlite+aiosqlite://")
    return Settings(engine="vllm", model=MODEL, **overrides)


@pytest.fixture
def engine() -> ScriptedEngine:
    return make_engine()


@pytest.fixture
def client(engine: ScriptedEngine) -> Iterator[TestClient]:
    app = create_app(make_settings(), engine=engine)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    """`bon-server serve` (server.cli.main) puts a handler on the stderr of the moment,
    which pytest closes after the test; a later log line from a server thread would hit
    the closed stream. Put the root logger back as it was after every test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, str]]:
    """A TCP listener on 127.0.0.1 that never answers; a connection waits in its backlog."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.setblocking(False)
    yield srv, f"http://127.0.0.1:{srv.getsockname()[1]}"
    srv.close()
