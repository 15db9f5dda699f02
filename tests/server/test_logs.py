"""Structured request logs: one JSON line per request, no texts unless turned on."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.logs import ACCESS_LOGGER, json_formatter
from server.process import running_server
from tests.conftest import MATH_SCRIPT, MODEL, make_engine, make_settings
from tests.text import json_strings

CARD_PROMPT = "Which card should I use? My name is Zebulon Quartermaine."


AccessLines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def access_lines() -> Iterator[AccessLines]:
    """Reads the access logger's lines so far, through the real JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    logger = logging.getLogger(ACCESS_LOGGER)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield lambda: [json.loads(raw) for raw in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def _chat(client: TestClient, content: str, **extra: Any) -> Any:
    body = {"model": MODEL, "messages": [{"role": "user", "content": content}], **extra}
    return client.post("/v1/chat/completions", json=body)


def test_one_json_line_per_request_with_group_and_vetoes(
    access_lines: AccessLines,
) -> None:
    app = create_app(make_settings(), engine=make_engine())
    with TestClient(app) as client:
        resp = _chat(client, CARD_PROMPT, best_of=2)
    assert resp.status_code == 200
    lines = access_lines()
    assert len(lines) == 1
    line = lines[0]
    trace = app.state.traces.get(resp.headers["X-Bon-Trace-Id"])
    assert line["logger"] == ACCESS_LOGGER and line["level"] == "INFO"
    assert line["id"] == resp.headers["X-Bon-Trace-Id"]
    assert line["route"] == "/v1/chat/completions" and line["status"] == 200
    assert line["group_size"] == 2 and line["n"] == 1
    assert line["selected"] == trace["selected"] == [1]
    assert line["selected_index"] == 1
    (veto,) = line["vetoes"]
    verdict = trace["candidates"][0]["gates"]["pii"]
    assert not verdict["passed"]
    assert veto["candidate"] == 0 and veto["gate"] == "pii"
    assert veto["category"] == verdict["category"] and "card" in veto["category"]
    assert set(line["timings"]) >= {"queue_s", "generate_s", "score_s", "total_s"}
    assert line["duration_s"] > 0
    # No prompt or candidate text by default.
    raw = json.dumps(line)
    assert "Zebulon" not in raw and "billing" not in raw and "4111" not in raw
    assert "prompt" not in line and "answers" not in line


def test_log_text_on_logs_prompt_and_answer_but_never_a_vetoed_text(
    access_lines: AccessLines,
) -> None:
    app = create_app(make_settings(log_text=True), engine=make_engine())
    with TestClient(app) as client:
        resp = _chat(client, CARD_PROMPT, best_of=2)
    assert resp.status_code == 200
    (line,) = access_lines()
    assert line["prompt"] == f"user: {CARD_PROMPT}"
    assert line["answers"] == ["I can't share card numbers, but billing can help."]
    assert "4111" not in json_strings(line)


def test_penalties_and_flags_are_logged_by_rule(access_lines: AccessLines, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "rules:\n  - {id: short, type: max_length, max_chars: 40, action: flag, message: Long.}\n"
    )
    app = create_app(make_settings(policy_file=policy), engine=make_engine())
    with TestClient(app) as client:
        assert _chat(client, "capital of France?", best_of=3).status_code == 200
    (line,) = access_lines()
    flagged = sorted(f["candidate"] for f in line["flags"] if f["rule"] == "short")
    assert flagged == [1, 2]  # the two answers over 40 characters
    assert line["vetoes"] == [] and line["penalties"] == []


def test_client_errors_and_probes(access_lines: AccessLines) -> None:
    app = create_app(make_settings(), engine=make_engine())
    with TestClient(app) as client:
        bad = _chat(client, "hi", best_of="8")
        client.get("/health")
        missing = client.get("/v1/traces/nope")
    assert bad.status_code == 400 and missing.status_code == 404
    lines = access_lines()
    by_path = {line["path"]: line for line in lines}
    assert by_path["/v1/chat/completions"]["status"] == 400
    assert "group_size" not in by_path["/v1/chat/completions"]
    assert by_path["/v1/traces/nope"]["route"] == "/v1/traces/{trace_id}"
    assert by_path["/v1/traces/nope"]["status"] == 404
    # Probes are debug lines, so an info-level log is not flooded by them.
    assert by_path["/health"]["level"] == "DEBUG"


def test_served_with_json_format_writes_json_lines(tmp_path: Path) -> None:
    """The CLI wiring: `--log-format json` makes every stderr line (uvicorn's too) JSON."""
    script = tmp_path / "script.json"
    script.write_text(json.dumps(MATH_SCRIPT))
    log = tmp_path / "server.log"
    args = ["--engine", "scripted", "--script", str(script), "--served-model-name", MODEL]
    with running_server([*args, "--log-format", "json"], log_path=log, start_timeout_s=120) as url:
        resp = httpx.post(
            f"{url}/v1/chat/completions",
            json={"model": MODEL, "messages": [{"role": "user", "content": "12 apples?"}]},
            timeout=120,
        )
        assert resp.status_code == 200
        trace = httpx.get(f"{url}/v1/traces/{resp.headers['X-Bon-Trace-Id']}").json()
    lines = [json.loads(raw) for raw in log.read_text().splitlines() if raw.strip()]
    access = [x for x in lines if x["logger"] == ACCESS_LOGGER and x["method"] == "POST"]
    assert [x["id"] for x in access] == [resp.headers["X-Bon-Trace-Id"]]
    assert access[0]["group_size"] == 4 and access[0]["task"] == trace["task"]["name"]
    assert access[0]["selected"] == trace["selected"]
    assert "apples" not in json.dumps(access[0])
    assert any(x["logger"].startswith("uvicorn") for x in lines)
    assert not any("color_message" in x for x in lines)
