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

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Task = Literal["math", "code", "json", "general"]
TASKS: tuple[Task, ...] = ("math", "code", "json", "general")


@dataclass(frozen=True)
class Candidate:
    """One generated completion of the group, as the engine produced it."""

    index: int
    text: str
    token_ids: tuple[int, ...] = ()
    finish_reason: str | None = None
    cumulative_logprob: float | None = None

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
        task: the detected task (``math``, ``code``, ``json``, ``general``).
        response_format: OpenAI's ``response_format`` object, if the client sent one.
        references: anything else found in the prompt that a reward can check
            against (a JSON Schema, tests, a reference answer), by name.
        profile: the reward profile the request runs under (see ``rewards.profiles``),
            or None; compliance rules may be scoped to profiles.
    """

    prompt: str
    messages: tuple[dict[str, Any], ...] | None = None
    system_prompt: str | None = None
    task: Task = "general"
    response_format: dict[str, Any] | None = None
    references: dict[str, Any] = field(default_factory=dict)
    profile: str | None = None

    @property
    def user_text(self) -> str:
        """The user's own words (all user messages), or the prompt for completions."""
        if not self.messages:
            return self.prompt
        return "\n".join(
            content_text(m.get("content")) for m in self.messages if m.get("role") == "user"
        )


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


@dataclass(frozen=True)
class Score:
    """One reward's raw score for one candidate; ``value=None`` means not applicable."""

    value: float | None
    evidence: str = ""


@dataclass(frozen=True)
class Verdict:
    """A gate's decision for one candidate.

    Attributes:
        passed: False means the candidate is vetoed and must never be returned.
        category: for a violation, a short category code (e.g. ``pii.email``).
        evidence: what was found, already redacted (never the raw secret).
    """

    passed: bool
    category: str | None = None
    evidence: str = ""

    @classmethod
    def ok(cls, evidence: str = "") -> Verdict:
        return cls(True, None, evidence)

    @classmethod
    def veto(cls, category: str, evidence: str) -> Verdict:
        return cls(False, category, evidence)


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
