"""The registry: reward and gate factories by stable name.

Errors::

    ValueError
    └── UnknownRewardError   a reward name the registry does not know

Third-party packages add rewards through the entry-point group
``bon_server.rewards`` and gates through ``bon_server.gates``: the entry point's
name is the reward's name, its object a factory (usually the class). A plugin
that fails to load is skipped with a warning; it never takes the server down.
Built-in names win over plugins.

A plain function with TRL's reward signature, ``def f(completions, **kwargs) ->
list[float | None]``, registers as a reward too, by itself or by entry point: no class,
no factory (:class:`FunctionReward` wraps it). It is called with the same keywords as
any reward (``completions``, ``context``, ``candidates``, ``prompts``, ...); plain
numbers become :class:`~rewards.types.Score` objects, None means "no signal". A
module-level function pickles, so it runs in a budget worker like the built-ins.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any, cast

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


RewardFunction = Callable[..., Sequence[float | None]]
"""TRL's reward signature: ``f(completions, **kwargs) -> list[float | None]``."""


def is_reward_function(obj: object) -> bool:
    """Whether ``obj`` is a plain reward function rather than a factory.

    A factory is called with configuration keywords and returns a reward; a reward
    function takes ``completions`` and ``**kwargs`` (TRL's convention) and returns the
    scores. A class is always a factory.
    """
    if isinstance(obj, type) or not callable(obj):
        return False
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: a factory
        return False
    names = {p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    return "completions" in names and any(p.kind is p.VAR_KEYWORD for p in params)


@dataclass(frozen=True)
class FunctionReward:
    """A plain reward function as a :class:`~rewards.types.Reward`.

    Picklable when ``function`` is (a module-level function): it then runs in a budget
    worker, under the reward time budget, like any reward.
    """

    name: str
    function: RewardFunction

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Any]:
        return list(self.function(completions=completions, **kwargs))


def _factory_of(name: str, given: Callable[..., Any]) -> RewardFactory:
    """The factory registered for ``given``: itself, or a plain function's wrapper."""
    if is_reward_function(given):
        # Not a Reward to the letter: it returns plain numbers, which scoring accepts
        # from any reward (scoring._as_scores) and checks there.
        return cast(RewardFactory, functools.partial(FunctionReward, name, given))
    return given


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
        # Each gate is built once, on first use (the server's startup check), and the
        # instance serves every group after: gates hold configuration, not per-call state.
        self._gate_instances: dict[str, Gate] = {}
        self._gate_lock = threading.Lock()

    def register_reward(
        self,
        name: str | RewardFunction,
        factory: RewardFactory | RewardFunction | None = None,
    ) -> None:
        """Registers a reward factory, or a plain reward function.

        ``register_reward(f)`` registers the function ``f`` under ``f.__name__``;
        ``register_reward("name", f)`` under the name given.

        Args:
            name: the stable name clients and traces use (or the function itself).
            factory: called with the reward's configuration keywords, returns the
                reward; or a function with TRL's signature (:func:`is_reward_function`).

        Raises:
            ValueError: the name is taken (by a reward or a gate), the factory is not
                callable, or a function given alone is not a reward function.
        """
        given: object = name if factory is None else factory
        if factory is None:
            if not is_reward_function(name):
                raise ValueError(
                    f"{name!r} is not a reward function (completions, **kwargs); give a name"
                    " and a factory"
                )
            name = getattr(name, "__name__", "")
        if not isinstance(name, str):
            raise ValueError(f"a reward's name must be a string, got {name!r}")
        self._check_new(name, given)
        assert callable(given)  # _check_new refused anything else
        self._rewards[name] = _factory_of(name, given)

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
        with self._gate_lock:
            self._gates[name] = factory
            self._gate_instances.pop(name, None)

    def replace_reward(self, name: str, factory: RewardFactory | RewardFunction) -> None:
        """Replaces a registered reward's factory (e.g. the judge, once configured).

        Raises:
            UnknownRewardError: ``name`` is not a registered reward.
            ValueError: the factory is not callable.
        """
        self.validate([name])
        if not callable(factory):
            raise ValueError(f"factory for {name!r} is not callable: {factory!r}")
        self._rewards[name] = _factory_of(name, factory)

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
        """The gate ``name``, built by its factory on the first call and kept.

        Every later call (every prompt check and group) gets the same instance, so a
        gate's set-up (compiled rules, a loaded policy) is paid once per registry.

        Raises:
            KeyError: ``name`` is not a registered gate.
        """
        built = self._gate_instances.get(name)
        if built is not None:
            return built
        with self._gate_lock:
            if name not in self._gates:
                known = ", ".join(self.gate_names())
                raise KeyError(f"unknown gate {name!r}; known gates: {known}")
            if name not in self._gate_instances:
                self._gate_instances[name] = self._gates[name]()
            return self._gate_instances[name]

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
        """An independent registry with the same entries (to extend without side effects).

        The copy builds its own gates: it shares factories, not instances.
        """
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
