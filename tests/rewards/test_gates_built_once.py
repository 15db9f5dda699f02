"""Each gate is built once per registry, not on every prompt check and group.

A request used to build every gate twice (the prompt check and the group's scoring each
called the factory); now the registry keeps the instance its factory built first (at the
server's startup check) and every request reuses it.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from rewards import RewardRegistry, Verdict, build_context, default_registry, screen_prompt
from rewards.registry import builtin_registry
from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings

BUILT: list[str] = []  # one entry per factory run (the factory runs in this process)


class CountedGate:
    """A gate that passes everything and has a prompt check (both paths ask for it)."""

    name = "counted"

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Verdict]:
        return [Verdict(True) for _ in completions]

    def check_prompt(self, *, context: Any) -> Verdict:
        return Verdict(True)


def counted_gate() -> CountedGate:
    BUILT.append("counted")
    return CountedGate()


def test_the_registry_builds_a_gate_once_and_rebuilds_it_when_replaced() -> None:
    BUILT.clear()
    registry = RewardRegistry()
    registry.register_gate("counted", counted_gate)
    first = registry.gate("counted")
    screen_prompt(build_context("hello"), registry)
    screen_prompt(build_context("hello again"), registry)
    assert registry.gate("counted") is first
    assert BUILT == ["counted"]
    registry.replace_gate("counted", counted_gate)
    assert registry.gate("counted") is not first
    assert BUILT == ["counted", "counted"]
    assert registry.copy().gate("counted") is not registry.gate("counted")


def test_a_gates_factory_runs_once_across_two_requests() -> None:
    BUILT.clear()
    registry = builtin_registry()
    registry.register_gate("counted", counted_gate)
    app = create_app(make_settings(), engine=make_engine(), registry=registry)
    with TestClient(app) as client:
        for _ in range(2):
            r = client.post(
                "/v1/chat/completions",
                json={
                    "model": MODEL,
                    "messages": [{"role": "user", "content": "How many apples?"}],
                    "best_of": 4,
                },
            )
            assert r.status_code == 200, r.text
            assert "counted" in [g["name"] for g in r.json()["trace"]["gates"]]
    assert BUILT == ["counted"]


def test_the_default_registry_keeps_its_gates() -> None:
    registry = default_registry()
    assert all(registry.gate(name) is registry.gate(name) for name in registry.gate_names())
