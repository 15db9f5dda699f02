"""The sandbox mode through the server: refused at startup when not ready (never a silent
fallback), shown in /health, /metrics and the trace; client code that is too deep to
parse gives 200 with the reward marked; what a run prints never reaches the client;
a test that sleeps ends at the run's limit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from rewards import sandbox
from server.app import create_app
from server.cli import main
from server.sandbox_mode import SandboxRefused
from tests.conftest import MODEL, make_engine, make_settings

INC = "```python\ndef inc(x):\n    return x + 1\n```"
CODE_SCRIPT: dict[str, Any] = {
    "rules": [
        {"candidates": [{"text": INC, "logprob": -0.1}, {"text": INC + " ", "logprob": -0.2}]}
    ]
}


def _client(**settings: Any) -> TestClient:
    return TestClient(create_app(make_settings(**settings), engine=make_engine(CODE_SCRIPT)))


def _ask(client: TestClient, content: str) -> dict[str, Any]:
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": content}],
        "best_of": 2,
        "trace": "summary",
    }
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def _code_exec_evidence(body: dict[str, Any]) -> list[str]:
    return [c["scores"]["code_exec"]["evidence"] for c in body["trace"]["candidates"]]


def _broken_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> sandbox.Isolation:
        return sandbox.Isolation(ready=False, reason="python.wasm: no such file\n(second line)")

    monkeypatch.setattr(sandbox, "prepare", broken)


def test_a_probe_that_raises_refuses_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    def raising() -> sandbox.Isolation:
        raise sandbox.SandboxUnavailable("python.wasm hash mismatch")

    monkeypatch.setattr(sandbox, "prepare", raising)
    with pytest.raises(SandboxRefused, match="hash mismatch"):
        create_app(make_settings(), engine=make_engine(CODE_SCRIPT))


def test_the_serve_process_exits_2_on_a_broken_sandbox(tmp_path: Path) -> None:
    """A real ``bon-server serve`` process (its probe broken before main runs)."""
    script = tmp_path / "script.json"
    script.write_text(json.dumps(CODE_SCRIPT))
    boot = (
        "import sys, rewards.sandbox as s\n"
        "s.prepare = lambda: s.Isolation(ready=False, reason='no python.wasm here')\n"
        "from server.cli import main\n"
        f"sys.exit(main(['serve', '--engine', 'scripted', '--script', {str(script)!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", boot], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "bon-server: sandbox wasi unavailable: no python.wasm here"
    )


# --- refusal at startup ----------------------------------------------------------------------


def test_a_broken_sandbox_refuses_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    _broken_probe(monkeypatch)
    with pytest.raises(SandboxRefused, match=r"sandbox wasi unavailable: python\.wasm"):
        create_app(make_settings(), engine=make_engine(CODE_SCRIPT))


def test_serve_exits_2_with_the_reason_on_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _broken_probe(monkeypatch)
    script = tmp_path / "script.json"
    script.write_text(json.dumps(CODE_SCRIPT))
    assert main(["serve", "--engine", "scripted", "--script", str(script)]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "bon-server: sandbox wasi unavailable: python.wasm: no such file (second line)"
    ]


def test_sandbox_off_starts_without_probing(monkeypatch: pytest.MonkeyPatch) -> None:
    _broken_probe(monkeypatch)  # not consulted: the operator chose to run no code
    with _client(sandbox="off") as client:
        assert client.get("/health").json()["sandbox"] == {"mode": "off", "ready": True}


def test_an_unknown_mode_is_a_setting_error() -> None:
    assert main(["serve", "--sandbox", "audit-hook"]) == 2


# --- the mode in force is visible ------------------------------------------------------------


def _sandbox_info(client: TestClient) -> dict[str, float]:
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for s in family.samples:
            if s.name == "bon_sandbox_info":
                out[s.labels["mode"]] = s.value
    return out


@pytest.mark.parametrize("mode", ["wasi", "off"])
def test_health_and_metrics_show_the_mode(mode: str) -> None:
    with _client(sandbox=mode) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok"
        assert health["sandbox"]["ready"] is True
        shown = health["sandbox"]["mode"]
        assert (shown == "off") == (mode == "off")
        assert _sandbox_info(client) == {shown: 1.0}


def test_a_trace_that_ran_code_names_the_mode() -> None:
    with _client() as client:
        mode = client.get("/health").json()["sandbox"]["mode"]
        body = _ask(client, "Write inc(x) in Python.\nassert inc(1) == 2")
    for evidence in _code_exec_evidence(body):
        assert evidence.startswith("1/1 tests passed") and f"sandbox {mode}" in evidence


def test_sandbox_off_is_a_syntax_check_that_says_so() -> None:
    with _client(sandbox="off") as client:
        body = _ask(client, "Write inc(x) in Python.\nassert inc(1) == 2")
    for evidence in _code_exec_evidence(body):
        assert evidence.startswith("sandbox off: syntax only") and "1 test(s) not run" in evidence


# --- client input through the API ------------------------------------------------------------


def test_deeply_nested_code_in_a_prompt_is_200_not_500() -> None:
    deep = "class A(" + "+".join(["a"] * 600) + "): pass"
    with _client() as client:
        body = _ask(client, f"Fix this Python code:\n```python\n{deep}\n```\nassert inc(1) == 2")
    assert body["choices"][0]["message"]["content"]


def test_too_deep_candidate_code_is_marked_through_the_api() -> None:
    deep = "```python\nx = " + "(" * 300 + "1" + ")" * 300 + "\n```"
    script = {"rules": [{"candidates": [{"text": deep}, {"text": INC}]}]}
    app = create_app(make_settings(), engine=make_engine(script))
    with TestClient(app) as client:
        body = _ask(client, "Write inc(x) in Python.\nassert inc(1) == 2")
    evidence = _code_exec_evidence(body)
    raw = [c["scores"]["code_exec"]["raw"] for c in body["trace"]["candidates"]]
    assert raw[0] is None and evidence[0].startswith("code too deeply nested")
    assert raw[1] == 1.0


def test_what_a_test_reads_never_reaches_the_client() -> None:
    prompt = "Write inc(x) in Python.\nassert 0, open('/etc/passwd').read()[:150]"
    with _client() as client:
        r = client.post(
            "/v1/chat/completions",
            json={
                "model": MODEL,
                "messages": [{"role": "user", "content": prompt}],
                "best_of": 2,
                "trace": "full",
            },
        )
    assert r.status_code == 200
    assert "root:" not in r.text and "/bin/" not in r.text
    evidence = _code_exec_evidence(r.json())
    # In wasi there is no /etc/passwd to read; elsewhere the assert fails: a type either way.
    assert all(
        e.split("first failure: ")[1]
        .split("; ")[0]
        .endswith(("FileNotFoundError", "AssertionError"))
        for e in evidence
    ), evidence


def test_a_sleeping_test_ends_at_the_run_limit_and_the_trace_says_so() -> None:
    prompt = (
        "Write inc(x) in Python.\n```python\nimport time\ndef test_slow():\n    time.sleep(30)\n```"
    )
    with _client(code_timeout_s=2.0, code_budget_s=10.0) as client:
        body = _ask(client, prompt)
    for evidence in _code_exec_evidence(body):
        assert "wall-clock timeout" in evidence or "time budget" in evidence, evidence


def test_the_concurrency_setting_bounds_the_sandbox_server_wide() -> None:
    before = sandbox.max_concurrent_runs()
    try:
        create_app(make_settings(sandbox_concurrency=3), engine=make_engine(CODE_SCRIPT))
        assert sandbox.max_concurrent_runs() == 3
    finally:
        sandbox.set_max_concurrent_runs(before)
