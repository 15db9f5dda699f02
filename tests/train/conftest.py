"""The trainer tests' fixtures: the embedded model's folder, one torch thread, and the
``train`` mark (registered here, so that ``-m "not train"`` deselects these tests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "train: runs TRL's trainers on the embedded model on CPU (the `train` extra)"
    )


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The embedded model's HF folder, converted once into the cache ($BON_CACHE_DIR, as
    the engine tests use it; the conversion is shared with them)."""
    from server.config import default_cache_dir
    from server.model import prepare_model

    cache = os.environ.get("BON_CACHE_DIR")
    return prepare_model(
        "smollm2-135m-instruct", Path(cache) if cache else default_cache_dir()
    ).path


@pytest.fixture
def one_thread() -> Iterator[None]:
    """One torch thread while a trainer runs, restored after: on a busy 2-core machine
    two threads spin against each other (ten times the CPU for the same two steps,
    measured), and later tests keep their own setting."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
