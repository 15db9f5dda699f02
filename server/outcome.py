"""The outcome of one group, decided once: answered, every candidate vetoed, or the prompt
refused before anything was generated.

The pipeline decides it (:func:`decide_outcome`) from the scores and the prompt gates;
the trace (``outcome``, ``selected``), the metrics (``bon_refusals_total{reason}``), the
access log line (``outcome``, ``selected``, ``selected_index``) and the refusal text of a
response without an answer all read this one record, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rewards import GateResult, GroupResult

__all__ = [
    "PROMPT_REFUSAL_TEXT",
    "REFUSAL_TEXT",
    "SELF_HARM_REFUSAL_TEXT",
    "Outcome",
    "OutcomeKind",
    "decide_outcome",
]

OutcomeKind = Literal["ok", "all_vetoed", "unsafe_prompt"]
"""The trace schema's ``outcome`` values (server/schemas/trace.schema.json)."""

REFUSAL_TEXT = "I can't provide that response: every candidate answer was blocked by a safety gate."
PROMPT_REFUSAL_TEXT = "I can't help with that request: it was blocked by a safety gate."
SELF_HARM_REFUSAL_TEXT = (
    "I can't help with that. If you are thinking about suicide or hurting yourself, please "
    "reach out now to someone you trust or a local crisis line (in the US, call or text 988)."
)
# A request about hurting oneself gets a pointer to help rather than a bare refusal.
_SELF_HARM = "hazard.S11"


@dataclass(frozen=True)
class Outcome:
    """What one group came to.

    Attributes:
        kind: ``ok`` (answers returned), ``all_vetoed`` (no candidate survived the gates)
            or ``unsafe_prompt`` (a gate refused the request before generating).
        selected: the returned candidates' indices, best first (at most ``n``); empty
            when the response is a refusal.
        categories: the categories of the prompt gates that refused the request (empty
            unless ``unsafe_prompt``); they choose the refusal text.
        group_size: the candidates generated (0 for a refused prompt).
        vetoed: how many of them a gate vetoed.
    """

    kind: OutcomeKind
    selected: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    group_size: int = 0
    vetoed: int = 0

    @property
    def refused(self) -> bool:
        return self.kind != "ok"

    @property
    def selected_index(self) -> int | None:
        """The best returned candidate, or None for a refusal."""
        return self.selected[0] if self.selected else None

    @property
    def refusal_text(self) -> str | None:
        """The refusal a response without an answer carries (None when answered)."""
        if self.kind == "ok":
            return None
        if self.kind == "all_vetoed":
            return REFUSAL_TEXT
        return SELF_HARM_REFUSAL_TEXT if _SELF_HARM in self.categories else PROMPT_REFUSAL_TEXT


def decide_outcome(result: GroupResult, n: int, prompt_gates: Sequence[GateResult] = ()) -> Outcome:
    """The group's outcome: the top ``n`` of the ranking (vetoed candidates are never
    ranked), unless a prompt gate refused the request or nothing survived the gates."""
    refusing = [g.verdicts[0] for g in prompt_gates if not g.verdicts[0].passed]
    size, vetoed = len(result.vetoed), sum(result.vetoed)
    if refusing:
        categories = tuple(dict.fromkeys(v.category or "unspecified" for v in refusing))
        return Outcome("unsafe_prompt", categories=categories, group_size=size, vetoed=vetoed)
    selected = tuple(result.ranking[:n])
    kind: OutcomeKind = "ok" if selected else "all_vetoed"
    return Outcome(kind, selected, group_size=size, vetoed=vetoed)
