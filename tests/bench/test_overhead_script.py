"""The overhead bench's plumbing (bench/overhead.py) on tiny repeats: no figure is checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import overhead

ROOT = Path(__file__).resolve().parents[2]


def test_one_child_run_times_every_row_and_counts_every_request(tmp_path: Path) -> None:
    out = tmp_path / "child.json"
    cmd = [sys.executable, str(ROOT / "bench" / "overhead.py"), "--child", "--count"]
    cmd += ["--repeats", "2", "--warmup", "0", "--out", str(out)]
    subprocess.run(cmd, cwd=ROOT, check=True, timeout=600)
    part = json.loads(out.read_text())
    assert part["tree"] == str(ROOT)
    labels = [label for label, _, _ in overhead.TIMED] + [overhead.FLOOR]
    assert list(part["samples_s"]) == labels
    assert all(len(part["samples_s"][label]) == 2 for label in labels)
    counts = part["counts"]
    assert list(counts["requests"]) == [label for label, _, _ in overhead.COUNTED]
    assert counts["requests"]["math/auto (2 rounds of 4)"]["rounds"] == 2
    # A counted function that moved or was renamed: add its new "module:qualname" to
    # bench/overhead.py FUNCTIONS (the old one stays for the older trees).
    assert counts["absent"] == [], counts["absent"]

    report = {
        "meta": {"repeats": 2, "warmup": 0, "rounds": 1, "machine": "m", "load": "0", "when": "t"},
        "trees": {"before": overhead._summary([part]), "after": overhead._summary([part])},
    }
    table = overhead.to_markdown(report)
    assert "| math/8 |" in table and "1.00x" in table
    assert "**math/auto (2 rounds of 4)** (before: 2 rounds, after: 2 rounds)" in table


def test_counting_wrappers_patch_every_binding_and_are_undone() -> None:
    from rewards.builtin import math_answers

    original = math_answers.extract_answer
    counts = overhead.Counts()
    counts.install()
    try:
        assert math_answers.extract_answer is not original
        math_answers.extract_answer("The answer is 4.")
        assert counts.calls["extract_answer"] == 1
    finally:
        counts.uninstall()
    assert math_answers.extract_answer is original
