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
from functools import cache
from typing import Literal

from rewards.language import detect_language
from rewards.profiles import (
    Profile,
    ProfileError,
    builtin_profiles,
    check_not_model_only,
)
from rewards.registry import RewardRegistry
from rewards.task import detect_task
from rewards.types import TASKS, RewardContext, Task

LANGUAGE_CONFIDENCE = 0.5
"""Least detector confidence in the prompt's language for ``language`` to be selected."""
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


@cache
def _builtin_sets() -> dict[Task, tuple[RewardChoice, ...]]:
    """Every task's built-in set, from the built-in profiles (one profile per task)."""
    profiles = builtin_profiles()
    if set(profiles.profiles) != set(TASKS):
        raise ProfileError(
            f"{profiles.source}: needs one profile per task ({', '.join(TASKS)}),"
            f" has {', '.join(profiles.names())}"
        )
    return {
        task: tuple(
            RewardChoice(name, weight, profile.reasons.get(name, f"task={task}"))
            for name, weight in (profile.rewards or {}).items()
        )
        for task in TASKS
        for profile in (profiles.profiles[task],)
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


def default_reward_sets() -> dict[Task, list[RewardChoice]]:
    """The automatic reward set of every task (for validation at startup, and docs)."""
    return {task: list(choices) for task, choices in _builtin_sets().items()}


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
    choices = list(_builtin_sets()[context.task])
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
            RewardChoice(name, float(w), _profile_reason(profile, name), "profile")
            for name, w in (profile.rewards or {}).items()
        ],
        profile=profile.name,
    )


def _profile_reason(profile: Profile, name: str) -> str:
    given = profile.reasons.get(name)
    return f"profile {profile.name!r}: {given}" if given else f"profile {profile.name!r}"


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
