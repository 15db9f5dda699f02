"""A real Prometheus (Debian's package) scrapes a running bon-server and answers queries.

The server runs on the scripted engine (the engine does not matter to scraping);
Prometheus runs on loopback with deploy/prometheus's own config and alert rules,
only its target and intervals changed.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from server.process import free_port, running_server
from tests.conftest import MATH_SCRIPT, MODEL
from tests.deploy.conftest import DEPLOY, system_tool
from tests.deploy.test_prometheus_config import dashboard_exprs

PROM = DEPLOY / "prometheus"


@pytest.fixture(scope="module")
def bon_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("bon")
    script = tmp / "script.json"
    script.write_text(json.dumps(MATH_SCRIPT))
    args = ["--engine", "scripted", "--script", str(script), "--served-model-name", MODEL]
    with running_server(args, log_path=tmp / "server.log", start_timeout_s=120) as url:
        yield url


@pytest.fixture(scope="module")
def prometheus(bon_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("prometheus")
    config: dict[str, Any] = yaml.safe_load((PROM / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(PROM / name) for name in config["rule_files"]]
    (job,) = config["scrape_configs"]
    job["static_configs"] = [{"targets": [bon_url.removeprefix("http://")]}]
    path = tmp / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    check = subprocess.run(
        [system_tool("promtool"), "check", "config", str(path)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    port = free_port()
    log = (tmp / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [
            system_tool("prometheus"),
            f"--config.file={path}",
            f"--storage.tsdb.path={tmp / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(f"{url}/-/ready", timeout=2).status_code == 200, proc, tmp)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait(ready: Any, proc: subprocess.Popen[bytes] | None = None, tmp: Path | None = None) -> Any:
    deadline = time.monotonic() + 60
    while True:
        if proc is not None and proc.poll() is not None and tmp is not None:
            pytest.fail("prometheus exited:\n" + (tmp / "prometheus.log").read_text()[-3000:])
        try:
            result = ready()
            if result:
                return result
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for Prometheus")
        time.sleep(0.5)


def _query(prometheus: str, expr: str) -> list[dict[str, Any]]:
    resp = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10)
    body = resp.json()
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def _chat(bon_url: str, content: str) -> httpx.Response:
    return httpx.post(
        f"{bon_url}/v1/chat/completions",
        json={"model": MODEL, "messages": [{"role": "user", "content": content}]},
        timeout=120,
    )


def test_prometheus_scrapes_bon_series(bon_url: str, prometheus: str) -> None:
    responses = [_chat(bon_url, "I have 12 apples; how many?"), _chat(bon_url, "Which card?")]
    assert [r.status_code for r in responses] == [200, 200]
    vetoed = sum(c["vetoed"] for r in responses for c in r.json()["trace"]["candidates"])
    assert vetoed > 0

    def two_requests() -> list[dict[str, Any]]:
        series = _query(
            prometheus,
            'bon_requests_total{job="bon-server", route="/v1/chat/completions", status="200"}',
        )
        return series if series and float(series[0]["value"][1]) >= 2 else []

    (series,) = _wait(two_requests)
    assert float(series["value"][1]) == 2
    (up,) = _query(prometheus, 'up{job="bon-server"}')
    assert up["value"][1] == "1"
    (vetoes,) = _query(prometheus, "sum(bon_vetoes_total)")
    assert float(vetoes["value"][1]) == vetoed
    tokens = _query(prometheus, 'bon_tokens_total{kind="completion"}')
    assert float(tokens[0]["value"][1]) > 0


def test_alert_rules_are_loaded_and_evaluated(prometheus: str) -> None:
    def loaded() -> list[dict[str, Any]]:
        body = httpx.get(f"{prometheus}/api/v1/rules", timeout=10).json()
        groups: list[dict[str, Any]] = body["data"]["groups"]
        return groups

    (group,) = _wait(loaded)
    shipped = yaml.safe_load((PROM / "alerts.yml").read_text())["groups"][0]["rules"]
    assert {r["name"] for r in group["rules"]} == {r["alert"] for r in shipped}
    # Evaluated without error against the live series (a server that is up: none firing).
    _wait(lambda: all(r.get("lastEvaluation", "").startswith("20") for r in loaded()[0]["rules"]))
    for rule in loaded()[0]["rules"]:
        assert rule["health"] == "ok", rule
        assert rule["state"] == "inactive", rule


def test_every_dashboard_query_runs(prometheus: str) -> None:
    """Grafana's queries, with its $__rate_interval filled in, are valid PromQL here."""
    for expr in dashboard_exprs():
        _query(prometheus, expr.replace("$__rate_interval", "1m"))
