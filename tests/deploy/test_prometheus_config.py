"""deploy/prometheus and the Grafana dashboard: promtool checks, and metric names that exist."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from prometheus_client.metrics_core import Metric

from server.metrics import Metrics
from tests.deploy.conftest import DEPLOY, system_tool

PROM = DEPLOY / "prometheus"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "bon-server.json"


def _promtool(*args: str, cwd: Path = PROM) -> str:
    result = subprocess.run(
        [system_tool("promtool"), *args], capture_output=True, text=True, cwd=cwd, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_config_and_rules_check() -> None:
    assert "SUCCESS" in _promtool("check", "config", "prometheus.yml")
    assert "SUCCESS: 8 rules found" in _promtool("check", "rules", "alerts.yml")


def test_alert_rules_fire_as_written() -> None:
    """promtool's rule unit tests: the alerts fire on the series that should raise them."""
    assert "SUCCESS" in _promtool("test", "rules", "alerts_test.yml")


def test_promtool_rejects_a_broken_rule(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("groups:\n  - name: x\n    rules:\n      - alert: A\n        expr: rate(x[5m]\n")
    result = subprocess.run(
        [system_tool("promtool"), "check", "rules", str(bad)], capture_output=True, check=False
    )
    assert result.returncode != 0


def exposed_series() -> set[str]:
    """Every series name the server's registry can expose (counters' _total, histograms'
    _bucket/_sum/_count), read from server/metrics.py's registry itself."""
    names: set[str] = set()
    family: Metric
    for family in Metrics().registry.collect():
        if family.type == "counter":
            names.add(f"{family.name}_total")
        elif family.type == "histogram":
            names |= {f"{family.name}_{s}" for s in ("bucket", "sum", "count")}
        else:
            names.add(family.name)
    return names


def dashboard_exprs() -> list[str]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in data["panels"] for t in p.get("targets", [])]


def test_dashboard_and_alerts_use_only_real_metrics() -> None:
    exposed = exposed_series()
    used: set[str] = set()
    for expr in [*dashboard_exprs(), (PROM / "alerts.yml").read_text()]:
        used |= set(re.findall(r"\bbon_[a-z_]+", expr))
    assert used, "no bon_ metric in the dashboard?"
    assert used - exposed == set(), f"not exposed by server/metrics.py: {used - exposed}"


def test_dashboard_covers_what_operators_watch() -> None:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text())
    assert data["uid"] == "bon-server"
    titles = " | ".join(p["title"] for p in data["panels"]).lower()
    for topic in (
        "requests",
        "latency by phase",
        "candidates per request",
        "tokens per request",
        "reward score",
        "vetoes by gate and category",
        "penalties and flags by rule",
        "early stop",
        "in flight",
    ):
        assert topic in titles, topic
    ids = [p["id"] for p in data["panels"]]
    assert len(ids) == len(set(ids))
    for panel in data["panels"]:
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "prometheus"
