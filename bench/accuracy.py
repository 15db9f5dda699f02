"""Does the server's selection pick better answers than one sample or majority vote?

Two phases, so the slow one runs once and the rewards can be re-evaluated cheaply:

1. ``generate``: on the real engine (in-process vLLM, embedded model), sample a pool
   of ``--pool`` candidates for every item of the evaluation set (bench/evalset.py),
   with the server's default sampling (temperature 0.8), and write them with their
   token ids, log-probabilities and finish reasons to
   ``bench/results/accuracy_candidates.json``.
2. ``evaluate``: for each group size k in --sizes, split every item's pool into
   pool/k disjoint groups of k (same candidates for every method), and report the
   share of groups where
   - *one sample*: a candidate picked without judging is correct (the share of
     correct candidates in the group: the expected accuracy of one sample),
   - *majority*: the most common final answer (ties: first seen) is correct,
   - *selection*: the candidate the server returns is correct (the server's own
     selector and scoring on the same context: rewards/profiles/aggregation as
     configured),
   - *oracle*: any candidate is correct;
   plus ``best_of="auto"`` (the server's adaptive rounds drawn from the pool): its
   accuracy and the mean number of samples it used. Writes
   ``bench/results/accuracy.{json,md}``.

    .venv/bin/python bench/accuracy.py generate [--pool 16] [--max-tokens 160]
    .venv/bin/python bench/accuracy.py evaluate [--sizes 1 4 8 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.evalset import Item, build
from bench.pools import candidate_record, disjoint_groups, load_candidates, write_pool

RESULTS = Path(os.environ.get("BON_BENCH_RESULTS", Path(__file__).parent / "results"))
CANDIDATES = RESULTS / "accuracy_candidates.json"


async def _generate(items: list[Item], pool: int, max_tokens: int, temperature: float) -> list[Any]:
    from server.config import EMBEDDED_MODEL_NAME, default_cache_dir
    from server.engines.base import GenerationRequest
    from server.engines.vllm_engine import VLLMEngine
    from server.model import prepare_model

    model = prepare_model(EMBEDDED_MODEL_NAME, default_cache_dir())
    out = []
    async with VLLMEngine.start(model.path, model.name, max_model_len=1024) as engine:
        for i, item in enumerate(items):
            t0 = time.perf_counter()
            gen = await engine.generate(
                GenerationRequest(
                    request_id=f"acc-{item.id}",
                    n=pool,
                    max_tokens=max_tokens,
                    messages=item.messages,
                    temperature=temperature,
                )
            )
            out.append(
                {
                    "item": item.to_dict(),
                    "prompt_tokens": gen.prompt_tokens,
                    "candidates": [candidate_record(c) for c in gen.candidates],
                }
            )
            print(f"[{i + 1}/{len(items)}] {item.id}: {time.perf_counter() - t0:.1f} s", flush=True)
    return out


def cmd_generate(args: argparse.Namespace) -> int:
    items = build(args.seed)
    t0 = time.perf_counter()
    groups = asyncio.run(_generate(items, args.pool, args.max_tokens, args.temperature))
    write_pool(
        CANDIDATES,
        groups,
        t0,
        seed=args.seed,
        pool=args.pool,
        max_tokens=args.max_tokens,
        temperature=args.temperature,
    )
    return 0


# ---------------------------------------------------------------------------- evaluate


def _job(item: Item, size: int) -> Any:
    from server.pipeline import GroupJob

    return GroupJob(
        request_id=f"eval-{item.id}",
        endpoint="chat.completions",
        best_of=size,
        n=1,
        max_tokens=0,
        temperature=0.8,
        top_p=1.0,
        stop=[],
        seed=None,
        trace_level="none",
        messages=item.messages,
    )


def _majority(item: Item, texts: list[str], indices: list[int]) -> int:
    """The first candidate that gives the most common answer (the first one if none does)."""
    from collections import Counter

    from bench.evalset import majority_key

    keys = {i: majority_key(item, texts[i]) for i in indices}
    counts = Counter(k for k in keys.values() if k is not None)
    if not counts:
        return indices[0]
    top = max(counts.values())
    for i in indices:  # ties: the first seen
        if keys[i] is not None and counts[keys[i]] == top:
            return i
    return indices[0]


class Evaluator:
    """Judges candidate pools with the server's own planning, scoring and stopping rule."""

    def __init__(self, mode: str) -> None:
        from rewards import default_registry
        from server.config import Settings
        from server.pipeline import GroupScorer

        self.settings = Settings(aggregation=mode)  # type: ignore[arg-type]
        self.scorer = GroupScorer(self.settings, default_registry())

    def select(self, item: Item, candidates: list[Any]) -> int | None:
        """The index (into ``candidates``) the server would return, None if all vetoed."""
        from dataclasses import replace

        group = [replace(c, index=i) for i, c in enumerate(candidates)]
        job = _job(item, len(group))
        context, selection = self.scorer.plan(job)
        _, result = self.scorer.score(job, context, selection, group)
        return result.best

    def auto(self, item: Item, pool: list[Any]) -> tuple[int | None, int]:
        """best_of="auto" drawn from ``pool``: the chosen index and the samples used."""
        from dataclasses import replace

        from rewards.adaptive import AdaptivePolicy, settle

        s = self.settings
        policy = AdaptivePolicy(
            first_round=s.auto_first_round,
            round_size=s.auto_round_size,
            max_samples=min(s.auto_max_best_of, len(pool)),
            min_agreement=s.auto_min_agreement,
            min_margin=s.auto_min_margin,
        )
        job = _job(item, policy.max_samples)
        context, selection = self.scorer.plan(job)  # once, as the server plans a request
        used, best = 0, None
        for size in policy.rounds():
            used += size
            group = [replace(c, index=i) for i, c in enumerate(pool[:used])]
            _, result = self.scorer.score(job, context, selection, group)
            best = result.best
            if settle(context, group, result, policy).settled:
                break
        return best, used


def evaluate(
    groups: list[dict[str, Any]], sizes: list[int], modes: list[str], shuffles: int
) -> dict[str, Any]:
    """Accuracy per size and method, per task kind and overall (see the module docstring)."""
    import random

    from bench.evalset import is_correct

    evaluators = {mode: Evaluator(mode) for mode in modes}
    # rows[kind][size][method] = list of 0/1 outcomes
    rows: dict[str, dict[int, dict[str, list[float]]]] = {}
    auto_rows: dict[str, dict[str, list[float]]] = {}
    for g in groups:
        item = Item(**g["item"])
        pool = load_candidates(g)
        texts = [c.text for c in pool]
        correct = [is_correct(item, c.text, c.finish_reason) for c in pool]
        for size in sizes:
            per = rows.setdefault(item.kind, {}).setdefault(size, {})
            for idx in disjoint_groups(len(pool), size):
                # The expected accuracy of returning one sample of the group, unjudged.
                per.setdefault("one sample", []).append(sum(correct[i] for i in idx) / size)
                per.setdefault("majority", []).append(float(correct[_majority(item, texts, idx)]))
                for mode, ev in evaluators.items():
                    best = ev.select(item, [pool[i] for i in idx])
                    ok = best is not None and correct[idx[best]]
                    per.setdefault(f"selection ({mode})", []).append(float(ok))
                per.setdefault("oracle", []).append(float(any(correct[i] for i in idx)))
        rng = random.Random(f"auto-{item.id}")
        for mode, ev in evaluators.items():
            auto = auto_rows.setdefault(item.kind, {})
            for _ in range(shuffles):
                order = list(range(len(pool)))
                rng.shuffle(order)
                best, used = ev.auto(item, [pool[i] for i in order])
                ok = best is not None and correct[order[best]]
                auto.setdefault(f"accuracy ({mode})", []).append(float(ok))
                auto.setdefault(f"samples ({mode})", []).append(float(used))
        print(f"{item.id}: {sum(correct)}/{len(correct)} candidates correct", flush=True)
    return {"rows": rows, "auto": auto_rows}


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def summarize(raw: dict[str, Any], sizes: list[int]) -> dict[str, Any]:
    """Means of the outcome lists, per task kind and over all kinds ("all")."""
    kinds = sorted(raw["rows"])
    tables: dict[str, Any] = {}
    for kind in [*kinds, "all"]:
        chosen = kinds if kind == "all" else [kind]
        accuracy: dict[str, dict[str, float]] = {}
        groups: dict[str, int] = {}
        for k in sizes:
            methods = raw["rows"][chosen[0]][k]
            pooled = {m: [x for c in chosen for x in raw["rows"][c][k][m]] for m in methods}
            accuracy[str(k)] = {m: _mean(v) for m, v in pooled.items()}
            groups[str(k)] = len(pooled["oracle"])
        auto_keys = raw["auto"][chosen[0]]
        auto = {m: _mean([x for c in chosen for x in raw["auto"][c][m]]) for m in auto_keys}
        tables[kind] = {"groups": groups, "accuracy": accuracy, "auto": auto}
    return tables


def to_markdown(tables: dict[str, Any], sizes: list[int], meta: dict[str, Any]) -> str:
    lines = [
        f"{meta['items']} items ({meta['kinds']}), pools of {meta['pool']} candidates, "
        f"max_tokens={meta['max_tokens']}, temperature={meta['temperature']}, {meta['machine']}",
        "",
    ]
    for kind, table in tables.items():
        methods = list(table["accuracy"][str(sizes[0])])
        lines += [
            f"**{kind}**",
            "",
            "| best_of | groups | " + " | ".join(methods) + " |",
            "|---:|---:|" + "---:|" * len(methods),
        ]
        for k in sizes:
            acc = table["accuracy"][str(k)]
            cells = " | ".join(f"{acc[m]:.3f}" for m in methods)
            lines.append(f"| {k} | {table['groups'][str(k)]} | {cells} |")
        auto = table["auto"]
        for mode in meta["modes"]:
            lines.append(
                f"| auto ({mode}) | | accuracy {auto[f'accuracy ({mode})']:.3f}, "
                f"mean samples {auto[f'samples ({mode})']:.2f} |"
            )
        lines.append("")
    return "\n".join(lines)


def cmd_evaluate(args: argparse.Namespace) -> int:
    data = json.loads(args.candidates.read_text())
    t0 = time.perf_counter()
    raw = evaluate(data["groups"], args.sizes, args.modes, args.shuffles)
    tables = summarize(raw, args.sizes)
    gen = data["meta"]
    kinds = sorted({g["item"]["kind"] for g in data["groups"]})
    meta = {
        **gen,
        "items": len(data["groups"]),
        "kinds": ", ".join(
            f"{sum(1 for g in data['groups'] if g['item']['kind'] == k)} {k}" for k in kinds
        ),
        "sizes": args.sizes,
        "modes": args.modes,
        "auto_shuffles": args.shuffles,
        "evaluate_seconds": round(time.perf_counter() - t0, 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "accuracy.json").write_text(
        json.dumps({"meta": meta, "tables": tables}, indent=2, allow_nan=False)
    )
    table = to_markdown(tables, args.sizes, meta)
    (RESULTS / "accuracy.md").write_text(table)
    print(table)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="sample the candidate pools on the real engine")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--pool", type=int, default=16)
    g.add_argument("--max-tokens", type=int, default=160)
    g.add_argument("--temperature", type=float, default=0.8)
    g.set_defaults(func=cmd_generate)
    e = sub.add_parser("evaluate", help="judge the pools: one sample, majority, selection")
    e.add_argument("--candidates", type=Path, default=CANDIDATES)
    e.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 8, 16])
    e.add_argument("--modes", nargs="+", default=["normalize_then_sum", "sum_then_normalize"])
    e.add_argument("--shuffles", type=int, default=4, help="orders of the pool per auto run")
    e.set_defaults(func=cmd_evaluate)
    args = p.parse_args()
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
