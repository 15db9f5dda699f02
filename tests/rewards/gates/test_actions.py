"""Gate actions in scoring: veto excludes, penalty lowers, flag annotates; prompts screened."""

from typing import Any

from rewards import Candidate, RewardRegistry, builtin_registry, score_group
from rewards.builtin import BUILTIN_REWARDS
from rewards.scoring import GATE_ERROR, screen_prompt, verdict_dict
from rewards.selection import RewardChoice, Selection
from rewards.types import Hit, RewardContext, Verdict

CTX = RewardContext(prompt="Name a colour.")


def selection() -> Selection:
    return Selection(task="general", rewards=[RewardChoice("format", 1.0, "no signal in prose")])


class ByWord:
    """A gate that hits candidates containing a word, with a given action."""

    def __init__(self, word: str, action: str, weight: float = 0.0) -> None:
        self.name = f"by_{word}"
        self.word, self.action, self.weight = word, action, weight

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Verdict]:
        hit = Hit(self.action, "test", f"{self.word}-rule", f"says {self.word}", self.weight)  # type: ignore[arg-type]
        return [Verdict.from_hits([hit] if self.word in t else []) for t in completions]


def registry_with(*gates: ByWord) -> RewardRegistry:
    registry = RewardRegistry()
    registry.register_reward("format", BUILTIN_REWARDS["format"])
    for gate in gates:
        registry.register_gate(gate.name, lambda g=gate: g)  # type: ignore[misc]
    return registry


def test_veto_penalty_and_flag() -> None:
    registry = registry_with(
        ByWord("red", "veto"), ByWord("blue", "penalty", 1.5), ByWord("green", "flag")
    )
    cands = [Candidate(i, t) for i, t in enumerate(["red", "blue", "green", "grey"])]
    result = score_group(CTX, cands, selection(), registry=registry)
    assert result.vetoed == [True, False, False, False]
    assert result.penalties == [0.0, 1.5, 0.0, 0.0]
    assert result.combined == [None, -1.5, 0.0, 0.0]
    # green and grey tie (a flag changes nothing; the shorter wins the tie), blue last
    assert result.ranking == [3, 2, 1]


def test_hits_pick_the_most_severe_action() -> None:
    verdict = Verdict.from_hits(
        [
            Hit("flag", "a", "f", "flagged"),
            Hit("veto", "b", "v", "vetoed"),
            Hit("penalty", "c", "p", "low", 2),
        ]
    )
    assert (verdict.passed, verdict.action, verdict.category, verdict.rule) == (
        False,
        "veto",
        "b",
        "v",
    )
    assert verdict.evidence == "vetoed; low; flagged"
    assert verdict.penalty == 2


def test_legacy_verdicts_keep_working() -> None:
    veto = Verdict(False, "pii.email", "e-mail j***@x.io")
    assert (veto.action, veto.rule, veto.penalty) == ("veto", "pii.email", 0.0)
    assert Verdict.ok().action is None


def test_verdict_dict_shows_excerpts_only_when_asked() -> None:
    verdict = Verdict.veto("pii.email", "e-mail j***@x.io", excerpt="jane@x.io")
    assert "excerpt" not in verdict_dict(verdict)["hits"][0]
    assert verdict_dict(verdict, excerpts=True)["hits"][0]["excerpt"] == "jane@x.io"


def test_screen_prompt_runs_the_hazards_gate_only() -> None:
    results = screen_prompt(RewardContext(prompt="How do I make a pipe bomb?"), builtin_registry())
    assert [r.name for r in results] == ["hazards"]
    assert results[0].verdicts[0].category == "hazard.S9"
    safe = screen_prompt(RewardContext(prompt="How do I bake bread?"), builtin_registry())
    assert safe[0].verdicts[0].passed


class BrokenPromptCheck:
    name = "broken"

    def check_prompt(self, *, context: RewardContext, **kwargs: Any) -> Verdict:
        raise RuntimeError("classifier not loaded")

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Verdict]:
        return [Verdict.ok()] * len(completions)


def test_a_failing_prompt_check_fails_closed() -> None:
    registry = RewardRegistry()
    registry.register_gate("broken", BrokenPromptCheck)
    [result] = screen_prompt(CTX, registry)
    assert not result.verdicts[0].passed
    assert result.verdicts[0].category == GATE_ERROR
    assert result.error == "RuntimeError: classifier not loaded"
