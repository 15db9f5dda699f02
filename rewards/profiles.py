"""Named reward profiles: an operator's YAML file of reward sets, chosen per request.

A profile fixes the reward set (names and weights), and optionally the aggregation
mode and the group size, for a kind of traffic (``math``, ``code``, ``support-bot``).
A request picks one with ``reward_profile``; the file's ``default`` is used when it
names none. ``default: auto`` (the built-in default) means no profile: the selector
chooses by the request's context. The request's explicit ``rewards`` still wins over
any profile, and no profile can remove the gates: gates are not rewards.

The file::

    default: auto            # or the name of a profile below
    profiles:
      math:
        description: Word problems; reward the steps and the agreed answer.
        rewards: {answer_agreement: 1.0, math_steps: 0.5, format: 0.2}
        aggregation: normalize_then_sum   # optional
        best_of: auto                     # optional: an int, or "auto"
      support-bot:
        rewards: {language: 0.5, repetition: 0.5, length: 0.2}
      careful:
        rewards:
          math_steps: {weight: 1.0, reason: "our graders weigh the steps first"}

A reward's value is its weight, or a mapping with ``weight`` and an optional
``reason`` (shown in the trace). The built-in reward set of every task is written in
this same format (``rewards/builtin_profiles.yaml``, read by :func:`builtin_profiles`).

A profile without ``rewards`` keeps the automatic, context-selected set and only
sets the other fields. Every error (unknown key, unknown reward, bad weight, a
``default`` that names no profile) is raised by :func:`load_profiles` with the
file's name, so a server fails at startup, never at request time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

AUTO = "auto"
MODEL_BASED_REWARDS = frozenset({"judge"})
"""Rewards that are a model's opinion: never the only reward of a request or profile."""
BUILTIN_PROFILES = "builtin_profiles.yaml"
"""The package data file (in :mod:`rewards`) that holds every task's built-in reward set."""
AggregationName = Literal["normalize_then_sum", "sum_then_normalize"]


class ProfileError(ValueError):
    """A profiles file that cannot be used; the message names the file and the fault."""


@dataclass(frozen=True)
class Profile:
    """One named reward profile.

    Attributes:
        name: the name requests use in ``reward_profile``.
        description: free text for operators and the trace.
        rewards: weight by reward name; None keeps the context-selected set.
        reasons: the file's reason for a reward, by reward name (only those it gave).
        aggregation: the aggregation mode for this profile, or None for the server's.
        best_of: the group size for requests that do not set one: an int, ``"auto"``,
            or None for the server's default.
    """

    name: str
    description: str = ""
    rewards: dict[str, float] | None = None
    aggregation: AggregationName | None = None
    best_of: int | Literal["auto"] | None = None
    reasons: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Profiles:
    """The loaded profiles and the default one (None: context selection)."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    default: str | None = None
    source: str = "built-in"

    def get(self, name: str | None) -> Profile | None:
        """The profile ``name``, the default one when ``name`` is None, or None (auto).

        Raises:
            KeyError: ``name`` is not a profile (the message lists the known ones).
        """
        if name is None:
            name = self.default
        if name is None or name == AUTO:
            return None
        if name not in self.profiles:
            known = ", ".join(sorted(self.profiles)) or "(none)"
            raise KeyError(f"unknown reward_profile {name!r}; known profiles: {AUTO}, {known}")
        return self.profiles[name]

    def names(self) -> list[str]:
        return sorted(self.profiles)

    def reward_names(self) -> set[str]:
        """Every reward some profile names (for validation against a registry)."""
        return {r for p in self.profiles.values() for r in (p.rewards or {})}


class _RewardModel(BaseModel):
    """A reward written as a mapping: its weight and why (the trace shows the reason)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weight: float
    reason: str = ""


class _ProfileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    rewards: dict[str, float | _RewardModel] | None = None
    aggregation: AggregationName | None = None
    best_of: int | Literal["auto"] | None = Field(None)

    @field_validator("rewards")
    @classmethod
    def _weights(
        cls, value: dict[str, float | _RewardModel] | None
    ) -> dict[str, float | _RewardModel] | None:
        for name, given in (value or {}).items():
            weight = given.weight if isinstance(given, _RewardModel) else given
            if not math.isfinite(weight) or weight < 0:
                raise ValueError(f"weight of {name!r} must be a finite number >= 0")
        return value

    def weights(self) -> dict[str, float] | None:
        if self.rewards is None:
            return None
        return {
            name: given.weight if isinstance(given, _RewardModel) else given
            for name, given in self.rewards.items()
        }

    def reasons(self) -> dict[str, str]:
        return {
            name: given.reason
            for name, given in (self.rewards or {}).items()
            if isinstance(given, _RewardModel) and given.reason
        }

    @field_validator("best_of")
    @classmethod
    def _best_of(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and not 1 <= value <= 64:
            raise ValueError("best_of must be between 1 and 64, or 'auto'")
        return value


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: str = AUTO
    profiles: dict[str, _ProfileModel] = Field(default_factory=dict)


def parse_profiles(data: Any, *, source: str = "<profiles>") -> Profiles:
    """Builds :class:`Profiles` from already-parsed YAML/JSON data.

    Raises:
        ProfileError: the data does not describe valid profiles.
    """
    try:
        model = _FileModel.model_validate(data if data is not None else {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ProfileError(f"{source}: {problems}") from None
    profiles = {
        name: Profile(
            name=name,
            description=p.description,
            rewards=p.weights(),
            aggregation=p.aggregation,
            best_of=p.best_of,
            reasons=p.reasons(),
        )
        for name, p in model.profiles.items()
    }
    if AUTO in profiles:
        raise ProfileError(f"{source}: {AUTO!r} is reserved (it means: no profile)")
    default = model.default
    if default != AUTO and default not in profiles:
        known = ", ".join(sorted(profiles)) or "(none)"
        raise ProfileError(f"{source}: default {default!r} is not a profile; known: {known}")
    return Profiles(profiles, None if default == AUTO else default, source)


def load_profiles(path: str | Path) -> Profiles:
    """Loads and validates a profiles YAML file.

    Raises:
        ProfileError: the file is missing, is not YAML, or is not valid profiles.
    """
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"{p}: cannot read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"{p}: not valid YAML ({exc})") from None
    return parse_profiles(data, source=str(p))


@cache
def builtin_profiles() -> Profiles:
    """Every task's built-in reward set, as profiles named by task (package data).

    Read once per process with the operator's parser, so the two formats cannot drift.
    Not selectable by ``reward_profile``: the context selector picks one by task.

    Raises:
        ProfileError: the shipped file is not valid profiles (a packaging fault).
    """
    text = resources.files("rewards").joinpath(BUILTIN_PROFILES).read_text(encoding="utf-8")
    return parse_profiles(yaml.safe_load(text), source=f"rewards/{BUILTIN_PROFILES}")


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


def check_profiles(profiles: Profiles, known_rewards: Iterable[str]) -> None:
    """Checks that every reward a profile names is known, and that no profile has a
    model's rating as its only reward (call it at startup).

    Raises:
        ProfileError: naming the profile and the fault.
    """
    known = set(known_rewards)
    for profile in profiles.profiles.values():
        for name in profile.rewards or {}:
            if name not in known:
                raise ProfileError(
                    f"{profiles.source}: profile {profile.name!r} names unknown reward {name!r};"
                    f" known rewards: {', '.join(sorted(known))}"
                )
        try:
            check_not_model_only(profile.rewards or {})
        except ValueError as exc:
            raise ProfileError(f"{profiles.source}: profile {profile.name!r}: {exc}") from None


def profile_weights(profile: Profile | None) -> Mapping[str, float] | None:
    """The profile's reward weights, or None when it keeps the automatic set."""
    return None if profile is None else profile.rewards
