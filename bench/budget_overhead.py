"""What the time budgets cost: one group scored in-thread vs in the budget workers.

Scores a typical math group and a typical JSON group (8 candidates of about
120 words each, all built-in gates, the rewards the selector picks) with
``score_group`` twice: without budgets (every call on this thread, the old
path) and with :class:`rewards.budget.Budgets` on a warm, persistent pool (every
call pickled to a worker process and its answer pickled back). Reports the
median wall time per group of each, their difference per group and per call,
the largest pickled request, and the cost of starting one worker. Writes
bench/results/budget_overhead.json.

    .venv/bin/python bench/budget_overhead.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rewards.budget import BudgetPool, Budgets, runs_in_worker
from rewards.context import build_context
from rewards.registry import builtin_registry
from rewards.scoring import score_group
from rewards.selection import select_rewards
from rewards.types import Candidate

FILLER = (
    "We work through the problem step by step, writing each quantity down before we"
    " combine them, and we check the arithmetic once more at the end. "
)
GROUPS = {
    "math": (
        "Tom has 12 bags of 3 apples and buys 6 more apples. How many apples does he have?",
        [
            f"{FILLER * 5} 12 * 3 = 36, 36 + {6 + i % 2} = {42 + i % 2}. \\boxed{{{42 + i % 2}}}"
            for i in range(8)
        ],
    ),
    "json": (
        'Reply in JSON with keys "name" and "age" for Ada, 36.',
        [f'{FILLER * 4} {{"name": "Ada", "age": {36 + i % 3}}}' for i in range(8)],
    ),
}


def _candidates(texts: list[str]) -> list[Candidate]:
    return [
        Candidate(i, t, tuple(range(len(t.split()))), "stop", -0.5) for i, t in enumerate(texts)
    ]


def _median_s(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    registry = builtin_registry()
    pool = BudgetPool(size=1)
    t = time.perf_counter()
    pool.call("a", "upper", {}, budget_s=60)  # start the worker: interpreter and imports
    start_s = time.perf_counter() - t
    budgets = Budgets(reward_s=60, gate_s=60, group_s=600, pool=pool)
    rows = []
    for name, (prompt, texts) in GROUPS.items():
        context = build_context(prompt)
        selection = select_rewards(context)
        candidates = _candidates(texts)
        objs: list[Any] = [registry.reward(c.name) for c in selection.rewards]
        objs += [registry.gate(g) for g in registry.gate_names()]
        objs = [obj for obj in objs if runs_in_worker(obj)]  # efficiency bounds itself
        kwargs = {"completions": texts, "context": context, "candidates": candidates}
        calls = len(objs)
        largest = max(len(pool.encode(obj, "__call__", kwargs)) for obj in objs)

        def plain(
            context: Any = context, selection: Any = selection, cands: Any = candidates
        ) -> Any:
            return score_group(context, cands, selection, registry=registry)

        def timed(
            context: Any = context, selection: Any = selection, cands: Any = candidates
        ) -> Any:
            return score_group(context, cands, selection, registry=registry, budgets=budgets)

        timed()  # warm (first imports inside the worker)
        plain()
        thread_s = _median_s(plain, args.repeats)
        worker_s = _median_s(timed, args.repeats)
        rows.append(
            {
                "group": name,
                "candidates": len(candidates),
                "rewards": [c.name for c in selection.rewards],
                "gates": registry.gate_names(),
                "worker_calls_per_group": calls,
                "in_thread_ms": round(thread_s * 1000, 2),
                "in_worker_ms": round(worker_s * 1000, 2),
                "overhead_ms_per_group": round((worker_s - thread_s) * 1000, 2),
                "overhead_ms_per_worker_call": round((worker_s - thread_s) * 1000 / calls, 3),
                "largest_request_bytes": largest,
            }
        )
    pool.close()
    result = {
        "command": f".venv/bin/python bench/budget_overhead.py --repeats {args.repeats}",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "worker_start_s": round(start_s, 3),
        "groups": rows,
    }
    out = Path(__file__).resolve().parent / "results" / "budget_overhead.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
