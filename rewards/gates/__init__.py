"""Gates: safety and compliance checks that run on every group and can veto.

A gate is registered by name (:meth:`rewards.registry.RewardRegistry.register_gate`,
or the ``bon_server.gates`` entry-point group); every registered gate runs on
every group, and a client cannot switch one off.
"""

from __future__ import annotations

from collections.abc import Callable

from rewards.gates.pii import PiiGate
from rewards.types import Gate

BUILTIN_GATES: dict[str, Callable[[], Gate]] = {
    PiiGate.name: PiiGate,
}

__all__ = ["BUILTIN_GATES", "PiiGate"]
