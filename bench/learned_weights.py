"""Learned reward weights against the static profile weights, on the accuracy pools.

The stored pools of bench/accuracy.py (``bench/results/accuracy_candidates.json``: 48
items, 16 candidates each, sampled once from the embedded model) are cut into disjoint
groups of ``--size``. The items are split in two halves, per task kind, with a recorded
``--seed``: the server's own scorer (bench/accuracy.py's :class:`GroupScorer` use) scores
the *learn* half's groups, and each candidate's ground truth (bench/evalset.py
``is_correct``) labels them, as `correct` feedback would: each reward's (correct,
incorrect) pairs go into a reliability table (rewards/reliability.py, no server needed),
each group one unit. Each pool item is its own owner (as if each prompt came from its own
key: the pools have no tenants), pooled with the server's default per-owner cap; learning
applies at ``--min-groups`` groups from ``--min-owners`` owners (the server's defaults).
On the *test* half, selection runs with the profile's static weights and with the learned
weights (``rewards.reweigh``), and the share of groups whose selected candidate is
correct is reported, per task and overall.

The reward-hacking case: ``verbosity``, a reward that prefers longer answers (the
embedded model's wrong answers ramble until the token limit), is added to every
selection at weight 1.0, the weight of the strongest built-in reward. Static weights
believe it; learning should turn it down.

    .venv/bin/python bench/learned_weights.py [--seed 0] [--size 8] [--min-groups 10]
        [--min-owners 3]

Writes ``bench/results/learned_weights.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.evalset import Item, is_correct
from rewards import (
    LabelledCandidate,
    RewardChoice,
    Score,
    Selection,
    Tally,
    default_registry,
    group_pairs,
    reliability_of,
    reweigh,
)
from rewards.reliability import MIN_GROUPS, MIN_OWNERS, OWNER_CAP

RESULTS = Path(os.environ.get("BON_BENCH_RESULTS", Path(__file__).parent / "results"))
POOLS = RESULTS / "accuracy_candidates.json"
HACK = "verbosity"
HACK_WEIGHT = 1.0
_VERBOSE_CHARS = 600


class Verbosity:
    """The reward-hacking case: longer is better (1.0 at 600 characters and beyond)."""

    name = HACK

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Score]:
        return [Score(min(1.0, len(t) / _VERBOSE_CHARS), f"{len(t)} chars") for t in completions]


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


def _hacked(selection: Selection) -> Selection:
    choice = RewardChoice(HACK, HACK_WEIGHT, "bench: rewards verbosity (the hacking case)")
    return replace(selection, rewards=[*selection.rewards, choice])


class Judge:
    """The server's scorer on stored groups, with or without the hacking reward."""

    def __init__(self) -> None:
        # By its module's name, not __main__'s: the budget workers unpickle it.
        from bench.learned_weights import Verbosity as Importable
        from server.config import Settings
        from server.pipeline import GroupJob, GroupScorer

        registry = default_registry().copy()
        registry.register_reward(HACK, Importable)
        self.scorer = GroupScorer(Settings(), registry)
        self._job = GroupJob

    def job(self, item: Item, size: int) -> Any:
        return self._job(
            request_id=f"lw-{item.id}",
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

    def score(
        self,
        item: Item,
        group: list[Any],
        *,
        hack: bool,
        table: dict[Any, Tally] | None,
        thresholds: dict[str, int],
    ) -> tuple[str, Any, Selection]:
        """(detected task, the group's result, the selection used)."""
        job = self.job(item, len(group))
        context, selection = self.scorer.plan(job)
        if hack:
            selection = _hacked(selection)
        learned = table
        self.scorer.reweigh = (
            None if learned is None else lambda s: reweigh(s, learned, **thresholds)
        )
        used, result = self.scorer.score(job, context, selection, group)
        return selection.task, result, used


def _rerank(result: Any, group: list[Any], weights: dict[str, float]) -> int | None:
    """The best candidate under ``weights``: score_group's aggregation and ranking on the
    scores it already computed (rewards not in ``weights`` left out)."""
    from rewards import aggregate, rank_candidates

    scores = {r.name: r.scores for r in result.rewards if r.name in weights}
    agg = aggregate(scores, weights, mode=result.mode, vetoed=result.vetoed)
    pen = result.penalties or [0.0] * len(group)
    combined = [None if c is None else c - p for c, p in zip(agg.combined, pen, strict=True)]
    ranking, _ = rank_candidates(combined, group)
    return ranking[0] if ranking else None


def _split(groups: list[dict[str, Any]], seed: int) -> tuple[list[int], list[int]]:
    """Half of each task kind's items to learn from, the other half to test on."""
    rng = random.Random(seed)
    learn, test = [], []
    kinds = sorted({g["item"]["kind"] for g in groups})
    for kind in kinds:
        idx = [i for i, g in enumerate(groups) if g["item"]["kind"] == kind]
        rng.shuffle(idx)
        half = len(idx) // 2
        learn += sorted(idx[:half])
        test += sorted(idx[half:])
    return learn, test


def run(seed: int, size: int, min_groups: int, min_owners: int) -> dict[str, Any]:
    thresholds = {"min_groups": min_groups, "min_owners": min_owners}
    data = json.loads(POOLS.read_text())
    pools = data["groups"]
    learn_idx, test_idx = _split(pools, seed)
    judge = Judge()
    items = [Item(**g["item"]) for g in pools]
    cands = [_candidates(g) for g in pools]
    truth = [
        [is_correct(items[i], c.text, c.finish_reason) for c in cands[i]] for i in range(len(pools))
    ]

    def groups_of(i: int) -> list[list[int]]:
        n = len(cands[i])
        return [list(range(s, s + size)) for s in range(0, n - size + 1, size)]

    # Learn: the static scorer (with the hacking reward: it must be measured to be judged).
    per_owner: dict[tuple[str, str], dict[str, Tally]] = {}
    for i in learn_idx:
        for idx in groups_of(i):
            group = [replace(cands[i][j], index=k) for k, j in enumerate(idx)]
            task, result, _ = judge.score(
                items[i], group, hack=True, table=None, thresholds=thresholds
            )
            labelled = [
                LabelledCandidate(
                    {r.name: r.scores[k].value for r in result.rewards}, truth[i][idx[k]]
                )
                for k in range(len(group))
                if not result.vetoed[k]
            ]
            for name, count in group_pairs(labelled).items():
                mine = per_owner.setdefault((task, name), {})
                mine[items[i].id] = mine.get(items[i].id, Tally()).plus(count)
        print(f"learned from {items[i].id}", flush=True)
    table = {key: Tally.pooled(owners, cap=OWNER_CAP) for key, owners in per_owner.items()}

    # Test: each group scored once (the hacking reward included: its scores do not change
    # the others'), then ranked under each condition's weights by the library's own
    # aggregation and ranking, as score_group ranks.
    conditions = ["static", "learned", f"static + {HACK}", f"learned + {HACK}"]
    outcomes: dict[str, dict[str, list[float]]] = {}
    hack_weights: dict[str, list[float]] = {}
    mismatches = 0
    for i in test_idx:
        kind = items[i].kind
        for idx in groups_of(i):
            group = [replace(cands[i][j], index=k) for k, j in enumerate(idx)]
            per = outcomes.setdefault(kind, {})
            per.setdefault("oracle", []).append(float(any(truth[i][j] for j in idx)))
            per.setdefault("one sample", []).append(sum(truth[i][j] for j in idx) / len(idx))
            _, result, used = judge.score(
                items[i], group, hack=True, table=None, thresholds=thresholds
            )
            learned = reweigh(used, table, **thresholds)
            for name in conditions:
                weights = (learned if name.startswith("learned") else used).weights
                if HACK not in name:
                    weights = {k: v for k, v in weights.items() if k != HACK}
                best = _rerank(result, group, weights)
                if name == f"static + {HACK}" and best != result.best:
                    mismatches += 1
                per.setdefault(name, []).append(float(best is not None and truth[i][idx[best]]))
            hack_weights.setdefault(kind, []).append(learned.weights[HACK])
        print(f"tested on {items[i].id}", flush=True)

    def mean(xs: list[float]) -> float:
        return round(sum(xs) / len(xs), 3) if xs else float("nan")

    methods = ["one sample", *conditions, "oracle"]
    accuracy: dict[str, dict[str, Any]] = {}
    for kind in [*sorted(outcomes), "all"]:
        kinds = sorted(outcomes) if kind == "all" else [kind]
        accuracy[kind] = {"groups": sum(len(outcomes[k]["oracle"]) for k in kinds)}
        for m in methods:
            accuracy[kind][m] = mean([x for k in kinds for x in outcomes[k][m]])
    reliability = {
        f"{task}/{reward}": reliability_of(table, task, reward, min_groups, min_owners).to_dict()
        for task, reward in sorted(table)
    }
    return {
        "meta": {
            "pools": str(POOLS.relative_to(Path(__file__).resolve().parents[1])),
            "pools_meta": data.get("meta"),
            "seed": seed,
            "size": size,
            "min_groups": min_groups,
            "min_owners": min_owners,
            "owner_cap": OWNER_CAP,
            "owners": "each pool item its own owner",
            "learn_items": [items[i].id for i in learn_idx],
            "test_items": [items[i].id for i in test_idx],
            "hack": f"{HACK}: min(1, chars / {_VERBOSE_CHARS}), weight {HACK_WEIGHT}",
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        },
        "accuracy": accuracy,
        "reliability": reliability,
        "hack_weight_used": {k: mean(v) for k, v in sorted(hack_weights.items())},
        # Groups where re-ranking under the used weights disagreed with score_group (0:
        # the re-ranking is the server's).
        "rerank_mismatches": mismatches,
    }


def to_markdown(out: dict[str, Any]) -> str:
    meta, acc = out["meta"], out["accuracy"]
    methods = [m for m in next(iter(acc.values())) if m != "groups"]
    lines = [
        f"Pools: `{meta['pools']}`; items split per kind with seed {meta['seed']}"
        f" ({len(meta['learn_items'])} to learn from, {len(meta['test_items'])} to test on);"
        f" groups of {meta['size']}; learning starts at {meta['min_groups']} groups"
        f" from {meta['min_owners']} owners (each item its own owner);"
        f" {meta['machine']}.",
        "",
        "Accuracy of the selected candidate on the test half:",
        "",
        "| task | groups | " + " | ".join(methods) + " |",
        "|---|---:|" + "---:|" * len(methods),
    ]
    for kind, row in acc.items():
        cells = " | ".join(f"{row[m]:.3f}" for m in methods)
        lines.append(f"| {kind} | {row['groups']} | {cells} |")
    lines += [
        "",
        f"The hacking reward ({meta['hack']}): mean learned weight used on the test half,"
        " by task: " + ", ".join(f"{k} {v:.3f}" for k, v in out["hack_weight_used"].items()) + ".",
        "",
        "Learned reliability (learn half; groups = separating groups, each one unit, share ="
        " their mean share of pairs ordered right; pairs = separated (correct, incorrect)"
        " pairs, shown only):",
        "",
        "| task/reward | groups | owners | share | pairs | ties | lcb | factor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, r in out["reliability"].items():
        share = "-" if r["share"] is None else f"{r['share']:.3f}"
        factor = f"{r['factor']:.3f}" if r["learned"] else "cold"
        lines.append(
            f"| {key} | {r['groups']:g} | {r['owners']} | {share} | {r['pairs']} |"
            f" {r['ties']} | {r['lcb']:.3f} | {factor} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=8)
    parser.add_argument("--min-groups", type=int, default=MIN_GROUPS)
    parser.add_argument("--min-owners", type=int, default=MIN_OWNERS)
    args = parser.parse_args()
    t0 = time.perf_counter()
    out = run(args.seed, args.size, args.min_groups, args.min_owners)
    out["meta"]["seconds"] = round(time.perf_counter() - t0, 1)
    (RESULTS / "learned_weights.json").write_text(json.dumps(out, indent=2) + "\n")
    (RESULTS / "learned_weights.md").write_text(to_markdown(out))
    print(to_markdown(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
