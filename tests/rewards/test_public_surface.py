"""The server imports rewards only through the public surface.

``rewards`` and ``rewards.gates`` are the library's public modules (their ``__all__``);
every other module under ``rewards/`` is private by convention. The walk reads every
``server/**/*.py`` with ``ast`` (imports inside functions too) and fails on an import
of any other ``rewards`` module, or of a name the surface does not export.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rewards
import rewards.gates

_SERVER = Path(__file__).parents[2] / "server"
_PUBLIC = {"rewards": set(rewards.__all__), "rewards.gates": set(rewards.gates.__all__)}


def _faults(source: str, where: str) -> list[str]:
    faults = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            faults += [
                f"{where}:{node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.split(".")[0] == "rewards"
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "rewards":
                continue
            if node.module not in _PUBLIC:
                faults.append(f"{where}:{node.lineno}: from {node.module} import ...")
                continue
            faults += [
                f"{where}:{node.lineno}: {alias.name} is not in {node.module}.__all__"
                for alias in node.names
                if alias.name not in _PUBLIC[node.module]
            ]
    return faults


def test_server_imports_only_the_public_surface() -> None:
    files = sorted(_SERVER.rglob("*.py"))
    assert files, "server/ not found"
    faults = [f for p in files for f in _faults(p.read_text(encoding="utf-8"), str(p))]
    assert faults == []


@pytest.mark.parametrize(
    "line",
    [
        "from rewards.scoring import score_group",
        "import rewards.selection",
        "def f():\n    from rewards.gates.pii import PiiGate",
        "from rewards import _not_exported",
    ],
)
def test_the_walk_catches_a_private_import(line: str) -> None:
    assert _faults(line, "x.py")


def test_every_exported_name_exists() -> None:
    for module, names in ((rewards, rewards.__all__), (rewards.gates, rewards.gates.__all__)):
        assert [n for n in names if not hasattr(module, n)] == []
