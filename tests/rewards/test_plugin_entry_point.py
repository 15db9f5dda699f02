"""A third-party reward loads through a real entry point (no monkeypatched metadata).

The example plugin in examples/reward_plugin is laid out on a temporary path as an
installed distribution (its package plus a .dist-info with the entry points its
pyproject.toml declares), so importlib.metadata discovers it exactly as it would
after `pip install ./examples/reward_plugin`.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rewards import build_context, score_group
from rewards.registry import builtin_registry
from rewards.selection import explicit_selection
from rewards.types import Candidate
from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reward_plugin"


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[str]:
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    shutil.copytree(EXAMPLE / "bon_example_rewards", tmp_path / "bon_example_rewards")
    dist_info = tmp_path / f"bon_example_rewards-{project['version']}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = []
    for group, points in project["entry-points"].items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in points.items()]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield "cites_sources"
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("bon_example_rewards", None)
        importlib.invalidate_caches()


def test_the_example_plugin_loads_and_scores(installed_plugin: str) -> None:
    registry = builtin_registry()
    assert installed_plugin in registry.load_entry_points()
    context = build_context("Who wrote Hamlet?")
    texts = ["Shakespeare. Source: https://example.org/hamlet", "Shakespeare."]
    result = score_group(
        context,
        [Candidate(i, t) for i, t in enumerate(texts)],
        explicit_selection(context, {installed_plugin: 1.0}, registry),
        registry=registry,
    )
    scores = result.rewards[0].scores
    assert [s.value for s in scores] == [1.0, 0.0]
    assert scores[0].evidence == "cites 'Source:'"
    assert result.best == 0


def test_the_server_serves_a_plugin_reward_by_name(installed_plugin: str) -> None:
    registry = builtin_registry()
    registry.load_entry_points()
    app = create_app(make_settings(), engine=make_engine(), registry=registry)
    with TestClient(app) as client:
        r = client.post(
            "/v1/chat/completions",
            json={
                "model": MODEL,
                "messages": [{"role": "user", "content": "capital of France?"}],
                "rewards": [installed_plugin],
            },
        )
    assert r.status_code == 200, r.text
    assert [x["name"] for x in r.json()["trace"]["rewards"]] == [installed_plugin]
