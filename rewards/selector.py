"""The context selector: which task a request is, and which rewards score it.

:func:`detect_task` reads the request and returns the task with the evidence for
it; :func:`select_rewards` maps the task to its default reward set, each reward
with a weight and the reason it was chosen; :func:`explicit_selection` builds the
set a client asked for instead. Gates are not selected: they always run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rewards.registry import RewardRegistry
from rewards.types import RewardContext, Task, content_text

_JSON_FORMATS = ("json_object", "json_schema")
_JSON_WORDS = re.compile(
    r"\b(?:respond|reply|answer|output|return|format|give|provide|produce)\b[^.!?\n]{0,40}?"
    r"\b(?:in|as|with|using)\s+(?:an?\s+|the\s+)?(?:valid\s+|strict\s+)?json\b"
    r"|\b(?:respond|reply|answer|output|return|give|provide|produce)\b(?:\s+(?:me|only|just|back))*"
    r"\s+(?:an?\s+|the\s+)?(?:valid\s+|strict\s+|single\s+)?json\b"
    r"|\bjson\s+only\b|\bonly\s+(?:valid\s+)?json\b",
    re.IGNORECASE,
)
_LANGUAGES = re.compile(
    r"(?<![\w+#])(python|javascript|typescript|c\+\+|c#|golang|kotlin|php|perl|haskell|sql|bash"
    r"|powershell|html|css|regex|numpy|pandas|django|node\.js|docker|kubernetes|git|linux)"
    r"(?![\w+#])",
    re.IGNORECASE,
)
# Words that are also programming words but not only ("rust on my bike", "Java coffee")
# count as coding terms, so they need a second one.
_CODING_TERMS = re.compile(
    r"\b(rust|java|ruby|scala|swift|react|flask|functions?|class(?:es)?|methods?|variables?"
    r"|compiler?|bugs?|debug\w*|stack trace"
    r"|traceback|exceptions?|api|scripts?|algorithms?|implement\w*|refactor\w*|unit tests?"
    r"|loops?|arrays?|recursion|library|syntax|code|program(?:s|ming)?|segfault|runtime"
    r"|repository|endpoint|command line|terminal)\b",
    re.IGNORECASE,
)
_CODING_REQUEST = re.compile(
    r"\b(?:write|implement|fix|debug|refactor|optimi[sz]e|review)\b[^.?!\n]{0,30}?"
    r"\b(?:functions?|class|method|program|script|code|query|regex|tests?)\b",
    re.IGNORECASE,
)
_CODE_SYNTAX = re.compile(
    r"(?m)^[ \t]*(?:def \w+\(|class \w+[:(]|import \w+|from [\w.]+ import|#include\s*<"
    r"|public (?:static )?\w+|fn \w+\(|func \w+\()|`[^`\n]*\w\([^`\n]*\)[^`\n]*`"
)
_DATES = re.compile(r"\b\d{1,4}([/-])\d{1,2}\1\d{1,4}\b")
_ARITHMETIC = re.compile(
    r"(?<![\w.])-?\d+(?:\.\d+)?(?:\s*[+*/\u00d7\u00f7^]\s*|\s+-\s+)-?\d+(?:\.\d+)?(?![\w.])"
)
_LATEX = re.compile(r"\\(?:frac|dfrac|sqrt|sum|int|cdot|times|pi|leq?|geq?|binom)\b|\$[^$\n]+\$")
_MATH_PHRASES = re.compile(
    r"\b(how many|how much|calculate|compute|solve|evaluate|simplify|what is the (?:sum|product"
    r"|value|difference|quotient|remainder|probability|area|perimeter|volume)|sum of|product of"
    r"|equations?|integers?|primes?|probability|remainder|divisible|percent(?:age)?|average"
    r"|square root|derivative|integral|times|plus|minus|divided by|multiplied by"
    r"|what is -?\d)\b",
    re.IGNORECASE,
)
_NUMBERS = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class RewardChoice:
    """One reward of a selection: its name, weight and why it was chosen."""

    name: str
    weight: float
    reason: str


@dataclass(frozen=True)
class Selection:
    """The reward set for one request, with the evidence behind it.

    Attributes:
        task: the detected task.
        task_evidence: why that task (e.g. ``"code fence in prompt"``).
        rewards: the chosen rewards.
        explicit: True when the client named the rewards itself.
    """

    task: Task
    task_evidence: list[str] = field(default_factory=list)
    rewards: list[RewardChoice] = field(default_factory=list)
    explicit: bool = False

    @property
    def weights(self) -> dict[str, float]:
        """Weight by reward name."""
        return {choice.name: choice.weight for choice in self.rewards}


_DEFAULTS: dict[Task, tuple[RewardChoice, ...]] = {
    "math": (
        RewardChoice("answer_agreement", 1.0, "task=math: self-consistency of the final answer"),
        RewardChoice("format", 0.2, "task=math: closed reasoning and a \\boxed{} final answer"),
        RewardChoice("repetition", 0.2, "task=math: penalise degenerate repetition loops"),
        RewardChoice("length", 0.1, "task=math: prefer the shorter complete solution"),
    ),
    "code": (
        RewardChoice("repetition", 0.5, "task=code: penalise degenerate repetition loops"),
        RewardChoice("format", 0.3, "task=code: well-formed reasoning markup, if used"),
        RewardChoice("length", 0.2, "task=code: prefer the shorter complete answer"),
    ),
    "json": (
        RewardChoice("json_valid", 2.0, "task=json: valid JSON that matches the schema, if any"),
        RewardChoice("repetition", 0.2, "task=json: penalise degenerate repetition loops"),
        RewardChoice("length", 0.1, "task=json: prefer the shorter complete document"),
    ),
    "general": (
        RewardChoice("repetition", 0.5, "task=general: penalise degenerate repetition loops"),
        RewardChoice("length", 0.2, "task=general: prefer the shorter complete answer"),
        RewardChoice("format", 0.3, "task=general: well-formed reasoning markup, if used"),
    ),
}


def _json_format(response_format: Mapping[str, Any] | None) -> str | None:
    kind = (response_format or {}).get("type")
    return kind if kind in _JSON_FORMATS else None


def _roles_text(messages: Iterable[Mapping[str, Any]], roles: tuple[str, ...]) -> list[str]:
    return [content_text(m.get("content")) for m in messages if m.get("role") in roles]


def _quote(matches: Iterable[str], limit: int = 3) -> str:
    unique = list(dict.fromkeys(m.lower() for m in matches))
    return ", ".join(unique[:limit])


def detect_task(
    prompt: str,
    *,
    messages: Iterable[Mapping[str, Any]] | None = None,
    response_format: Mapping[str, Any] | None = None,
) -> tuple[Task, list[str]]:
    """Detects the request's task, with the evidence for it.

    Priority: JSON asked for (``response_format`` or in words) > code (fences,
    programming words, code syntax) > math (arithmetic, LaTeX, or numbers with
    math phrasing) > general. Code and math look at the last user message; JSON
    instructions count in the system prompt too.

    Args:
        prompt: the prompt text (used when there are no messages).
        messages: the chat messages, if a chat request.
        response_format: OpenAI's ``response_format`` object, if any.

    Returns:
        The task and the evidence strings.

    >>> detect_task("What is 12 * 7?")
    ('math', ["arithmetic expression '12 * 7'"])
    """
    msgs = list(messages or [])
    users = _roles_text(msgs, ("user",))
    text = users[-1] if users else prompt
    system = "\n".join(_roles_text(msgs, ("system", "developer")))

    json_format = _json_format(response_format)
    if json_format:
        return "json", [f"response_format={json_format}"]
    for where, source in (("prompt", text), ("system prompt", system)):
        words = _JSON_WORDS.search(source)
        if words:
            return "json", [f"JSON asked for in {where}: '{words.group(0)}'"]

    evidence: list[str] = []
    if "```" in text:
        evidence.append("code fence in prompt")
    languages = _LANGUAGES.findall(text)
    terms = _CODING_TERMS.findall(text)
    request = _CODING_REQUEST.search(text)
    syntax = _CODE_SYNTAX.search(text)
    if languages or len(set(t.lower() for t in terms)) >= 2:
        evidence.append(f"programming words: {_quote(languages + terms)}")
    elif request:
        evidence.append(f"coding request: '{request.group(0)}'")
    if syntax:
        evidence.append(f"code syntax: '{syntax.group(0).strip()[:30]}'")
    if evidence:
        return "code", evidence

    undated = _DATES.sub(" ", text)
    arithmetic = _ARITHMETIC.search(undated)
    if arithmetic:
        evidence.append(f"arithmetic expression '{arithmetic.group(0).strip()}'")
    latex = _LATEX.search(text)
    if latex:
        evidence.append(f"LaTeX math: '{latex.group(0)[:30]}'")
    phrases = _MATH_PHRASES.findall(text)
    if phrases and _NUMBERS.search(undated):
        evidence.append(f"math phrasing: {_quote(repr(p.lower()) for p in phrases)}")
    if evidence:
        return "math", evidence
    return "general", ["no JSON, code or math evidence"]


def build_context(
    prompt: str,
    messages: Iterable[Mapping[str, Any]] | None = None,
    response_format: Mapping[str, Any] | None = None,
    *,
    task: Task | None = None,
) -> RewardContext:
    """Builds the :class:`RewardContext` for a request.

    Args:
        prompt: the prompt as text (for chat, the messages' contents joined).
        messages: the chat messages, if a chat request.
        response_format: OpenAI's ``response_format``; a ``json_schema`` one puts its
            schema into ``references["json_schema"]``.
        task: the task when already detected; detected here otherwise.
    """
    msgs = tuple(dict(m) for m in messages) if messages is not None else None
    if task is None:
        task, _ = detect_task(prompt, messages=msgs, response_format=response_format)
    system = _roles_text(msgs or (), ("system", "developer"))
    references: dict[str, Any] = {}
    if response_format and response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema is not None:
            references["json_schema"] = schema
    return RewardContext(
        prompt=prompt,
        messages=msgs,
        system_prompt="\n".join(system) if system else None,
        task=task,
        response_format=dict(response_format) if response_format else None,
        references=references,
    )


def _task_evidence(context: RewardContext, given: list[str] | None) -> list[str]:
    if given is not None:
        return list(given)
    task, evidence = detect_task(
        context.prompt, messages=context.messages, response_format=context.response_format
    )
    return evidence if task == context.task else [f"task={context.task} set by the caller"]


def default_reward_sets() -> dict[Task, list[RewardChoice]]:
    """The automatic reward set of every task (for validation at startup, and docs)."""
    return {task: list(choices) for task, choices in _DEFAULTS.items()}


def select_rewards(context: RewardContext, *, task_evidence: list[str] | None = None) -> Selection:
    """The default reward set for the context's task.

    Args:
        context: the request context; its ``task`` picks the set.
        task_evidence: the evidence :func:`detect_task` gave, for the trace; when
            None, detection runs again on the context (cheap: regular expressions).
    """
    return Selection(
        task=context.task,
        task_evidence=_task_evidence(context, task_evidence),
        rewards=list(_DEFAULTS[context.task]),
        explicit=False,
    )


def explicit_selection(
    context: RewardContext,
    weights: Mapping[str, float],
    registry: RewardRegistry,
    *,
    task_evidence: list[str] | None = None,
) -> Selection:
    """The reward set a client asked for by name.

    An empty ``weights`` is allowed: ranking then falls to the tie-breakers
    (mean log-probability, then length), like OpenAI's ``best_of``.

    Args:
        context: the request context.
        weights: weight by reward name.
        registry: the registry that must know every name.
        task_evidence: the evidence :func:`detect_task` gave, for the trace; when
            None, detection runs again on the context.

    Raises:
        UnknownRewardError: a name is not a registered reward.
        ValueError: a weight is negative or not finite.
    """
    registry.validate(weights)
    for name, weight in weights.items():
        if not isinstance(weight, int | float) or not math.isfinite(weight) or weight < 0:
            raise ValueError(
                f"weight of reward {name!r} must be a finite number >= 0, got {weight!r}"
            )
    return Selection(
        task=context.task,
        task_evidence=_task_evidence(context, task_evidence),
        rewards=[
            RewardChoice(name, float(w), "requested by client") for name, w in weights.items()
        ],
        explicit=True,
    )
