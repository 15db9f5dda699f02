"""Ten slow readers: server memory and /health latency, before and after, in one run.

Starts `bon-server serve` (scripted engine: groups of 64 answers x 2048 words, the
case in issue 10) twice, side by side: from a checkout of --before (the revision
before streaming was made lazy) and from this working tree. For each, opens --readers
raw connections that send a streaming request for the whole group (n=64), read 100
bytes and stop reading; then for --window-s seconds polls /health every 0.5 s (5 s
timeout) and samples the server's RSS, and finally sends one ordinary request.
Writes bench/results/slow_readers.json.

    .venv/bin/python bench/slow_readers.py [--before 76b50d2] [--readers 10] [--window-s 15]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.config import EMBEDDED_MODEL_NAME  # noqa: E402
from server.process import server_process  # noqa: E402

N = 64
WORDS = 2048


def _script(path: Path) -> Path:
    words = " ".join(f"word{i % 97}" for i in range(WORDS - 1))
    rules = [
        {"match": "capital of France", "candidates": [{"text": "Paris."}]},
        {"candidates": [{"text": f"{words} v{k}."} for k in range(N)]},
    ]
    path.write_text(yaml.safe_dump({"rules": rules}), encoding="utf-8")
    return path


def _rss_mib(proc: psutil.Process) -> float:
    """RSS of the server and its children (sandbox or scoring workers), in MiB."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total / 2**20


def _slow_reader(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps(
        {
            "model": EMBEDDED_MODEL_NAME,
            "messages": [{"role": "user", "content": "write a lot"}],
            "n": N,
            "best_of": N,
            "max_tokens": WORDS * 2,
            "stream": True,
            "trace": "none",
        }
    ).encode()
    sock = socket.create_connection((host, int(port)), timeout=120)
    sock.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    got = b""
    while len(got) < 100:
        data = sock.recv(100 - len(got))
        if not data:
            break
        got += data
    return sock


def _health_ms(client: httpx.Client) -> float | None:
    t0 = time.perf_counter()
    try:
        ok = client.get("/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return None
    return (time.perf_counter() - t0) * 1000 if ok else None


def _measure(source: Path | None, args: list[str], readers: int, window_s: float) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        server_process(
            args, log_path=Path(tmp) / "server.log", start_timeout_s=120, source_dir=source
        ) as (url, popen),
    ):
        proc = psutil.Process(popen.pid)
        with httpx.Client(base_url=url) as client:
            idle = [_health_ms(client) for _ in range(5)]
            rss_idle = _rss_mib(proc)
            socks = [_slow_reader(url) for _ in range(readers)]
            health: list[float | None] = []
            rss: list[float] = []
            end = time.monotonic() + window_s
            while time.monotonic() < end:
                health.append(_health_ms(client))
                rss.append(_rss_mib(proc))
                time.sleep(0.5)
            t0 = time.perf_counter()
            normal: dict[str, Any]
            try:
                r = client.post(
                    "/v1/chat/completions",
                    json={
                        "model": EMBEDDED_MODEL_NAME,
                        "messages": [{"role": "user", "content": "capital of France?"}],
                    },
                    timeout=60,
                )
                normal = {"status": r.status_code, "s": round(time.perf_counter() - t0, 3)}
            except httpx.HTTPError as exc:
                normal = {"status": None, "error": type(exc).__name__}
            for s in socks:
                s.close()
    answered = [h for h in health if h is not None]
    return {
        "rss_idle_mib": round(rss_idle, 1),
        "rss_peak_mib": round(max(rss), 1),
        "health_idle_median_ms": round(statistics.median(h for h in idle if h is not None), 1),
        "health_polls": len(health),
        "health_failed_or_over_5s": len(health) - len(answered),
        "health_median_ms": round(statistics.median(answered), 1) if answered else None,
        "health_max_ms": round(max(answered), 1) if answered else None,
        "normal_request_after": normal,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="76b50d2", help="git revision to compare with")
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--window-s", type=float, default=15.0)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        args = [
            "--engine",
            "scripted",
            "--script",
            str(_script(tmp_path / "script.yaml")),
            "--max-best-of",
            str(N),
            "--max-tokens-limit",
            str(WORDS * 2),
        ]
        before_dir = tmp_path / "before"
        before_dir.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", opts.before], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(before_dir)], input=archive, check=True)
        results = {
            "before": _measure(before_dir, args, opts.readers, opts.window_s),
            "after": _measure(None, args, opts.readers, opts.window_s),
        }
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    out = {
        "command": "python bench/slow_readers.py " + " ".join(sys.argv[1:]),
        "setup": {
            "readers": opts.readers,
            "window_s": opts.window_s,
            "group": f"n=best_of={N} answers x {WORDS} words, stream=true, trace=none",
            "before": opts.before,
            "after": f"working tree at {head}",
            "machine": f"{platform.machine()}, {psutil.cpu_count()} CPUs",
        },
        **results,
    }
    path = ROOT / "bench" / "results" / "slow_readers.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
