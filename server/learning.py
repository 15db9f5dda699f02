"""Learned reward weights in the server: this process's snapshot of the store's counts.

The store keeps, per (task, reward), how well the reward orders labelled pairs
(:mod:`server.store.learning`); the store's writer hands the whole table to
:meth:`Learning.load` at start, after every change this process makes, and at least
every ``--reward-learning-refresh-s`` (so two replicas on one PostgreSQL see each
other's learning within that time). The pipeline asks :meth:`Learning.apply` for each
request's weights: reading the snapshot costs no database round trip and never waits.

``--reward-weights frozen`` keeps the profiles' weights (the trace says "frozen by
operator"); learning goes on counting meanwhile, so unfreezing uses everything seen.
See docs/learning.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from rewards import Reliability, Selection, Tally, reliability_of, reweigh
from server.config import Settings
from server.metrics import Metrics

__all__ = ["Learning"]


class Learning:
    """The reliability snapshot and the weights it gives (see the module docstring)."""

    def __init__(self, settings: Settings, metrics: Metrics | None = None) -> None:
        self.frozen = settings.reward_weights == "frozen"
        self.min_pairs = settings.reward_learning_min_pairs
        self.table: dict[tuple[str, str], Tally] = {}
        self._metrics = metrics

    def load(self, table: Mapping[tuple[str, str], Tally]) -> None:
        """Replace the snapshot (one assignment: a request reads the old or the new one).

        The writer calls this in a thread. Each learned entry's lower bound (a Beta
        quantile: mpmath, up to tens of ms; memoised by its counts) is worked out here,
        before the snapshot is swapped in, so :meth:`apply` on the loop only finds it.
        """
        table = dict(table)
        for task, reward in table:
            rel = reliability_of(table, task, reward, self.min_pairs)
            if rel.learned:
                _ = rel.lcb
        self.table = table
        if self._metrics is not None:
            gauge = self._metrics.reward_reliability
            for (task, reward), tally in table.items():
                if tally.pairs:
                    gauge.labels(task=task, reward=reward).set(tally.right / tally.pairs)

    def apply(self, selection: Selection) -> Selection:
        """The selection with learned (or frozen) weights and their sources."""
        return reweigh(selection, self.table, frozen=self.frozen, min_pairs=self.min_pairs)

    def of(self, task: str, reward: str) -> Reliability:
        return reliability_of(self.table, task, reward, self.min_pairs)

    def tasks_of(self, reward: str) -> list[str]:
        """The tasks a reward has counts for, sorted."""
        return sorted(task for task, name in self.table if name == reward)
