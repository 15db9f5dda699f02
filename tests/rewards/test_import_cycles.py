"""No import cycle through the selection modules or the profiles.

The selector and the profiles once imported each other (the profiles' check lazily
imported the selector, the selector the profiles); the built-in sets became built-in
profiles to end that. The walk reads every ``rewards`` module's imports with ``ast``,
the ones inside functions too (a lazy import is how a cycle hides): a module is on a
cycle when it can reach itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import rewards

_ROOT = Path(rewards.__file__).parent
_ACYCLIC = {
    "rewards.task",
    "rewards.context",
    "rewards.selection",
    "rewards.refine",
    "rewards.profiles",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(_ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # "from rewards import linear_re" imports the submodule, not the package.
                targets = [
                    f"{node.module}.{a.name}"
                    if f"{node.module}.{a.name}" in modules
                    else node.module
                    for a in node.names
                ]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def _path_back(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A shortest import path from ``start`` back to itself, or None."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        here = queue.pop(0)
        for there in sorted(graph[here]):
            if there == start:
                return [*paths[here], start]
            if there not in paths:
                paths[there] = [*paths[here], there]
                queue.append(there)
    return None


def test_the_walk_sees_imports_and_cycles() -> None:
    graph = _import_graph()
    assert set(graph) >= _ACYCLIC
    assert "rewards.profiles" in graph["rewards.selection"]
    assert _path_back({"a": {"b"}, "b": {"a"}}, "a") == ["a", "b", "a"]


def test_no_cycle_runs_through_selection_or_profiles() -> None:
    graph = _import_graph()
    cycles = {name: _path_back(graph, name) for name in sorted(_ACYCLIC)}
    assert {name: path for name, path in cycles.items() if path} == {}
