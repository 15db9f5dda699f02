"""Serving classes: OpenAI requests -> pipeline jobs, outcomes -> OpenAI responses.

The routes stay thin; the checks that need configuration (limits, the model
name, fields not supported yet) live here and raise :mod:`server.errors`.
"""

from __future__ import annotations

import uuid
from typing import Any

from rewards.types import content_text
from server.config import Settings
from server.errors import InvalidRequest, NotFound
from server.pipeline import BestOfNPipeline, GroupJob, GroupOutcome
from server.protocol import (
    AssistantMessage,
    ChatChoice,
    ChatCompletionRequest,
    ChatCompletionResponse,
    CompletionChoice,
    CompletionRequest,
    CompletionResponse,
    Usage,
)

REFUSAL_TEXT = "I can't provide that response: every candidate answer was blocked by a safety gate."


class BestOfNServing:
    """Validates requests against the configuration and runs them."""

    def __init__(self, pipeline: BestOfNPipeline, settings: Settings) -> None:
        self.pipeline = pipeline
        self.settings = settings

    # Validation shared by both endpoints ---------------------------------------------

    def _common(
        self, req: ChatCompletionRequest | CompletionRequest, prompt_chars: int
    ) -> dict[str, Any]:
        s = self.settings
        if req.model != self.pipeline.engine.model_name:
            raise NotFound(
                f"The model '{req.model}' does not exist. Available: "
                f"'{self.pipeline.engine.model_name}'.",
                param="model",
                code="model_not_found",
            )
        if req.stream:
            raise InvalidRequest(
                "stream=true is not supported yet: the best answer is known only after the "
                "whole group is scored.",
                param="stream",
                code="unsupported_parameter",
            )
        if prompt_chars > s.max_prompt_chars:
            raise InvalidRequest(
                f"The prompt has {prompt_chars} characters; this server accepts at most "
                f"{s.max_prompt_chars}.",
                param="messages" if isinstance(req, ChatCompletionRequest) else "prompt",
                code="prompt_too_long",
            )
        n = req.num_answers
        temperature = s.default_temperature if req.temperature is None else req.temperature
        # Greedy decoding makes every candidate the same: a group would cost n times
        # the tokens for one answer. Without an explicit best_of, serve one sample.
        if temperature == 0 and ((req.best_of or 1) > 1 or n > 1):
            raise InvalidRequest(
                "temperature=0 makes every candidate identical; best_of and n above 1 "
                "need temperature > 0.",
                param="temperature",
                code="invalid_value",
            )
        best_of = req.best_of if req.best_of is not None else max(s.default_best_of, n)
        if temperature == 0:
            best_of = 1
        if best_of > s.max_best_of:
            raise InvalidRequest(
                f"best_of={best_of} exceeds this server's limit of {s.max_best_of}.",
                param="best_of" if req.best_of is not None else "n",
                code="invalid_value",
            )
        if n > best_of:
            raise InvalidRequest(
                f"n={n} must not exceed best_of={best_of}: n answers are chosen from the "
                "group of best_of candidates.",
                param="n",
                code="invalid_value",
            )
        max_tokens, tokens_field = req.effective_max_tokens()
        tokens = max_tokens if max_tokens is not None else s.default_max_tokens
        if tokens > s.max_tokens_limit:
            raise InvalidRequest(
                f"{tokens_field}={tokens} exceeds this server's limit of {s.max_tokens_limit}.",
                param=tokens_field,
                code="invalid_value",
            )
        return {
            "best_of": best_of,
            "n": n,
            "max_tokens": tokens,
            "temperature": temperature,
            "top_p": 1.0 if req.top_p is None else req.top_p,
            "stop": req.stop_list(),
            "seed": req.seed,
            "trace_level": req.trace or s.default_trace,
            "reward_weights": req.reward_weights(),
        }

    def _envelope(self, outcome: GroupOutcome) -> dict[str, Any]:
        """The fields chat and text completions share (all but the choices)."""
        return {
            "id": outcome.job.request_id,
            "created": outcome.created,
            "model": self.pipeline.engine.model_name,
            "usage": Usage(**outcome.usage),
            "trace": None if outcome.job.trace_level == "none" else outcome.trace,
        }

    # Chat ---------------------------------------------------------------------------

    async def chat(self, req: ChatCompletionRequest) -> ChatCompletionResponse:
        if req.logprobs:
            raise InvalidRequest(
                "logprobs are not supported yet.", param="logprobs", code="unsupported_parameter"
            )
        messages = [m.model_dump(exclude_none=True) for m in req.messages]
        params = self._common(req, sum(len(content_text(m.get("content"))) for m in messages))
        job = GroupJob(
            request_id=f"chatcmpl-{uuid.uuid4().hex}",
            endpoint="chat.completions",
            messages=messages,
            response_format=req.response_format.model_dump(exclude_none=True)
            if req.response_format
            else None,
            **params,
        )
        outcome = await self.pipeline.run(job)
        if outcome.selected:
            choices = [
                ChatChoice(
                    index=rank,
                    message=AssistantMessage(content=outcome.candidates[i].text),
                    finish_reason=outcome.candidates[i].finish_reason,
                )
                for rank, i in enumerate(outcome.selected)
            ]
        else:
            choices = [
                ChatChoice(
                    index=0,
                    message=AssistantMessage(content=None, refusal=REFUSAL_TEXT),
                    finish_reason="content_filter",
                )
            ]
        return ChatCompletionResponse(choices=choices, **self._envelope(outcome))

    # Completions --------------------------------------------------------------------

    async def completion(self, req: CompletionRequest) -> CompletionResponse:
        for field, bad in (
            ("echo", bool(req.echo)),
            ("logprobs", req.logprobs is not None),
            ("suffix", req.suffix is not None),
        ):
            if bad:
                raise InvalidRequest(
                    f"{field} is not supported yet.", param=field, code="unsupported_parameter"
                )
        params = self._common(req, len(req.prompt_text()))
        job = GroupJob(
            request_id=f"cmpl-{uuid.uuid4().hex}",
            endpoint="completions",
            prompt=req.prompt_text(),
            **params,
        )
        outcome = await self.pipeline.run(job)
        if outcome.selected:
            choices = [
                CompletionChoice(
                    index=rank,
                    text=outcome.candidates[i].text,
                    finish_reason=outcome.candidates[i].finish_reason,
                )
                for rank, i in enumerate(outcome.selected)
            ]
        else:
            choices = [CompletionChoice(index=0, text="", finish_reason="content_filter")]
        return CompletionResponse(choices=choices, **self._envelope(outcome))
