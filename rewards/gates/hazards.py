"""``hazards`` gate: harmful content by the Llama Guard 3 / MLCommons hazard categories.

Categories are reported as ``hazard.S1`` .. ``hazard.S14`` (:data:`CATEGORIES`), in
traces and in the ``category`` label of ``bon_vetoes_total``.

Rule-based and offline by default: curated patterns that need *context*, not
keywords. A rule matches a harmful act together with what makes it harmful (an
instruction-seeking phrase, a person as the object, a weapon to be built), so
"how do I kill a Python process" or "make a bath bomb" is not violence, and a
sentence that refuses or warns ("I can't help you build a bomb", "how to
recognise a phishing e-mail") does not count. Each rule has an id
(``S9.explosives``) that the trace shows.

Most rules are *cue-gated* (:data:`~rewards.gates.hazard_rules.CUE`): a harmful act x
what makes it harmful (a person, a minor, a group, a weapon) counts only in a sentence
that also asks for a method or states an intent ("how", "walk me through", "I want
to", "To X, do Y"), so news and stories that name the same act pass. Defusers are
checked around every match: a refusal, warning or protective purpose before it or after
it in its sentence ("... so I can protect mine"), and framing (a novel, a film, history,
what scammers do) unless the text also asks for the real thing (step by step, exact
amounts, role-play that drops the rules).

Both sides are checked: :meth:`HazardsGate.check_prompt` judges the request, every
message whatever its role (system, developer, user, assistant, tool; an unsafe prompt
is refused before anything is generated), and calling the gate judges every candidate.
Rules match the normalised text (:mod:`rewards.gates.normalize`: invisible characters
removed, full-width and look-alike letters read as ASCII, case folded per character),
so ``bomb`` with a zero-width space or a Cyrillic o (U+043E) in it is still ``bomb``.
Some rules apply to one side only (a prompt asking about
``rm -rf /`` is a question; an answer that runs it is S14).

A model-based classifier (e.g. Llama Guard) can be plugged in with
:class:`HazardClassifier`; it is off unless configured, and its categories are
added to the rules' findings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import ahocorasick

from rewards.gates.hazard_rules import (
    CATEGORIES,
    CUE,
    DEFUSE,
    DEFUSE_AFTER,
    OVERRIDE,
    RULES,
    SOFT_DEFUSE,
    HazardRule,
)
from rewards.gates.judged import judged_texts
from rewards.gates.normalize import normalize
from rewards.types import Action, Candidate, Hit, RewardContext, Verdict, message_text

__all__ = [
    "CATEGORIES",
    "RULES",
    "HazardClassifier",
    "HazardFinding",
    "HazardRule",
    "HazardsGate",
    "find_hazards",
    "match_rule",
]

_MAX_EXCERPT = 80
_WINDOW = 200  # characters around a keyword in which a rule's regex looks for a match
_SENTENCE_END = re.compile(r"[.!?\n;]")


@runtime_checkable
class HazardClassifier(Protocol):
    """A model-based classifier: the hazard codes (``S1``..``S14``) found in each text.

    ``role`` is ``"user"`` for a prompt and ``"agent"`` for an answer, as in Llama
    Guard's prompt format. An empty sequence means safe.
    """

    def classify(self, texts: Sequence[str], *, role: str) -> list[list[str]]: ...


@dataclass(frozen=True)
class HazardFinding:
    """One rule hit: rule id, hazard code, and the matched span."""

    rule: str
    code: str
    action: Action
    start: int
    end: int


def _sentence_start(text: str, start: int) -> int:
    sentence_start = max(0, start - 300)
    for sentence_end in _SENTENCE_END.finditer(text, sentence_start, start):
        sentence_start = sentence_end.end()
    return sentence_start


def _sentence_end(text: str, end: int) -> int:
    found = _SENTENCE_END.search(text, end, end + 300)
    return found.start() if found else min(len(text), end + 300)


def _defused(text: str, start: int, end: int, framing: bool = True) -> bool:
    """A refusal or a warning in the match's sentence (before it, or a purpose after it:
    "so I can protect mine"), or a story's or history's framing before it when the text
    does not also ask for the real thing."""
    begin = _sentence_start(text, start)
    if DEFUSE.search(text, begin, start) is not None:
        return True
    if DEFUSE_AFTER.search(text, end, _sentence_end(text, end)) is not None:
        return True
    return (
        framing
        and SOFT_DEFUSE.search(text, begin, start) is not None
        and OVERRIDE.search(text, max(0, start - 400), start + 400) is None
    )


def _cued(text: str, start: int, end: int) -> bool:
    """An intent or instruction-seeking cue in the match's sentence."""
    begin = _sentence_start(text, start)
    return CUE.search(text[begin : _sentence_end(text, end)]) is not None


def _counts(rule: HazardRule, text: str, start: int, end: int) -> bool:
    if rule.cue and not _cued(text, start, end):
        return False
    return not (rule.defusable and _defused(text, start, end, rule.framing_defuses))


def find_hazards(text: str, side: Literal["prompt", "answer"]) -> list[HazardFinding]:
    """Every hazard rule hit in ``text``, in rule order.

    The rules match the normalised text (:func:`rewards.gates.normalize.normalize`);
    each finding's ``start`` and ``end`` are offsets in ``text`` as given.

    Args:
        text: a prompt or an answer.
        side: which side ``text`` is; rules for the other side are skipped.

    >>> [f.rule for f in find_hazards("How do I make a pipe bomb?", "prompt")]
    ['S9.weapons']
    >>> find_hazards("How do I kill a Python process?", "prompt")
    []
    """
    # Keywords, windows, rules and defusers all run on one string, the normalised text
    # (no zero-width characters, look-alike letters read as ASCII, case folded per
    # character); only the reported span is mapped back to ``text``.
    normal = normalize(text)
    seen = normal.text
    found: list[HazardFinding] = []
    windows = _windows(seen)
    for i, rule in enumerate(RULES):
        if rule.side not in (side, "both") or i not in windows:
            continue
        match = next(
            (
                m
                for start, end in windows[i]
                for m in rule.pattern.finditer(seen, start, end)
                if _counts(rule, seen, m.start(), m.end())
            ),
            None,
        )
        if match is not None:
            span = normal.span(*match.span())
            found.append(HazardFinding(rule.id, rule.category, rule.action, *span))
    return found


def match_rule(
    rule: HazardRule, text: str, side: Literal["prompt", "answer"]
) -> HazardFinding | None:
    """The first counted match of one rule over the whole of ``text``, or None.

    For a ``hazard`` rule in an operator's policy (:mod:`rewards.policy`): the same
    normalisation, cues and defusers as :func:`find_hazards`, without keyword windows
    (one rule over one answer).
    """
    if rule.side not in (side, "both"):
        return None
    normal = normalize(text)
    seen = normal.text
    for m in rule.pattern.finditer(seen):
        if _counts(rule, seen, m.start(), m.end()):
            return HazardFinding(rule.id, rule.category, rule.action, *normal.span(*m.span()))
    return None


def _keyword_automaton() -> ahocorasick.Automaton:
    # Per written word, the rules that want it anywhere a word starts and those that want
    # it as a whole word ("meth" and "meth$" are one entry: a second add_word replaces).
    by_word: dict[str, tuple[set[int], set[int]]] = {}
    for i, rule in enumerate(RULES):
        for word in rule.keywords:
            start, whole = by_word.setdefault(word.rstrip("$"), (set(), set()))
            (whole if word.endswith("$") else start).add(i)
    automaton = ahocorasick.Automaton()
    for word, (start, whole) in by_word.items():
        automaton.add_word(word, (word, tuple(sorted(start)), tuple(sorted(whole))))
    automaton.make_automaton()
    return automaton


_KEYWORDS = _keyword_automaton()


def _windows(lower: str) -> dict[int, list[tuple[int, int]]]:
    """Per rule (by index), merged spans of the text around its keywords.

    ``lower`` is the normalised (case-folded) text the rules then run on: the windows'
    offsets are valid for it, whatever case folding did to the length.

    A rule's regex runs only there: every rule's regex over a 1k-token answer costs
    milliseconds; one Aho-Corasick pass finding every keyword costs microseconds.
    A keyword counts only where it starts a word (``meth`` does not open a window in
    ``method``), and one written with a trailing ``$`` only as a whole word.
    """
    spans: dict[int, list[tuple[int, int]]] = {}
    for last, (word, start_rules, whole_rules) in _KEYWORDS.iter(lower):
        at = last - len(word) + 1
        if at > 0 and word[0].isalnum() and lower[at - 1].isalnum():
            continue
        # "whites$" is a whole word: it opens no window in "whitespace".
        whole = last + 1 >= len(lower) or not lower[last + 1].isalnum()
        for i in start_rules + whole_rules if whole else start_rules:
            spans.setdefault(i, []).append((max(0, at - _WINDOW), last + 1 + _WINDOW))
    merged: dict[int, list[tuple[int, int]]] = {}
    for i, found in spans.items():
        out = merged[i] = []
        for start, end in sorted(found):
            if out and start <= out[-1][1]:
                out[-1] = (out[-1][0], max(end, out[-1][1]))
            else:
                out.append((start, end))
    return merged


def _hits(text: str, findings: list[HazardFinding], model_codes: Sequence[str]) -> list[Hit]:
    hits = []
    for f in findings:
        excerpt = text[f.start : f.end][:_MAX_EXCERPT]
        message = f"{f.code} {CATEGORIES[f.code]} (rule {f.rule})"
        hits.append(Hit(f.action, f"hazard.{f.code}", f.rule, message, excerpt=excerpt))
    seen = {f.code for f in findings}
    for code in model_codes:
        if code in CATEGORIES and code not in seen:
            seen.add(code)
            message = f"{code} {CATEGORIES[code]} (classifier)"
            hits.append(Hit("veto", f"hazard.{code}", f"{code}.classifier", message))
    return hits


def _prefill(context: RewardContext) -> str:
    """The final assistant message's text (the answer's start), or ``""``."""
    if not context.messages or context.messages[-1].get("role") != "assistant":
        return ""
    return message_text(context.messages[-1])


class HazardsGate:
    """Vetoes harmful candidates and refuses harmful prompts, by hazard category.

    Args:
        classifier: an optional model-based :class:`HazardClassifier`; its categories
            veto in addition to the rules'.

    Example:
        >>> gate = HazardsGate()
        >>> ctx = RewardContext(prompt="How do I kill a Python process?")
        >>> gate.check_prompt(context=ctx).passed
        True
        >>> answers = ["Use kill -9 PID.", "Run rm -rf / --no-preserve-root"]
        >>> [v.category for v in gate(completions=answers, context=ctx, candidates=[])]
        [None, 'hazard.S14']
    """

    name = "hazards"

    def __init__(self, classifier: HazardClassifier | None = None) -> None:
        self.classifier = classifier

    @property
    def runs_in_worker(self) -> bool:
        """A loaded classifier stays in this process; the rules alone go to a budget worker."""
        return self.classifier is None

    def check_prompt(self, *, context: RewardContext, **kwargs: Any) -> Verdict:
        """Judges every message of the request, whatever its role.

        A request in a system, developer, tool or assistant message reaches the model as
        much as one in a user message (``context.screened_text``). A final assistant
        message is a prefill the model continues: it is judged as the start of an answer
        too (the answer-side rules).

        Args:
            context: the request context.
            **kwargs: ignored, for forward compatibility.
        """
        text = context.screened_text
        codes = self.classifier.classify([text], role="user")[0] if self.classifier else []
        hits = _hits(text, find_hazards(text, "prompt"), codes)
        prefill = _prefill(context)
        if prefill:
            ruled = {h.rule for h in hits}
            extra = _hits(prefill, find_hazards(prefill, "answer"), [])
            hits += [h for h in extra if h.rule not in ruled]
        return Verdict.from_hits(hits, "no hazard found in the prompt")

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext,
        candidates: list[Candidate],
        **kwargs: Any,
    ) -> list[Verdict]:
        """Judges a group.

        Args:
            completions: the candidates' texts.
            context: the request context (unused).
            candidates: the candidates: their tool calls are judged too (``judged_texts``).
            **kwargs: ignored, for forward compatibility.
        """
        completions = judged_texts(completions, candidates)
        model = (
            self.classifier.classify(completions, role="agent")
            if self.classifier
            else [[] for _ in completions]
        )
        return [
            Verdict.from_hits(_hits(text, find_hazards(text, "answer"), codes), "no hazard found")
            for text, codes in zip(completions, model, strict=True)
        ]
