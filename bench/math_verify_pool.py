"""Per-group cost of comparing final answers: math-verify worker process vs in-thread.

For each kind of group (what a math request's candidates answer), times
``answer_agreement``'s equivalence step both ways on the same answers:

* ``worker``: ``MathVerifyPool.classify`` (one JSON round trip to a warm worker
  process that runs math-verify with its signal timeouts on), the server's path;
* ``in-thread``: ``answer_classes`` on the calling thread with timeouts off,
  the fallback.

Every repeat draws new numbers so math-verify's parse caches do not flatter
either side. Also times a cold worker's first group (interpreter start and
sympy import). Writes JSON and a Markdown table under bench/results/.

    .venv/bin/python bench/math_verify_pool.py [--repeats 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rewards.builtin.math_answers import answer_classes
from rewards.mathverify_pool import MathVerifyPool

BUDGET_S = 3.0


def numeric_group(rng: random.Random, n: int) -> list[str]:
    """Like SmolLM2 on a word problem: a few distinct integers, some repeated."""
    values = [str(rng.randint(2, 999)) for _ in range(4)]
    return [rng.choice(values) for _ in range(n)]


def mixed_group(rng: random.Random, n: int) -> list[str]:
    """The same value written as a fraction, a decimal and LaTeX, plus wrong ones."""
    p, q = rng.randint(1, 9), rng.choice([2, 4, 5, 8])
    forms = [f"{p}/{q}", f"{p / q}", f"\\frac{{{p}}}{{{q}}}", str(p + q), f"{p * q}"]
    return [rng.choice(forms) for _ in range(n)]


def symbolic_group(rng: random.Random, n: int) -> list[str]:
    """Distinct polynomials: the expensive case (every pair goes to verify)."""
    return [f"x^{rng.randint(2, 4)}+{rng.randint(1, 99)}x+{i}" for i in range(n)]


GROUPS: dict[str, tuple[Callable[[random.Random, int], list[str]], int]] = {
    "numeric, 8 answers": (numeric_group, 8),
    "numeric, 16 answers": (numeric_group, 16),
    "fraction/decimal/LaTeX, 8 answers": (mixed_group, 8),
    "distinct polynomials, 8 answers": (symbolic_group, 8),
}


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = p.parse_args()

    pool = MathVerifyPool(size=1)
    try:
        start = time.perf_counter()
        cold = pool.classify(["1/2", "0.5", "3"], BUDGET_S)
        cold_s = time.perf_counter() - start
        assert cold.where == "worker", cold.where

        rows: list[dict[str, Any]] = []
        rng = random.Random(args.seed)
        for name, (make, n) in GROUPS.items():
            worker: list[float] = []
            in_thread: list[float] = []
            for _ in range(args.repeats):
                answers = make(rng, n)
                t0 = time.perf_counter()
                result = pool.classify(answers, BUDGET_S)
                worker.append(time.perf_counter() - t0)
                assert result.where in ("worker", "text (one distinct answer)"), result.where
                # Fresh strings for the in-thread side too: same shape, new numbers.
                answers = make(rng, n)
                t0 = time.perf_counter()
                answer_classes(answers, BUDGET_S, timeout_s=None)
                in_thread.append(time.perf_counter() - t0)
            w, t = median_ms(worker), median_ms(in_thread)
            rows.append(
                {
                    "group": name,
                    "worker_ms": w,
                    "in_thread_ms": t,
                    "overhead_ms": round(w - t, 2),
                    "worker_p90_ms": round(sorted(worker)[int(0.9 * len(worker))] * 1000, 2),
                }
            )
    finally:
        pool.close()

    meta = {
        "repeats": args.repeats,
        "seed": args.seed,
        "budget_s": BUDGET_S,
        "cold_worker_first_group_s": round(cold_s, 3),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "math_verify_pool.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n"
    )
    lines = [
        f"median of {args.repeats} groups each, new numbers every group; "
        f"cold worker's first group {cold_s:.2f} s",
        "",
        "| group | worker (ms) | in-thread (ms) | overhead (ms) | worker p90 (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['group']} | {r['worker_ms']} | {r['in_thread_ms']} | "
            f"{r['overhead_ms']} | {r['worker_p90_ms']} |"
        )
    table = "\n".join(lines) + "\n"
    (args.out / "math_verify_pool.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
