"""The context selector: which task a request is, and which rewards score it.

:func:`detect_task` reads the request and returns the task with the evidence for
it; :func:`select_rewards` maps the task to its default reward set, each reward
with a weight and the reason it was chosen; :func:`explicit_selection` builds the
set a client asked for instead. Gates are not selected: they always run.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from rewards import linear_re
from rewards.builtin.code_exec import extract_tests
from rewards.builtin.math_answers import voting_answer
from rewards.language import detect_language
from rewards.mathverify_pool import classify_answers
from rewards.profiles import Profile
from rewards.registry import RewardRegistry
from rewards.types import Candidate, RewardContext, Task, content_text

_JSON_FORMATS = ("json_object", "json_schema")
# Patterns over the client's prompt run on RE2 (linear time). The three left on re
# need a one-character lookaround RE2 lacks; each is linear there (see its comment).
_JSON_WORDS = linear_re.compile(
    r"\b(?:respond|reply|answer|output|return|format|give|provide|produce)\b[^.!?\n]{0,40}?"
    r"\b(?:in|as|with|using)\s+(?:an?\s+|the\s+)?(?:valid\s+|strict\s+)?json\b"
    r"|\b(?:respond|reply|answer|output|return|give|provide|produce)\b(?:\s+(?:me|only|just|back))*"
    r"\s+(?:an?\s+|the\s+)?(?:valid\s+|strict\s+|single\s+)?json\b"
    r"|\bjson\s+only\b|\bonly\s+(?:valid\s+)?json\b"
    # JSON asked for inside a ```json fence (instructor's MD_JSON mode): the fence is the
    # answer's wrapping, not code in the prompt.
    r"|\b(?:respond|reply|answer|output|return|format|give|provide|produce|put|wrap|write)\b"
    r"[^.!?\n]{0,60}?\b(?:in|within|inside|into)\s+(?:an?\s+|the\s+)?```\s*json\b",
    re.IGNORECASE,
)
# re (lookarounds): an alternation of literals of at most 10 characters, no quantifier:
# each start position costs a bounded number of steps.
_LANGUAGES = re.compile(
    r"(?<![\w+#])(python|javascript|typescript|c\+\+|c#|golang|kotlin|php|perl|haskell|sql|bash"
    r"|powershell|html|css|regex|numpy|pandas|django|node\.js|docker|kubernetes|git|linux)"
    r"(?![\w+#])",
    re.IGNORECASE,
)
# Words that are also programming words but not only ("rust on my bike", "Java coffee")
# count as coding terms, so they need a second one.
_CODING_TERMS = linear_re.compile(
    r"\b(rust|java|ruby|scala|swift|react|flask|functions?|class(?:es)?|methods?|variables?"
    r"|compiler?|bugs?|debug\w*|stack trace"
    r"|traceback|exceptions?|api|scripts?|algorithms?|implement\w*|refactor\w*|unit tests?"
    r"|loops?|arrays?|recursion|library|syntax|code|program(?:s|ming)?|segfault|runtime"
    r"|repository|endpoint|command line|terminal)\b",
    re.IGNORECASE,
)
_CODING_REQUEST = linear_re.compile(
    r"\b(?:write|implement|fix|debug|refactor|optimi[sz]e|review)\b[^.?!\n]{0,30}?"
    r"\b(?:functions?|class|method|program|script|code|query|regex|tests?)\b",
    re.IGNORECASE,
)
# Under re, "`" + "a(" * n was quadratic (8 s at 40 KB): [^`\n]* backtracks to every "a(".
_CODE_SYNTAX = linear_re.compile(
    r"(?m)^[ \t]*(?:def \w+\(|class \w+[:(]|import \w+|from [\w.]+ import|#include\s*<"
    r"|public (?:static )?\w+|fn \w+\(|func \w+\()|`[^`\n]*\w\([^`\n]*\)[^`\n]*`"
)
# The same separator twice, spelled out: RE2 has no backreference.
_DATES = linear_re.compile(r"\b\d{1,4}/\d{1,2}/\d{1,4}\b|\b\d{1,4}-\d{1,2}-\d{1,4}\b")
# re (lookarounds): no nested quantifier; the lookbehind lets a match start only where a
# digit run starts, and each start scans that run and the spaces after it once or twice.
_ARITHMETIC = re.compile(
    r"(?<![\w.])-?\d+(?:\.\d+)?(?:\s*[+*/\u00d7\u00f7^]\s*|\s+-\s+)-?\d+(?:\.\d+)?(?![\w.])"
)
_LATEX = linear_re.compile(
    r"\\(?:frac|dfrac|sqrt|sum|int|cdot|times|pi|leq?|geq?|binom)\b|\$[^$\n]+\$"
)
_MATH_PHRASES = linear_re.compile(
    r"\b(how many|how much|calculate|compute|solve|evaluate|simplify|what is the (?:sum|product"
    r"|value|difference|quotient|remainder|probability|area|perimeter|volume)|sum of|product of"
    r"|equations?|integers?|primes?|probability|remainder|divisible|percent(?:age)?|average"
    r"|square root|derivative|integral|times|plus|minus|divided by|multiplied by"
    r"|what is -?\d)\b",
    re.IGNORECASE,
)
# re (lookbehind): one quantified run per start, starts only where a digit run starts.
_NUMBERS = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")

LANGUAGE_CONFIDENCE = 0.5
"""Least detector confidence in the prompt's language for ``language`` to be selected."""
MODEL_BASED_REWARDS = frozenset({"judge"})
"""Rewards that are a model's opinion: never the only reward of a request or profile."""
OPTIONAL_REWARDS = ("relevance", "judge")
"""Rewards the context selector adds only when the operator turned them on."""


Stage = Literal["context", "profile", "client", "after_generation"]


@dataclass(frozen=True)
class RewardChoice:
    """One reward of a selection: its name, weight and why it was chosen.

    ``stage`` says when it was chosen: from the request's context, from a profile,
    by the client, or after generation (a look at the candidates, e.g. a second look
    when the group disagrees).
    """

    name: str
    weight: float
    reason: str
    stage: Stage = "context"
    # Where ``weight`` came from, in words, when something other than the profile or
    # the built-in set decided it (learned reliability, an operator's freeze); "" if not.
    weight_source: str = ""


@dataclass(frozen=True)
class Selection:
    """The reward set for one request, with the evidence behind it.

    Attributes:
        task: the detected task.
        task_evidence: why that task (e.g. ``"code fence in prompt"``).
        rewards: the chosen rewards.
        explicit: True when the client named the rewards itself.
        profile: the reward profile the request ran under, if any.
        decisions: what the selector did after seeing the candidates, in words (for
            the trace), e.g. a second look when the group disagreed.
    """

    task: Task
    task_evidence: list[str] = field(default_factory=list)
    rewards: list[RewardChoice] = field(default_factory=list)
    explicit: bool = False
    profile: str | None = None
    decisions: list[str] = field(default_factory=list)

    @property
    def source(self) -> Literal["automatic", "profile", "explicit"]:
        """Who chose the set: the client, a profile, or the context selector."""
        if self.explicit:
            return "explicit"
        return "profile" if any(c.stage == "profile" for c in self.rewards) else "automatic"

    @property
    def weights(self) -> dict[str, float]:
        """Weight by reward name."""
        return {choice.name: choice.weight for choice in self.rewards}


_DEFAULTS: dict[Task, tuple[RewardChoice, ...]] = {
    "math": (
        RewardChoice(
            "answer_agreement",
            1.0,
            "task=math: agreement on the final answer, votes weighted by each candidate's"
            " checked steps",
        ),
        RewardChoice("math_steps", 0.5, "task=math: share of the arithmetic claims that hold"),
        RewardChoice(
            "math_reasoning",
            0.5,
            "task=math: share of the steps that compute with the question's numbers, the"
            " operation it asks for, and end at the stated answer",
        ),
        RewardChoice("format", 0.2, "task=math: closed reasoning and a \\boxed{} final answer"),
        RewardChoice("repetition", 0.2, "task=math: penalise degenerate repetition loops"),
        RewardChoice(
            "efficiency",
            0.2,
            "task=math: the shorter of the majority-answer solutions; truncated ones score 0",
        ),
    ),
    "code": (
        RewardChoice(
            "code_exec", 1.0, "task=code: no tests in the prompt, so a syntax check of the code"
        ),
        RewardChoice("repetition", 0.3, "task=code: penalise degenerate repetition loops"),
        RewardChoice("format", 0.2, "task=code: well-formed reasoning markup, if used"),
        RewardChoice(
            "efficiency",
            0.1,
            "task=code: the shorter of the best-tested answers; truncated ones score 0",
        ),
    ),
    "json": (
        RewardChoice("json_valid", 2.0, "task=json: valid JSON that matches the schema, if any"),
        RewardChoice(
            "json_agreement", 1.0, "task=json: field values the group's JSON answers agree on"
        ),
        RewardChoice("repetition", 0.2, "task=json: penalise degenerate repetition loops"),
        RewardChoice(
            "efficiency",
            0.1,
            "task=json: the shorter of the valid documents; truncated ones score 0",
        ),
    ),
    "tool": (
        RewardChoice(
            "tool_valid",
            2.0,
            "task=tool: each call names a declared tool and its arguments match the tool's"
            " schema (an invalid call never ranks above a valid one)",
        ),
        RewardChoice(
            "tool_agreement",
            1.0,
            "task=tool: the calls (tool and canonical arguments) the group agrees on",
        ),
        RewardChoice("repetition", 0.2, "task=tool: penalise degenerate repetition loops"),
    ),
    "general": (
        RewardChoice("repetition", 0.5, "task=general: penalise degenerate repetition loops"),
        RewardChoice(
            "efficiency",
            0.2,
            "task=general: prefer the shorter complete answer; truncated ones score 0",
        ),
        RewardChoice("format", 0.3, "task=general: well-formed reasoning markup, if used"),
    ),
}


def _json_format(response_format: Mapping[str, Any] | None) -> str | None:
    kind = (response_format or {}).get("type")
    return kind if kind in _JSON_FORMATS else None


def _roles_text(messages: Iterable[Mapping[str, Any]], roles: tuple[str, ...]) -> list[str]:
    return [content_text(m.get("content")) for m in messages if m.get("role") in roles]


# A keyword's stem: "debugging" -> "debug" (the regex's \w* tail is the client's word).
_STEM = re.compile(r"^(debug|implement|refactor)\w*")


def _quote(matches: Iterable[str], limit: int = 3) -> str:
    """Our own keywords that matched, lower-cased and stemmed: never the client's text."""
    unique = list(dict.fromkeys(_STEM.sub(r"\1", m.lower()) for m in matches))
    return ", ".join(unique[:limit])


def detect_task(
    prompt: str,
    *,
    messages: Iterable[Mapping[str, Any]] | None = None,
    response_format: Mapping[str, Any] | None = None,
    tools: Sequence[Any] | None = None,
    tool_choice: str | Mapping[str, Any] | None = None,
) -> tuple[Task, list[str]]:
    """Detects the request's task, with the evidence for it.

    Priority: tools declared (and ``tool_choice`` not ``none``) > JSON asked for
    (``response_format`` or in words) > code (fences,
    programming words, code syntax) > math (arithmetic, LaTeX, or numbers with
    math phrasing) > general. Code and math look at the last user message; JSON
    instructions count in the system prompt too.

    Args:
        prompt: the prompt text (used when there are no messages).
        messages: the chat messages, if a chat request.
        response_format: OpenAI's ``response_format`` object, if any.
        tools: the request's declared tools (OpenAI's ``tools``), if any.
        tool_choice: OpenAI's ``tool_choice``, if sent (None reads as ``auto``).

    Returns:
        The task and the evidence strings: our own words and keywords, never a quote of
        the request (the evidence goes into every trace, summary ones too, and a system
        prompt can hold secrets).

    >>> detect_task("What is 12 * 7?")
    ('math', ['arithmetic expression in prompt'])
    """
    if tools and tool_choice != "none":
        return "tool", [_tool_evidence(len(tools), tool_choice)]
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
            return "json", [f"JSON asked for in {where}"]

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
        evidence.append("coding request in prompt")
    if syntax:
        evidence.append("code syntax in prompt")
    if evidence:
        return "code", evidence

    undated = _DATES.sub(" ", text)
    arithmetic = _ARITHMETIC.search(undated)
    if arithmetic:
        evidence.append("arithmetic expression in prompt")
    latex = _LATEX.search(text)
    if latex:
        evidence.append("LaTeX math in prompt")
    phrases = _MATH_PHRASES.findall(text)
    if phrases and _NUMBERS.search(undated):
        evidence.append(f"math phrasing: {_quote(repr(p.lower()) for p in phrases)}")
    if evidence:
        return "math", evidence
    return "general", ["no JSON, code or math evidence"]


def _tool_evidence(count: int, tool_choice: str | Mapping[str, Any] | None) -> str:
    """Our words for a tool turn: how many tools, which kind of choice (never a name)."""
    if isinstance(tool_choice, Mapping):
        choice = "names one function"
    elif tool_choice is None:
        choice = "not sent (auto)"
    else:
        choice = f"is {tool_choice}" if tool_choice in ("auto", "required") else "is set"
    return f"{count} tool(s) declared, tool_choice {choice}"


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
    system = _roles_text(msgs or (), ("system", "developer"))
    references: dict[str, Any] = {}
    if response_format and response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema is not None:
            references["json_schema"] = schema
    if task == "code":
        users = _roles_text(msgs or (), ("user",))
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


def _task_evidence(context: RewardContext, given: list[str] | None) -> list[str]:
    if given is not None:
        return list(given)
    task, evidence = detect_task(
        context.prompt,
        messages=context.messages,
        response_format=context.response_format,
        tools=context.tools,
        tool_choice=context.tool_choice,
    )
    return evidence if task == context.task else [f"task={context.task} set by the caller"]


def check_not_model_only(weights: Mapping[str, float]) -> None:
    """A model's opinion is never the only reward: it must sit beside a checked one.

    Raises:
        ValueError: every reward with a positive weight is model-based (``judge``).
    """
    deciding = [name for name, weight in weights.items() if weight > 0]
    if deciding and all(name in MODEL_BASED_REWARDS for name in deciding):
        raise ValueError(
            f"{', '.join(deciding)} cannot be the only reward: a model's rating must sit"
            " beside at least one rule-based or verifiable reward"
        )


def default_reward_sets() -> dict[Task, list[RewardChoice]]:
    """The automatic reward set of every task (for validation at startup, and docs)."""
    return {task: list(choices) for task, choices in _DEFAULTS.items()}


def select_rewards(
    context: RewardContext,
    *,
    task_evidence: list[str] | None = None,
    optional: Iterable[str] = (),
) -> Selection:
    """The context-selected reward set: the task's defaults, adjusted by what the
    request shows, each choice with the evidence that triggered it.

    * the task's default set (:func:`default_reward_sets`);
    * ``code``: tests in the prompt (asserts, doctests, test functions) weigh
      ``code_exec`` up, since running them is the strongest signal there is;
    * the prompt's language, when detected with confidence: ``language`` checks the
      answer keeps to it (DeepSeek-R1's language-consistency reward);
    * optional rewards the operator turned on (``relevance``, ``judge``).

    Args:
        context: the request context; its ``task`` picks the base set.
        task_evidence: the evidence :func:`detect_task` gave, for the trace; when
            None, detection runs again on the context (cheap: regular expressions).
        optional: optional rewards the operator enabled.
    """
    choices = list(_DEFAULTS[context.task])
    tests = [t for t in context.references.get("tests") or [] if t.kind != "setup"]
    if context.task == "code" and tests:
        choices = [
            RewardChoice(
                c.name,
                max(c.weight, 2.0),
                f"task=code: {len(tests)} test(s) in the prompt, run in the sandbox",
            )
            if c.name == "code_exec"
            else c
            for c in choices
        ]
    if context.task in ("math", "general"):
        code, confidence = detect_language(context.user_text)
        if code is not None and confidence >= LANGUAGE_CONFIDENCE:
            choices.append(
                RewardChoice(
                    "language",
                    0.3,
                    f"prompt language {code} (confidence {confidence:.2f}): answer in it",
                )
            )
    enabled = set(optional)
    if "relevance" in enabled and context.task == "general":
        choices.append(
            RewardChoice("relevance", 0.3, "enabled by the operator: similarity to the prompt")
        )
    return Selection(
        task=context.task,
        task_evidence=_task_evidence(context, task_evidence),
        rewards=choices,
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
    check_not_model_only(weights)
    return Selection(
        task=context.task,
        task_evidence=_task_evidence(context, task_evidence),
        rewards=[
            RewardChoice(name, float(w), "requested by client", "client")
            for name, w in weights.items()
        ],
        explicit=True,
    )


def profile_selection(
    context: RewardContext,
    profile: Profile,
    *,
    task_evidence: list[str] | None = None,
) -> Selection:
    """The reward set of a profile that names its rewards (validated at startup)."""
    return Selection(
        task=context.task,
        task_evidence=_task_evidence(context, task_evidence),
        rewards=[
            RewardChoice(name, float(w), f"profile {profile.name!r}", "profile")
            for name, w in (profile.rewards or {}).items()
        ],
        profile=profile.name,
    )


def choose_rewards(
    context: RewardContext,
    registry: RewardRegistry,
    *,
    requested: Mapping[str, float] | None = None,
    profile: Profile | None = None,
    task_evidence: list[str] | None = None,
    optional: Iterable[str] = (),
) -> Selection:
    """The reward set for a request, as the server chooses it.

    Precedence: the client's explicit ``rewards`` > the profile's rewards > the
    context selector. Gates are not part of any of these: they always run.

    Args:
        context: the request context (its ``profile`` is recorded).
        registry: the registry every name must be in.
        requested: the client's ``rewards`` field, if sent.
        profile: the request's profile, if any.
        task_evidence: :func:`detect_task`'s evidence, for the trace.
        optional: optional rewards the operator turned on (``relevance``, ``judge``).

    Raises:
        UnknownRewardError: a requested name is not a registered reward.
        ValueError: a requested weight is negative or not finite.
    """
    name = profile.name if profile else None
    if requested is not None:
        chosen = explicit_selection(context, requested, registry, task_evidence=task_evidence)
    elif profile is not None and profile.rewards is not None:
        chosen = profile_selection(context, profile, task_evidence=task_evidence)
    else:
        chosen = select_rewards(context, task_evidence=task_evidence, optional=optional)
    return replace(chosen, profile=name)


def _second_look_weight(selection: Selection, name: str) -> float | None:
    for choice in selection.rewards:
        if choice.name == name:
            return choice.weight
    return None


def refine_selection(
    selection: Selection,
    context: RewardContext,
    candidates: Sequence[Candidate],
    *,
    optional: Iterable[str] = (),
) -> Selection:
    """Adjusts an automatic selection after seeing the candidates.

    Only the context selector's sets change; a client's or a profile's set is kept as
    it is. Each change is recorded in ``decisions`` and in the reward's reason:

    * a reasoning model's ``<think>`` output: ``format`` checks the reasoning is
      closed and the answer outside it (added, or its weight raised to 0.5);
    * intermediate goals: when a math group disagrees on the final answer (the most
      common answer has under half of the answered candidates), the step checker's
      weight is raised for a second look, and the judge is added when configured.

    >>> from rewards.types import Candidate, RewardContext
    >>> ctx = RewardContext(prompt="What is 6 * 7?", task="math")
    >>> sel = select_rewards(ctx, task_evidence=[])
    >>> texts = ["6 * 7 = 42", "6 * 7 = 36", "6 * 7 = 48", "It is 41"]
    >>> refined = refine_selection(sel, ctx, [Candidate(i, t) for i, t in enumerate(texts)])
    >>> refined.decisions[0].startswith("second look")
    True
    """
    if selection.source != "automatic" or not candidates:
        return selection
    rewards = list(selection.rewards)
    decisions = list(selection.decisions)
    enabled = set(optional)

    def put(name: str, weight: float, reason: str) -> None:
        for i, choice in enumerate(rewards):
            if choice.name == name:
                if choice.weight >= weight:
                    return
                rewards[i] = RewardChoice(
                    name, weight, f"{choice.reason}; {reason}", "after_generation"
                )
                return
        rewards.append(RewardChoice(name, weight, reason, "after_generation"))

    thinking = sum(1 for c in candidates if "<think>" in c.text)
    if thinking:
        why = f"{thinking} of {len(candidates)} candidates reason in <think>"
        put("format", 0.5, f"{why}: reasoning must be closed, the answer outside it")
        decisions.append(f"format weighted 0.5: {why}")

    if context.task == "math" and len(candidates) > 1:
        # Answers of finished candidates; equivalent ones ("20", "20.0") are one answer.
        answers = [a for c in candidates if (a := voting_answer(c.text, c.finish_reason))]
        if answers:
            classes = classify_answers(answers).classes
            count = Counter(classes).most_common(1)[0][1]
            if count * 2 < len(answers):
                # Counts only, never the answer: this runs before the gates, so the most
                # common answer may be a vetoed candidate's (a card number, say).
                why = (
                    f"group disagrees on the final answer (the most common has {count} of"
                    f" {len(answers)} answered)"
                )
                before = _second_look_weight(selection, "math_steps") or 0.0
                put("math_steps", max(1.0, before), f"second look: {why}")
                if "judge" in enabled:
                    put("judge", 0.5, f"second look: {why}")
                decisions.append(
                    f"second look: {why}; math_steps {before:g} -> {max(1.0, before):g}"
                    + ("; judge added" if "judge" in enabled else "")
                )
    if rewards == selection.rewards:
        return selection
    return replace(selection, rewards=rewards, decisions=decisions)
