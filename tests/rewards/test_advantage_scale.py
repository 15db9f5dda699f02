"""Issue 14, cause 2: the scale each reward's advantages used is in the result and trace."""

from rewards.registry import default_registry
from rewards.scoring import score_group
from rewards.selection import explicit_selection
from rewards.types import Candidate, RewardContext


def test_the_result_says_which_scale_and_floor_were_used() -> None:
    ctx = RewardContext(prompt="Say hello.", task="general")
    cands = [Candidate(0, "Hello there!"), Candidate(1, "Hello there! Hello there! Hello.")]
    selection = explicit_selection(ctx, {"length": 1.0, "language": 0.3}, default_registry())
    result = score_group(ctx, cands, selection)
    by_name = {r.name: r for r in result.rewards}
    lang = by_name["language"].to_dict()
    assert lang["no_signal"] and lang["scale"] is None and lang["floor"] == 0.1
    length = by_name["length"]
    assert length.floor == 0.1
    assert length.scale is not None and length.scale >= 0.1
    assert set(by_name["length"].to_dict()) >= {"scale", "floor", "std", "mean"}
