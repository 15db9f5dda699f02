"""The built-in reward sets are profiles in the operator's format, and select the same.

``data/default_selections.json`` was written from the selector's former ``_DEFAULTS``
table (before the sets moved to ``rewards/builtin_profiles.yaml``): every task's
default set and the selections of a few prompts, reasons and stages included, must stay
exactly as they were.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from rewards.context import build_context
from rewards.profiles import (
    BUILTIN_PROFILES,
    ProfileError,
    builtin_profiles,
    load_profiles,
    parse_profiles,
)
from rewards.selection import default_reward_sets, profile_selection, select_rewards
from rewards.types import TASKS, RewardContext

_SNAPSHOT: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "default_selections.json").read_text(encoding="utf-8")
)


def test_every_tasks_default_set_is_unchanged() -> None:
    now = {task: [asdict(c) for c in choices] for task, choices in default_reward_sets().items()}
    assert now == _SNAPSHOT["defaults"]


@pytest.mark.parametrize("key", sorted(_SNAPSHOT["prompts"]))
@pytest.mark.parametrize("optional", [(), ("relevance", "judge")])
def test_a_prompts_selection_is_unchanged(key: str, optional: tuple[str, ...]) -> None:
    prompt = _SNAPSHOT["prompts"][key]
    context = build_context(prompt, [{"role": "user", "content": prompt}])
    selection = select_rewards(context, task_evidence=[], optional=optional)
    want = _SNAPSHOT["selections"][key + ("+optional" if optional else "")]
    assert selection.task == want["task"]
    assert [asdict(c) for c in selection.rewards] == want["rewards"]


def test_a_tool_turns_selection_is_unchanged() -> None:
    tool = _SNAPSHOT["tool_prompt"]
    context = build_context(
        tool["prompt"], [{"role": "user", "content": tool["prompt"]}], tools=tool["tools"]
    )
    selection = select_rewards(context, task_evidence=[])
    want = _SNAPSHOT["selections"]["tool"]
    assert selection.task == want["task"] == "tool"
    assert [asdict(c) for c in selection.rewards] == want["rewards"]


def test_the_built_in_sets_are_profiles_read_by_the_operators_parser() -> None:
    profiles = builtin_profiles()
    assert set(profiles.profiles) == set(TASKS)
    assert profiles.default is None
    math = profiles.profiles["math"]
    assert math.rewards is not None and math.rewards["answer_agreement"] == 1.0
    assert math.reasons["format"] == "task=math: closed reasoning and a \\boxed{} final answer"
    # The same file through load_profiles, the operator's entry point, reads the same.
    path = resources.files("rewards").joinpath(BUILTIN_PROFILES)
    with resources.as_file(path) as file:
        assert load_profiles(file).profiles == profiles.profiles


def test_the_built_in_profiles_ship_as_package_data() -> None:
    pyproject = tomllib.loads(
        (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    )
    assert BUILTIN_PROFILES in pyproject["tool"]["setuptools"]["package-data"]["rewards"]


def test_an_operators_reward_may_carry_its_reason() -> None:
    profiles = parse_profiles(
        {
            "profiles": {
                "careful": {
                    "rewards": {
                        "math_steps": {"weight": 1.0, "reason": "our graders weigh steps first"},
                        "format": 0.2,
                    }
                }
            }
        }
    )
    profile = profiles.profiles["careful"]
    assert profile.rewards == {"math_steps": 1.0, "format": 0.2}
    assert profile.reasons == {"math_steps": "our graders weigh steps first"}
    context = RewardContext(prompt="What is 6 * 7?", task="math")
    selection = profile_selection(context, profile, task_evidence=[])
    assert [(c.name, c.weight, c.reason, c.stage) for c in selection.rewards] == [
        ("math_steps", 1.0, "profile 'careful': our graders weigh steps first", "profile"),
        ("format", 0.2, "profile 'careful'", "profile"),
    ]


@pytest.mark.parametrize(
    "given",
    [{"weight": -1}, {"weight": float("nan")}, {"reason": "no weight"}, {"weight": 1, "x": 2}],
)
def test_a_bad_reward_mapping_is_refused(given: dict[str, Any]) -> None:
    with pytest.raises(ProfileError, match="rewards"):
        parse_profiles({"profiles": {"p": {"rewards": {"length": given}}}})
