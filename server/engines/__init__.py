"""Engines: the vLLM engine (in-process), an upstream OpenAI-compatible server, and a
scripted engine for tests."""

from server.engines.base import (
    Engine,
    EngineError,
    EngineInputError,
    EngineUnavailable,
    Generation,
    GenerationRequest,
    UpstreamError,
    UpstreamTimeout,
)

__all__ = [
    "Engine",
    "EngineError",
    "EngineInputError",
    "EngineUnavailable",
    "Generation",
    "GenerationRequest",
    "UpstreamError",
    "UpstreamTimeout",
]
