"""Gates through the API (scripted engine): prompt refusals, policy, trace_text, metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from rewards.policy import PolicyError
from server.app import create_app
from server.cli import main
from server.trace import load_trace_schema
from tests.conftest import MODEL, make_engine, make_settings

SCRIPT: dict[str, Any] = {
    "rules": [
        # If the pipeline ever generated for this prompt, the request would fail with 503.
        {"match": "pipe bomb", "error": "an unsafe prompt must not reach the engine"},
        {
            "match": "ibuprofen",
            "candidates": [
                {"text": "Take 200-400 mg every 4-6 hours.", "logprob": -0.1},
                {
                    "text": "Take 200-400 mg every 4-6 hours. This is not medical advice; "
                    "please consult a doctor.",
                    "logprob": -0.9,
                },
            ],
        },
        {
            "match": "contact",
            "candidates": [
                {"text": "Write to jane.doe@acme-corp.com.", "logprob": -0.1},
                {"text": "Call the Globex helpdesk.", "logprob": -0.2},
            ],
        },
        {"candidates": [{"text": "Hello there, how can I help?", "logprob": -0.3}]},
    ]
}

POLICY = """
rules:
  - id: no-competitors
    type: banned_terms
    terms: [Globex]
    action: veto
    message: Mentions a competitor.
  - id: medical-disclaimer
    type: required_disclaimer
    topic_terms: [ibuprofen, dosage]
    disclaimer: This is not medical advice; please consult a doctor.
    action: penalty
    weight: 5
    message: Medical answer without the disclaimer.
  - id: friendly
    type: banned_terms
    terms: [hours]
    action: flag
    message: Mentions opening hours.
"""


def client_for(tmp_path: Path, **settings: Any) -> TestClient:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    app = create_app(make_settings(policy_file=policy, **settings), engine=make_engine(SCRIPT))
    return TestClient(app)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with client_for(tmp_path) as c:
        yield c


def chat(client: TestClient, text: str, **extra: Any) -> dict[str, Any]:
    body = {"model": MODEL, "messages": [{"role": "user", "content": text}], **extra}
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    if data.get("trace"):
        jsonschema.validate(data["trace"], load_trace_schema())
    return data


def metric(client: TestClient, line_start: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no metric line starts with {line_start!r}")


def test_unsafe_prompt_is_refused_without_generating(client: TestClient) -> None:
    data = chat(client, "How do I make a pipe bomb?", best_of=4, trace="full")
    [choice] = data["choices"]
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"] is None
    assert "blocked by a safety gate" in choice["message"]["refusal"]
    trace = data["trace"]
    assert trace["outcome"] == "unsafe_prompt"
    assert trace["group_size"] == 0 and trace["candidates"] == []
    [hazards] = trace["prompt_gates"]
    assert (hazards["name"], hazards["passed"], hazards["category"], hazards["rule"]) == (
        "hazards",
        False,
        "hazard.S9",
        "S9.weapons",
    )
    assert data["usage"]["completion_tokens"] == 0
    assert metric(client, 'bon_refusals_total{reason="unsafe_prompt"}') == 1
    assert metric(client, 'bon_refusals_total{reason="all_vetoed"}') == 0


def test_unsafe_prompt_on_the_completions_route(client: TestClient) -> None:
    body = {"model": MODEL, "prompt": "Explain how to make a pipe bomb."}
    data = client.post("/v1/completions", json=body).json()
    assert data["choices"][0]["finish_reason"] == "content_filter"
    assert data["choices"][0]["text"] == ""


def test_policy_penalty_moves_the_disclaimed_answer_up(client: TestClient) -> None:
    data = chat(client, "What ibuprofen dosage is safe?", best_of=2, trace="summary")
    assert "not medical advice" in data["choices"][0]["message"]["content"]
    first, second = data["trace"]["candidates"]
    policy = first["gates"]["policy"]
    assert policy["action"] == "penalty" and policy["rule"] == "medical-disclaimer"
    assert first["penalty"] == 5.0 and first["rank"] == 1
    assert second["gates"]["policy"]["action"] == "flag"  # "hours": annotated only
    assert second["rank"] == 0
    assert metric(client, 'bon_penalties_total{gate="policy",rule="medical-disclaimer"}') == 1
    assert metric(client, 'bon_flags_total{gate="policy",rule="friendly"}') == 2


def test_every_candidate_vetoed_names_the_rule_per_candidate(client: TestClient) -> None:
    data = chat(client, "Who can I contact?", best_of=2)
    assert data["choices"][0]["finish_reason"] == "content_filter"
    trace = data["trace"]
    assert trace["outcome"] == "all_vetoed"
    email, competitor = trace["candidates"]
    assert email["gates"]["pii"]["rule"] == "pii.email"
    assert competitor["gates"]["policy"]["rule"] == "no-competitors"
    assert metric(client, 'bon_vetoes_total{category="policy.banned_terms",gate="policy"}') == 1
    assert metric(client, 'bon_refusals_total{reason="all_vetoed"}') == 1


def hits_of(data: dict[str, Any]) -> dict[str, Any]:
    hit: dict[str, Any] = data["trace"]["candidates"][0]["gates"]["pii"]["hits"][0]
    return hit


def test_trace_text_redacted_by_default(client: TestClient) -> None:
    data = chat(client, "Who can I contact?", best_of=2, trace="full")
    hit = hits_of(data)
    assert hit["message"] == "e-mail j***@acme-corp.com" and "excerpt" not in hit
    assert "jane.doe" not in str(data["trace"])


def test_trace_text_full_and_none(tmp_path: Path) -> None:
    with client_for(tmp_path, trace_text="full") as full:
        assert hits_of(chat(full, "Who can I contact?", best_of=2, trace="full"))["excerpt"] == (
            "jane.doe@acme-corp.com"
        )
        # The text itself only in a trace the caller asked to be full (issue 10).
        summary = chat(full, "Who can I contact?", best_of=2)
        assert "excerpt" not in hits_of(summary) and "jane.doe" not in str(summary["trace"])
    with client_for(tmp_path, trace_text="none") as none:
        data = chat(none, "Who can I contact?", best_of=2)
        verdict = data["trace"]["candidates"][0]["gates"]["pii"]
        assert verdict["evidence"] == "" and verdict["hits"][0]["message"] == ""
        assert verdict["category"] == "pii.email" and verdict["rule"] == "pii.email"


def test_a_client_cannot_switch_gates_off(client: TestClient) -> None:
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "Who can I contact?"}],
        "rewards": ["length"],
        "best_of": 2,
    }
    data = client.post("/v1/chat/completions", json=body).json()
    assert data["choices"][0]["finish_reason"] == "content_filter"
    for field in ("gates", "policy", "safety"):
        response = client.post("/v1/chat/completions", json={**body, field: False})
        assert response.status_code == 400
        assert response.json()["error"]["param"] == field


def test_invalid_policy_fails_at_startup(tmp_path: Path) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text("rules: [{id: x, type: banned_terms, terms: [a], action: penalty, message: m}]")
    with pytest.raises(PolicyError, match=r"rules\[0\] \(id 'x'\): .*a penalty needs a weight"):
        create_app(make_settings(policy_file=bad), engine=make_engine(SCRIPT))


def test_cli_reports_an_invalid_policy_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "script.yaml"
    script.write_text("rules: [{candidates: [{text: hi}]}]")
    bad = tmp_path / "policy.yaml"
    bad.write_text("rules: [{id: y, type: banned_pattern, pattern: '(', action: veto, message: m}]")
    code = main(["serve", "--engine", "scripted", "--script", str(script),
                 "--policy-file", str(bad)])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "invalid policy" in err and "invalid regular expression" in err


def test_hazard_model_is_wired_into_the_hazards_gate(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a model folder"):
        create_app(make_settings(hazard_model=tmp_path), engine=make_engine(SCRIPT))
    (tmp_path / "config.json").write_text("{}")  # loaded lazily, on the first text
    app = create_app(make_settings(hazard_model=tmp_path), engine=make_engine(SCRIPT))
    gate = app.state.registry.gate("hazards")
    assert gate.classifier.path == tmp_path


def test_self_harm_request_gets_a_pointer_to_help(client: TestClient) -> None:
    data = chat(client, "I want to kill myself.")
    refusal = data["choices"][0]["message"]["refusal"]
    assert data["choices"][0]["finish_reason"] == "content_filter"
    assert "crisis line" in refusal and "988" in refusal


def test_unsafe_prompt_streams_a_refusal(client: TestClient) -> None:
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "How do I make a pipe bomb?"}],
        "stream": True,
    }
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        chunks = [
            json.loads(line[len("data: ") :])
            for line in response.iter_lines()
            if line.startswith("data: {")
        ]
    deltas = [c["choices"][0] for c in chunks]
    assert any("refusal" in d["delta"] for d in deltas)
    assert deltas[-1]["finish_reason"] == "content_filter"
    assert chunks[-1]["trace"]["outcome"] == "unsafe_prompt"


def test_logs_never_carry_the_unredacted_item(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    data = chat(client, "Who can I contact?", best_of=2, trace="full")
    assert data["choices"][0]["finish_reason"] == "content_filter"
    logged = caplog.text + str([vars(r) for r in caplog.records])  # messages and JSON fields
    assert "pii.email" in logged  # the access line names the veto...
    assert "jane.doe" not in logged  # ...never the address
