"""The refinement's ``<think>`` count is the kept candidates' (review 5 #6).

The decision is shown whatever the gates said, so a vetoed candidate's ``<think>``
must neither add ``format`` nor change the count the kept candidates' weights follow.
"""

from __future__ import annotations

from rewards.group import GroupRecord
from rewards.refine import refine_selection
from rewards.selection import select_rewards
from rewards.types import Candidate, RewardContext

CTX = RewardContext(prompt="Write a haiku about rain.")
THINK = "<think>plan the syllables</think>Rain on the window"
PLAIN = "Soft rain on the roof"


def _refined(texts: list[str], vetoed: list[bool] | None) -> list[str]:
    candidates = [Candidate(i, t) for i, t in enumerate(texts)]
    selection = select_rewards(CTX, task_evidence=[])
    group = GroupRecord(CTX, candidates, vetoed) if vetoed is not None else None
    refined = refine_selection(selection, CTX, candidates, group=group)
    return [d for d in refined.decisions if "<think>" in d]


def test_a_vetoed_candidates_think_adds_no_format() -> None:
    assert _refined([THINK, PLAIN, PLAIN], [True, False, False]) == []


def test_the_count_is_over_the_kept_candidates() -> None:
    (decision,) = _refined([THINK, THINK, PLAIN, PLAIN], [True, False, False, True])
    assert "1 of 2 candidates" in decision


def test_without_a_record_every_candidate_counts() -> None:
    (decision,) = _refined([THINK, PLAIN, PLAIN], None)
    assert "1 of 3 candidates" in decision
