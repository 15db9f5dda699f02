"""Learned reward weights in the server: this process's snapshot of the store's counts.

The store keeps, per (task, reward, owner), how well the reward orders labelled groups
(:mod:`server.store.learning`); the store's writer hands the whole table to
:meth:`Learning.load` at start, after every change this process makes, and at least
every ``--reward-learning-refresh-s`` (so two replicas on one PostgreSQL see each
other's learning within that time). :meth:`Learning.load` pools the owners
(:meth:`rewards.Tally.pooled`): each owner's groups capped at
``--reward-learning-owner-cap`` groups' worth, an operator key's uncapped and enough
owners alone. Without any key configured every request is the one anonymous owner:
there are no tenants to keep apart, so neither the cap nor
``--reward-learning-min-owners`` applies. The pipeline asks :meth:`Learning.apply` for
each request's weights: reading the snapshot costs no database round trip and never
waits.

``--reward-weights frozen`` keeps the profiles' weights (the trace says "frozen by
operator"); learning goes on counting meanwhile, so unfreezing uses everything seen.
See docs/learning.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rewards import Reliability, Selection, Tally, reliability_of, reweigh
from server.auth import load_api_keys, owner_of
from server.config import Settings
from server.metrics import Metrics

__all__ = ["Learning"]


def _keys(keys: str | None, keys_file: Path | None) -> frozenset[str]:
    try:
        return load_api_keys(keys, keys_file)
    except ValueError:  # the app refuses to start on it, with the message (server.app)
        return frozenset()


class Learning:
    """The reliability snapshot and the weights it gives (see the module docstring)."""

    def __init__(self, settings: Settings, metrics: Metrics | None = None) -> None:
        self.frozen = settings.reward_weights == "frozen"
        self.min_groups = settings.reward_learning_min_groups
        operators = _keys(settings.operator_keys, settings.operator_keys_file)
        keyed = bool(operators or _keys(settings.api_keys, settings.api_keys_file))
        # No keys: one anonymous owner is every caller; no cap, one owner is enough.
        self.tenants = keyed
        self.min_owners = settings.reward_learning_min_owners if keyed else 1
        self.owner_cap: int | None = settings.reward_learning_owner_cap if keyed else None
        self.trusted = frozenset(owner_of(k) for k in operators)
        self.table: dict[tuple[str, str], Tally] = {}
        self._metrics = metrics

    def load(self, per_owner: Mapping[tuple[str, str], Mapping[str, Tally]]) -> None:
        """Pool the owners and replace the snapshot (one assignment: a request reads the
        old or the new one).

        The writer calls this in a thread. Each learned entry's lower bound (a Beta
        quantile: mpmath, up to tens of ms; memoised by its counts) is worked out here,
        before the snapshot is swapped in, so :meth:`apply` on the loop only finds it.
        """
        table = {
            key: Tally.pooled(owners, cap=self.owner_cap, trusted=self.trusted)
            for key, owners in per_owner.items()
        }
        for task, reward in table:
            rel = self.of_table(table, task, reward)
            if rel.learned:
                _ = rel.lcb
        self.table = table
        if self._metrics is not None:
            gauge = self._metrics.reward_reliability
            for (task, reward), tally in table.items():
                if tally.groups > 0:
                    gauge.labels(task=task, reward=reward).set(tally.right / tally.groups)

    def apply(self, selection: Selection) -> Selection:
        """The selection with learned (or frozen) weights and their sources."""
        return reweigh(
            selection,
            self.table,
            frozen=self.frozen,
            min_groups=self.min_groups,
            min_owners=self.min_owners,
        )

    def of_table(
        self, table: Mapping[tuple[str, str], Tally], task: str, reward: str
    ) -> Reliability:
        return reliability_of(table, task, reward, self.min_groups, self.min_owners)

    def of(self, task: str, reward: str) -> Reliability:
        return self.of_table(self.table, task, reward)

    def tasks_of(self, reward: str) -> list[str]:
        """The tasks a reward has counts for, sorted."""
        return sorted(task for task, name in self.table if name == reward)
