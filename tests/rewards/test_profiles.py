"""Reward profiles: the YAML file, its validation, and how a profile picks the rewards."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewards.profiles import ProfileError, check_profiles, load_profiles, parse_profiles
from rewards.registry import builtin_registry
from rewards.selection import choose_rewards
from rewards.types import RewardContext

EXAMPLE = """
default: support-bot
profiles:
  math:
    description: Word problems
    rewards: {answer_agreement: 1.0, format: 0.2}
    best_of: auto
  support-bot:
    rewards: {repetition: 0.5, length: 0.2}
    aggregation: sum_then_normalize
    best_of: 6
  keep-auto:
    description: automatic rewards, bigger groups
    best_of: 8
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profiles.yaml"
    path.write_text(text)
    return path


def test_load_a_valid_file(tmp_path: Path) -> None:
    profiles = load_profiles(_write(tmp_path, EXAMPLE))
    assert profiles.names() == ["keep-auto", "math", "support-bot"]
    assert profiles.default == "support-bot"
    math = profiles.get("math")
    assert (
        math is not None
        and math.best_of == "auto"
        and math.rewards
        == {
            "answer_agreement": 1.0,
            "format": 0.2,
        }
    )
    bot = profiles.get(None)  # the default
    assert bot is not None and bot.name == "support-bot" and bot.aggregation == "sum_then_normalize"
    assert profiles.get("auto") is None
    check_profiles(profiles, builtin_registry().reward_names())


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("profiles: {a: {rewards: {length: -1}}}", "finite number >= 0"),
        ("profiles: {a: {rewards: {length: .nan}}}", "finite number >= 0"),
        ("profiles: {a: {best_of: 0}}", "between 1 and 64"),
        ("profiles: {a: {best_of: many}}", "best_of"),
        ("profiles: {a: {colour: red}}", "colour"),
        ("default: nope\nprofiles: {a: {}}", "default 'nope' is not a profile"),
        ("profiles: {auto: {}}", "reserved"),
        ("profiles: [1, 2]", "profiles"),
        ("profiles: {a: {aggregation: mean}}", "aggregation"),
    ],
)
def test_invalid_files_say_what_is_wrong(tmp_path: Path, text: str, fault: str) -> None:
    with pytest.raises(ProfileError, match=fault) as info:
        load_profiles(_write(tmp_path, text))
    assert "profiles.yaml" in str(info.value)


def test_unreadable_and_non_yaml_files(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read"):
        load_profiles(tmp_path / "missing.yaml")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profiles(_write(tmp_path, "profiles: {a: [unclosed"))


def test_unknown_reward_is_caught_at_startup() -> None:
    profiles = parse_profiles({"profiles": {"p": {"rewards": {"no_such_reward": 1}}}})
    with pytest.raises(ProfileError, match="profile 'p' names unknown reward 'no_such_reward'"):
        check_profiles(profiles, builtin_registry().reward_names())


def test_unknown_profile_lists_the_known_ones() -> None:
    profiles = parse_profiles({"profiles": {"p": {}}})
    with pytest.raises(KeyError, match="known profiles: auto, p"):
        profiles.get("q")


def test_precedence_client_then_profile_then_context() -> None:
    registry = builtin_registry()
    profiles = parse_profiles(
        {"profiles": {"bot": {"rewards": {"length": 1.0}}, "auto-set": {"best_of": 8}}}
    )
    context = RewardContext(prompt="What is 6 * 7?", task="math", profile="bot")
    by_profile = choose_rewards(context, registry, profile=profiles.get("bot"), task_evidence=[])
    assert [(c.name, c.stage) for c in by_profile.rewards] == [("length", "profile")]
    assert by_profile.source == "profile" and by_profile.profile == "bot"
    assert "profile 'bot'" in by_profile.rewards[0].reason

    by_client = choose_rewards(
        context, registry, requested={"format": 1}, profile=profiles.get("bot"), task_evidence=[]
    )
    assert [c.name for c in by_client.rewards] == ["format"]
    assert by_client.source == "explicit" and by_client.profile == "bot"

    # A profile without rewards keeps the context-selected set.
    automatic = choose_rewards(context, registry, profile=profiles.get("auto-set"))
    assert automatic.source == "automatic" and automatic.profile == "auto-set"
    assert "answer_agreement" in [c.name for c in automatic.rewards]


def test_a_judge_is_never_the_only_reward() -> None:
    registry = builtin_registry()
    context = RewardContext(prompt="Tell me about owls.")
    with pytest.raises(ValueError, match="judge cannot be the only reward"):
        choose_rewards(context, registry, requested={"judge": 1.0})
    with pytest.raises(ValueError, match="judge cannot be the only reward"):
        choose_rewards(context, registry, requested={"judge": 1.0, "length": 0.0})
    beside = choose_rewards(context, registry, requested={"judge": 1.0, "length": 0.2})
    assert [c.name for c in beside.rewards] == ["judge", "length"]
    profiles = parse_profiles({"profiles": {"opinion": {"rewards": {"judge": 1.0}}}})
    with pytest.raises(ProfileError, match="profile 'opinion': judge cannot be the only"):
        check_profiles(profiles, registry.reward_names())
