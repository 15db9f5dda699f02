"""Helpers for the store tests: apps on a named database, waiting for writes."""

from __future__ import annotations

import re
import time
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MODEL

ASK = {"model": MODEL, "messages": [{"role": "user", "content": "12 apples, then 6 more?"}]}

# Generous budgets for every store test's server: on a loaded machine a gate that runs
# out of its default budget refuses the request, which is not what these tests are about.
BUDGETS: dict[str, float] = {"gate_timeout_s": 120, "reward_timeout_s": 120, "score_timeout_s": 240}
# A server process also starts its own budget workers (in-process apps share one warm
# pool): one each, not four, so that processes starting together on a loaded machine do
# not starve each other's workers past their start limit (a gate that cannot run
# refuses the prompt, fail closed).
BUDGET_ARGS = [a for k, v in BUDGETS.items() for a in (f"--{k.replace('_', '-')}", f"{v:g}")]
BUDGET_ARGS += ["--score-workers", "1"]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def metric(text: str, name: str, labels: str = "") -> float:
    """One sample's value from a Prometheus text page (0 when absent)."""
    pattern = re.escape(name) + (re.escape("{" + labels + "}") if labels else "") + r" (\S+)"
    found = re.search(r"^" + pattern + r"$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def wait_for(check: Any, what: str, timeout_s: float = 60.0) -> Any:
    """Poll ``check()`` until it returns something truthy (generous: no timing asserted)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def written(client: TestClient, at_least: int = 1, headers: dict[str, str] | None = None) -> None:
    """Wait until the app has written ``at_least`` traces to its store."""
    wait_for(
        lambda: (
            metric(client.get("/metrics", headers=headers).text, "bon_store_writes_total")
            >= at_least
        ),
        f"{at_least} store write(s)",
    )


def ask(client: TestClient, headers: dict[str, str] | None = None, **extra: Any) -> str:
    r = client.post("/v1/chat/completions", json={**ASK, **extra}, headers=headers)
    assert r.status_code == 200, r.text
    trace_id: str = r.headers["X-Bon-Trace-Id"]
    return trace_id
