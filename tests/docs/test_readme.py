"""README.md is the newcomer's page: its links land, and its commands are CI's.

The docs site itself is checked by `mkdocs build --strict` in `make test` (broken links,
anchors and includes fail there); README.md is not part of the site, so its links are
checked here.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_every_relative_link_of_the_readme_exists() -> None:
    targets = [t for t in _LINK.findall(README) if "://" not in t]
    assert targets, "the README links into the docs"
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing


def test_the_two_commands_are_make_targets_and_ci_runs_the_test_one() -> None:
    assert "make serve" in README and "make test" in README
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^serve:", makefile, re.MULTILINE)
    assert re.search(r"^test:", makefile, re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert [line for line in ci.splitlines() if line.startswith("make ")] == ["make test"]


def test_the_readme_stays_a_short_page() -> None:
    # The reference lives in docs/; the README says what it is, starts it, and links.
    assert len(README.splitlines()) <= 220
