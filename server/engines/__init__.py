"""Engines: the vLLM engine (in-process), and a scripted engine for tests."""

from server.engines.base import (
    Engine,
    EngineError,
    EngineInputError,
    EngineUnavailable,
    Generation,
    GenerationRequest,
)

__all__ = [
    "Engine",
    "EngineError",
    "EngineInputError",
    "EngineUnavailable",
    "Generation",
    "GenerationRequest",
]
