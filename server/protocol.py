"""OpenAI protocol models for the routes, with bon-server's extensions.

Request fields follow the order of OpenAI's API reference. Extensions are
marked ``# extension`` and collected in :class:`BestOfExtensions`:

* ``best_of``: group size (candidates generated); 1..64, default from config or the
  profile; ``"auto"`` samples in rounds until the answer is settled (adaptive);
* ``best_of_budget``: the most candidates ``best_of="auto"`` may generate;
* ``reward_profile``: a named reward profile from the operator's profiles file;
* ``n``: answers returned, ranked, ``n <= best_of``;
* ``rewards``: explicit reward names (list) or names with weights (object),
  overriding the context selection; gates stay on regardless;
* ``trace``: ``none`` | ``summary`` | ``full`` (``full`` adds candidate texts);
* ``deadline_s``: the client's deadline in seconds; only shortens the server's own.

Every field of OpenAI's reference is declared. Those not served accept their null,
default and no-op values and refuse the rest (:mod:`server.tolerance`); those that
never change the answer are shape-checked and ignored. Unknown request fields are
refused: a field that would be silently ignored is worse than an error. Every
refused field is named in one 400.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rewards import meta_schema_problem, schema_problem
from server.reference import Reference
from server.tolerance import (
    CHAT_UNSERVED,
    COMPLETION_UNSERVED,
    field_names,
    refuse_many_unknown,
    refuse_unless_noop,
)
from server.tools import FunctionTool, ToolChoice

TraceLevel = Literal["none", "summary", "full"]


MAX_REWARD_WEIGHT = 1e6
# Tool calls a chat request's assistant messages may carry, per message and in all: far
# above any agent's turn, and counted before validation (40,000 calls took 9-30 s to validate).
# Per message, what one Responses input can hold (its consecutive calls become one message).
MAX_TOOL_CALLS_PER_MESSAGE = 2048  # = server.responses.protocol.MAX_INPUT_ITEMS
MAX_TOOL_CALLS = 4096
# Content parts a chat request's messages may carry, per message and in all, also counted
# on the raw list: 130,000 one-letter parts (4 MB) held the event loop 2-3.5 s. A client
# sends a few parts a message; these are far above that (docs/limits.md).
MAX_CONTENT_PARTS_PER_MESSAGE = 1024
MAX_CONTENT_PARTS = 4096


def bounded_parts(name: str, contents: Iterable[Any]) -> None:
    """Refuse more content parts than the bounds, per message and in all (``contents``:
    each message's raw ``content``; a list is its parts). One len() per message, on the raw
    body: the count alone decides, before any part is validated.

    Raises:
        ValueError: naming the first message over the bound, or the total.
    """
    total = 0
    for i, content in enumerate(contents):
        count = len(content) if isinstance(content, list) else 0
        if count > MAX_CONTENT_PARTS_PER_MESSAGE:
            raise ValueError(
                f"{name}[{i}] has {count} content parts; this server accepts at most "
                f"{MAX_CONTENT_PARTS_PER_MESSAGE} per message"
            )
        total += count
    if total > MAX_CONTENT_PARTS:
        raise ValueError(
            f"{name} have {total} content parts; this server accepts at most "
            f"{MAX_CONTENT_PARTS} in a request"
        )


def _lone_surrogate_at(value: Any, path: str = "") -> str | None:
    """The path of the first string holding a lone surrogate, or None.

    JSON's \\ud800 escapes decode to lone surrogates, which cannot be encoded as UTF-8
    (tokenizers and JSON responses would fail on them).
    """
    # Every nested model checks its own part again: the clean case (nearly every request)
    # is one encode in C, not a Python walk per string (a 3 MB body took seconds).
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass  # there is one: the walk finds where
    except (TypeError, ValueError, RecursionError):
        pass  # not plain JSON data: the walk decides
    return _surrogate_walk(value, path)


def _surrogate_walk(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "body"
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            key = str(k).encode("utf-8", "backslashreplace").decode()
            found = _surrogate_walk(k, path) or _surrogate_walk(v, f"{path}.{key}" if path else key)
            if found:
                return found
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found = _surrogate_walk(v, f"{path}[{i}]")
            if found:
                return found
    return None


class _Strict(BaseModel):
    # strict: "8" is not an int and true is not 1 (ints still pass for floats).
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _valid_unicode(cls, data: Any) -> Any:
        # First, one pass over the keys: 350,000 unknown ones are one short error, not an
        # encode of the whole body and then one error per key.
        refuse_many_unknown(field_names(cls), data)
        where = _lone_surrogate_at(data)
        if where:
            raise ValueError(f"'{where}' contains a lone UTF-16 surrogate (invalid Unicode)")
        return data


class TextPart(_Strict):
    """A multi-part message's text part (the only kind a text model can take)."""

    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    """A chat message; extra keys (tool calls, names) pass through to the template."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None
    name: str | None = None


class ResponseFormat(_Strict):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _schema_present(self) -> ResponseFormat:
        if self.type == "json_schema" and not self.json_schema:
            raise ValueError("response_format of type json_schema needs a json_schema object")
        # Refused up front: a pattern RE2 cannot run, or a schema over the size/depth bounds.
        if self.json_schema and (problem := schema_problem(self.json_schema.get("schema"))):
            raise ValueError(f"response_format schema refused: {problem}")
        # Not a JSON Schema of its draft (``items: [...]`` in 2020-12, ``$id: 5``): refused
        # here, not left to crash the engine's guided decoding or the schema's ref walk.
        schema = self.json_schema.get("schema") if self.json_schema else None
        if schema is not None and (problem := meta_schema_problem(schema)):
            raise ValueError(f"response_format schema is not a valid JSON Schema: {problem}")
        return self


class BestOfExtensions(_Strict):
    """bon-server's extension fields, shared by chat and completions."""

    # extension (chat); OpenAI's own (legacy) for completions; "auto": adaptive rounds
    best_of: Annotated[int, Field(ge=1, le=64)] | Literal["auto"] | None = None
    best_of_budget: int | None = Field(None, ge=1, le=64)  # extension: best_of="auto"'s budget
    reward_profile: str | None = Field(None, min_length=1, max_length=128)  # extension
    rewards: list[str] | dict[str, float] | None = None  # extension
    trace: TraceLevel | None = None  # extension
    deadline_s: float | None = Field(None, gt=0, le=86_400)  # extension
    reference: Reference | None = None  # extension: labels candidates, never seen by rewards

    @field_validator("rewards")
    @classmethod
    def _rewards_not_empty(
        cls, v: list[str] | dict[str, float] | None
    ) -> list[str] | dict[str, float] | None:
        if v is not None and len(v) == 0:
            raise ValueError("rewards must name at least one reward (omit it for automatic)")
        if isinstance(v, dict) and any(not 0 <= w <= MAX_REWARD_WEIGHT for w in v.values()):
            raise ValueError(f"reward weights must be between 0 and {MAX_REWARD_WEIGHT:g}")
        return v

    def reward_weights(self) -> dict[str, float] | None:
        if self.rewards is None:
            return None
        if isinstance(self.rewards, list):
            return dict.fromkeys(self.rewards, 1.0)
        return dict(self.rewards)


class StreamOptions(_Strict):
    """OpenAI's ``stream_options`` (only with ``stream: true``)."""

    include_obfuscation: bool | None = None  # ignored: chunks carry no obfuscation padding
    include_usage: bool | None = None


class PredictionContent(_Strict):
    """OpenAI's predicted output: a latency hint that never changes the answer (ignored)."""

    type: Literal["content"]
    content: str | list[TextPart]


# OpenAI's metadata: at most 16 pairs, keys up to 64 characters, values up to 512.
Metadata = dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=512)]]
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
ServiceTier = Literal["auto", "default", "flex", "scale", "priority", "fast"]


class _SamplingFields(BestOfExtensions):
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    # token id (as a string, OpenAI's shape) -> bias added to its logit
    logit_bias: dict[str, Annotated[float, Field(ge=-100, le=100)]] | None = Field(
        None, max_length=300
    )
    max_tokens: int | None = Field(None, ge=1)
    n: int | None = Field(None, ge=1, le=64)
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    seed: int | None = Field(None, ge=-(2**63), le=2**64 - 1)
    stop: str | list[str] | None = Field(None, max_length=4)
    # Every request's trace is kept in the store anyway (docs/store.md): true or false
    # changes nothing a client sees.
    store: bool | None = None
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    user: str | None = None

    @property
    def num_answers(self) -> int:
        return self.n or 1

    @field_validator("logit_bias")
    @classmethod
    def _token_ids(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        for key in value or {}:
            if not (key.isascii() and key.isdigit() and len(key) <= 9):
                raise ValueError("logit_bias keys are token ids (decimal digits)")
        return value

    def logit_bias_ids(self) -> dict[int, float] | None:
        """``logit_bias`` keyed by token id (the engine checks the ids are in its vocabulary)."""
        return {int(k): v for k, v in self.logit_bias.items()} if self.logit_bias else None

    def stop_list(self) -> list[str]:
        if self.stop is None:
            return []
        return [self.stop] if isinstance(self.stop, str) else list(self.stop)


class ChatCompletionRequest(_SamplingFields):
    messages: list[ChatMessage] = Field(min_length=1)
    model: str
    audio: dict[str, Any] | None = None  # null only
    function_call: Literal["none", "auto"] | dict[str, Any] | None = None  # no call only
    functions: list[dict[str, Any]] | None = None  # empty only
    logprobs: bool | None = None  # the returned choices' (server.logprobs)
    max_completion_tokens: int | None = Field(None, ge=1)
    metadata: Metadata | None = Field(None, max_length=16)  # ignored (nothing is stored)
    modalities: list[Literal["text", "audio"]] | None = None  # ["text"] only
    moderation: dict[str, Any] | None = None  # null only
    parallel_tool_calls: bool | None = None  # false: at most one call per answer
    prediction: PredictionContent | None = None  # ignored (a latency hint)
    prompt_cache_key: str | None = None  # ignored (a caching hint)
    prompt_cache_options: dict[str, Any] | None = None  # ignored (a caching hint)
    prompt_cache_retention: Literal["in_memory", "24h"] | None = None  # ignored
    reasoning_effort: ReasoningEffort | None = None  # ignored: the model does not reason
    response_format: ResponseFormat | None = None
    safety_identifier: str | None = Field(None, max_length=512)  # ignored, like `user`
    service_tier: ServiceTier | None = None  # ignored: one tier serves every request
    tool_choice: ToolChoice | None = None  # see server.tools
    tools: list[FunctionTool] | None = Field(None, max_length=128)
    top_logprobs: int | None = Field(None, ge=0, le=20)  # alternatives per token
    verbosity: Literal["low", "medium", "high"] | None = None  # "medium" (the default) only
    web_search_options: dict[str, Any] | None = None  # null only

    @field_validator(*CHAT_UNSERVED)
    @classmethod
    def _noop_only(cls, v: Any, info: ValidationInfo) -> Any:
        return refuse_unless_noop(CHAT_UNSERVED, str(info.field_name), v)

    @field_validator("messages", mode="before")
    @classmethod
    def _bounded_tool_calls(cls, v: Any) -> Any:
        # On the raw list, before any message is validated: len() per message, not a parse
        # per call (the count of a message's calls alone decides).
        if not isinstance(v, list):
            return v
        total = 0
        for i, m in enumerate(v):
            calls = m.get("tool_calls") if isinstance(m, dict) else None
            count = len(calls) if isinstance(calls, list) else 0
            if count > MAX_TOOL_CALLS_PER_MESSAGE:
                raise ValueError(
                    f"messages[{i}] has {count} tool_calls; this server accepts at most "
                    f"{MAX_TOOL_CALLS_PER_MESSAGE} per message"
                )
            total += count
        if total > MAX_TOOL_CALLS:
            raise ValueError(
                f"messages have {total} tool_calls; this server accepts at most "
                f"{MAX_TOOL_CALLS} in a request"
            )
        content = (m.get("content") if isinstance(m, dict) else None for m in v)
        bounded_parts("messages", content)
        return v

    @field_validator("messages")
    @classmethod
    def _has_content(cls, v: list[ChatMessage]) -> list[ChatMessage]:
        if not any(m.role == "user" and m.content for m in v):
            raise ValueError("messages must contain at least one user message with content")
        return v

    def effective_max_tokens(self) -> tuple[int | None, str]:
        """The token limit and the field it came from (for error messages)."""
        if self.max_completion_tokens is not None:
            return self.max_completion_tokens, "max_completion_tokens"
        return self.max_tokens, "max_tokens"


class CompletionRequest(_SamplingFields):
    model: str
    prompt: str | list[str]
    echo: bool | None = None  # false only, for now
    logprobs: int | None = Field(None, ge=0, le=5)  # alternatives per token (server.logprobs)
    suffix: str | None = None  # empty only

    @field_validator(*COMPLETION_UNSERVED)
    @classmethod
    def _noop_only(cls, v: Any, info: ValidationInfo) -> Any:
        return refuse_unless_noop(COMPLETION_UNSERVED, str(info.field_name), v)

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

    def effective_max_tokens(self) -> tuple[int | None, str]:
        return self.max_tokens, "max_tokens"


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
    tool_calls: list[dict[str, Any]] | None = None  # OpenAI's: id, type, function


class ChatChoice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: str | None
    logprobs: dict[str, Any] | None = None  # {"content": [...]}, with logprobs=true


class ChatCompletionResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage
    system_fingerprint: str | None = None
    trace: dict[str, Any] | None = None  # extension


class CompletionChoice(BaseModel):
    index: int
    text: str
    finish_reason: str | None
    logprobs: dict[str, Any] | None = None  # tokens, token_logprobs, ..., with logprobs=k


class CompletionResponse(BaseModel):
    id: str
    object: Literal["text_completion"] = "text_completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: Usage
    system_fingerprint: str | None = None
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
