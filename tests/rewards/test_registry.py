"""Registry: names, validation, entry points."""

import logging
from importlib import metadata

import pytest

from rewards import registry as registry_module
from rewards.builtin import LengthReward, RepetitionReward
from rewards.registry import (
    RewardRegistry,
    UnknownRewardError,
    builtin_registry,
    default_registry,
)


def test_builtin_names() -> None:
    registry = builtin_registry()
    assert registry.reward_names() == [
        "answer_agreement",
        "code_exec",
        "efficiency",
        "format",
        "json_agreement",
        "json_valid",
        "judge",
        "language",
        "length",
        "math_reasoning",
        "math_steps",
        "relevance",
        "repetition",
        "tool_agreement",
        "tool_valid",
    ]
    assert registry.gate_names() == ["hazards", "injection", "leakage", "pii"]


def test_default_registry_is_cached_and_has_the_builtins() -> None:
    assert default_registry() is default_registry()
    assert set(builtin_registry().reward_names()) <= set(default_registry().reward_names())
    assert "pii" in default_registry().gate_names()


def test_reward_builds_with_config() -> None:
    reward = builtin_registry().reward("repetition", ngram_size=4)
    assert reward.name == "repetition"
    assert reward.ngram_size == 4  # type: ignore[attr-defined]


def test_unknown_config_keyword_is_an_error_not_ignored() -> None:
    with pytest.raises(TypeError):
        builtin_registry().reward("repetition", ngram_sise=4)


def test_validate_unknown_name() -> None:
    with pytest.raises(UnknownRewardError) as info:
        builtin_registry().validate(["length", "lenght"])
    assert isinstance(info.value, ValueError)
    assert info.value.name == "lenght"
    assert "known rewards: answer_agreement, code_exec, efficiency, format," in str(info.value)


def test_gate_names_cannot_be_selected_as_rewards() -> None:
    with pytest.raises(UnknownRewardError, match="'pii' is a gate"):
        builtin_registry().reward("pii")


def test_unknown_gate() -> None:
    with pytest.raises(KeyError):
        builtin_registry().gate("nope")


def test_duplicate_and_non_callable_registrations_are_refused() -> None:
    registry = RewardRegistry()
    registry.register_reward("length", LengthReward)
    with pytest.raises(ValueError, match="already registered"):
        registry.register_reward("length", LengthReward)
    with pytest.raises(ValueError, match="already registered"):
        registry.register_gate("length", LengthReward)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not callable"):
        registry.register_reward("x", 3)  # type: ignore[arg-type]


def test_copy_is_independent() -> None:
    original = builtin_registry()
    clone = original.copy()
    clone.register_reward("short", LengthReward)
    assert "short" in clone.reward_names()
    assert "short" not in original.reward_names()


def test_entry_points_load_and_failures_are_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    group = registry_module.REWARD_ENTRY_POINTS
    found = [
        metadata.EntryPoint("brevity", "rewards.builtin.length:LengthReward", group),
        metadata.EntryPoint("broken", "no_such_module_for_bon_tests:factory", group),
        metadata.EntryPoint("length", "rewards.builtin.length:LengthReward", group),  # clash
    ]

    def fake_entry_points(*, group: str) -> list[metadata.EntryPoint]:
        return [ep for ep in found if ep.group == group]

    monkeypatch.setattr(metadata, "entry_points", fake_entry_points)
    registry = builtin_registry()
    with caplog.at_level(logging.WARNING, logger="rewards.registry"):
        loaded = registry.load_entry_points()
    assert loaded == ["brevity"]
    assert registry.reward("brevity").name == "length"
    assert "broken" not in registry.reward_names()
    assert "skipping bon_server.rewards plugin 'broken'" in caplog.text
    assert "skipping bon_server.rewards plugin 'length'" in caplog.text


def test_gate_entry_points_register_always_on_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    group = registry_module.GATE_ENTRY_POINTS
    found = [metadata.EntryPoint("pii_strict", "rewards.gates.pii:PiiGate", group)]
    monkeypatch.setattr(
        metadata,
        "entry_points",
        lambda *, group: [ep for ep in found if ep.group == group],
    )
    registry = builtin_registry()
    registry.load_entry_points()
    assert registry.gate_names() == ["hazards", "injection", "leakage", "pii", "pii_strict"]


def test_replace_reward_swaps_a_factory_and_refuses_unknown_names() -> None:
    registry = builtin_registry()
    registry.replace_reward("length", RepetitionReward)
    assert registry.reward("length").name == "repetition"
    with pytest.raises(UnknownRewardError):
        registry.replace_reward("no_such_reward", RepetitionReward)
    assert builtin_registry().reward("length").name == "length"
