"""Gate figures of one source tree, for before/after comparisons without the tokenizer.

Prints JSON: the labelled and held-out precision/recall of ``bench/gates_eval.py``,
and the time of all gates per candidate, cold (the normalisation memo cleared before
every timing, so each one pays for normalising its text), on

* the benign corpus of ``gates_eval.py`` cut into 4,000-character chunks (about
  1,000 tokens; ``gates_eval.py`` cuts it with the embedded model's tokenizer, which
  this script does not need), with its false positives;
* the same chunks obfuscated (every ``o`` Cyrillic, a zero-width space after every
  space): the non-ASCII path of the normalisation;
* ``gates_eval.py``'s number-heavy tables.

    .venv/bin/python bench/gates_compare.py [ROOT]   # ROOT: a tree to measure (default: this one)

Run it on an export of the old commit (``git archive OLD | tar -x -C /tmp/old``) and
on this tree to compare. One core, best of 3 per candidate.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]).resolve()
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

from bench import gates_eval as ge  # noqa: E402
from rewards.types import Candidate, RewardContext, Verdict  # noqa: E402

clear: Callable[[], None]
try:
    from rewards.gates.normalize import cache_clear as clear
except ImportError:  # a tree from before normalisation

    def clear() -> None:
        return None


CHUNK_CHARS = 4000


def corpus() -> list[str]:
    # The design notes beside this checkout (the same corpus whichever tree is measured).
    shared = Path(__file__).resolve().parents[2] / "shared"
    texts = [p.read_text(encoding="utf-8") for p in sorted(shared.glob("*.md"))]
    for name in ge.STDLIB_MODULES:
        module = importlib.import_module(name)
        parts = [inspect.getdoc(module) or ""]
        for attr, value in sorted(vars(module).items()):
            if not attr.startswith("_") and getattr(value, "__module__", None) == module.__name__:
                parts.append(inspect.getdoc(value) or "")
        texts.append("\n\n".join(p for p in parts if p))
    blob = "\n\n".join(texts)
    return [blob[i : i + CHUNK_CHARS] for i in range(0, len(blob) - CHUNK_CHARS + 1, CHUNK_CHARS)]


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
        "max_ms": round(ordered[-1], 3),
    }


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    gates = ge.gates()
    ctx = RewardContext(
        prompt="Explain this.",
        messages=(
            {"role": "system", "content": ge.SYSTEM},
            {"role": "user", "content": "Explain this."},
        ),
        system_prompt=ge.SYSTEM,
    )

    def cold(text: str) -> tuple[float, dict[str, Verdict]]:
        best, verdicts = float("inf"), {}
        for _ in range(3):
            clear()
            t0 = time.perf_counter()
            verdicts = {
                n: g(completions=[text], context=ctx, candidates=[Candidate(0, text)])[0]
                for n, g in gates.items()
            }
            best = min(best, (time.perf_counter() - t0) * 1000)
        return best, verdicts

    chunks = corpus()
    false_positives = dict.fromkeys(gates, 0)
    times = []
    for chunk in chunks:
        ms, verdicts = cold(chunk)
        times.append(ms)
        for name, verdict in verdicts.items():
            if ge.hit(verdict) and not (name == "pii" and ge._EMAIL.search(chunk)):
                false_positives[name] += 1
    obfuscated = [cold(c.replace("o", "\u043e").replace(" ", " \u200b"))[0] for c in chunks[:20]]
    report = {
        "labelled": {k: v for k, v in ge.labelled(gates).items() if k != "errors"},
        "heldout_v2": {k: v for k, v in ge.heldout(gates).items() if k != "errors"},
        "corpus": {
            "chunks": len(chunks),
            "chunk_chars": CHUNK_CHARS,
            "false_positives": false_positives,
            "all_gates_per_candidate": summary(times),
        },
        "obfuscated_all_gates_per_candidate": summary(obfuscated),
        "number_heavy_all_gates": summary([cold(c)[0] for c in ge.number_heavy()]),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
