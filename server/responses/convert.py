"""Responses <-> chat: a Responses request becomes a chat request, a chat answer a Response.

The Responses endpoint runs on the chat pipeline unchanged (the same group, rewards,
gates and trace), so this module only translates shapes:

* ``instructions`` -> a leading system message; ``input`` items -> chat messages
  (``function_call`` items -> an assistant message's ``tool_calls``,
  ``function_call_output`` -> a ``tool`` message);
* ``text.format`` -> ``response_format``; flat function tools -> chat tools;
  ``max_output_tokens`` -> ``max_completion_tokens``;
* the chosen choice -> ``output`` items: ``function_call`` items for its tool calls and a
  ``message`` with an ``output_text`` (or ``refusal``) part for its text.

A chat validation error is reported with the Responses field names (``input``, not
``messages``), in the one-400-lists-all format of :mod:`server.errors`.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from rewards import content_text
from server.protocol import ChatCompletionRequest, ChatCompletionResponse
from server.responses.protocol import (
    FormatJSONObject,
    FormatJSONSchema,
    FunctionCallItem,
    FunctionCallOutputItem,
    InputText,
    MessageItem,
    OutputText,
    RefusalPart,
    ResponsesRequest,
)

# Chat field -> the Responses field a client wrote it as (for error messages).
_FIELD_NAMES = {
    "messages": ("input",),
    "max_completion_tokens": ("max_output_tokens",),
    "response_format": ("text", "format"),
    "verbosity": ("text", "verbosity"),
    "logprobs": ("include",),
}


def _part_text(part: InputText | OutputText | RefusalPart) -> str:
    return part.refusal if isinstance(part, RefusalPart) else part.text


def _content(content: str | list[Any]) -> str:
    """A message's parts as one text, joined as a chat message's are
    (:func:`rewards.types.content_text`: a newline between parts)."""
    if isinstance(content, str):
        return content
    return content_text([{"type": "text", "text": _part_text(p)} for p in content])


def input_messages(req: ResponsesRequest) -> list[dict[str, Any]]:
    """``input`` as chat messages (``instructions`` not included: they are not carried
    over to a follow-up that names this response as ``previous_response_id``)."""
    if isinstance(req.input, str):
        return [{"role": "user", "content": req.input}]
    messages: list[dict[str, Any]] = []
    for item in req.input:
        if isinstance(item, MessageItem):
            messages.append({"role": item.role, "content": _content(item.content)})
        elif isinstance(item, FunctionCallItem):
            call = {
                "id": item.call_id,
                "type": "function",
                "function": {"name": item.name, "arguments": item.arguments},
            }
            last = messages[-1] if messages else None
            # Calls made in one turn ride on one assistant message, as chat has them.
            if last is not None and last["role"] == "assistant":
                last.setdefault("tool_calls", []).append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif isinstance(item, FunctionCallOutputItem):
            output = item.output if isinstance(item.output, str) else _content(item.output)
            messages.append({"role": "tool", "tool_call_id": item.call_id, "content": output})
    return messages


def output_messages(response: dict[str, Any]) -> list[dict[str, Any]]:
    """A Response's output as chat messages (what a follow-up turn's history holds)."""
    content = response.get("output_text") or None
    calls = [
        {
            "id": item["call_id"],
            "type": "function",
            "function": {"name": item["name"], "arguments": item["arguments"]},
        }
        for item in response["output"]
        if item["type"] == "function_call"
    ]
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = calls
    return [message] if content or calls else []


def _response_format(req: ResponsesRequest) -> dict[str, Any] | None:
    fmt = req.text.format if req.text else None
    if isinstance(fmt, FormatJSONSchema):
        schema: dict[str, Any] = {"name": fmt.name, "schema": fmt.schema_}
        if fmt.description is not None:
            schema["description"] = fmt.description
        if fmt.strict is not None:
            schema["strict"] = fmt.strict
        return {"type": "json_schema", "json_schema": schema}
    if isinstance(fmt, FormatJSONObject):
        return {"type": "json_object"}
    return None


def chat_tools(req: ResponsesRequest) -> list[dict[str, Any]] | None:
    """Flat Responses function tools in chat's ``{"type", "function": {...}}`` shape."""
    if req.tools is None:
        return None
    return [
        {"type": "function", "function": t.model_dump(exclude={"type"}, exclude_none=True)}
        for t in req.tools
    ]


def _chat_tool_choice(req: ResponsesRequest) -> str | dict[str, Any] | None:
    choice = req.tool_choice
    if choice is None or isinstance(choice, str):
        return choice
    return {"type": "function", "function": {"name": choice.name}}


def _renamed(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    if loc and loc[0] in _FIELD_NAMES:
        return (*_FIELD_NAMES[loc[0]], *loc[1:])
    return loc


def to_chat_request(req: ResponsesRequest, history: list[dict[str, Any]]) -> ChatCompletionRequest:
    """The chat request that serves ``req`` after ``history`` (a previous response's turns).

    Raises:
        RequestValidationError: the chat path refuses it (named with the Responses fields).
    """
    messages = list(history) + input_messages(req)
    if req.instructions:
        messages.insert(0, {"role": "system", "content": req.instructions})
    fields: dict[str, Any] = {
        "model": req.model,
        "messages": messages,
        "max_completion_tokens": req.max_output_tokens,
        "temperature": req.temperature,
        "top_p": req.top_p,
        "response_format": _response_format(req),
        "tools": chat_tools(req),
        "tool_choice": _chat_tool_choice(req),
        "parallel_tool_calls": req.parallel_tool_calls,
        "logprobs": True if req.wants_logprobs() else None,
        "top_logprobs": req.top_logprobs if req.wants_logprobs() else None,
        "verbosity": req.text.verbosity if req.text else None,
        **req.model_dump(
            include={"best_of", "best_of_budget", "reward_profile", "rewards", "trace"},
            exclude_none=True,
        ),
        "deadline_s": req.deadline_s,
    }
    try:
        return ChatCompletionRequest.model_validate(
            {k: v for k, v in fields.items() if v is not None}
        )
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *_renamed(tuple(e["loc"])))} for e in exc.errors()]
        raise RequestValidationError(errors) from None


# The Response object ---------------------------------------------------------------


def _format_echo(req: ResponsesRequest) -> dict[str, Any]:
    fmt = req.text.format if req.text else None
    out: dict[str, Any] = {
        "format": {"type": "text"} if fmt is None else fmt.model_dump(by_alias=True)
    }
    out["verbosity"] = (req.text.verbosity if req.text else None) or "medium"
    return out


def _tool_choice_echo(req: ResponsesRequest) -> Any:
    choice = req.tool_choice
    if choice is None:
        return "auto"
    return choice if isinstance(choice, str) else choice.model_dump()


def skeleton(
    req: ResponsesRequest, response_id: str, created_at: int, *, store: bool
) -> dict[str, Any]:
    """The Response before it has output (``response.created``'s), echoing the request."""
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": "in_progress",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": req.instructions,
        "max_output_tokens": req.max_output_tokens,
        "max_tool_calls": None,
        "metadata": req.metadata or {},
        "model": req.model,
        "output": [],
        "parallel_tool_calls": req.parallel_tool_calls is not False,
        "previous_response_id": req.previous_response_id,
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": store,
        "temperature": req.temperature,
        "text": _format_echo(req),
        "tool_choice": _tool_choice_echo(req),
        "tools": [t.model_dump() for t in req.tools or []],
        "top_logprobs": req.top_logprobs or 0,
        "top_p": req.top_p,
        "truncation": "disabled",
        "usage": None,
        "user": req.user,
    }


def _arguments(raw: Any) -> str:
    return raw if isinstance(raw, str) else json.dumps(raw)


def output_items(chat: ChatCompletionResponse, suffix: str) -> tuple[list[dict[str, Any]], str]:
    """The first choice as ``output`` items, and the ``output_text``."""
    choice = chat.choices[0]
    msg = choice.message
    items: list[dict[str, Any]] = []
    calls = getattr(msg, "tool_calls", None) or []
    for i, call in enumerate(calls):
        call = call if isinstance(call, dict) else call.model_dump()
        function = call.get("function") or {}
        items.append(
            {
                "type": "function_call",
                "id": f"fc_{suffix}_{i}",
                "call_id": call.get("id") or f"call_{suffix}_{i}",
                "name": function.get("name", ""),
                "arguments": _arguments(function.get("arguments", "")),
                "status": "completed",
            }
        )
    text = msg.content or ""
    part: dict[str, Any] | None = None
    if msg.refusal is not None:
        part = {"type": "refusal", "refusal": msg.refusal}
    elif text or not calls:
        part = {"type": "output_text", "text": text, "annotations": []}
        logprobs = choice.model_dump().get("logprobs")
        if logprobs is not None:
            part["logprobs"] = logprobs.get("content") or []
    if part is not None:
        message = {
            "type": "message",
            "id": f"msg_{suffix}",
            "status": "completed",
            "role": "assistant",
            "content": [part],
        }
        items.insert(0, message)  # the text comes before the calls it leads to
    return items, text


def finish(
    req: ResponsesRequest,
    chat: ChatCompletionResponse,
    response_id: str,
    created_at: int,
    *,
    store: bool,
) -> dict[str, Any]:
    """The complete Response for the chat pipeline's answer."""
    suffix = response_id.removeprefix("resp_")
    items, text = output_items(chat, suffix)
    reason = chat.choices[0].finish_reason
    incomplete = None
    if reason == "length":
        incomplete = {"reason": "max_output_tokens"}
    elif reason == "content_filter":
        incomplete = {"reason": "content_filter"}
    response = skeleton(req, response_id, created_at, store=store)
    usage = chat.usage
    response.update(
        status="incomplete" if incomplete else "completed",
        incomplete_details=incomplete,
        output=items,
        output_text=text,
        usage={
            "input_tokens": usage.prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": usage.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": usage.total_tokens,
        },
    )
    if chat.trace is not None:
        response["trace"] = chat.trace  # extension, as on chat
    return response
