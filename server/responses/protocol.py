"""The request model of ``POST /v1/responses`` (OpenAI's Responses API), stateless.

Fields follow the order of OpenAI's reference (``openai.types.responses.
response_create_params``); bon-server's extensions come from
:class:`server.protocol.BestOfExtensions` (``best_of``, ``trace``, ...), as on chat.

What the server does not serve is refused in one 400 that lists every such field
(the same ``unsupported_parameter`` errors as chat, :mod:`server.tolerance`), while
null, default and no-op values pass: ``background: false``, ``truncation: "disabled"``,
``include: []``, ``tools: []``, ``prompt: null``. Built-in tools (``web_search``,
``file_search``, ``computer``, ``mcp``, ...) are refused: only function tools run here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from server.protocol import (
    BestOfExtensions,
    Metadata,
    ReasoningEffort,
    ServiceTier,
    _Strict,
    bounded_parts,
)
from server.tolerance import UNSUPPORTED, Unserved, refuse_unless_noop

# The ``include`` values that ask for something this server returns or has no use for.
LOGPROBS_INCLUDE = "message.output_text.logprobs"
# Most ``input`` items in one request: twice the default --max-messages, since calls made in
# one turn are items of their own but ride on one chat message. Checked on the raw list
# before any item is validated: 40,000 items (3.3 MB, under the body limit) otherwise
# held the event loop while they were parsed and converted (docs/attacks-tools-responses.md).
MAX_INPUT_ITEMS = 2048


def _parts_of(item: Any) -> Any:
    # A message's parts are its content; a function call's output may be a list of parts.
    if not isinstance(item, dict):
        return None
    return item.get("output") if item.get("type") == "function_call_output" else item.get("content")


def _null(value: Any) -> bool:
    return value is None


def _falsy(value: Any) -> bool:
    return not value


RESPONSES_UNSERVED: dict[str, Unserved] = {
    "background": Unserved(_falsy, "false", "background responses are not served"),
    "context_management": Unserved(_falsy, "[] or null", "context management is not served"),
    "conversation": Unserved(_null, "null", "conversations are not served (send the input)"),
    "max_tool_calls": Unserved(_null, "null", "max_tool_calls is not served"),
    "moderation": Unserved(_null, "null", "moderated responses are not served"),
    "prompt": Unserved(_null, "null", "stored prompt templates are not served"),
    "truncation": Unserved(
        lambda v: v in (None, "disabled"),
        '"disabled"',
        "input truncation is not served (an input too long is a 400)",
    ),
}


# Input items --------------------------------------------------------------------


class InputText(_Strict):
    type: Literal["input_text"]
    text: str


class OutputText(BaseModel):
    """An assistant's text part, as a client sends back an earlier output (echoed fields
    such as ``annotations`` and ``logprobs`` are accepted and have no effect)."""

    model_config = ConfigDict(extra="ignore", strict=True)

    type: Literal["output_text"]
    text: str


class RefusalPart(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    type: Literal["refusal"]
    refusal: str


def _part_kind(value: Any) -> str | None:
    return str(value.get("type")) if isinstance(value, dict) else getattr(value, "type", None)


_TEXT_ONLY = Discriminator(
    _part_kind,
    custom_error_type=UNSUPPORTED,
    custom_error_message="only text parts are served (no images, files or audio)",
)
_IN = Annotated[InputText, Tag("input_text")]
_OUT = Annotated[OutputText, Tag("output_text")]
ContentPart = Annotated[_IN | _OUT | Annotated[RefusalPart, Tag("refusal")], _TEXT_ONLY]
OutputPart = Annotated[_IN | _OUT, _TEXT_ONLY]


def _str_or_list(value: Any) -> str:
    # The one union branch that applies: no "should be a valid string" for a list given.
    return "str" if isinstance(value, str) else "list"


_STR = Annotated[str, Tag("str")]
Content = Annotated[_STR | Annotated[list[ContentPart], Tag("list")], Discriminator(_str_or_list)]
Output = Annotated[_STR | Annotated[list[OutputPart], Tag("list")], Discriminator(_str_or_list)]


class MessageItem(_Strict):
    """A message (``type`` may be left out, as OpenAI's easy input messages do)."""

    type: Literal["message"] | None = None
    role: Literal["user", "assistant", "system", "developer"]
    content: Content
    id: str | None = None  # echoed from an earlier output; no effect
    status: str | None = None  # likewise
    phase: str | None = None  # likewise


class FunctionCallItem(_Strict):
    """A call the model made earlier (sent back so the loop can continue)."""

    type: Literal["function_call"]
    call_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    arguments: str
    id: str | None = None
    status: str | None = None


class FunctionCallOutputItem(_Strict):
    """The client's result of running a call."""

    type: Literal["function_call_output"]
    call_id: str = Field(min_length=1)
    output: Output
    id: str | None = None
    status: str | None = None


def _item_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return str(value.get("type") or "message")
    return getattr(value, "type", None) or "message"


InputItem = Annotated[
    Annotated[MessageItem, Tag("message")]
    | Annotated[FunctionCallItem, Tag("function_call")]
    | Annotated[FunctionCallOutputItem, Tag("function_call_output")],
    Discriminator(
        _item_kind,
        custom_error_type=UNSUPPORTED,
        custom_error_message=(
            "only message, function_call and function_call_output items are served"
        ),
    ),
]


# Text format and tools ---------------------------------------------------------------


class FormatText(_Strict):
    type: Literal["text"]


class FormatJSONObject(_Strict):
    type: Literal["json_object"]


class FormatJSONSchema(_Strict):
    type: Literal["json_schema"]
    name: str = Field(min_length=1, max_length=64)
    schema_: dict[str, Any] = Field(alias="schema")
    description: str | None = None
    strict: bool | None = None


class TextConfig(_Strict):
    format: (
        Annotated[FormatText | FormatJSONObject | FormatJSONSchema, Field(discriminator="type")]
        | None
    ) = None
    verbosity: Literal["low", "medium", "high"] | None = None


class FunctionTool(_Strict):
    """A function tool in the Responses shape (flat, not chat's ``{"function": {...}}``)."""

    type: Literal["function"]
    name: str = Field(min_length=1, max_length=64)
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class FunctionChoice(_Strict):
    type: Literal["function"]
    name: str = Field(min_length=1)


class Reasoning(_Strict):
    """Accepted and ignored: the served model does not reason."""

    effort: ReasoningEffort | None = None
    summary: Literal["auto", "concise", "detailed"] | None = None
    generate_summary: Literal["auto", "concise", "detailed"] | None = None


class ResponsesStreamOptions(_Strict):
    include_obfuscation: bool | None = None  # ignored: events carry no obfuscation padding


class ResponsesRequest(BestOfExtensions):
    background: bool | None = None
    context_management: list[dict[str, Any]] | None = None
    conversation: str | dict[str, Any] | None = None
    include: list[str] | None = None  # LOGPROBS_INCLUDE is served; the rest concern tools
    input: Annotated[_STR | Annotated[list[InputItem], Tag("list")], Discriminator(_str_or_list)]
    instructions: str | None = None
    max_output_tokens: int | None = Field(None, ge=1)
    max_tool_calls: int | None = Field(None, ge=1)
    metadata: Metadata | None = Field(None, max_length=16)  # echoed, never acted on
    model: str
    moderation: dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    previous_response_id: str | None = Field(None, min_length=1)
    prompt: dict[str, Any] | None = None
    prompt_cache_key: str | None = None  # ignored (a caching hint)
    prompt_cache_options: dict[str, Any] | None = None  # ignored (a caching hint)
    prompt_cache_retention: Literal["in_memory", "24h"] | None = None  # ignored
    reasoning: Reasoning | None = None  # ignored: the model does not reason
    safety_identifier: str | None = Field(None, max_length=512)  # ignored
    service_tier: ServiceTier | None = None  # ignored: one tier serves every request
    store: bool | None = None  # default true, as OpenAI: kept for GET /v1/responses/{id}
    stream: bool | None = None
    stream_options: ResponsesStreamOptions | None = None
    temperature: float | None = Field(None, ge=0, le=2)
    text: TextConfig | None = None
    tool_choice: Literal["none", "auto", "required"] | FunctionChoice | None = None
    tools: list[FunctionTool] | None = None
    top_logprobs: int | None = Field(None, ge=0, le=20)
    top_p: float | None = Field(None, gt=0, le=1)
    truncation: Literal["auto", "disabled"] | None = None
    user: str | None = None  # ignored

    @field_validator(*RESPONSES_UNSERVED)
    @classmethod
    def _noop_only(cls, v: Any, info: ValidationInfo) -> Any:
        return refuse_unless_noop(RESPONSES_UNSERVED, str(info.field_name), v)

    @field_validator("input", mode="before")
    @classmethod
    def _at_most_max_items(cls, v: Any) -> Any:
        # Before the items are validated: the count alone decides, so a huge list costs
        # one len() on the event loop, not one parse per item.
        if isinstance(v, list) and len(v) > MAX_INPUT_ITEMS:
            raise ValueError(
                f"input has {len(v)} items; this server accepts at most {MAX_INPUT_ITEMS}"
            )
        if isinstance(v, list):  # and the parts of each message or call output, as chat's
            bounded_parts("input", (_parts_of(item) for item in v))
        return v

    @field_validator("input")
    @classmethod
    def _not_empty(cls, v: str | list[Any]) -> str | list[Any]:
        if not v:
            raise ValueError("input must not be empty")
        return v

    @field_validator("tools", mode="before")
    @classmethod
    def _function_tools_only(cls, v: Any) -> Any:
        if not isinstance(v, list):
            return v
        builtin = [
            f"{t.get('type')!s} (tools[{i}])"
            for i, t in enumerate(v)
            if isinstance(t, dict) and t.get("type") != "function"
        ]
        if builtin:
            raise PydanticCustomError(
                UNSUPPORTED,
                "built-in tools are not served, only function tools: {found}",
                {"found": ", ".join(builtin)},
            )
        return v

    @field_validator("tool_choice", mode="before")
    @classmethod
    def _function_choice_only(cls, v: Any) -> Any:
        if isinstance(v, dict) and v.get("type") != "function":
            raise PydanticCustomError(
                UNSUPPORTED,
                "only none, auto, required or a function are served, not {kind}",
                {"kind": repr(v.get("type"))},
            )
        return v

    def wants_logprobs(self) -> bool:
        return LOGPROBS_INCLUDE in (self.include or []) or bool(self.top_logprobs)
