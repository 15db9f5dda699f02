"""Audit: every module-level regex applied to client or candidate text, timed on adversarial input.

For each compiled pattern (RE2 via ``rewards.linear_re`` or Python ``re``), each
generator builds a text of ``n`` and ``4 n`` characters from repeated prefixes of
the pattern's own literal pieces and from the attacks of issue 10; the worst time
at ``4 n`` and the growth ``log4(t(4n) / t(n))`` (1 = linear, 2 = quadratic) are
written to ``bench/results/regex_audit.json``. Figures are from one run on the
machine it ran on; the growth is the figure to read, not the seconds.

    .venv/bin/python bench/regex_audit.py [--n 2000]
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rewards import linear_re

MODULES = [
    "rewards.builtin.json_valid",
    "rewards.builtin.math_answers",
    "rewards.builtin.math_steps",
    "rewards.builtin.formatting",
    "rewards.builtin.language",
    "rewards.language",
    "rewards.task",
    "rewards.gates.injection",
]
# Attacks from issue 10 and classic backtracking triggers, as (name, unit to repeat, prefix).
FIXED = [
    ("backtick-calls", "a(", "`"),
    ("exfil-query", "?=", "![](http://x/"),
    ("blank-lines", "\n", ""),
    ("spaces", " ", ""),
    ("digits", "1", ""),
    ("digit-space", "1 ", ""),
    ("star-word", "*a ", ""),
    ("braces", "{", "\\boxed{"),
    ("unclosed-tags", "<answer>", ""),
    ("unclosed-fences", "```json\n{", ""),
    ("dollar-words", "$a ", ""),
    ("answer-words", "answer ", ""),
    ("minus-digits", "-1", ""),
    ("letters", "a", ""),
]


def _patterns() -> Iterator[tuple[str, Any]]:
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) or linear_re.is_linear(value):
                yield f"{module_name}.{name}", value
            elif isinstance(value, list):  # math_steps' (pattern, replacement) table
                for i, item in enumerate(value):
                    if isinstance(item, tuple) and isinstance(item[0], re.Pattern):
                        yield f"{module_name}.{name}[{i}]", item[0]


def _pieces(source: str) -> list[str]:
    """Literal runs of the pattern's source (its alternatives' words and punctuation)."""
    runs = re.findall(r"[A-Za-z]{2,}|[^\w\s\\()\[\]|?*+{}^$.]", source)
    return list(dict.fromkeys(runs))[:12]


def _generators(source: str) -> list[tuple[str, Callable[[int], str]]]:
    gens: list[tuple[str, Callable[[int], str]]] = [
        (name, lambda n, u=unit, p=prefix: p + u * (n // len(u))) for name, unit, prefix in FIXED
    ]
    pieces = _pieces(source)
    for piece in pieces:
        gens.append((f"repeat {piece!r}", lambda n, u=piece: u * (n // len(u))))
        gens.append((f"repeat {piece!r}+space", lambda n, u=piece + " ": u * (n // len(u))))
    if pieces:
        prefix = " ".join(pieces)
        gens.append(("all pieces", lambda n, u=prefix + " ": u * (n // len(u))))
    return gens


def _time(pattern: Any, text: str) -> float:
    start = time.perf_counter()
    for _ in pattern.finditer(text):
        pass
    return time.perf_counter() - start


def audit(n: int) -> list[dict[str, Any]]:
    rows = []
    for name, pattern in _patterns():
        worst: dict[str, Any] = {"seconds": 0.0}
        for gen_name, gen in _generators(pattern.pattern):
            small, large = _time(pattern, gen(n)), _time(pattern, gen(4 * n))
            if large > worst["seconds"]:
                growth = math.log(large / small, 4) if small > 1e-6 else None
                worst = {"seconds": large, "generator": gen_name, "growth": growth}
        rows.append(
            {
                "pattern": name,
                "engine": "re2" if linear_re.is_linear(pattern) else "re",
                "chars": 4 * n,
                "worst_seconds": round(worst["seconds"], 6),
                "worst_generator": worst.get("generator"),
                "growth_exponent": None
                if worst.get("growth") is None
                else round(worst["growth"], 2),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="smaller text size (chars)")
    parser.add_argument("--out", default="bench/results/regex_audit.json")
    args = parser.parse_args()
    rows = audit(args.n)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"n": args.n, "patterns": rows}, indent=2) + "\n")
    for row in sorted(rows, key=lambda r: -r["worst_seconds"]):
        print(
            f"{row['engine']:3} {row['worst_seconds']:9.4f}s growth {row['growth_exponent']}"
            f"  {row['pattern']}  [{row['worst_generator']}]"
        )


if __name__ == "__main__":
    main()
