"""OpenAI protocol models for the routes, with bon-server's extensions.

Request fields follow the order of OpenAI's API reference. Extensions are
marked ``# extension`` and collected in :class:`BestOfExtensions`:

* ``best_of``: group size (candidates generated); 1..64, default from config;
* ``n``: answers returned, ranked, ``n <= best_of``;
* ``rewards``: explicit reward names (list) or names with weights (object),
  overriding the context selection; gates stay on regardless;
* ``trace``: ``none`` | ``summary`` | ``full`` (``full`` adds candidate texts).

Unknown request fields are refused with a 400 naming the field: a field that
would be silently ignored is worse than an error.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TraceLevel = Literal["none", "summary", "full"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChatMessage(BaseModel):
    """A chat message; extra keys (tool calls, names) pass through to the template."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None


class ResponseFormat(_Strict):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _schema_present(self) -> ResponseFormat:
        if self.type == "json_schema" and not self.json_schema:
            raise ValueError("response_format of type json_schema needs a json_schema object")
        return self


class BestOfExtensions(_Strict):
    """bon-server's extension fields, shared by chat and completions."""

    best_of: int | None = Field(None, ge=1, le=64)  # extension (chat); OpenAI's own (legacy)
    rewards: list[str] | dict[str, float] | None = None  # extension
    trace: TraceLevel | None = None  # extension

    @field_validator("rewards")
    @classmethod
    def _rewards_not_empty(
        cls, v: list[str] | dict[str, float] | None
    ) -> list[str] | dict[str, float] | None:
        if v is not None and len(v) == 0:
            raise ValueError("rewards must name at least one reward (omit it for automatic)")
        if isinstance(v, dict) and any(w < 0 for w in v.values()):
            raise ValueError("reward weights must be >= 0")
        return v

    def reward_weights(self) -> dict[str, float] | None:
        if self.rewards is None:
            return None
        if isinstance(self.rewards, list):
            return dict.fromkeys(self.rewards, 1.0)
        return dict(self.rewards)


class _SamplingFields(BestOfExtensions):
    max_tokens: int | None = Field(None, ge=1)
    n: int = Field(1, ge=1, le=64)
    seed: int | None = None
    stop: str | list[str] | None = None
    stream: bool = False
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    user: str | None = None

    def stop_list(self) -> list[str]:
        if self.stop is None:
            return []
        return [self.stop] if isinstance(self.stop, str) else list(self.stop)


class ChatCompletionRequest(_SamplingFields):
    messages: list[ChatMessage] = Field(min_length=1)
    model: str
    logprobs: bool = False
    max_completion_tokens: int | None = Field(None, ge=1)
    response_format: ResponseFormat | None = None

    @field_validator("messages")
    @classmethod
    def _has_content(cls, v: list[ChatMessage]) -> list[ChatMessage]:
        if not any(m.role == "user" and m.content for m in v):
            raise ValueError("messages must contain at least one user message with content")
        return v

    def effective_max_tokens(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens


class CompletionRequest(_SamplingFields):
    model: str
    prompt: str | list[str]
    echo: bool = False
    logprobs: int | None = None
    suffix: str | None = None

    @field_validator("prompt")
    @classmethod
    def _one_prompt(cls, v: str | list[str]) -> str | list[str]:
        if isinstance(v, list) and len(v) != 1:
            raise ValueError("exactly one prompt per request is supported")
        text = v if isinstance(v, str) else v[0]
        if not text:
            raise ValueError("prompt must not be empty")
        return v

    def prompt_text(self) -> str:
        return self.prompt if isinstance(self.prompt, str) else self.prompt[0]

    def effective_max_tokens(self) -> int | None:
        return self.max_tokens


# Responses -------------------------------------------------------------------


class Usage(BaseModel):
    """``completion_tokens`` counts every generated candidate: that is what the group cost."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str | None
    refusal: str | None = None


class ChatChoice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: str | None
    logprobs: None = None


class ChatCompletionResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage
    trace: dict[str, Any] | None = None  # extension


class CompletionChoice(BaseModel):
    index: int
    text: str
    finish_reason: str | None
    logprobs: None = None


class CompletionResponse(BaseModel):
    id: str
    object: Literal["text_completion"] = "text_completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: Usage
    trace: dict[str, Any] | None = None  # extension


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "bon-server"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail
