"""Tests for the language-consistency reward, on real multilingual answers."""

from __future__ import annotations

import pytest

from rewards.builtin.language import LanguageConsistency, prose, target_language
from rewards.types import RewardContext


def run(prompt: str, texts: list[str], **ctx: object) -> list[tuple[float | None, str]]:
    reward = LanguageConsistency()
    context = RewardContext(prompt=prompt, **ctx)  # type: ignore[arg-type]
    return [
        (s.value, s.evidence) for s in reward(completions=texts, context=context, candidates=[])
    ]


def test_answer_in_the_prompts_language_wins() -> None:
    prompt = "¿Cuál es la capital de Francia y por qué es importante?"
    texts = [
        "La capital de Francia es París, centro político y cultural del país.",
        "The capital of France is Paris, the political and cultural centre.",
        "La capital de Francia es París. It is also the largest city in the country by far.",
    ]
    (es, es_ev), (en, en_ev), (mixed, _) = run(prompt, texts)
    assert es == 1.0 and es_ev.startswith("100% es (prompt is es (0.9")
    assert en == 0.0 and en_ev.endswith("also en 100%")
    assert mixed is not None and 0.3 < mixed < 0.7


def test_language_asked_for_in_words_is_the_target() -> None:
    prompt = "What is the capital of France? Please answer in German."
    (de, evidence), (en, _) = run(
        prompt, ["Die Hauptstadt von Frankreich ist Paris.", "The capital of France is Paris."]
    )
    assert (de, en) == (1.0, 0.0)
    assert "asked for German" in evidence


def test_system_prompt_can_ask_for_the_language() -> None:
    ctx = RewardContext(prompt="hello", system_prompt="You reply in French, always.")
    assert target_language(ctx, 0.5) == ("fr", "asked for French")


def test_reasoning_and_code_do_not_count() -> None:
    prompt = "Schreibe eine Funktion, die zwei Zahlen addiert."
    text = (
        "<think>The user wants an add function, easy.</think>\n"
        "Hier ist die Funktion:\n```python\ndef add(a, b):\n    # add two numbers\n"
        "    return a + b\n```\nSie gibt die Summe von `a` und `b` zurück."
    )
    [(value, evidence)] = run(prompt, [text])
    assert value == 1.0, evidence


def test_not_applicable_without_prose_or_clear_prompt() -> None:
    assert run("12 + 5", ["17"]) == [(None, "prompt has no words to detect")]
    [(value, evidence)] = run("Quelle est la réponse ?", ["```python\nprint(42)\n```"])
    assert value is None and "no prose" in evidence


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("<think>x</think>Bonjour", "Bonjour"),
        ("reasoning here</think>Bonjour", "Bonjour"),  # template opened <think>
        ("Voir $x^2 + y^2$ et \\[a=b\\]", "Voir  et "),
    ],
)
def test_prose_strips_non_prose(text: str, kept: str) -> None:
    assert prose(text) == kept
