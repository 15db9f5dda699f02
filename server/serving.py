"""Serving classes: OpenAI requests -> pipeline jobs, outcomes -> OpenAI responses.

The routes stay thin; the checks that need configuration (limits, the model
name, fields not supported yet) live here and raise :mod:`server.errors`.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from rewards import content_text
from server import __version__, logprobs
from server.auth import Caller
from server.config import Settings
from server.errors import InvalidRequest, NotFound
from server.pipeline import BestOfNPipeline, GroupJob, GroupOutcome, Progress
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
from server.ratelimit import RateLimited, RateLimiter
from server.reference import checked_reference
from server.tools import chat_tools, tool_finish_reason, tool_message


def system_fingerprint(model_name: str) -> str:
    """OpenAI's ``system_fingerprint``: changes when the server version or the model does,
    so a client can tell that answers to the same seed may differ."""
    digest = hashlib.sha256(f"bon-server {__version__}\0{model_name}".encode()).hexdigest()
    return f"fp_{digest[:10]}"


def _group_size(params: dict[str, Any]) -> dict[str, int]:
    return {"best_of": params["best_of"], "max_tokens": params["max_tokens"]}


class BestOfNServing:
    """Validates requests against the configuration and runs them."""

    def __init__(
        self,
        pipeline: BestOfNPipeline,
        settings: Settings,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.settings = settings
        self.limiter = limiter or RateLimiter(settings.rate_limit_rpm, settings.rate_limit_cpm)

    def _admit(self, caller: Caller, best_of: int) -> None:
        """The caller's rate limits, checked before any CPU work on the request (operators
        are exempt). Raises RateLimited (429) or InvalidRequest (a group no minute admits)."""
        if caller.operator:
            return
        try:
            self.limiter.admit(caller.owner, best_of)
        except RateLimited as exc:
            self.pipeline.metrics.rate_limited.labels(limit=exc.limit).inc()
            raise

    def check_model(self, name: str) -> None:
        """Raises NotFound (OpenAI's ``model_not_found``) unless ``name`` is the served model."""
        if name != self.pipeline.engine.model_name:
            raise NotFound(
                f"The model '{name}' does not exist. Available: "
                f"'{self.pipeline.engine.model_name}'.",
                param="model",
                code="model_not_found",
            )

    # Validation shared by both endpoints ---------------------------------------------

    def _common(
        self, req: ChatCompletionRequest | CompletionRequest, prompt_chars: int
    ) -> dict[str, Any]:
        s = self.settings
        self.check_model(req.model)
        if req.stream_options is not None and not req.stream:
            raise InvalidRequest(
                "stream_options is only allowed with stream=true.",
                param="stream_options",
                code="invalid_value",
            )
        if isinstance(req, ChatCompletionRequest) and len(req.messages) > s.max_messages:
            raise InvalidRequest(
                f"The request has {len(req.messages)} messages; this server accepts at most "
                f"{s.max_messages}.",
                param="messages",
                code="too_many_messages",
            )
        if prompt_chars > s.max_prompt_chars:
            raise InvalidRequest(
                f"The prompt has {prompt_chars} characters; this server accepts at most "
                f"{s.max_prompt_chars}.",
                param="messages" if isinstance(req, ChatCompletionRequest) else "prompt",
                code="prompt_too_long",
            )
        reference = checked_reference(req.reference, s.reference_max_bytes)
        n = req.num_answers
        try:
            profile = self.pipeline.profiles.get(req.reward_profile)
        except KeyError as exc:
            raise InvalidRequest(
                str(exc.args[0]), param="reward_profile", code="unknown_profile"
            ) from exc
        temperature = s.default_temperature if req.temperature is None else req.temperature
        requested = req.best_of
        if requested is None and profile is not None:
            requested = profile.best_of
        # Greedy decoding makes every candidate the same: a group would cost n times
        # the tokens for one answer. Without an explicit best_of, serve one sample.
        if temperature == 0 and (req.best_of not in (None, 1) or n > 1):
            raise InvalidRequest(
                "temperature=0 makes every candidate identical; best_of and n above 1 "
                "need temperature > 0.",
                param="temperature",
                code="invalid_value",
            )
        if req.best_of_budget is not None and requested != "auto":
            raise InvalidRequest(
                'best_of_budget applies to best_of="auto" only.',
                param="best_of_budget",
                code="invalid_value",
            )
        adaptive = requested == "auto" and temperature > 0
        if adaptive:
            if req.best_of_budget is not None:
                best_of = req.best_of_budget
            else:
                best_of = max(min(s.auto_max_best_of, s.max_best_of), n)
        elif isinstance(requested, int):
            best_of = requested
        else:
            best_of = max(s.default_best_of, n)
        if temperature == 0:
            best_of = 1
        if best_of > s.max_best_of:
            if req.best_of_budget is not None:
                param = "best_of_budget"
            elif req.best_of is not None:
                param = "best_of"
            else:
                param = "reward_profile" if requested is not None else "n"
            raise InvalidRequest(
                f"A group of {best_of} candidates exceeds this server's limit of {s.max_best_of}.",
                param=param,
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
            "presence_penalty": req.presence_penalty or 0.0,
            "frequency_penalty": req.frequency_penalty or 0.0,
            "logit_bias": req.logit_bias_ids(),
            "trace_level": req.trace or s.default_trace,
            "reward_weights": req.reward_weights(),
            "adaptive": adaptive,
            "profile": profile,  # resolved here, once: the pipeline reads this object
            "deadline_s": req.deadline_s,
            "reference": reference,
        }

    def _envelope(self, outcome: GroupOutcome) -> dict[str, Any]:
        """The fields chat and text completions share (all but the choices)."""
        return {
            "id": outcome.job.request_id,
            "created": outcome.created,
            "model": self.pipeline.engine.model_name,
            "usage": Usage(**outcome.usage),
            "system_fingerprint": system_fingerprint(self.pipeline.engine.model_name),
            "trace": None if outcome.job.trace_level == "none" else outcome.trace,
        }

    # Chat ---------------------------------------------------------------------------

    async def chat(
        self,
        req: ChatCompletionRequest,
        progress: Progress | None = None,
        caller: Caller | None = None,
    ) -> ChatCompletionResponse:
        messages = [m.model_dump(exclude_none=True) for m in req.messages]
        params = self._common(req, sum(len(content_text(m.get("content"))) for m in messages))
        caller = caller or Caller()
        tools = chat_tools(req, messages)
        params["logprobs"] = logprobs.requested(req, **_group_size(params))
        self._admit(caller, params["best_of"])
        job = GroupJob(
            request_id=f"chatcmpl-{uuid.uuid4().hex}",
            owner=caller.owner,
            endpoint="chat.completions",
            messages=messages,
            response_format=req.response_format.model_dump(exclude_none=True)
            if req.response_format
            else None,
            tools=tools,
            **params,
        )
        outcome = await self.pipeline.run(job, progress)
        if outcome.selected:
            choices = [
                ChatChoice(
                    index=rank,
                    message=AssistantMessage(**tool_message(outcome.candidates[i])),
                    finish_reason=tool_finish_reason(outcome.candidates[i]),
                    logprobs=logprobs.chat_choice(outcome.candidates[i], job.logprobs),
                )
                for rank, i in enumerate(outcome.selected)
            ]
        else:
            choices = [
                ChatChoice(
                    index=0,
                    message=AssistantMessage(content=None, refusal=outcome.outcome.refusal_text),
                    finish_reason="content_filter",
                )
            ]
        return ChatCompletionResponse(choices=choices, **self._envelope(outcome))

    # Completions --------------------------------------------------------------------

    async def completion(
        self,
        req: CompletionRequest,
        progress: Progress | None = None,
        caller: Caller | None = None,
    ) -> CompletionResponse:
        params = self._common(req, len(req.prompt_text()))
        params["logprobs"] = logprobs.requested(req, **_group_size(params))
        caller = caller or Caller()
        self._admit(caller, params["best_of"])
        job = GroupJob(
            request_id=f"cmpl-{uuid.uuid4().hex}",
            owner=caller.owner,
            endpoint="completions",
            prompt=req.prompt_text(),
            **params,
        )
        outcome = await self.pipeline.run(job, progress)
        if outcome.selected:
            choices = [
                CompletionChoice(
                    index=rank,
                    text=outcome.candidates[i].text,
                    finish_reason=outcome.candidates[i].finish_reason,
                    logprobs=logprobs.completion_choice(outcome.candidates[i], job.logprobs),
                )
                for rank, i in enumerate(outcome.selected)
            ]
        else:
            choices = [CompletionChoice(index=0, text="", finish_reason="content_filter")]
        return CompletionResponse(choices=choices, **self._envelope(outcome))
