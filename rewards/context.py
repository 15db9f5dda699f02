"""Context building: the :class:`~rewards.types.RewardContext` a request's rewards read.

The context carries the request as rewards see it: prompt, messages, system prompt,
task, response format, tools, and the references taken from the request (a
``json_schema``'s schema, the tests a code prompt carries).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rewards.builtin.code_exec import extract_tests
from rewards.task import detect_task, roles_text
from rewards.types import RewardContext, Task


def build_context(
    prompt: str,
    messages: Iterable[Mapping[str, Any]] | None = None,
    response_format: Mapping[str, Any] | None = None,
    *,
    task: Task | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: str | Mapping[str, Any] | None = None,
) -> RewardContext:
    """Builds the :class:`RewardContext` for a request.

    Args:
        prompt: the prompt as text (for chat, the messages' contents joined).
        messages: the chat messages, if a chat request.
        response_format: OpenAI's ``response_format``; a ``json_schema`` one puts its
            schema into ``references["json_schema"]``.
        (For a code task, the tests the user's words carry go into
        ``references["tests"]``, as sandbox steps.)
        task: the task when already detected; detected here otherwise.
        tools: the request's declared tools (OpenAI's shape), into ``context.tools``.
        tool_choice: OpenAI's ``tool_choice``, into ``context.tool_choice``.
    """
    msgs = tuple(dict(m) for m in messages) if messages is not None else None
    if task is None:
        task, _ = detect_task(
            prompt,
            messages=msgs,
            response_format=response_format,
            tools=tools,
            tool_choice=tool_choice,
        )
    system = roles_text(msgs or (), ("system", "developer"))
    references: dict[str, Any] = {}
    if response_format and response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema is not None:
            references["json_schema"] = schema
    if task == "code":
        users = roles_text(msgs or (), ("user",))
        tests = extract_tests("\n".join(users) if users else prompt)
        if tests:
            references["tests"] = tests
    return RewardContext(
        prompt=prompt,
        messages=msgs,
        system_prompt="\n".join(system) if system else None,
        task=task,
        response_format=dict(response_format) if response_format else None,
        references=references,
        tools=tuple(dict(t) for t in tools or ()),
        tool_choice=dict(tool_choice) if isinstance(tool_choice, Mapping) else tool_choice,
    )
