"""Tool calls on the chat path: the request's tools, how they reach the engine, and back.

What is decided here, once per request:

* the protocol models of OpenAI's ``tools`` and ``tool_choice`` (shape checks, so a bad
  tool is a 400 that names it, never a 500);
* :class:`ToolSpec`, what the pipeline carries for a group: the declared tools, the
  choice, ``parallel_tool_calls``;
* :func:`template_messages`: OpenAI messages as chat templates expect them (an
  assistant turn's call arguments as objects, which the templates ``tojson``);
* the bundled hermes-format template for the embedded model (:func:`chat_template_for`).

``tool_choice`` semantics (see docs/tools.md):

* ``none``: the tools are not rendered and no call is parsed;
* ``auto`` (the default with tools): the candidates are parsed with the configured
  vLLM tool parser (:mod:`server.tool_parsing`);
* ``required`` / a named function: generation is constrained to a JSON Schema built
  from the tools, as vLLM builds it (an engine without guided decoding parses the
  text as for ``auto``);
* ``parallel_tool_calls: false``: at most one call per candidate.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rewards import Candidate, ToolCall, meta_schema_problem, schema_problem
from server.errors import InvalidRequest

if TYPE_CHECKING:
    from server.protocol import ChatCompletionRequest

EMBEDDED_TOOL_PARSER = "hermes"
# OpenAI's rule for function names: letters, digits, underscores and dashes, 1-64 long.
_NAME = r"^[A-Za-z0-9_-]{1,64}$"


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class FunctionDefinition(_Shape):
    """OpenAI's ``tools[].function``."""

    name: Annotated[str, Field(pattern=_NAME)]
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None

    @field_validator("parameters")
    @classmethod
    def _json_schema(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        if v is None:
            return v
        if problem := schema_problem(v):
            raise ValueError(f"tool parameters refused: {problem}")
        # Natively: this runs on the event loop, per tool (jsonschema's check_schema took
        # 10 s for 128 tools of 70 properties, a freeze for every tenant).
        if problem := meta_schema_problem(v):
            raise ValueError(f"tool parameters are not a valid JSON Schema: {problem}")
        if v.get("type", "object") != "object":
            raise ValueError("tool parameters must be a JSON Schema of type object")
        return v


class FunctionTool(_Shape):
    """OpenAI's function tool (the only kind a chat model is given)."""

    type: Literal["function"]
    function: FunctionDefinition


class _FunctionName(_Shape):
    name: Annotated[str, Field(pattern=_NAME)]


class NamedToolChoice(_Shape):
    """``{"type": "function", "function": {"name": ...}}``: this function must be called."""

    type: Literal["function"]
    function: _FunctionName


ToolChoice = Literal["none", "auto", "required"] | NamedToolChoice


@dataclass(frozen=True)
class ToolSpec:
    """The tools of one chat request, as the pipeline carries them.

    ``tools`` are OpenAI's tool objects (plain dicts, what ``RewardContext.tools`` holds);
    ``tool_choice`` is ``"auto"``, ``"required"``, ``"none"`` or the named-function dict.
    """

    tools: tuple[dict[str, Any], ...]
    tool_choice: str | dict[str, Any]
    parallel_tool_calls: bool = True

    @property
    def active(self) -> bool:
        """Whether tools are rendered and calls parsed (``tool_choice: none`` turns both off)."""
        return bool(self.tools) and self.tool_choice != "none"

    @property
    def named(self) -> str | None:
        """The function a named ``tool_choice`` forces, or None."""
        if isinstance(self.tool_choice, dict):
            return str(self.tool_choice["function"]["name"])
        return None

    @property
    def forced(self) -> bool:
        """``required`` or named: a call must be made (guided decoding enforces it)."""
        return self.active and (self.tool_choice == "required" or self.named is not None)


class ToolChoiceError(ValueError):
    """The tools and the choice do not fit together; ``param`` names the field at fault."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


def tool_spec(
    tools: list[FunctionTool] | None,
    tool_choice: ToolChoice | None,
    parallel_tool_calls: bool | None,
) -> ToolSpec | None:
    """The request's :class:`ToolSpec`, or None when it declares no tools.

    Raises:
        ToolChoiceError: ``required`` or a named function without tools, a named
            function that is not declared, two tools of the same name.
    """
    declared = [t.model_dump(exclude_none=True) for t in tools or []]
    named = tool_choice.function.name if isinstance(tool_choice, NamedToolChoice) else None
    if not declared:
        if tool_choice == "required" or named is not None:
            raise ToolChoiceError(
                "tool_choice requires a call, but no tools are declared", "tool_choice"
            )
        return None
    names = [t["function"]["name"] for t in declared]
    if len(set(names)) != len(names):
        raise ToolChoiceError("two tools have the same name", "tools")
    if named is not None and named not in names:
        raise ToolChoiceError(
            f"tool_choice names the function '{named}', which is not in tools", "tool_choice"
        )
    choice: str | dict[str, Any] = (
        tool_choice.model_dump()
        if isinstance(tool_choice, NamedToolChoice)
        else tool_choice or "auto"
    )
    return ToolSpec(
        tools=tuple(declared),
        tool_choice=choice,
        parallel_tool_calls=parallel_tool_calls is not False,
    )


def messages_problem(messages: list[dict[str, Any]]) -> str | None:
    """What is wrong with the messages' tool turns, or None.

    An assistant turn's ``tool_calls`` must be OpenAI's shape (the chat template renders
    them); a ``tool`` turn needs its ``tool_call_id``.
    """
    for i, m in enumerate(messages):
        calls = m.get("tool_calls")
        if calls is not None:
            if m.get("role") != "assistant":
                return f"messages[{i}]: only assistant messages carry tool_calls"
            if not isinstance(calls, list):
                return f"messages[{i}].tool_calls must be a list"
            for j, call in enumerate(calls):
                fn = call.get("function") if isinstance(call, dict) else None
                if (
                    not isinstance(fn, dict)
                    or not isinstance(fn.get("name"), str)
                    or not isinstance(fn.get("arguments"), str)
                    or call.get("type", "function") != "function"
                ):
                    return (
                        f"messages[{i}].tool_calls[{j}] must be "
                        '{"id", "type": "function", "function": {"name", "arguments": string}}'
                    )
        if m.get("role") == "tool" and not isinstance(m.get("tool_call_id"), str):
            return f"messages[{i}]: a tool message needs its tool_call_id"
    return None


def template_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI messages as chat templates expect them.

    Call arguments arrive as JSON text; hermes-style templates (Qwen2.5, Hermes, ours)
    write them with ``tojson``, so they are parsed into objects first (as vLLM does),
    else they would be quoted twice. Arguments that are not JSON stay text.
    """
    out = []
    for m in messages:
        calls = m.get("tool_calls")
        if not calls:
            out.append(m)
            continue
        rendered = []
        for call in calls:
            fn = dict(call.get("function") or {})
            with contextlib.suppress(TypeError, ValueError):
                fn["arguments"] = json.loads(fn.get("arguments") or "{}")
            rendered.append({**call, "function": fn})
        out.append({**m, "tool_calls": rendered})
    return out


def bundled_template(name: str) -> str:
    """A chat template shipped in ``server/chat_templates``."""
    return resources.files("server").joinpath("chat_templates", name).read_text(encoding="utf-8")


EMBEDDED_TEMPLATE = "smollm2_hermes_tools.jinja"


def chat_template_for(path: Path | None, *, embedded: bool) -> str | None:
    """The chat template the engine renders with: ``--chat-template``'s file, else for
    the embedded model the bundled hermes-tools template, else None (the model's own).

    Raises:
        OSError: the file cannot be read.
    """
    if path is not None:
        return path.read_text(encoding="utf-8")
    return bundled_template(EMBEDDED_TEMPLATE) if embedded else None


def tool_call_dicts(calls: tuple[ToolCall, ...]) -> list[dict[str, Any]]:
    """OpenAI's ``message.tool_calls`` for a candidate's :class:`rewards.types.ToolCall`\\ s."""
    return [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
        for c in calls
    ]


# What a vetoed candidate's call shows for its name (no tool can be named so).
WITHHELD_NAME = "[withheld]"


def trace_tool_calls(
    candidate: Candidate, *, full: bool, vetoed: bool = False
) -> list[dict[str, Any]]:
    """A candidate's parsed calls for its trace entry: ids always; names unless the
    candidate was ``vetoed`` (the model chooses a name as freely as any text: a secret
    can be one); the arguments (which may carry what a gate objected to) only when
    ``full``."""
    return [
        {
            "id": c.id,
            "name": WITHHELD_NAME if vetoed else c.name,
            **({"arguments": c.arguments} if full and not vetoed else {}),
        }
        for c in candidate.tool_calls
    ]


def tool_call_deltas(calls: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The stream deltas of a message's ``tool_calls``, as OpenAI sends them.

    Per call: one delta with ``index``, ``id``, ``type`` and the name (arguments ``""``),
    then the arguments in pieces; the openai SDK's stream accumulator joins the pieces
    of one ``index`` back into the call.
    """
    from server.streaming import coalesced_pieces

    for index, call in enumerate(calls):
        fn = call["function"]
        head = {"name": fn["name"], "arguments": ""}
        yield {
            "tool_calls": [{"index": index, "id": call["id"], "type": "function", "function": head}]
        }
        for piece in coalesced_pieces(fn["arguments"]):
            yield {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}


def tool_message(candidate: Candidate) -> dict[str, Any]:
    """The ``content`` and ``tool_calls`` of the assistant message a candidate answers with.

    A candidate no parser read (no tools, ``tool_choice: none``) answers its text; one
    that calls answers its calls, with ``content`` null when nothing was written beside.
    """
    if not candidate.tool_calls:
        text = candidate.text if candidate.content is None else candidate.content
        return {"content": text, "tool_calls": None}
    return {
        "content": candidate.content or None,
        "tool_calls": tool_call_dicts(candidate.tool_calls),
    }


def tool_finish_reason(candidate: Candidate) -> str | None:
    """``tool_calls`` for a candidate that calls and stopped by itself, else its own."""
    if candidate.tool_calls and candidate.finish_reason == "stop":
        return "tool_calls"
    return candidate.finish_reason


def chat_tools(req: ChatCompletionRequest, messages: list[dict[str, Any]]) -> ToolSpec | None:
    """The request's :class:`ToolSpec` (None without tools), its tool turns checked.

    Raises:
        InvalidRequest: a choice that cannot be met, malformed tool turns.
    """
    if problem := messages_problem(messages):
        raise InvalidRequest(problem, param="messages", code="invalid_value")
    try:
        return tool_spec(req.tools, req.tool_choice, req.parallel_tool_calls)
    except ToolChoiceError as exc:
        raise InvalidRequest(str(exc), param=exc.param, code="invalid_value") from exc
