"""The engine interface: generate one group of candidates for one prompt.

Error tree::

    EngineError                 the engine failed (maps to 503)
    ├── EngineUnavailable       the engine is down or not started
    ├── UpstreamError           the upstream server failed or is unreachable (502)
    └── UpstreamTimeout         the upstream server did not answer in time (504)

Routes never import an engine: the app factory receives one (``app.state.engine``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from rewards import Candidate


class EngineError(RuntimeError):
    """The engine failed while generating; the request gets a 503."""


class EngineUnavailable(EngineError):
    """The engine is not running (dead or not yet started)."""


class UpstreamError(EngineError):
    """The upstream OpenAI-compatible server failed or could not be reached."""


class UpstreamTimeout(EngineError):
    """The upstream OpenAI-compatible server did not answer in time."""


class EngineInputError(ValueError):
    """The engine refused the request's input (e.g. prompt longer than the context).

    ``param`` names the request field at fault, when there is one.
    """

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class GenerationRequest:
    """One group: ``n`` samples of the same prompt, generated as one engine request.

    Exactly one of ``prompt`` (completions) and ``messages`` (chat) is set; an engine
    applies its own chat template to ``messages``.
    """

    request_id: str
    n: int
    max_tokens: int
    prompt: str | None = None
    messages: list[dict[str, Any]] | None = None
    temperature: float = 1.0
    top_p: float = 1.0
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    logit_bias: dict[int, float] | None = None  # token id -> bias added to its logit
    # Per-token log-probabilities with this many alternatives on every candidate
    # (Candidate.logprobs); None: only their sum (cumulative_logprob).
    logprobs: int | None = None
    # Tool calls (server.tools): the tools the template renders, the choice and
    # parallel_tool_calls as the client sent them (an upstream is given them), and the
    # JSON Schema that forces a call (required/named) for an engine with guided decoding.
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    guided_json: dict[str, Any] | None = None
    skip_special_tokens: bool = True  # False: the tool parser reads special tokens


@dataclass(frozen=True)
class Generation:
    """The engine's answer: the group, in the order the engine produced it."""

    candidates: list[Candidate]
    prompt_tokens: int
    prompt_text: str | None = None  # the prompt as the engine saw it (after the template)
    guided: bool = False  # the engine generated under the request's guided_json


@runtime_checkable
class Engine(Protocol):
    """What the pipeline needs from an engine."""

    model_name: str
    max_model_len: int | None

    async def generate(self, request: GenerationRequest) -> Generation:
        """Generate ``request.n`` candidates. Cancelling the awaiting task must abort
        the engine-side request (so a client that goes away stops the generation)."""
        ...

    async def check_health(self) -> None:
        """Raise :class:`EngineUnavailable` when the engine cannot serve."""
        ...

    def num_unfinished_requests(self) -> int:
        """Engine requests accepted and not yet finished or aborted."""
        ...
