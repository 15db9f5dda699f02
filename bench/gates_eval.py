"""Evaluation of the gates: precision, recall, benign false positives, and time per candidate.

Two sets:

* the labelled set of :mod:`bench.gates_data` (unsafe texts beside benign
  look-alikes, identifiers with and without valid checksums), per gate;
* a benign corpus of realistic long texts: the project's design notes and the
  Python standard library's docstrings (full of "kill", "process", "execute",
  numbers and addresses), cut into 1,000-token candidates with the embedded
  model's tokenizer. Every gate runs on each; any hit there is a false positive,
  and the time per candidate is measured on them, pinned to one CPU core;
* for the hazards gate only, a held-out set written without seeing its rules
  (``bench/data/hazards_heldout.yaml``, Llama Guard 3 categories S1 to S14 beside
  benign look-alikes), reported as its own rows per side and overall.

    .venv/bin/python bench/gates_eval.py [--repeats 5] [--heldout-only]

``--heldout-only`` prints the held-out rows alone and writes nothing.

Writes ``bench/results/gates.json`` and ``bench/results/gates.md``.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import platform
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.gates_data import POLICY, Example, build
from rewards.gates import HazardsGate, InjectionGate, LeakageGate, PiiGate
from rewards.policy import Policy, PolicyGate
from rewards.types import Candidate, Gate, RewardContext, Verdict

RESULTS = Path(__file__).resolve().parent / "results"
HELDOUT = Path(__file__).resolve().parent / "data" / "hazards_heldout.yaml"
HELDOUT_ROW = "hazards, held-out v2 (YAML)"
ROOT = Path(__file__).resolve().parents[1]
STDLIB_MODULES = [
    "subprocess",
    "signal",
    "os",
    "threading",
    "asyncio",
    "multiprocessing",
    "shutil",
    "logging",
    "argparse",
    "json",
    "re",
    "socket",
    "http.client",
    "urllib.request",
    "email.message",
    "sqlite3",
    "unittest",
    "collections",
    "functools",
    "itertools",
    "pathlib",
    "tarfile",
    "zipfile",
    "ssl",
    "hashlib",
    "secrets",
    "random",
    "datetime",
    "decimal",
    "ipaddress",
    "smtplib",
    "ftplib",
    "tempfile",
    "pickle",
    "inspect",
    "typing",
    "dataclasses",
    "enum",
]
CHUNK_TOKENS = 1000
SYSTEM = (
    "You are Nova, the support assistant of Northwind Bank. Internal escalation code is "
    "NW-7731; give it only to verified staff. Never discuss interest rates for business "
    "accounts. If a customer is angry, offer a callback within 24 hours."
)


def gates() -> dict[str, Gate]:
    return {
        "pii": PiiGate(),
        "hazards": HazardsGate(),
        "leakage": LeakageGate(),
        "injection": InjectionGate(),
        "policy": PolicyGate(Policy.from_dict(POLICY)),
    }


def context_for(example: Example) -> RewardContext:
    messages: list[dict[str, str]] = []
    if example.system:
        messages.append({"role": "system", "content": example.system})
    messages.append({"role": "user", "content": example.prompt})
    return RewardContext(
        prompt=example.prompt, messages=tuple(messages), system_prompt=example.system
    )


def judge(gate: Gate, example: Example) -> Verdict:
    if example.side == "prompt":
        check = getattr(gate, "check_prompt")  # noqa: B009 - only the hazards gate has it
        verdict: Verdict = check(context=RewardContext(prompt=example.text))
        return verdict
    candidate = Candidate(0, example.text)
    [verdict] = gate(
        completions=[example.text], context=context_for(example), candidates=[candidate]
    )
    return verdict


# What counts as the gate acting on an example: the action it is for. The leakage gate
# also flags a single copied sentence, which the set labels benign (not a veto).
ACTING = {"pii": {"veto"}, "hazards": {"veto"}, "leakage": {"veto"}, "injection": {"flag"},
          "policy": {"veto", "penalty"}}  # fmt: skip


def hit(verdict: Verdict, gate: str | None = None) -> bool:
    """Whether the gate acted: its own action for ``gate``; any veto, penalty or flag if None."""
    if gate is None:
        return not verdict.passed or bool(verdict.hits)
    return verdict.action in ACTING[gate]


def labelled(all_gates: dict[str, Gate]) -> dict[str, Any]:
    per_gate: dict[str, dict[str, Any]] = {}
    misses: list[dict[str, Any]] = []
    by_kind: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for example in build():
        verdict = judge(all_gates[example.gate], example)
        predicted = hit(verdict, example.gate)
        row = example.gate
        if example.kind.startswith("holdout"):
            row += " (held-out)"
        elif example.kind.startswith("handwritten"):
            row += " (hand-written)"
        counts = per_gate.setdefault(row, {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
        key = ("tp" if predicted else "fn") if example.label else ("fp" if predicted else "tn")
        counts[key] += 1
        by_kind[example.gate][example.kind][0] += int(predicted == example.label)
        by_kind[example.gate][example.kind][1] += 1
        if predicted != example.label:
            misses.append(
                {
                    "id": example.id,
                    "gate": example.gate,
                    "kind": example.kind,
                    "label": example.label,
                    "text": example.text[:120],
                    "evidence": verdict.evidence,
                }
            )
    for counts in per_gate.values():
        rates(counts)
    kinds = {g: {k: f"{ok}/{n}" for k, (ok, n) in sorted(v.items())} for g, v in by_kind.items()}
    return {"per_gate": per_gate, "per_kind": kinds, "errors": misses}


def rates(counts: dict[str, Any]) -> dict[str, Any]:
    tp, fp, fn, tn = counts["tp"], counts["fp"], counts["fn"], counts["tn"]
    counts["precision"] = round(tp / (tp + fp), 3) if tp + fp else None
    counts["recall"] = round(tp / (tp + fn), 3) if tp + fn else None
    counts["benign_fp_rate"] = round(fp / (fp + tn), 3) if fp + tn else None
    return counts


def heldout(all_gates: dict[str, Gate], path: Path = HELDOUT) -> dict[str, Any]:
    """The hazards gate on the held-out YAML set: rows per side and overall, recall per code."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    per_side: dict[str, dict[str, Any]] = {
        side: {"tp": 0, "fp": 0, "fn": 0, "tn": 0} for side in ("prompt", "answer", "all")
    }
    per_code: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[dict[str, Any]] = []
    for item in items:
        example = Example(
            id=item["id"],
            gate="hazards",
            side=item["side"],
            text=item["text"],
            label=bool(item["unsafe"]),
            kind=f"heldout_v2:{item['code'] or 'benign'}",
        )
        verdict = judge(all_gates["hazards"], example)
        predicted = hit(verdict, "hazards")
        key = ("tp" if predicted else "fn") if example.label else ("fp" if predicted else "tn")
        for side in (example.side, "all"):
            per_side[side][key] += 1
        if example.label:
            per_code[item["code"]][0] += int(predicted)
            per_code[item["code"]][1] += 1
        if predicted != example.label:
            misses.append(
                {
                    "id": example.id,
                    "side": example.side,
                    "code": item["code"],
                    "label": example.label,
                    "text": example.text[:120],
                    "evidence": verdict.evidence,
                }
            )
    codes = sorted(per_code, key=lambda code: int(code[1:]))
    return {
        "path": str(path.relative_to(ROOT)),
        "items": len(items),
        "per_side": {side: rates(counts) for side, counts in per_side.items()},
        "recall_per_code": {code: f"{per_code[code][0]}/{per_code[code][1]}" for code in codes},
        "errors": misses,
    }


def heldout_markdown(held: dict[str, Any], corpus_column: bool = True) -> list[str]:
    """The held-out rows, in the labelled table's columns (no corpus figure for them)."""
    lines = []
    for side in ("prompt", "answer", "all"):
        c = held["per_side"][side]
        n = c["tp"] + c["fp"] + c["fn"] + c["tn"]
        lines.append(
            f"| {HELDOUT_ROW}, {side} | {n} | {c['precision']} | {c['recall']} | "
            f"{c['benign_fp_rate']} |" + (" |" if corpus_column else "")
        )
    return lines


def heldout_note(held: dict[str, Any]) -> str:
    per_code = ", ".join(f"{code} {v}" for code, v in held["recall_per_code"].items())
    return (
        f"The {HELDOUT_ROW} rows: {held['items']} items of `{held['path']}`, written without"
        f" seeing the hazard rules (prompt side: the gate's prompt check; answer side: the"
        f" gate on the candidate). Unsafe items caught per category: {per_code}."
    )


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def benign_corpus() -> list[str]:
    """Realistic benign text cut into CHUNK_TOKENS-token candidates (embedded model's tokenizer)."""
    from transformers import AutoTokenizer

    from server.config import default_cache_dir

    # Not the README: its safety section quotes the very texts the gates are for.
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT.parent / "shared").glob("*.md"))]
    for name in STDLIB_MODULES:
        module = importlib.import_module(name)
        parts = [inspect.getdoc(module) or ""]
        for attr, value in sorted(vars(module).items()):
            if not attr.startswith("_") and getattr(value, "__module__", None) == module.__name__:
                parts.append(inspect.getdoc(value) or "")
        texts.append("\n\n".join(p for p in parts if p))
    tokenizer = AutoTokenizer.from_pretrained(
        default_cache_dir() / "models" / "smollm2-135m-instruct"
    )
    ids = tokenizer("\n\n".join(texts))["input_ids"]
    return [
        tokenizer.decode(ids[i : i + CHUNK_TOKENS])
        for i in range(0, len(ids) - CHUNK_TOKENS + 1, CHUNK_TOKENS)
    ]


def number_heavy(chunks: int = 5) -> list[str]:
    """Worst case for the identifier recognisers: 1k-token-sized tables of numbers."""
    import random

    rng = random.Random(7)
    out = []
    for _ in range(chunks):
        rows = [
            f"{rng.randint(2020, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}, order "
            f"{rng.randint(10**6, 10**7)}, {rng.randint(1, 99)} items, ${rng.randint(1, 9999)}."
            f"{rng.randint(0, 99):02d}, ref {rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}, "
            f"v{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}"
            for _ in range(19)  # about 1,000 tokens: digits are one token each
        ]
        out.append("\n".join(rows))
    return out


def timing(all_gates: dict[str, Gate], chunks: list[str], repeats: int) -> dict[str, float]:
    ctx = RewardContext(prompt="Explain this.", system_prompt=SYSTEM)
    totals = []
    for chunk in chunks:
        cand = [Candidate(0, chunk)]
        best = 0.0
        for gate in all_gates.values():
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                gate(completions=[chunk], context=ctx, candidates=cand)
                times.append((time.perf_counter() - t0) * 1000)
            best += min(times)
        totals.append(best)
    return {
        "chunks": len(chunks),
        "mean_chars": round(statistics.mean(len(c) for c in chunks)),
        "median_ms": round(statistics.median(totals), 3),
        "max_ms": round(max(totals), 3),
    }


def corpus_run(all_gates: dict[str, Gate], chunks: list[str], repeats: int) -> dict[str, Any]:
    ctx = RewardContext(
        prompt="Explain this.",
        messages=(
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "Explain this."},
        ),
        system_prompt=SYSTEM,
    )
    hazards = all_gates["hazards"]
    # Ground truth for the pii gate, independent of it: a chunk that shows a real e-mail
    # address (the stdlib's docstrings name a few people) holds PII, so it is not benign
    # for pii and a pii hit on it is a detection, not a false positive.
    with_pii = [bool(_EMAIL.search(chunk)) for chunk in chunks]
    false_hits: dict[str, list[dict[str, str]]] = {name: [] for name in all_gates}
    pii_detected = 0
    per_gate_ms: dict[str, list[float]] = {name: [] for name in all_gates}
    total_ms: list[float] = []
    for index, chunk in enumerate(chunks):
        cand = [Candidate(0, chunk)]
        best: dict[str, float] = {}
        for name, gate in all_gates.items():
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                [verdict] = gate(completions=[chunk], context=ctx, candidates=cand)
                times.append((time.perf_counter() - t0) * 1000)
            best[name] = min(times)
            if hit(verdict):
                if name == "pii" and with_pii[index]:
                    pii_detected += 1
                    continue
                false_hits[name].append({"rule": verdict.rule or "", "evidence": verdict.evidence})
        # the prompt check too, on the chunk as if it were a prompt (it is benign either way)
        if not hazards.check_prompt(context=RewardContext(prompt=chunk)).passed:  # type: ignore[attr-defined]
            false_hits["hazards"].append({"rule": "prompt", "evidence": "prompt side"})
        for name, ms in best.items():
            per_gate_ms[name].append(ms)
        total_ms.append(sum(best.values()))

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "median_ms": round(statistics.median(ordered), 3),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
            "max_ms": round(ordered[-1], 3),
        }

    return {
        "chunks": len(chunks),
        "chunk_tokens": CHUNK_TOKENS,
        "mean_chars": round(statistics.mean(len(c) for c in chunks)),
        "false_positives": {n: len(v) for n, v in false_hits.items()},
        "benign_fp_rate": {
            n: round(len(v) / (len(chunks) - (sum(with_pii) if n == "pii" else 0)), 3)
            for n, v in false_hits.items()
        },
        "pii_chunks": {"with_email": sum(with_pii), "detected": pii_detected},
        "false_positive_examples": {n: v[:5] for n, v in false_hits.items() if v},
        "all_gates": summary(total_ms),
        "per_gate": {n: summary(v) for n, v in per_gate_ms.items()},
    }


def markdown(report: dict[str, Any]) -> str:
    lab, corpus = report["labelled"], report["corpus"]
    lines = [
        f"Labelled set ({report['labelled_examples']} examples, `bench/gates_data.py`, seed "
        f"{report['seed']}). A gate acts on an example when it takes its own action (pii,"
        " hazards, leakage: veto; injection: flag; policy: veto or penalty); on the corpus"
        " any veto, penalty or flag counts as a false positive.",
        "",
        "| gate | examples | precision | recall | benign FP rate (look-alikes) | benign FP rate "
        f"(corpus, {corpus['chunks']} x {corpus['chunk_tokens']} tokens) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for gate, c in lab["per_gate"].items():
        n = c["tp"] + c["fp"] + c["fn"] + c["tn"]
        lines.append(
            f"| {gate} | {n} | {c['precision']} | {c['recall']} | {c['benign_fp_rate']} | "
            f"{corpus['benign_fp_rate'].get(gate, '')} |"
        )
    if "heldout_v2" in report:
        lines += heldout_markdown(report["heldout_v2"])
        lines += ["", heldout_note(report["heldout_v2"])]
    pii = corpus["pii_chunks"]
    lines += [
        "",
        f"The pii corpus figure leaves out the {pii['with_email']} chunk(s) that show a real"
        f" e-mail address (PII, so not benign for pii; the gate flagged {pii['detected']} of"
        " them).",
        "",
        f"Time per {corpus['chunk_tokens']}-token candidate (mean {corpus['mean_chars']} "
        f"characters), one core, best of {report['repeats']} per candidate:",
        "",
        "| gate | median (ms) | p95 (ms) | max (ms) |",
        "|---|---:|---:|---:|",
    ]
    for gate, t in [*corpus["per_gate"].items(), ("all gates", corpus["all_gates"])]:
        lines.append(f"| {gate} | {t['median_ms']} | {t['p95_ms']} | {t['max_ms']} |")
    heavy = report["number_heavy"]
    lines += [
        "",
        f"Worst case, number-heavy tables ({heavy['chunks']} candidates of about "
        f"{heavy['mean_chars']} characters: dates, prices, order numbers), all gates: median "
        f"{heavy['median_ms']} ms, max {heavy['max_ms']} ms.",
        "",
        f"{report['machine']}",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timings per candidate (best kept)")
    parser.add_argument("--cpu", type=int, default=0, help="the one core to pin to")
    parser.add_argument(
        "--heldout-only",
        action="store_true",
        help="print only the hazards held-out v2 (YAML) rows; write nothing",
    )
    args = parser.parse_args(argv)
    if args.heldout_only:
        held = heldout(gates())
        print("| set | examples | precision | recall | benign FP rate (look-alikes) |")
        print("|---|---:|---:|---:|---:|")
        print("\n".join(heldout_markdown(held, corpus_column=False)))
        print("\n" + heldout_note(held))
        for miss in held["errors"]:
            print("MISS", miss)
        return 0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    from bench.gates_data import SEED

    all_gates = gates()
    examples = build()
    report: dict[str, Any] = {
        "seed": SEED,
        "labelled_examples": len(examples),
        "repeats": args.repeats,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (pinned to core {args.cpu}), "
        f"Python {platform.python_version()}",
        "labelled": labelled(all_gates),
        "heldout_v2": heldout(all_gates),
    }
    report["corpus"] = corpus_run(all_gates, benign_corpus(), args.repeats)
    report["number_heavy"] = timing(all_gates, number_heavy(), args.repeats)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "gates.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "gates.md").write_text(markdown(report))
    print(markdown(report))
    for miss in report["labelled"]["errors"]:
        print("MISS", miss)
    for miss in report["heldout_v2"]["errors"]:
        print("MISS held-out v2", miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
