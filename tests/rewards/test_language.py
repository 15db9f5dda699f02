"""Tests for rewards.language (offline detection on the bundled fastText model)."""

from __future__ import annotations

import pytest

from rewards.language import detect_language, language_shares, letter_count


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("What is the capital of France, and why?", "en"),
        ("Wie viel ist sieben plus fünf?", "de"),
        ("¿Cuánto es siete más cinco?", "es"),
        ("Bonjour, je voudrais savoir comment installer Python sur mon ordinateur.", "fr"),
        ("Questo è un esempio in italiano.", "it"),
        ("Isso é um exemplo em português.", "pt"),
        ("Сколько будет семь плюс пять?", "ru"),
        ("七加五等于多少请告诉我。", "zh"),
        ("今日は良い天気ですね。", "ja"),
        ("안녕하세요, 반갑습니다.", "ko"),
    ],
)
def test_detects_real_sentences(text: str, code: str) -> None:
    got, confidence = detect_language(text)
    assert got == code
    assert 0.5 < confidence <= 1.0


def test_multiline_text_is_one_text() -> None:
    code, confidence = detect_language("Hallo,\nwie geht es dir heute?\nMir geht es gut.")
    assert code == "de"
    assert confidence > 0.5


@pytest.mark.parametrize("text", ["", "   ", "12", "= 42 !", "3.14 * 2", "x"])
def test_no_language_without_letters(text: str) -> None:
    assert detect_language(text) == (None, 0.0)


def test_shares_by_letters_per_sentence() -> None:
    text = "Die Antwort ist zwölf, weil sieben plus fünf zwölf ergibt. The answer is twelve."
    shares = language_shares(text)
    assert set(shares) == {"de", "en"}
    assert shares["de"] > shares["en"]
    assert sum(shares.values()) == pytest.approx(1.0)


def test_shares_of_numbers_only_are_empty() -> None:
    assert language_shares("12\n= 24\n") == {}


def test_letter_count_counts_unicode_letters() -> None:
    assert letter_count("abc 123 äöü 七加五!") == 9
