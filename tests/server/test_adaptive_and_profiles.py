"""best_of="auto" (adaptive rounds) and reward profiles through the API (scripted engine)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from server.app import create_app
from server.engines.scripted import ScriptedEngine
from server.trace import load_trace_schema
from tests.conftest import MODEL, make_engine, make_settings

# First matching rule wins: "disagree" must come before "agree".
SCRIPT: dict[str, Any] = {
    "rules": [
        {
            "match": "disagree",
            "candidates": [
                {"text": "6 * 7 = 42. The answer is \\boxed{42}."},
                {"text": "6 * 7 = 41. The answer is \\boxed{41}."},
                {"text": "6 * 7 = 40. The answer is \\boxed{40}."},
                {"text": "6 * 7 = 39. The answer is \\boxed{39}."},
            ],
        },
        {
            "match": "agree",
            "candidates": [
                {"text": "12 * 3 = 36, 36 + 6 = 42. The answer is \\boxed{42}."},
                {"text": "12 * 3 = 36, 36 + 5 = 41. The answer is \\boxed{41}."},
                {"text": "First 12 * 3 = 36, then 36 + 6 = 42. \\boxed{42}"},
                {"text": "The answer is \\boxed{42}."},
            ],
        },
        {"candidates": [{"text": "Paris is the capital of France."}]},
    ]
}

PROFILES = """
default: auto
profiles:
  terse:
    description: prefer short answers
    rewards: {length: 1.0}
    best_of: 3
  adaptive-math:
    best_of: auto
    aggregation: sum_then_normalize
"""


@pytest.fixture
def engine() -> ScriptedEngine:
    return make_engine(SCRIPT)


@pytest.fixture
def client(engine: ScriptedEngine, tmp_path: Path) -> Iterator[TestClient]:
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(PROFILES)
    settings = make_settings(profiles_file=profiles, auto_max_best_of=16)
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def _chat(client: TestClient, content: str, **extra: Any) -> dict[str, Any]:
    r = client.post(
        "/v1/chat/completions",
        json={"model": MODEL, "messages": [{"role": "user", "content": content}], **extra},
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    jsonschema.validate(body["trace"], load_trace_schema())
    return body


def _metric(client: TestClient, name: str) -> float:
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    raise AssertionError(f"{name} not exported")


def test_auto_stops_after_one_round_when_the_group_agrees(
    client: TestClient, engine: ScriptedEngine
) -> None:
    body = _chat(client, "How many apples? agree: 12 * 3 + 6", best_of="auto")
    adaptive = body["trace"]["adaptive"]
    assert adaptive["samples_used"] == 4 and adaptive["budget"] == 16 and adaptive["saved"] == 12
    assert adaptive["settled"] is True
    assert adaptive["rounds"][0]["reason"].startswith("agreed: top answer '42': 3 of 4")
    assert [r.n for r in engine.requests_seen] == [4]
    assert "42" in body["choices"][0]["message"]["content"]
    assert _metric(client, "bon_adaptive_samples_saved_total") == 12
    assert _metric(client, "bon_adaptive_rounds_count") == 1


def test_auto_spends_the_budget_when_the_group_never_agrees(
    client: TestClient, engine: ScriptedEngine
) -> None:
    body = _chat(client, "What is 6 * 7? disagree", best_of="auto", best_of_budget=10)
    adaptive = body["trace"]["adaptive"]
    assert [r["samples"] for r in adaptive["rounds"]] == [4, 4, 2]
    assert adaptive["samples_used"] == 10 and adaptive["saved"] == 0
    assert adaptive["settled"] is False
    assert all(r["reason"].startswith("not settled") for r in adaptive["rounds"])
    assert [r.n for r in engine.requests_seen] == [4, 4, 2]
    # Every round is a separate engine request; the candidates are numbered across rounds.
    assert [c["index"] for c in body["trace"]["candidates"]] == list(range(10))
    assert body["trace"]["group_size"] == 10
    # The disagreement triggered the selector's second look.
    assert any(d.startswith("second look") for d in body["trace"]["decisions"])
    steps = [r for r in body["trace"]["rewards"] if r["name"] == "math_steps"]
    assert steps and steps[0]["stage"] == "after_generation"


def test_auto_on_general_chat_needs_one_round(client: TestClient) -> None:
    body = _chat(client, "Tell me about France.", best_of="auto")
    assert body["trace"]["adaptive"]["rounds"][0]["reason"].startswith("nothing to settle on")
    assert body["trace"]["adaptive"]["samples_used"] == 4


def test_a_fixed_group_has_no_adaptive_record(client: TestClient) -> None:
    body = _chat(client, "What is 6 * 7? disagree", best_of=4)
    assert body["trace"]["adaptive"] is None


def test_profile_picks_rewards_and_group_size(client: TestClient, engine: ScriptedEngine) -> None:
    body = _chat(client, "What is 6 * 7? disagree", reward_profile="terse")
    trace = body["trace"]
    assert trace["selection"] == "profile" and trace["profile"] == "terse"
    assert [(r["name"], r["stage"]) for r in trace["rewards"]] == [("length", "profile")]
    assert trace["decisions"] == []  # a profile's set is not changed after generation
    assert engine.requests_seen[-1].n == 3
    # Gates still run under any profile.
    assert [g["name"] for g in trace["gates"]]


def test_profile_can_make_auto_the_default(client: TestClient) -> None:
    body = _chat(client, "How many apples? agree: 12 * 3 + 6", reward_profile="adaptive-math")
    assert body["trace"]["adaptive"]["samples_used"] == 4
    assert body["trace"]["aggregation"] == "sum_then_normalize"
    assert body["trace"]["selection"] == "automatic" and body["trace"]["profile"] == "adaptive-math"


def test_explicit_rewards_override_the_profile(client: TestClient) -> None:
    body = _chat(client, "Tell me about France.", reward_profile="terse", rewards=["repetition"])
    assert body["trace"]["selection"] == "explicit" and body["trace"]["profile"] == "terse"
    assert [r["name"] for r in body["trace"]["rewards"]] == ["repetition"]


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"reward_profile": "nope"}, "reward_profile"),
        ({"reward_profile": ""}, "reward_profile"),
        ({"best_of": "sometimes"}, "best_of"),
        ({"best_of": "auto", "best_of_budget": 65}, "best_of_budget"),
        ({"best_of": 4, "best_of_budget": 8}, "best_of_budget"),
        ({"best_of": "auto", "best_of_budget": 2, "n": 3}, "n"),
    ],
)
def test_bad_adaptive_and_profile_input_is_a_400(
    client: TestClient, extra: dict[str, Any], param: str
) -> None:
    r = client.post(
        "/v1/chat/completions",
        json={"model": MODEL, "messages": [{"role": "user", "content": "hi"}], **extra},
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == param


def test_unknown_profile_error_lists_the_known_ones(client: TestClient) -> None:
    r = client.post(
        "/v1/chat/completions",
        json={
            "model": MODEL,
            "messages": [{"role": "user", "content": "hi"}],
            "reward_profile": "x",
        },
    )
    assert "known profiles: auto, adaptive-math, terse" in r.json()["error"]["message"]


def test_invalid_profiles_file_fails_at_startup(tmp_path: Path) -> None:
    bad = tmp_path / "profiles.yaml"
    bad.write_text("profiles: {p: {rewards: {no_such_reward: 1}}}")
    with pytest.raises(ValueError, match="no_such_reward"):
        create_app(make_settings(profiles_file=bad), engine=make_engine(SCRIPT))


def test_a_bad_profiles_file_is_a_clear_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from server.cli import main

    script = tmp_path / "script.yaml"
    script.write_text("rules: [{candidates: [{text: hi}]}]")
    bad = tmp_path / "profiles.yaml"
    bad.write_text("default: nowhere\nprofiles: {p: {}}")
    args = ["serve", "--engine", "scripted", "--script", str(script)]
    assert main([*args, "--profiles-file", str(bad)]) == 2
    assert "default 'nowhere' is not a profile" in capsys.readouterr().err
    assert main([*args, "--optional-rewards", "length,nonsense"]) == 2
    assert "unknown reward 'nonsense'" in capsys.readouterr().err
