"""Resolve once: a request's profile is looked up once (by the serving layer) and its prompt
flattened once, by one function whose text the engine, the trace and the rewards all see."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rewards.profiles import Profile, Profiles
from rewards.types import RewardContext, content_text, messages_text
from server.app import create_app
from server.engines.scripted import ScriptedEngine
from server.engines.vllm_engine import _normalize_message
from server.pipeline import GroupJob, GroupScorer
from server.responses.convert import input_messages
from server.responses.protocol import ResponsesRequest
from tests.conftest import MODEL, make_engine, make_settings
from tests.server.test_adaptive_and_profiles import PROFILES, SCRIPT

# Two text parts: joined by a newline everywhere, never run together ("apples?12").
PARTS: list[dict[str, str]] = [
    {"type": "text", "text": "How many apples?"},
    {"type": "text", "text": "agree: 12 * 3 + 6"},
]
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "Show your work."},
    {"role": "user", "content": PARTS},
]


@pytest.fixture
def engine() -> ScriptedEngine:
    return make_engine(SCRIPT)


@pytest.fixture
def client(engine: ScriptedEngine, tmp_path: Path) -> Iterator[TestClient]:
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(PROFILES)
    settings = make_settings(profiles_file=profiles, auto_max_best_of=8, trace_text="full")
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Every Profiles.get call from now on (the names asked for)."""
    seen: list[str | None] = []
    original = Profiles.get

    def get(self: Profiles, name: str | None) -> Profile | None:
        seen.append(name)
        return original(self, name)

    monkeypatch.setattr(Profiles, "get", get)
    return seen


@pytest.mark.parametrize(
    ("extra", "profile"),
    [
        ({}, None),  # the file's default (auto): no profile
        ({"reward_profile": "terse"}, "terse"),
        # best_of="auto" from the profile: several rounds, each scored under its aggregation
        ({"reward_profile": "adaptive-math"}, "adaptive-math"),
    ],
)
def test_the_profile_is_resolved_once_per_request(
    client: TestClient, lookups: list[str | None], extra: dict[str, Any], profile: str | None
) -> None:
    body = {"model": MODEL, "messages": MESSAGES, "trace": "summary", **extra}
    lookups.clear()  # the app's startup checks the profiles too
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    assert lookups == [extra.get("reward_profile")]
    trace = r.json()["trace"]
    assert trace["profile"] == profile
    if profile == "adaptive-math":
        assert trace["aggregation"] == "sum_then_normalize"
        assert len(trace["adaptive"]["rounds"]) >= 1


def test_a_multi_part_prompt_is_one_text_for_engine_trace_and_rewards(
    client: TestClient, engine: ScriptedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    contexts: list[RewardContext] = []
    plan = GroupScorer.plan

    def spy(self: GroupScorer, job: GroupJob) -> Any:
        context, selection = plan(self, job)
        contexts.append(context)
        return context, selection

    monkeypatch.setattr(GroupScorer, "plan", spy)
    body = {"model": MODEL, "messages": MESSAGES, "trace": "full", "best_of": 2}
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    text = messages_text(MESSAGES)
    assert text == "system: Show your work.\nuser: How many apples?\nagree: 12 * 3 + 6"
    [context] = contexts
    assert context.prompt == text  # what every reward reads
    assert r.json()["trace"]["prompt"] == text
    # The scripted engine's prompt is the same text, with the assistant's turn opened.
    seen = engine.requests_seen[-1]
    assert engine._prompt_of(seen) == text + "\nassistant:"
    assert r.json()["usage"]["prompt_tokens"] == len((text + "\nassistant:").split())


def test_the_real_engines_and_the_responses_input_join_parts_the_same_way() -> None:
    joined = content_text(PARTS)
    assert joined == "How many apples?\nagree: 12 * 3 + 6"
    # vLLM's chat template gets the parts as one string, joined as the rewards read them.
    assert _normalize_message({"role": "user", "content": PARTS})["content"] == joined
    parts = [{"type": "input_text", "text": p["text"]} for p in PARTS]
    req = ResponsesRequest.model_validate(
        {"model": MODEL, "input": [{"type": "message", "role": "user", "content": parts}]}
    )
    assert input_messages(req) == [{"role": "user", "content": joined}]


def test_a_job_flattens_its_prompt_once_at_construction() -> None:
    common: dict[str, Any] = {
        "request_id": "x",
        "best_of": 1,
        "n": 1,
        "max_tokens": 8,
        "temperature": 1.0,
        "top_p": 1.0,
        "stop": [],
        "seed": None,
        "trace_level": "none",
    }
    chat = GroupJob(endpoint="chat.completions", messages=MESSAGES, **common)
    assert chat.prompt_text == messages_text(MESSAGES)
    text = GroupJob(endpoint="completions", prompt="Once upon a time", **common)
    assert text.prompt_text == "Once upon a time"
