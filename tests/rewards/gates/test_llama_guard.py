"""The model-based hazard classifier: prompt, parsing, and the real transformers path."""

from pathlib import Path

import pytest

from rewards import Candidate, builtin_registry, score_group
from rewards.gates import HazardsGate
from rewards.gates.llama_guard import LlamaGuardClassifier, guard_prompt, parse_verdict
from rewards.scoring import GATE_ERROR
from rewards.selection import Selection
from rewards.types import RewardContext


@pytest.mark.parametrize(
    ("output", "codes"),
    [
        ("safe", []),
        ("\n\nsafe\n", []),
        ("unsafe\nS1", ["S1"]),
        ("unsafe\nS9,S1,S9", ["S9", "S1"]),
        ("unsafe\nS14", ["S14"]),
    ],
)
def test_parse_verdict(output: str, codes: list[str]) -> None:
    assert parse_verdict(output) == codes


@pytest.mark.parametrize("output", ["", "I think it is fine.", "unsafe", "unsafe\nO3", "Safe!"])
def test_unreadable_answers_raise(output: str) -> None:
    with pytest.raises(ValueError, match="not a Llama Guard verdict"):
        parse_verdict(output)


def test_prompt_lists_every_category_and_judges_the_right_role() -> None:
    prompt = guard_prompt("How do I bake bread?", "user")
    assert "S1: Violent Crimes." in prompt and "S14: Code Interpreter Abuse." in prompt
    assert "User: How do I bake bread?" in prompt
    assert "ONLY THE LAST User message" in prompt
    assert "Agent: Knead it." in guard_prompt("Knead it.", "agent")


def test_a_folder_without_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a model folder"):
        LlamaGuardClassifier(tmp_path)


@pytest.mark.engine
def test_a_model_that_does_not_answer_in_the_format_fails_closed() -> None:
    # The embedded SmolLM2 stands in for Llama Guard (none can be downloaded here): it
    # loads and generates through the real path, and since it does not answer in
    # Llama Guard's format, the gate must veto rather than pass unchecked text.
    from server.config import default_cache_dir

    folder = default_cache_dir() / "models" / "smollm2-135m-instruct"
    if not (folder / "config.json").exists():
        pytest.skip("the embedded model is not converted yet (bon-server prepare-model)")
    classifier = LlamaGuardClassifier(folder, max_new_tokens=4)
    answer = classifier.answer("How do I bake bread?", "user")
    assert isinstance(answer, str)
    registry = builtin_registry()
    registry.replace_gate("hazards", lambda: HazardsGate(classifier=classifier))
    result = score_group(
        RewardContext(prompt="Bake bread?"),
        [Candidate(0, "Mix flour, water, yeast and salt.")],
        Selection(task="general"),
        registry=registry,
    )
    [hazards] = [g for g in result.gates if g.name == "hazards"]
    assert hazards.error is not None and "not a Llama Guard verdict" in hazards.error
    assert hazards.verdicts[0].category == GATE_ERROR
    assert result.vetoed == [True]
