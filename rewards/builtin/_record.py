"""The group record a reward reads: the one ``score_group`` passes, or its own.

A reward that declares ``reads`` takes the round's record by keyword (``group``). Called
without one (offline scoring, :mod:`rewards.trl`) it builds a record of its own for the
completions it was given (:meth:`rewards.group.GroupRecord.of`), so the library stays
usable on its own. Its own record carries the reward's fact settings (``code_exec``'s
sandbox settings for the ``code`` fact), as the server's record carries the configured
rewards'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rewards.group import GroupRecord
from rewards.types import Candidate, RewardContext

__all__ = ["fact_setting", "record_for"]


def record_for(
    kwargs: Mapping[str, Any],
    context: RewardContext,
    completions: Sequence[str],
    candidates: Sequence[Candidate],
    settings: Mapping[str, Any] | None = None,
) -> GroupRecord:
    """``kwargs["group"]`` when the caller passed the round's record, else a new record of
    this group (with ``kwargs["vetoed"]`` and the reward's own fact ``settings``)."""
    given = kwargs.get("group")
    record = GroupRecord.of(
        completions, context, candidates, group=given, vetoed=kwargs.get("vetoed")
    )
    if record is not given and settings:
        record.settings = {**(getattr(record, "settings", None) or {}), **settings}
    return record


def fact_setting(record: Any, name: str, kind: type[Any]) -> Any:
    """The record's settings for fact ``name`` when they are a ``kind``, else ``kind()``."""
    value = (getattr(record, "settings", None) or {}).get(name)
    return value if isinstance(value, kind) else kind()
