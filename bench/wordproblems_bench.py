"""The server's selection on held-out word problems (bench/wordproblems.py), by template.

Two phases, as in bench/accuracy.py, so the slow one runs once per split:

1. ``generate --split dev|test``: on the real engine (in-process vLLM, embedded model,
   the model's chat template: the prompt is the one user message), sample a pool of
   ``--pool`` candidates per item at temperature 0.7, max_tokens 128, and store them
   verbatim (text, token ids, cumulative log-probability, finish reason) in
   ``bench/results/wordproblems_<split>_candidates.json``. Items are sent to the engine
   a few at a time (``--concurrency``) so vLLM batches them; each item is still one
   engine request of ``n=pool``, as the server sends a group.
2. ``evaluate --split ... --sizes 4 8 16``: split every pool into disjoint groups of k
   (the same candidates for every method) and report, per template and overall:
   *one sample* (the share of correct candidates in the group), *majority* (the most
   common stated answer, ties: first seen), *selection* (the candidate the server's own
   planning and scoring returns: ``bench.accuracy.Evaluator``, a black box here),
   *oracle* (any candidate correct) and the *share closed*,
   (selection - one) / (oracle - one). Correctness is bench/wordproblems.py's judge,
   not the server's. Writes ``bench/results/wordproblems_<split>[<--tag>].{json,md}``.

    .venv/bin/python bench/wordproblems_bench.py generate --split dev --pool 16
    .venv/bin/python bench/wordproblems_bench.py evaluate --split dev --sizes 4 8 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.accuracy import Evaluator, _mean
from bench.evalset import Item
from bench.pools import candidate_record, disjoint_groups, load_candidates, write_pool
from bench.wordproblems import SPLIT_SEEDS, WordProblem, answer_key, is_correct, load

RESULTS = Path(os.environ.get("BON_BENCH_RESULTS", Path(__file__).parent / "results"))


def candidates_path(split: str) -> Path:
    return RESULTS / f"wordproblems_{split}_candidates.json"


# ---------------------------------------------------------------------------- generate


async def _generate(
    items: list[WordProblem], pool: int, max_tokens: int, temperature: float, concurrency: int
) -> list[Any]:
    from server.config import EMBEDDED_MODEL_NAME, default_cache_dir
    from server.engines.base import GenerationRequest
    from server.engines.vllm_engine import VLLMEngine
    from server.model import prepare_model

    model = prepare_model(EMBEDDED_MODEL_NAME, default_cache_dir())
    gate = asyncio.Semaphore(concurrency)
    done = 0
    t0 = time.perf_counter()
    async with VLLMEngine.start(
        model.path, model.name, max_model_len=1024, max_num_seqs=pool * concurrency
    ) as engine:

        async def one(item: WordProblem) -> dict[str, Any]:
            nonlocal done
            async with gate:
                gen = await engine.generate(
                    GenerationRequest(
                        request_id=f"wp-{item.id}",
                        n=pool,
                        max_tokens=max_tokens,
                        messages=item.messages,
                        temperature=temperature,
                    )
                )
            done += 1
            print(f"[{done}/{len(items)}] {item.id}: {time.perf_counter() - t0:.0f} s", flush=True)
            return {
                "item": item.to_dict(),
                "prompt_tokens": gen.prompt_tokens,
                "candidates": [candidate_record(c) for c in gen.candidates],
            }

        return list(await asyncio.gather(*(one(i) for i in items)))


def cmd_generate(args: argparse.Namespace) -> int:
    items = load(args.split)
    if args.limit:
        items = items[: args.limit]
    t0 = time.perf_counter()
    groups = asyncio.run(
        _generate(items, args.pool, args.max_tokens, args.temperature, args.concurrency)
    )
    write_pool(
        args.out or candidates_path(args.split),
        groups,
        t0,
        split=args.split,
        seed=SPLIT_SEEDS[args.split],
        pool=args.pool,
        max_tokens=args.max_tokens,
        temperature=args.temperature,
    )
    return 0


# ---------------------------------------------------------------------------- evaluate


def _as_item(p: WordProblem) -> Item:
    """The item as bench.accuracy's Evaluator takes it (it reads only id and messages)."""
    return Item(id=p.id, kind="math", messages=p.messages, answer=p.answer)


def majority(p: WordProblem, pool: list[Any], indices: list[int]) -> int:
    """The first candidate giving the most common stated answer (the first if none does)."""
    keys = {i: answer_key(p, pool[i].text, pool[i].finish_reason) for i in indices}
    counts = Counter(k for k in keys.values() if k is not None)
    if not counts:
        return indices[0]
    top = max(counts.values())
    return next(i for i in indices if (k := keys[i]) is not None and counts[k] == top)


def evaluate(groups: list[dict[str, Any]], sizes: list[int], modes: list[str]) -> dict[str, Any]:
    """rows[template][size][method] = the 0/1 (or share) outcome of every group."""
    evaluators = {mode: Evaluator(mode) for mode in modes}
    rows: dict[str, dict[int, dict[str, list[float]]]] = {}
    for g in groups:
        p = WordProblem(**g["item"])
        item = _as_item(p)
        pool = load_candidates(g)
        correct = [is_correct(p, c.text, c.finish_reason) for c in pool]
        for size in sizes:
            per = rows.setdefault(p.template, {}).setdefault(size, {})
            for idx in disjoint_groups(len(pool), size):
                per.setdefault("one sample", []).append(sum(correct[i] for i in idx) / size)
                per.setdefault("majority", []).append(float(correct[majority(p, pool, idx)]))
                for mode, ev in evaluators.items():
                    best = ev.select(item, [pool[i] for i in idx])
                    ok = best is not None and correct[idx[best]]
                    per.setdefault(f"selection ({mode})", []).append(float(ok))
                per.setdefault("oracle", []).append(float(any(correct[i] for i in idx)))
        print(f"{p.id}: {sum(correct)}/{len(correct)} candidates correct", flush=True)
    return rows


def share_closed(one: float, selection: float, oracle: float) -> float | None:
    """(selection - one) / (oracle - one); None where the oracle is no better than one."""
    gap = oracle - one
    return None if gap <= 1e-12 else (selection - one) / gap


def summarize(rows: dict[str, Any], sizes: list[int], modes: list[str]) -> dict[str, Any]:
    """Means per template and over all templates ("all"), with the share closed per mode."""
    templates = list(rows)
    tables: dict[str, Any] = {}
    for name in ["all", *templates]:
        chosen = templates if name == "all" else [name]
        accuracy: dict[str, dict[str, float | None]] = {}
        counts: dict[str, int] = {}
        for k in sizes:
            methods = rows[chosen[0]][k]
            pooled = {m: [x for t in chosen for x in rows[t][k][m]] for m in methods}
            acc: dict[str, float | None] = {m: _mean(v) for m, v in pooled.items()}
            for mode in modes:
                acc[f"closed ({mode})"] = share_closed(
                    _mean(pooled["one sample"]),
                    _mean(pooled[f"selection ({mode})"]),
                    _mean(pooled["oracle"]),
                )
            accuracy[str(k)] = acc
            counts[str(k)] = len(pooled["oracle"])
        tables[name] = {"groups": counts, "accuracy": accuracy}
    return tables


def _cell(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def to_markdown(tables: dict[str, Any], sizes: list[int], meta: dict[str, Any]) -> str:
    lines = [
        f"Split `{meta['split']}` (seed {meta['seed']}), {meta['items']} items, pools of "
        f"{meta['pool']}, max_tokens={meta['max_tokens']}, temperature={meta['temperature']}. "
        "closed = (selection - one) / (oracle - one).",
        "",
    ]
    methods = list(tables["all"]["accuracy"][str(sizes[0])])
    lines += ["**all templates**", "", "| best_of | groups | " + " | ".join(methods) + " |"]
    lines.append("|---:|---:|" + "---:|" * len(methods))
    for k in sizes:
        acc = tables["all"]["accuracy"][str(k)]
        cells = " | ".join(_cell(acc[m]) for m in methods)
        lines.append(f"| {k} | {tables['all']['groups'][str(k)]} | {cells} |")
    for k in sizes:
        lines += ["", f"**by template, best_of {k}**", ""]
        lines.append("| template | groups | " + " | ".join(methods) + " |")
        lines.append("|---|---:|" + "---:|" * len(methods))
        for name, table in tables.items():
            if name == "all":
                continue
            acc = table["accuracy"][str(k)]
            cells = " | ".join(_cell(acc[m]) for m in methods)
            lines.append(f"| {name} | {table['groups'][str(k)]} | {cells} |")
    return "\n".join(lines) + "\n"


def cmd_evaluate(args: argparse.Namespace) -> int:
    from server.config import Settings

    modes = args.modes or [Settings().aggregation]
    data = json.loads((args.candidates or candidates_path(args.split)).read_text())
    t0 = time.perf_counter()
    rows = evaluate(data["groups"], args.sizes, modes)
    tables = summarize(rows, args.sizes, modes)
    meta = {
        **data["meta"],
        "items": len(data["groups"]),
        "sizes": args.sizes,
        "modes": modes,
        "evaluate_seconds": round(time.perf_counter() - t0, 1),
    }
    stem = RESULTS / f"wordproblems_{args.split}{args.tag}"
    stem.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "tables": tables}, indent=2, allow_nan=False) + "\n"
    )
    table = to_markdown(tables, args.sizes, meta)
    stem.with_suffix(".md").write_text(table)
    print(table)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="sample the candidate pools on the real engine")
    g.add_argument("--split", choices=["dev", "test"], required=True)
    g.add_argument("--pool", type=int, default=16)
    g.add_argument("--max-tokens", type=int, default=128)
    g.add_argument("--temperature", type=float, default=0.7)
    g.add_argument("--concurrency", type=int, default=8, help="items in flight at once")
    g.add_argument("--limit", type=int, default=0, help="only the first N items (a trial)")
    g.add_argument("--out", type=Path, default=None)
    g.set_defaults(func=cmd_generate)
    e = sub.add_parser("evaluate", help="judge the pools: one sample, majority, selection")
    e.add_argument("--split", choices=["dev", "test"], required=True)
    e.add_argument("--candidates", type=Path, default=None)
    e.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 16])
    e.add_argument("--modes", nargs="+", default=None, help="default: the server's setting")
    e.add_argument("--tag", default="", help="appended to the output name, e.g. _before")
    e.set_defaults(func=cmd_evaluate)
    args = p.parse_args()
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
