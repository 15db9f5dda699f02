"""Many Responses input items: does one request hold the event loop (/health) of everyone?

The session-4 attacker sent ``POST /v1/responses`` with 40,000 ``function_call`` items
(3.3 MB, under the body limit): consecutive calls ride on one assistant message, so the
``--max-messages`` bound never saw them, and parsing and converting them on the event loop
held ``/health`` up to 1.8 s. This starts ``bon-server serve --engine scripted`` (the
revision given by ``--before``, then the working tree), polls ``/health`` every 20 ms from
a thread while the attack request is sent, and reports the worst ``/health`` latency and
the attack's status. Writes ``bench/results/responses_items.json``.

    .venv/bin/python bench/responses_items.py [--before HEAD] [--items 40000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.config import EMBEDDED_MODEL_NAME  # noqa: E402
from server.process import server_process  # noqa: E402


def attack_body(items: int) -> dict[str, Any]:
    calls = [
        {"type": "function_call", "call_id": f"call_{i}", "name": "f", "arguments": "{}"}
        for i in range(items)
    ]
    return {
        "model": EMBEDDED_MODEL_NAME,
        "input": [*calls, {"role": "user", "content": "and now?"}],
        "trace": "none",
    }


def _poll(url: str, stop: threading.Event, out: list[float]) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.is_set():
            t0 = time.perf_counter()
            client.get("/health")
            out.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.02)


def _measure(source: Path | None, items: int) -> dict[str, Any]:
    body = json.dumps(attack_body(items)).encode()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "script.json"  # YAML is a superset of JSON
        script.write_text(json.dumps({"rules": [{"candidates": [{"text": "Done."}]}]}))
        return _attack(source, body, script, Path(tmp))


def _attack(source: Path | None, body: bytes, script: Path, tmp: Path) -> dict[str, Any]:
    with (
        server_process(
            ["--engine", "scripted", "--script", str(script)],
            log_path=tmp / "server.log",
            start_timeout_s=180,
            source_dir=source,
        ) as (url, _),
    ):
        idle: list[float] = []
        stop = threading.Event()
        poller = threading.Thread(target=_poll, args=(url, stop, idle))
        poller.start()
        time.sleep(1.0)
        stop.set()
        poller.join()
        during: list[float] = []
        stop = threading.Event()
        poller = threading.Thread(target=_poll, args=(url, stop, during))
        poller.start()
        t0 = time.perf_counter()
        r = httpx.post(
            f"{url}/v1/responses",
            content=body,
            headers={"content-type": "application/json"},
            timeout=120,
        )
        seconds = time.perf_counter() - t0
        stop.set()
        poller.join()
    error = r.json().get("error") if r.status_code != 200 else None
    return {
        "status": r.status_code,
        "code": error.get("code") if error else None,
        "request_s": round(seconds, 3),
        "health_idle_median_ms": round(statistics.median(idle), 1),
        "health_polls_during": len(during),
        "health_max_ms_during": round(max(during), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD", help="git revision to compare with")
    parser.add_argument("--items", type=int, default=40_000)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        before_dir = Path(tmp) / "before"
        before_dir.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", opts.before], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(before_dir)], input=archive, check=True)
        results = {
            "before": _measure(before_dir, opts.items),
            "after": _measure(None, opts.items),
        }
    out = {
        "command": "python bench/responses_items.py " + " ".join(sys.argv[1:]),
        "setup": {
            "items": opts.items,
            "body_bytes": len(json.dumps(attack_body(opts.items))),
            "before": opts.before,
            "after": "working tree",
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        },
        **results,
    }
    path = ROOT / "bench" / "results" / "responses_items.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
