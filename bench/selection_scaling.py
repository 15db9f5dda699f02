"""How each reward's advantages are scaled: GRPO's std, a floor, or the range (issue 14).

Scores every group of the dev pools once with the server's own planning and scoring
(``bench.accuracy.Evaluator``), then re-aggregates the same reward scores under each
scaling (``rewards.aggregate.Scaling``) and reports the share of groups whose selected
candidate is correct, per best_of, plus how often the selection changed:

* ``std``: today's GRPO standardisation, ``(s - mean) / (std + 1e-4)``;
* ``floor x``: ``max(std, x * range)``, no signal when the spread is under it;
* ``typical``: ``max(std, typical)``, the typical spread being the median within-group
  std of that reward over the pool's groups (what a server would learn from traffic);
* ``range``: ``s - mean`` on the reward's 0..1 scale (no std division, as Dr. GRPO).

Dev pools only: the accuracy bench's (bench/results/accuracy_candidates.json) and the
word problems' dev split (bench/results/wordproblems_dev_candidates.json). Never the
test split. Writes ``bench/results/selection_scaling.{json,md}``.

    .venv/bin/python bench/selection_scaling.py [--sizes 4 8 16]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.accuracy import Evaluator, _job
from bench.evalset import Item, is_correct
from bench.pools import disjoint_groups, load_candidates

RESULTS = Path(os.environ.get("BON_BENCH_RESULTS", Path(__file__).parent / "results"))
POOLS = {
    "accuracy": RESULTS / "accuracy_candidates.json",
    "wordproblems_dev": RESULTS / "wordproblems_dev_candidates.json",
}
FLOORS = (0.05, 0.1, 0.2, 0.3)


def _judge(source: str, g: dict[str, Any]) -> tuple[str, Item, Any]:
    """The template/kind label, the Item the server plans with, and a correctness test."""
    if source == "accuracy":
        item = Item(**g["item"])
        return item.kind, item, lambda c: is_correct(item, c.text, c.finish_reason)
    from bench.wordproblems import WordProblem
    from bench.wordproblems import is_correct as wp_correct
    from bench.wordproblems_bench import _as_item

    fields = WordProblem.__dataclass_fields__
    problem = WordProblem(**{k: v for k, v in g["item"].items() if k in fields})
    item = _as_item(problem)
    return problem.template, item, lambda c: wp_correct(problem, c.text, c.finish_reason)


def score_groups(source: str, sizes: list[int]) -> list[dict[str, Any]]:
    """Every disjoint group of every size, scored once: reward scores, weights, correctness."""
    data = json.loads(POOLS[source].read_text())
    if data.get("meta", {}).get("split") == "test":
        raise SystemExit("refusing the test split")
    ev = Evaluator("normalize_then_sum")
    out = []
    for g in data["groups"]:
        label, item, correct = _judge(source, g)
        if source == "accuracy" and label != "math":
            continue  # code and json pools: the scaling change matters there too, but slowly
        pool = load_candidates(g)
        ok = [bool(correct(c)) for c in pool]
        for size in sizes:
            for idx in disjoint_groups(len(pool), size):
                from dataclasses import replace

                group = [replace(pool[i], index=j) for j, i in enumerate(idx)]
                job = _job(item, size)
                context, selection = ev.scorer.plan(job)
                _, result = ev.scorer.score(job, context, selection, group)
                out.append(
                    {
                        "label": label,
                        "size": size,
                        "candidates": group,
                        "correct": [ok[i] for i in idx],
                        "rewards": [(r.name, r.weight, r.scores) for r in result.rewards],
                        "vetoed": result.vetoed,
                        "penalties": result.penalties,
                    }
                )
    return out


def typical_spreads(groups: list[dict[str, Any]]) -> dict[str, float]:
    """Median within-group std per reward, over the groups where it varied."""
    from rewards.aggregate import _mean_std

    spreads: dict[str, list[float]] = {}
    for g in groups:
        for name, _, scores in g["rewards"]:
            values = [s.value for s in scores if s.value is not None]
            if len(values) > 1:
                std = _mean_std(values)[1]
                if std > 1e-6:
                    spreads.setdefault(name, []).append(std)
    return {name: statistics.median(v) for name, v in spreads.items()}


def select(g: dict[str, Any], scaling: str, floor: float | None, typical: dict[str, float]) -> int:
    """The candidate the ranking picks when the group's rewards are scaled this way."""
    from rewards.aggregate import aggregate
    from rewards.ranking import rank_candidates

    names = [name for name, _, _ in g["rewards"]]
    keys = [f"{i}:{name}" for i, name in enumerate(names)]
    scores = {k: s for k, (_, _, s) in zip(keys, g["rewards"], strict=True)}
    weights = {k: w for k, (_, w, _) in zip(keys, g["rewards"], strict=True)}
    floors: dict[str, float] | None = None
    if scaling == "typical":
        floors = {k: typical[n] for k, n in zip(keys, names, strict=True) if n in typical}
        scaling = "floor"
    elif floor is not None:
        floors = {k: floor for k in keys}  # every builtin reward's range is 0..1
    result = aggregate(
        scores,
        weights,
        vetoed=g["vetoed"],
        scaling=scaling,  # type: ignore[arg-type]
        floors=floors,
    )
    combined = [
        None if c is None else c - p for c, p in zip(result.combined, g["penalties"], strict=True)
    ]
    order, _ = rank_candidates(combined, g["candidates"])
    return order[0] if order else -1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 16])
    p.add_argument(
        "--sources", nargs="+", default=[s for s, path in POOLS.items() if path.exists()]
    )
    args = p.parse_args()
    methods: list[tuple[str, str, float | None]] = [("std", "std", None)]
    methods += [(f"floor {f:g}", "floor", f) for f in FLOORS]
    methods += [("typical", "typical", None), ("range", "range", None)]
    report: dict[str, Any] = {"sizes": args.sizes, "sources": {}}
    lines = []
    t0 = time.perf_counter()
    for source in args.sources:
        groups = score_groups(source, args.sizes)
        typical = typical_spreads(groups)
        table: dict[str, dict[str, float]] = {}
        for label, scaling, floor in methods:
            row: dict[str, float] = {}
            for size in args.sizes:
                chosen = [g for g in groups if g["size"] == size]
                base = [select(g, "std", None, typical) for g in chosen]
                picks = [select(g, scaling, floor, typical) for g in chosen]
                row[f"{size}"] = sum(
                    g["correct"][i] for g, i in zip(chosen, picks, strict=True) if i >= 0
                ) / len(chosen)
                row[f"{size} changed"] = sum(
                    a != b for a, b in zip(base, picks, strict=True)
                ) / len(chosen)
            table[label] = row
        counts = {str(k): sum(1 for g in groups if g["size"] == k) for k in args.sizes}
        report["sources"][source] = {"groups": counts, "typical": typical, "accuracy": table}
        head = " | ".join(f"best_of {k}" for k in args.sizes)
        lines += [
            f"**{source}** (math groups per best_of: {counts})",
            "",
            f"| scaling | {head} |",
            "|---|" + "---:|" * len(args.sizes),
        ]
        for label, row in table.items():
            cells = " | ".join(
                f"{row[str(k)]:.3f} ({row[f'{k} changed']:.0%} changed)" for k in args.sizes
            )
            lines.append(f"| {label} | {cells} |")
        lines += [
            "",
            "typical spreads: " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(typical.items())),
            "",
        ]
    report["seconds"] = round(time.perf_counter() - t0, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "selection_scaling.json").write_text(json.dumps(report, indent=2))
    (RESULTS / "selection_scaling.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
