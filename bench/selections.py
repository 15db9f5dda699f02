"""Every selection the server makes on the stored pools, item by item, to compare two trees.

``bench/accuracy.py evaluate`` reports accuracies; a redesign that must keep the
selections (issue 11: the group record) needs the selections themselves. This runs the
same :class:`bench.accuracy.Evaluator` (the server's planning, scoring and stopping
rule) over the same disjoint groups and ``best_of="auto"`` orders, and writes one JSON
line per decision. Run it on two trees and diff the files (``--compare``)::

    PYTHONPATH=/tmp/base .venv/bin/python bench/selections.py dump --out /tmp/before.jsonl
    .venv/bin/python bench/selections.py dump --out /tmp/after.jsonl
    .venv/bin/python bench/selections.py compare /tmp/before.jsonl /tmp/after.jsonl

Self-contained on purpose (no bench.pools): it must run on older trees too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path
from typing import Any

# PYTHONPATH names the tree under test (the old one, say); else this file's tree.
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RESULTS = Path(__file__).parent / "results"  # the pools: this file's tree's
POOLS = {
    "accuracy": RESULTS / "accuracy_candidates.json",
    "wordproblems_dev": RESULTS / "wordproblems_dev_candidates.json",
    "wordproblems_test": RESULTS / "wordproblems_test_candidates.json",
}


def _candidates(group: dict[str, Any]) -> list[Any]:
    from rewards.types import Candidate

    return [
        Candidate(
            index=i,
            text=c["text"],
            token_ids=tuple(c["token_ids"]),
            finish_reason=c["finish_reason"],
            cumulative_logprob=c["cumulative_logprob"],
        )
        for i, c in enumerate(group["candidates"])
    ]


def _item(raw: dict[str, Any]) -> Any:
    from bench.evalset import Item

    if "template" in raw:  # a word problem (bench/wordproblems.py)
        from bench.wordproblems import WordProblem

        problem = WordProblem(**raw)
        return Item(id=problem.id, kind="math", messages=problem.messages, answer=problem.answer)
    return Item(
        id=raw["id"],
        kind=raw.get("kind", "math"),
        messages=raw["messages"],
        answer=str(raw.get("answer", "")),
    )


def dump(pools: list[str], sizes: list[int], modes: list[str], shuffles: int, out: Path) -> None:
    from bench.accuracy import Evaluator

    evaluators = {mode: Evaluator(mode) for mode in modes}
    with out.open("w") as f:
        for name in pools:
            data = json.loads(POOLS[name].read_text())
            for g in data["groups"]:
                item = _item(g["item"])
                pool = _candidates(g)
                for size in sizes:
                    for start in range(0, len(pool) - size + 1, size):
                        idx = list(range(start, start + size))
                        for mode, ev in evaluators.items():
                            best = ev.select(item, [pool[i] for i in idx])
                            key = f"{name}/{item.id}/k{size}@{start}/{mode}"
                            chosen = None if best is None else idx[best]
                            f.write(json.dumps({"key": key, "best": chosen}) + "\n")
                if shuffles and name == "accuracy":
                    rng = random.Random(f"auto-{item.id}")
                    for mode, ev in evaluators.items():
                        for s in range(shuffles):
                            order = list(range(len(pool)))
                            rng.shuffle(order)
                            best, used = ev.auto(item, [pool[i] for i in order])
                            chosen = None if best is None else order[best]
                            key = f"{name}/{item.id}/auto{s}/{mode}"
                            f.write(json.dumps({"key": key, "best": chosen, "used": used}) + "\n")
                f.flush()
                print(f"{name}/{item.id}", flush=True)


def compare(before: Path, after: Path) -> int:
    a = {r["key"]: r for r in map(json.loads, before.read_text().splitlines())}
    b = {r["key"]: r for r in map(json.loads, after.read_text().splitlines())}
    changed = [k for k in a if k in b and a[k] != b[k]]
    missing = sorted(set(a) ^ set(b))
    for k in changed:
        print(f"{k}: {a[k]} -> {b[k]}")
    print(f"{len(a)} decisions before, {len(b)} after; {len(changed)} changed", end="")
    print(f", {len(missing)} unmatched")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--pools", nargs="+", default=list(POOLS), choices=list(POOLS))
    d.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 16])
    d.add_argument("--modes", nargs="+", default=["normalize_then_sum", "sum_then_normalize"])
    d.add_argument("--shuffles", type=int, default=4)
    d.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = p.parse_args()
    if args.cmd == "dump":
        dump(args.pools, args.sizes, args.modes, args.shuffles, args.out)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
