"""Core data types shared by every reward, gate and the aggregation.

Nothing here imports FastAPI or vLLM: `rewards` is usable on its own, for
offline scoring or as reward functions for a GRPO trainer.

Conventions (after TRL's reward functions):

* rewards are called by keyword: ``reward(completions=..., context=..., candidates=...)``
  and accept ``**kwargs`` for forward compatibility;
* one :class:`Score` per completion, with ``value=None`` where the reward does not
  apply to that completion;
* every score carries short evidence (what was checked, what failed) for the trace.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from rewards.token_logprobs import TokenLogprobs

Task = Literal["math", "code", "json", "tool", "general"]
TASKS: tuple[Task, ...] = ("math", "code", "json", "tool", "general")

# A surrogate left in a str decoded from JSON is a lone one (a pair is one character).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class ToolCall:
    """One function call a candidate makes, as the tool-call parser read it.

    ``arguments`` is the raw JSON text the model wrote (OpenAI keeps it a string
    too): whether it parses, and validates against the tool's schema, is for the
    tool rewards to judge, so a malformed call is kept, not dropped.
    """

    name: str
    arguments: str
    id: str = ""

    def __post_init__(self) -> None:
        # A parser re-dumps the JSON it read with ensure_ascii=False, so ``"\\ud800"`` in
        # the model's text becomes a lone surrogate here. RE2 (the gates) reads UTF-8 only
        # and raised on it, vetoing the whole group for one candidate: it is U+FFFD instead.
        for attr in ("name", "arguments"):
            value = getattr(self, attr)
            if isinstance(value, str) and _LONE_SURROGATE.search(value):
                object.__setattr__(self, attr, _LONE_SURROGATE.sub("\ufffd", value))


@dataclass(frozen=True)
class Candidate:
    """One generated completion of the group, as the engine produced it.

    ``text`` is what the model wrote, tool-call markup included. When the request
    declared tools, ``tool_calls`` holds the calls the server's tool-call parser
    found in it and ``content`` the text outside them (None: no parser ran, the
    text is the content).
    """

    index: int
    text: str
    token_ids: tuple[int, ...] = ()
    finish_reason: str | None = None
    cumulative_logprob: float | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    content: str | None = None
    logprobs: TokenLogprobs | None = None  # per token, only when the request asked for them

    @property
    def num_tokens(self) -> int:
        return len(self.token_ids)

    @property
    def mean_logprob(self) -> float | None:
        """Cumulative log-probability divided by the number of tokens."""
        if self.cumulative_logprob is None or not self.token_ids:
            return None
        return self.cumulative_logprob / len(self.token_ids)


@dataclass(frozen=True)
class RewardContext:
    """What a reward may know about the request, besides the candidates.

    Attributes:
        prompt: the prompt as plain text (for chat: the messages' contents joined).
        messages: the chat messages, when the request was a chat request.
        system_prompt: the system message's content, if any.
        task: the detected task (``math``, ``code``, ``json``, ``tool``, ``general``).
        response_format: OpenAI's ``response_format`` object, if the client sent one.
        references: anything else found in the prompt that a reward can check
            against (a JSON Schema, tests, a reference answer), by name.
        profile: the reward profile the request runs under (see ``rewards.profiles``),
            or None; compliance rules may be scoped to profiles.
        tools: the request's declared tools, OpenAI's shape
            (``{"type": "function", "function": {"name", "description", "parameters"}}``);
            empty when none were declared.
        tool_choice: OpenAI's ``tool_choice`` (``"none"``, ``"auto"``, ``"required"`` or
            ``{"type": "function", "function": {"name": ...}}``), or None.
    """

    prompt: str
    messages: tuple[dict[str, Any], ...] | None = None
    system_prompt: str | None = None
    task: Task = "general"
    response_format: dict[str, Any] | None = None
    references: dict[str, Any] = field(default_factory=dict)
    profile: str | None = None
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | dict[str, Any] | None = None

    @property
    def user_text(self) -> str:
        """The user's own words (all user messages), or the prompt for completions.

        What counts as the user's own (the PII gate lets a candidate repeat it): never the
        system, developer, assistant or tool messages, whose secrets must not reach the user.
        """
        if not self.messages:
            return self.prompt
        return "\n".join(
            content_text(m.get("content")) for m in self.messages if m.get("role") == "user"
        )

    @functools.cached_property
    def screened_text(self) -> str:
        """Every message's text, whatever its role, or the prompt for completions.

        What the prompt screen (gates' ``check_prompt``) judges: a request placed in a
        system, developer, assistant (a prefill the model continues, or earlier turns the
        caller wrote) or tool message reaches the model as much as a user message does.
        Besides the content, every other string a message carries (tool calls' names and
        arguments, extra keys a chat template may render) is included. Messages are
        joined by a blank line, so no sentence runs from one into the next. Computed once.
        """
        if not self.messages:
            return self.prompt
        return "\n\n".join(text for m in self.messages if (text := message_text(m)))


# Keys of a message (or of a tool call in it) that hold identifiers, not text.
_NOT_TEXT = frozenset({"role", "id", "tool_call_id", "type"})


def message_text(message: dict[str, Any]) -> str:
    """All the text of one chat message: its content, then every other string in it.

    >>> call = {"function": {"name": "search", "arguments": '{"q": "x"}'}}
    >>> message_text({"role": "assistant", "content": "ok", "tool_calls": [call]})
    'ok\nsearch\n{"q": "x"}'
    """
    parts = [content_text(message.get("content"))]
    # Iterative walk: a message's extra keys are the client's JSON, of any depth.
    stack: list[Any] = [{k: v for k, v in message.items() if k != "content"}]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, dict):
            stack.extend(reversed([v for k, v in value.items() if k not in _NOT_TEXT]))
        elif isinstance(value, list | tuple):
            stack.extend(reversed(value))
    return "\n".join(p for p in parts if p)


def content_text(content: Any) -> str:
    """A message's text: the string, or its text parts joined by newlines (OpenAI multi-part)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI multi-part content
        return "\n".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def messages_text(messages: Iterable[Mapping[str, Any]]) -> str:
    """The chat as one text: a ``role: text`` line per message that has text.

    The one flattening of a chat: the reward context's ``prompt``, the trace's, the logs'
    and the scripted engine's are this text (each message's content by :func:`content_text`).

    >>> parts = [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]
    >>> print(messages_text([{"role": "system", "content": "Be brief."},
    ...                      {"role": "user", "content": parts}]))
    system: Be brief.
    user: Hi
    there
    """
    lines = ((m.get("role", "user"), content_text(m.get("content"))) for m in messages)
    return "\n".join(f"{role}: {text}" for role, text in lines if text)


@dataclass(frozen=True)
class Score:
    """One reward's raw score for one candidate; ``value=None`` means not applicable."""

    value: float | None
    evidence: str = ""


Action = Literal["veto", "penalty", "flag"]
ACTIONS: tuple[Action, ...] = ("veto", "penalty", "flag")  # most severe first


@dataclass(frozen=True)
class Hit:
    """One rule of a gate that matched a candidate (or a prompt).

    Attributes:
        action: ``veto`` (never returned), ``penalty`` (combined score lowered by
            ``weight``) or ``flag`` (annotated only).
        category: a short category code (``pii.email``, ``hazard.S9``, ``policy``).
        rule: the rule's id (a policy rule id; built-in gates use the category).
        message: what was found, already redacted (never the raw secret).
        weight: for a penalty, how much it lowers the combined score.
        excerpt: the offending text itself, unredacted; shown only where the operator
            allows it (``trace_text: full``), never logged.
    """

    action: Action
    category: str
    rule: str
    message: str
    weight: float = 0.0
    excerpt: str = field(default="", compare=False, repr=False)  # repr: keep it out of logs


@dataclass(frozen=True)
class Verdict:
    """A gate's decision for one candidate.

    Attributes:
        passed: False means the candidate is vetoed and must never be returned.
        category: for a violation, a short category code (e.g. ``pii.email``); for a
            passing verdict with penalties or flags, the most severe hit's category.
        evidence: what was found, already redacted (never the raw secret).
        hits: every rule that matched, most severe first (empty for a clean pass).
    """

    passed: bool
    category: str | None = None
    evidence: str = ""
    hits: tuple[Hit, ...] = ()

    @classmethod
    def ok(cls, evidence: str = "") -> Verdict:
        return cls(True, None, evidence)

    @classmethod
    def veto(
        cls, category: str, evidence: str, *, rule: str | None = None, excerpt: str = ""
    ) -> Verdict:
        hit = Hit("veto", category, rule or category, evidence, excerpt=excerpt)
        return cls(False, category, evidence, (hit,))

    @classmethod
    def from_hits(cls, hits: list[Hit] | tuple[Hit, ...], ok_evidence: str = "") -> Verdict:
        """The verdict of a set of hits: vetoed if any vetoes; evidence lists them all.

        >>> v = Verdict.from_hits([Hit("flag", "injection", "injection", "zero-width characters")])
        >>> v.passed, v.action, v.category
        (True, 'flag', 'injection')
        """
        if not hits:
            return cls.ok(ok_evidence)
        ordered = tuple(sorted(hits, key=lambda h: ACTIONS.index(h.action)))
        evidence = "; ".join(dict.fromkeys(h.message for h in ordered))
        passed = ordered[0].action != "veto"
        return cls(passed, ordered[0].category, evidence, ordered)

    @property
    def action(self) -> Action | None:
        """The most severe action: ``veto`` when not passed, None for a clean pass."""
        if not self.passed:
            return "veto"
        return self.hits[0].action if self.hits else None

    @property
    def rule(self) -> str | None:
        """The most severe hit's rule id (the category for a veto without hits)."""
        if self.hits:
            return self.hits[0].rule
        return self.category

    @property
    def penalty(self) -> float:
        """The sum of the penalty hits' weights (0 for a veto: it is excluded anyway)."""
        return sum(h.weight for h in self.hits if h.action == "penalty")


@runtime_checkable
class Reward(Protocol):
    """A reward function: one :class:`Score` per candidate, called by keyword."""

    name: str

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext,
        candidates: list[Candidate],
        **kwargs: Any,
    ) -> list[Score]: ...


@runtime_checkable
class Gate(Protocol):
    """A gate (safety, compliance): one :class:`Verdict` per candidate. Always on."""

    name: str

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext,
        candidates: list[Candidate],
        **kwargs: Any,
    ) -> list[Verdict]: ...
