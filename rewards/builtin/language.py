"""``language``: the answer is in the language of the prompt (language consistency).

After DeepSeek-R1's language-consistency reward: the score is the share of the
answer's prose, by letters, detected (sentence by sentence, with
:mod:`rewards.language`) in the target language. The target is the language the
user asks for in words ("answer in French"), else the language of the user's
words. Reasoning (``<think>...</think>``), code (fences and inline), URLs and LaTeX
are left out before detection: they are not prose in any language.

Range 0..1. ``None`` when the prompt's language is unclear (detector confidence
under ``min_confidence``, or no words) or the answer has no prose left to check.

Each candidate's prose is detected once per round: the group record's ``languages``
fact (:func:`languages_fact`, one :class:`LanguageReading` a candidate), which this
reward reads; the prompt's language is the reward's own (one detection a round).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from rewards import linear_re
from rewards.builtin._record import record_for
from rewards.language import detect_language, letter_count, segment_languages, shares_of
from rewards.types import Candidate, RewardContext, Score

# Candidate text: all on RE2 (linear time; \z is RE2's end of text). Under re an
# unclosed "\\[" or "$$" repeated made _LATEX rescan to the end from each one.
_THINK = linear_re.compile(r"<think>.*?(?:</think>|\z)", re.DOTALL | re.IGNORECASE)
_FENCE = linear_re.compile(r"```.*?(?:```|\z)", re.DOTALL)
_INLINE_CODE = linear_re.compile(r"`[^`\n]*`")
_URL = linear_re.compile(r"\bhttps?://\S+|\bwww\.\S+")
_LATEX = linear_re.compile(r"\$\$.*?\$\$|\$[^$\n]*\$|\\\[.*?\\\]|\\\(.*?\\\)", re.DOTALL)
_COMMAND = linear_re.compile(r"\\[a-zA-Z]+")

# English names of common languages, for "answer in French" (lower case).
_NAMES = {
    "arabic": "ar", "chinese": "zh", "czech": "cs", "danish": "da", "dutch": "nl",
    "english": "en", "finnish": "fi", "french": "fr", "german": "de", "greek": "el",
    "hebrew": "he", "hindi": "hi", "hungarian": "hu", "indonesian": "id", "italian": "it",
    "japanese": "ja", "korean": "ko", "norwegian": "no", "persian": "fa", "polish": "pl",
    "portuguese": "pt", "romanian": "ro", "russian": "ru", "spanish": "es", "swedish": "sv",
    "thai": "th", "turkish": "tr", "ukrainian": "uk", "vietnamese": "vi",
}  # fmt: skip
_ASKED = linear_re.compile(
    r"\b(?:answer|respond|reply|write|speak|translate\s+(?:it|this|that)?\s*(?:in)?to)"
    r"(?:\s+\w+){0,3}?\s+(?:in|into)\s+(" + "|".join(_NAMES) + r")\b",
    re.IGNORECASE,
)


def prose(text: str) -> str:
    """The text without reasoning, code, URLs and LaTeX.

    >>> prose("<think>hmm</think>Use `len(x)`: see https://docs.python.org $x^2$.")
    'Use : see  .'
    """
    lower = text.lower()
    if "</think>" in lower and "<think>" not in lower:  # the template opened the block
        text = text[lower.rindex("</think>") + len("</think>") :]
    for pattern in (_THINK, _FENCE, _INLINE_CODE, _URL, _LATEX, _COMMAND):
        text = pattern.sub("", text)
    return text


@dataclass(frozen=True)
class LanguageReading:
    """The language of one candidate's prose (the ``languages`` fact's item).

    Attributes:
        letters: letters of prose (:func:`prose`: no reasoning, code, URLs or LaTeX).
        language: the language with the largest share of those letters, or None.
        confidence: the detector's confidence in it, averaged over its segments by
            letters (0.0 when there is no language).
        shares: each detected language's share of the letters, largest first.
    """

    letters: int
    language: str | None
    confidence: float
    shares: tuple[tuple[str, float], ...]


def read_language(text: str) -> LanguageReading:
    """The :class:`LanguageReading` of ``text``'s prose (one detection a segment).

    >>> reading = read_language("Das ist gut. `code` hier.")
    >>> reading.language, reading.shares
    ('de', (('de', 1.0),))
    """
    words = prose(text)
    segments = segment_languages(words)
    shares = shares_of(segments)
    language = next(iter(shares), None)
    mine = [(confidence, letters) for code, confidence, letters in segments if code == language]
    weight = sum(letters for _, letters in mine)
    confidence = sum(c * n for c, n in mine) / weight if weight else 0.0
    return LanguageReading(letter_count(words), language, confidence, tuple(shares.items()))


def languages_fact(record: Any) -> tuple[LanguageReading, ...]:
    """The ``languages`` fact of a group record: each candidate's prose language."""
    return tuple(read_language(c.text) for c in record.candidates)


def target_language(context: RewardContext, min_confidence: float) -> tuple[str | None, str]:
    """The language answers should be in, and why (for the evidence)."""
    instructions = f"{context.system_prompt or ''}\n{context.user_text}"
    asked = _ASKED.search(instructions)
    if asked:
        name = asked.group(1).lower()
        return _NAMES[name], f"asked for {name.capitalize()}"
    words = prose(context.user_text)
    code, confidence = detect_language(words)
    if code is None:
        return None, "prompt has no words to detect"
    if confidence < min_confidence:
        return None, f"prompt language unclear ({code} at {confidence:.2f})"
    return code, f"prompt is {code} ({confidence:.2f})"


class LanguageConsistency:
    """Share of the answer's prose in the prompt's (or the requested) language.

    Args:
        min_confidence: the prompt's language must be detected at least this surely.
        min_letters: answers with fewer letters of prose are not scored.

    Example:
        >>> reward = LanguageConsistency()
        >>> ctx = RewardContext(prompt="Wie spät ist es in Tokio, wenn es in Berlin Mittag ist?")
        >>> texts = ["In Tokio ist es dann 20 Uhr.", "It is 8 pm in Tokyo then."]
        >>> [s.value for s in reward(completions=texts, context=ctx, candidates=[])]
        [1.0, 0.0]
    """

    name = "language"
    reads: ClassVar[tuple[str, ...]] = ("languages",)

    def __init__(self, min_confidence: float = 0.5, min_letters: int = 8) -> None:
        if not 0.0 <= min_confidence <= 1.0 or min_letters < 1:
            raise ValueError("min_confidence must be in [0, 1] and min_letters >= 1")
        self.min_confidence = min_confidence
        self.min_letters = min_letters

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext,
        candidates: list[Candidate],
        **kwargs: Any,
    ) -> list[Score]:
        """Scores a group.

        Args:
            completions: the candidates' texts.
            context: the request context: the user's words and system prompt.
            candidates: the candidates.
            **kwargs: ``group`` (the round's record, whose ``languages`` fact is read);
                the rest is ignored, for forward compatibility.
        """
        target, why = target_language(context, self.min_confidence)
        if target is None:
            return [Score(None, why)] * len(completions)
        group = record_for(kwargs, context, completions, candidates)
        readings: tuple[LanguageReading, ...] = group.fact("languages")
        return [self._score_one(reading, target, why) for reading in readings]

    def _score_one(self, reading: LanguageReading, target: str, why: str) -> Score:
        letters = reading.letters
        if letters < self.min_letters:
            return Score(None, f"{why}; answer has no prose to check ({letters} letters)")
        shares = dict(reading.shares)
        share = shares.get(target, 0.0)
        others = ", ".join(f"{code} {s:.0%}" for code, s in shares.items() if code != target)
        evidence = f"{share:.0%} {target} ({why})" + (f"; also {others}" if others else "")
        return Score(share, evidence)
