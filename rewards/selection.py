"""Selection: which rewards score a request, with a weight and a reason each.

:func:`select_rewards` maps the request's task to its default reward set, adjusted by
what the request shows; :func:`explicit_selection` builds the set a client asked for,
:func:`profile_selection` a profile's; :func:`choose_rewards` applies the precedence
(client > profile > context). Gates are not selected: they always run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from rewards.language import detect_language
from rewards.profiles import Profile
from rewards.registry import RewardRegistry
from rewards.task import detect_task
from rewards.types import RewardContext, Task

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
