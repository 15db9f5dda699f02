"""The registry: reward and gate factories by stable name.

Errors::

    ValueError
    └── UnknownRewardError   a reward name the registry does not know

Third-party packages add rewards through the entry-point group
``bon_server.rewards`` and gates through ``bon_server.gates``: the entry point's
name is the reward's name, its object a factory (usually the class). A plugin
that fails to load is skipped with a warning; it never takes the server down.
Built-in names win over plugins.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import Any

from rewards.builtin import BUILTIN_REWARDS
from rewards.gates import BUILTIN_GATES
from rewards.types import Gate, Reward

logger = logging.getLogger(__name__)

REWARD_ENTRY_POINTS = "bon_server.rewards"
GATE_ENTRY_POINTS = "bon_server.gates"

RewardFactory = Callable[..., Reward]
GateFactory = Callable[[], Gate]


class UnknownRewardError(ValueError):
    """A reward name that is not registered; ``.name`` is the name, ``.known`` the choices."""

    def __init__(self, name: str, known: Iterable[str], hint: str | None = None) -> None:
        self.name = name
        self.known = sorted(known)
        message = f"unknown reward {name!r}; known rewards: {', '.join(self.known) or '(none)'}"
        super().__init__(f"{message}. {hint}" if hint else message)


class RewardRegistry:
    """Reward and gate factories by name.

    Example:
        >>> registry = RewardRegistry()
        >>> from rewards.builtin import LengthReward
        >>> registry.register_reward("length", LengthReward)
        >>> registry.reward("length").name
        'length'
    """

    def __init__(self) -> None:
        self._rewards: dict[str, RewardFactory] = {}
        self._gates: dict[str, GateFactory] = {}

    def register_reward(self, name: str, factory: RewardFactory) -> None:
        """Registers a reward factory.

        Args:
            name: the stable name clients and traces use.
            factory: called with the reward's configuration keywords; returns the reward.

        Raises:
            ValueError: the name is taken (by a reward or a gate) or the factory is not callable.
        """
        self._check_new(name, factory)
        self._rewards[name] = factory

    def register_gate(self, name: str, factory: GateFactory) -> None:
        """Registers a gate factory; every registered gate runs on every group.

        Args:
            name: the gate's stable name.
            factory: called without arguments; returns the gate.

        Raises:
            ValueError: the name is taken or the factory is not callable.
        """
        self._check_new(name, factory)
        self._gates[name] = factory

    def replace_gate(self, name: str, factory: GateFactory) -> None:
        """Replaces a registered gate's factory (e.g. the same gate, configured by the operator).

        Raises:
            KeyError: ``name`` is not a registered gate.
        """
        if name not in self._gates:
            raise KeyError(f"unknown gate {name!r}; known gates: {', '.join(self.gate_names())}")
        self._gates[name] = factory

    def replace_reward(self, name: str, factory: RewardFactory) -> None:
        """Replaces a registered reward's factory (e.g. the judge, once configured).

        Raises:
            UnknownRewardError: ``name`` is not a registered reward.
            ValueError: the factory is not callable.
        """
        self.validate([name])
        if not callable(factory):
            raise ValueError(f"factory for {name!r} is not callable: {factory!r}")
        self._rewards[name] = factory

    def _check_new(self, name: str, factory: object) -> None:
        if not name or name in self._rewards or name in self._gates:
            raise ValueError(f"name {name!r} is empty or already registered")
        if not callable(factory):
            raise ValueError(f"factory for {name!r} is not callable: {factory!r}")

    def reward(self, name: str, **config: Any) -> Reward:
        """Builds the reward ``name``.

        Args:
            name: a registered reward name.
            **config: keywords for the factory; an unknown one raises ``TypeError``.

        Raises:
            UnknownRewardError: ``name`` is not registered.
        """
        self.validate([name])
        return self._rewards[name](**config)

    def gate(self, name: str) -> Gate:
        """Builds the gate ``name``.

        Raises:
            KeyError: ``name`` is not a registered gate.
        """
        if name not in self._gates:
            raise KeyError(f"unknown gate {name!r}; known gates: {', '.join(self.gate_names())}")
        return self._gates[name]()

    def reward_names(self) -> list[str]:
        """Registered reward names, sorted."""
        return sorted(self._rewards)

    def gate_names(self) -> list[str]:
        """Registered gate names, sorted: the gates that run on every group."""
        return sorted(self._gates)

    def validate(self, names: Iterable[str]) -> None:
        """Checks that every name is a registered reward.

        Raises:
            UnknownRewardError: for the first unknown name.
        """
        for name in names:
            if name not in self._rewards:
                hint = (
                    f"{name!r} is a gate: gates always run and cannot be selected"
                    if name in self._gates
                    else None
                )
                raise UnknownRewardError(name, self._rewards, hint)

    def copy(self) -> RewardRegistry:
        """An independent registry with the same entries (to extend without side effects)."""
        clone = RewardRegistry()
        clone._rewards = dict(self._rewards)
        clone._gates = dict(self._gates)
        return clone

    def load_entry_points(self) -> list[str]:
        """Registers the rewards and gates that installed packages advertise.

        Returns:
            The names registered; failing or clashing plugins are logged and skipped.
        """
        loaded: list[str] = []
        for group, register in (
            (REWARD_ENTRY_POINTS, self.register_reward),
            (GATE_ENTRY_POINTS, self.register_gate),
        ):
            for entry_point in metadata.entry_points(group=group):
                try:
                    register(entry_point.name, entry_point.load())
                except Exception:
                    logger.warning(
                        "skipping %s plugin %r (%s)",
                        group,
                        entry_point.name,
                        entry_point.value,
                        exc_info=True,
                    )
                    continue
                loaded.append(entry_point.name)
        return loaded


def builtin_registry() -> RewardRegistry:
    """A fresh registry with only the built-in rewards and gates (no plugins)."""
    registry = RewardRegistry()
    for name, reward_factory in BUILTIN_REWARDS.items():
        registry.register_reward(name, reward_factory)
    for name, gate_factory in BUILTIN_GATES.items():
        registry.register_gate(name, gate_factory)
    return registry


@functools.cache
def default_registry() -> RewardRegistry:
    """The process-wide registry: built-ins plus entry-point plugins, built once.

    Shared: extend a :meth:`RewardRegistry.copy` rather than this one.
    """
    registry = builtin_registry()
    registry.load_entry_points()
    return registry
