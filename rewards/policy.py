"""The compliance policy: an operator's YAML file of rules, applied to every candidate.

The file::

    rules:
      - id: no-competitors              # unique; shown in traces and metrics
        type: banned_terms              # whole words or phrases, case-insensitive
        terms: [Globex, Initech]
        action: veto                    # veto | penalty | flag
        message: Mentions a competitor.
      - id: no-internal-hosts
        type: banned_pattern            # a regular expression (Python syntax)
        pattern: '\\b[\\w-]+\\.corp\\.internal\\b'
        action: penalty
        weight: 2.0                     # penalties need a weight > 0
        message: Names an internal host.
      - id: medical-disclaimer
        type: required_disclaimer       # a topic that needs a given sentence
        topic_terms: [dosage, diagnosis, symptoms, medication]
        topic_in: either                # prompt | answer | either (default)
        disclaimer: This is not medical advice; please consult a doctor.
        action: penalty
        weight: 1.5
        message: Medical answer without the disclaimer.
      - id: short-answers
        type: max_length
        max_tokens: 400                 # and/or max_chars
        action: flag
        message: Answer longer than 400 tokens.
      - id: english-or-german
        type: allowed_languages
        languages: [en, de]             # ISO 639-1 codes
        action: veto
        message: Answer in a language this service does not offer.
        profiles: [support-bot]         # optional: only for these reward profiles

      - id: S1.threat                   # a hazard rule (the built-in hazards gate's kind)
        type: hazard
        pattern: '\\b(?:i\\s+will|go)\\s+{{violent_act}}\\s+{{person}}'
        keywords: ['{{violent_act}}']   # optional: derived from the pattern if absent
        cue: false                      # needs an intent/method cue in its sentence
        defusable: true                 # a refusal or warning in its sentence cancels it
        framing_defuses: true           # a story's or history's framing cancels it
        side: both                      # prompt | answer | both
        action: veto
        examples:                       # run by tests/rewards/gates/test_hazard_rule_examples.py
          match: ["I will kill him tonight."]
          no_match: ["I will kill the process."]
    vocabularies:                       # named regex fragments, defined once
      person:
        description: a person as the object of an act
        terms: [someone, somebody, 'a\\s+person']   # joined as (?:someone|...)
        whole_words: true               # its derived keywords match whole words only
      violent_act:
        pattern: '(?:kill|stab)(?:s|ed|ing)?'      # or one pattern

A pattern (``hazard`` rules, and a vocabulary's terms) names a vocabulary as
``{{name}}``: it expands to the vocabulary's regex in a non-capturing group; a term that
is only ``{{name}}`` of a terms vocabulary adds that vocabulary's terms in place. A
hazard rule's ``keywords`` (the literal words around which the gate runs its regex) may
name a vocabulary too: ``'{{name}}'`` stands for the keywords derived from its terms
(:mod:`rewards.regex_factors`); ``{product: [[a, b], [c, d]]}`` for ``ac, ad, bc, bd``.
Without ``keywords`` they are derived from the rule's pattern. Several files load as one
(:func:`load_policy_files`: vocabularies shared, ids unique across them); the built-in
hazard rules are such files (``rewards/gates/rules/hazards/``).

A ``veto`` excludes the candidate, a ``penalty`` lowers its combined score by
``weight``, a ``flag`` only annotates it. Each rule has an ``id`` that traces and
the ``rule`` label of ``bon_penalties_total`` / ``bon_flags_total`` carry; vetoes
count in ``bon_vetoes_total`` with ``category`` ``policy.<type>``.

Every error (unknown key or type, bad regex, penalty without weight, duplicate id,
bad language code) is raised by :func:`load_policy` as :class:`PolicyError` naming
the file and the rule, so the server fails at startup, never at request time.
Disclaimers match fuzzily (`rapidfuzz`, :data:`DISCLAIMER_SCORE`), so a changed
comma or capital does not count as missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from rapidfuzz import fuzz

from rewards.types import Action, Candidate, Hit, RewardContext, Verdict

DISCLAIMER_SCORE = 90.0
_MIN_LANGUAGE_LETTERS = 20  # shorter answers ("OK.", code) have no reliable language
_MAX_EXCERPT = 80


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the rule."""


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    action: Action
    message: str = Field(min_length=1)
    weight: float | None = Field(None, gt=0, le=100)
    profiles: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _weight_for_penalty(self) -> _Rule:
        if self.action == "penalty" and self.weight is None:
            raise ValueError("a penalty needs a weight > 0")
        if self.action != "penalty" and self.weight is not None:
            raise ValueError(f"weight is only for penalties, not for {self.action}")
        return self

    def applies(self, profile: str | None) -> bool:
        return self.profiles is None or profile in self.profiles

    def hit(self, kind: str, excerpt: str = "", detail: str = "") -> Hit:
        message = f"{self.message} ({detail})" if detail else self.message
        return Hit(
            self.action,
            f"policy.{kind}",
            self.id,
            message,
            self.weight or 0.0,
            excerpt[:_MAX_EXCERPT],
        )


def _compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc


def _terms_pattern(terms: Sequence[str]) -> re.Pattern[str]:
    words = sorted({t.strip() for t in terms}, key=len, reverse=True)
    body = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


class BannedTerms(_Rule):
    type: Literal["banned_terms"]
    terms: tuple[Annotated[str, Field(min_length=1)], ...] = Field(min_length=1)
    _regex: re.Pattern[str] = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        self._regex = _terms_pattern(self.terms)

    def check(self, text: str, candidate: Candidate, context: RewardContext) -> Hit | None:
        match = self._regex.search(text)
        return self.hit(self.type, match[0]) if match else None


class BannedPattern(_Rule):
    type: Literal["banned_pattern"]
    pattern: str
    case_sensitive: bool = False
    _regex: re.Pattern[str] = PrivateAttr()

    @field_validator("pattern")
    @classmethod
    def _valid_regex(cls, value: str) -> str:
        _compile(value)
        return value

    def model_post_init(self, context: Any, /) -> None:
        self._regex = _compile(self.pattern, 0 if self.case_sensitive else re.IGNORECASE)

    def check(self, text: str, candidate: Candidate, context: RewardContext) -> Hit | None:
        match = self._regex.search(text)
        return self.hit(self.type, match[0]) if match else None


class RequiredDisclaimer(_Rule):
    type: Literal["required_disclaimer"]
    disclaimer: str = Field(min_length=8)
    topic_terms: tuple[Annotated[str, Field(min_length=1)], ...] = ()
    topic_pattern: str | None = None
    topic_in: Literal["prompt", "answer", "either"] = "either"
    _topics: list[re.Pattern[str]] = PrivateAttr()

    @model_validator(mode="after")
    def _has_topic(self) -> RequiredDisclaimer:
        if not self.topic_terms and not self.topic_pattern:
            raise ValueError("a required_disclaimer needs topic_terms or topic_pattern")
        if self.topic_pattern:
            _compile(self.topic_pattern)
        return self

    def model_post_init(self, context: Any, /) -> None:
        self._topics = [_terms_pattern(self.topic_terms)] if self.topic_terms else []
        if self.topic_pattern:
            self._topics.append(_compile(self.topic_pattern, re.IGNORECASE))

    def _on_topic(self, text: str) -> str | None:
        for regex in self._topics:
            match = regex.search(text)
            if match:
                return match[0]
        return None

    def check(self, text: str, candidate: Candidate, context: RewardContext) -> Hit | None:
        topic = None
        if self.topic_in in ("prompt", "either"):
            topic = self._on_topic(context.user_text)
        if topic is None and self.topic_in in ("answer", "either"):
            topic = self._on_topic(text)
        if topic is None:
            return None
        score = fuzz.partial_ratio(self.disclaimer.lower(), text.lower())
        if score >= DISCLAIMER_SCORE:
            return None
        return self.hit(self.type, topic, f"topic {topic!r}, disclaimer missing")


class MaxLength(_Rule):
    type: Literal["max_length"]
    max_chars: int | None = Field(None, ge=1)
    max_tokens: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _has_limit(self) -> MaxLength:
        if self.max_chars is None and self.max_tokens is None:
            raise ValueError("a max_length rule needs max_chars or max_tokens")
        return self

    def check(self, text: str, candidate: Candidate, context: RewardContext) -> Hit | None:
        if self.max_chars is not None and len(text) > self.max_chars:
            return self.hit(self.type, detail=f"{len(text)} > {self.max_chars} characters")
        if self.max_tokens is not None:
            # Without token ids (offline use), whitespace words stand in for tokens.
            tokens = candidate.num_tokens or len(text.split())
            if tokens > self.max_tokens:
                return self.hit(self.type, detail=f"{tokens} > {self.max_tokens} tokens")
        return None


class AllowedLanguages(_Rule):
    type: Literal["allowed_languages"]
    languages: tuple[str, ...] = Field(min_length=1)
    min_confidence: float = Field(0.5, ge=0, le=1)

    @field_validator("languages")
    @classmethod
    def _codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [code for code in value if not re.fullmatch(r"[a-z]{2,3}", code)]
        if bad:
            raise ValueError(f"not ISO 639 codes (e.g. en, de): {', '.join(map(repr, bad))}")
        return value

    def check(self, text: str, candidate: Candidate, context: RewardContext) -> Hit | None:
        from rewards.language import detect_language, letter_count

        if letter_count(text) < _MIN_LANGUAGE_LETTERS:
            return None
        code, confidence = detect_language(text)
        if code is None or confidence < self.min_confidence or code in self.languages:
            return None
        return self.hit(self.type, detail=f"language {code}, confidence {confidence:.2f}")


_REF = re.compile(r"\{\{([a-z][a-z0-9_]*)\}\}")
_FUNCTION_WORDS = frozenset({"the", "a", "an", "my", "his", "her", "our", "their", "your"})
Side = Literal["prompt", "answer", "both"]


class Vocabulary(BaseModel):
    """A named regex fragment (``terms`` joined as alternatives, or one ``pattern``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    terms: tuple[Annotated[str, Field(min_length=1)], ...] | None = Field(None, min_length=1)
    pattern: str | None = Field(None, min_length=1)
    whole_words: bool = False

    @model_validator(mode="after")
    def _one_form(self) -> Vocabulary:
        if (self.terms is None) == (self.pattern is None):
            raise ValueError("a vocabulary has either terms or a pattern")
        return self


class _Vocabularies:
    """Expands ``{{name}}`` references and derives each vocabulary's keywords, once each."""

    def __init__(self, vocabularies: dict[str, Vocabulary]) -> None:
        self.vocabularies = vocabularies
        self._terms: dict[str, list[str]] = {}
        self._keywords: dict[str, tuple[str, ...]] = {}

    def _get(self, name: str, chain: tuple[str, ...]) -> Vocabulary:
        if name not in self.vocabularies:
            raise ValueError(f"unknown vocabulary {{{{{name}}}}}")
        if name in chain:
            raise ValueError(f"vocabulary cycle: {' -> '.join((*chain, name))}")
        return self.vocabularies[name]

    def terms(self, name: str, chain: tuple[str, ...] = ()) -> list[str]:
        """The vocabulary's alternatives, expanded (a bare ``{{v}}`` term inlines v's)."""
        if name not in self._terms:
            vocab = self._get(name, chain)
            out: list[str] = []
            for term in vocab.terms or (vocab.pattern or "",):
                bare = _REF.fullmatch(term)
                if bare and vocab.terms and self._get(bare[1], (*chain, name)).terms:
                    out += self.terms(bare[1], (*chain, name))
                else:
                    out.append(self.expand(term, (*chain, name)))
            self._terms[name] = out
        return self._terms[name]

    def regex(self, name: str, chain: tuple[str, ...] = ()) -> str:
        vocab = self._get(name, chain)
        parts = self.terms(name, chain)
        return f"(?:{'|'.join(parts)})" if vocab.terms else parts[0]

    def expand(self, pattern: str, chain: tuple[str, ...] = ()) -> str:
        return _REF.sub(lambda m: self.regex(m[1], chain), pattern)

    def keywords(self, name: str) -> tuple[str, ...]:
        """Per term its leading word, or the literals every match of it contains."""
        from rewards.regex_factors import leading_literals, required_literals

        if name not in self._keywords:
            vocab = self._get(name, ())
            words: list[str] = []
            for term in vocab.terms or (vocab.pattern or "",):
                bare = _REF.fullmatch(term)
                if bare:
                    words += self.keywords(bare[1])
                    continue
                expanded = self.expand(term)
                # A term's keywords are the words it starts with, unless one of them is a
                # function word ("the jews"), or they are several short ones while every
                # match contains one longer literal ("car|pipe|nail bomb": "bomb").
                lead = leading_literals(expanded)
                required = required_literals(expanded) or frozenset()
                weak = any(w.split()[0] in _FUNCTION_WORDS for w in lead) or (
                    len(required) == 1 < len(lead) and min(map(len, lead)) < 4
                )
                found = lead if lead and not weak else required
                if not found:
                    raise ValueError(f"vocabulary {name!r}: no keyword in term {term!r}")
                # A whole-word vocabulary's keyword is a whole word where its literal ends
                # the term or meets a space or boundary ("meth$" opens no window in "method").
                ends = ("\\s", "\\b", "|", ")")
                words += sorted(
                    w + "$"
                    if vocab.whole_words
                    and (expanded.endswith(w) or any(w + e in expanded for e in ends))
                    and not any(w + e + "?" in expanded for e in ("s", ")s", ")"))
                    else w
                    for w in found
                )
            self._keywords[name] = tuple(dict.fromkeys(words))
        return self._keywords[name]


@dataclass(frozen=True)
class HazardRule:
    """A hazard rule compiled for the gate (:mod:`rewards.gates.hazards`).

    Attributes:
        id: stable rule id, ``S<n>.<name>``.
        category: the hazard code (``S1`` .. ``S14``), the id's prefix.
        pattern: the regex, vocabularies expanded, compiled case-insensitive.
        side: where the rule applies: the prompt, the answers, or both.
        action: what a hit does to a candidate.
        defusable: whether a refusing or protective phrase in its sentence cancels a hit.
        keywords: lower-case words one of which every match contains, found where they
            start a word; a trailing ``$`` asks for a whole word. The regex runs only
            around them.
        cue: whether a match counts only with an intent or instruction-seeking cue in
            its sentence.
        framing_defuses: whether a story's or history's framing defuses a match.
    """

    id: str
    category: str
    pattern: re.Pattern[str]
    side: Side = "both"
    action: Action = "veto"
    defusable: bool = True
    keywords: tuple[str, ...] = ()
    cue: bool = False
    framing_defuses: bool = True


class KeywordProduct(BaseModel):
    """Keywords as every concatenation of one string from each list, in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product: tuple[tuple[str, ...], ...] = Field(min_length=2)


class RuleExamples(BaseModel):
    """Texts the rule must match and texts it must not (run by one generic test)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: tuple[str, ...] = ()
    no_match: tuple[str, ...] = ()


class HazardPattern(_Rule):
    type: Literal["hazard"]
    id: str = Field(pattern=r"^S[0-9]{1,2}\.[a-z0-9_]{1,60}$")
    action: Action = "veto"
    message: str = "hazard rule"
    pattern: str | tuple[str, ...]
    side: Side = "both"
    defusable: bool = True
    cue: bool = False
    framing_defuses: bool = True
    keywords: tuple[str | KeywordProduct, ...] | None = None
    examples: RuleExamples = RuleExamples()
    _compiled: HazardRule = PrivateAttr()

    @property
    def compiled(self) -> HazardRule:
        """The rule as the gate runs it (set when its file was validated)."""
        return self._compiled

    def bind(self, vocab: _Vocabularies) -> None:
        """Expands the vocabularies, compiles the pattern, resolves the keywords."""
        from rewards.regex_factors import required_literals

        source = self.pattern if isinstance(self.pattern, str) else "|".join(self.pattern)
        regex = vocab.expand(source)
        compiled = _compile(regex, re.IGNORECASE)
        words: list[str] = []
        if self.keywords is None:
            found = required_literals(regex)
            if not found:
                raise ValueError("no keywords given and none derivable from the pattern")
            words = sorted(found)
        for entry in self.keywords or ():
            if isinstance(entry, KeywordProduct):
                combos = [""]
                for part in entry.product:
                    combos = [a + b for a in combos for b in part]
                words += combos
            elif (bare := _REF.fullmatch(entry)) is not None:
                words += vocab.keywords(bare[1])
            else:
                words.append(entry)
        if not words or any(w != w.lower() or not w.rstrip("$") for w in words):
            raise ValueError("keywords must be non-empty lower-case strings")
        category = self.id.split(".")[0]
        self._compiled = HazardRule(
            self.id,
            category,
            compiled,
            self.side,
            self.action,
            self.defusable,
            tuple(dict.fromkeys(words)),
            self.cue,
            self.framing_defuses,
        )

    def check(self, text: str, candidate: Candidate, context: RewardContext) -> Hit | None:
        # The hazards gate's matching (normalised text, cues, defusers), on an answer.
        from rewards.gates.hazards import match_rule

        found = match_rule(self._compiled, text, "answer")
        if found is None:
            return None
        return Hit(
            self.action,
            f"hazard.{self._compiled.category}",
            self.id,
            self.message,
            self.weight or 0.0,
            text[found.start : found.end][:_MAX_EXCERPT],
        )


PolicyRule = Annotated[
    BannedTerms | BannedPattern | RequiredDisclaimer | MaxLength | AllowedLanguages | HazardPattern,
    Field(discriminator="type"),
]


class _PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    rules: list[PolicyRule] = Field(default_factory=list)
    vocabularies: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Vocabulary] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> _PolicyFile:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        vocab = _Vocabularies(self.vocabularies)
        for name in self.vocabularies:
            vocab.regex(name)  # an unknown reference or a cycle fails here, not at use
        for rule in self.rules:
            if isinstance(rule, HazardPattern):
                try:
                    rule.bind(vocab)
                except ValueError as exc:
                    raise ValueError(f"rule {rule.id!r}: {exc}") from exc
        return self


_ADAPTER = TypeAdapter(_PolicyFile)


@dataclass(frozen=True)
class Policy:
    """A validated compliance policy (build it with :func:`load_policy` or :meth:`from_dict`).

    Example:
        >>> policy = Policy.from_dict({"rules": [{"id": "no-globex", "type": "banned_terms",
        ...     "terms": ["Globex"], "action": "veto", "message": "Names a competitor."}]})
        >>> [h.rule for h in policy.evaluate("Try Globex instead.", RewardContext(prompt="?"))]
        ['no-globex']
    """

    rules: tuple[PolicyRule, ...]
    source: str = "<policy>"
    vocabularies: dict[str, Vocabulary] = field(default_factory=dict)

    def vocabulary(self, name: str) -> str:
        """The regex of one of the file's vocabularies, references expanded."""
        return _Vocabularies(self.vocabularies).regex(name)

    @classmethod
    def from_dict(cls, data: Any, source: str = "<policy>") -> Policy:
        """Validates a parsed policy document.

        Raises:
            PolicyError: the document is not a valid policy (the message says where).
        """
        if data is None:
            data = {}
        try:
            parsed = _ADAPTER.validate_python(data)
        except ValidationError as exc:
            raise PolicyError(f"invalid policy {source}: {_describe(exc, data)}") from exc
        return cls(tuple(parsed.rules), source, dict(parsed.vocabularies))

    def evaluate(
        self, text: str, context: RewardContext, candidate: Candidate | None = None
    ) -> list[Hit]:
        """The hits of every rule in scope (the request's profile) on one answer."""
        cand = candidate or Candidate(0, text)
        hits = []
        for rule in self.rules:
            if rule.applies(context.profile):
                hit = rule.check(text, cand, context)
                if hit is not None:
                    hits.append(hit)
        return hits


def _describe(exc: ValidationError, data: Any) -> str:
    """The first error as "rules[2] (id 'x'): field: message"."""
    first = exc.errors()[0]
    loc = list(first.get("loc", ()))
    where = []
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = data.get("rules") if isinstance(data, dict) else None
        raw = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
        rule_id = raw.get("id") if isinstance(raw, dict) else None
        where.append(f"rules[{loc[1]}]" + (f" (id {rule_id!r})" if rule_id else ""))
        # pydantic puts the union tag (the rule's type) in the path; it says nothing new.
        tag = raw.get("type") if isinstance(raw, dict) else None
        loc = [part for part in loc[2:] if part != tag]
    field = ".".join(str(part) for part in loc)
    if field:
        where.append(field)
    return ": ".join([*where, str(first.get("msg"))])


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy file {path} is not valid YAML: {exc}") from exc


def load_policy_files(paths: Sequence[str | Path]) -> Policy:
    """Reads several policy files as one: their vocabularies shared, their rules in order.

    Raises:
        PolicyError: a file is missing, not YAML, not a valid policy, or two files define
            the same vocabulary.
    """
    merged: dict[str, Any] = {"rules": [], "vocabularies": {}}
    for path in map(Path, paths):
        data = _read_yaml(path) or {}
        if not isinstance(data, dict):
            raise PolicyError(f"invalid policy {path}: not a mapping")
        for name, vocab in (data.get("vocabularies") or {}).items():
            if name in merged["vocabularies"]:
                raise PolicyError(f"invalid policy {path}: vocabulary {name!r} defined twice")
            merged["vocabularies"][name] = vocab
        merged["rules"] += data.get("rules") or []
        if "version" in data:
            merged["version"] = data["version"]
    first = Path(paths[0]) if paths else Path("<none>")
    source = str(first.parent / "*.yaml") if len(paths) > 1 else str(first)
    return Policy.from_dict(merged, source=source)


def load_policy(path: str | Path) -> Policy:
    """Reads and validates a policy file.

    Raises:
        PolicyError: the file is missing, not YAML, or not a valid policy.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy file {path} is not valid YAML: {exc}") from exc
    return Policy.from_dict(data, source=str(path))


class PolicyGate:
    """The compliance policy as a gate: each candidate's hits, vetoes first.

    Args:
        policy: the validated policy.
    """

    name = "policy"

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

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
            context: the request context (``profile`` scopes rules; the prompt decides
                topics for disclaimers).
            candidates: the candidates (their token counts for ``max_tokens``; their tool
                calls are judged too, ``judged_texts``).
            **kwargs: ignored, for forward compatibility.
        """
        cands = candidates if len(candidates) == len(completions) else [None] * len(completions)
        # Imported here: rewards.gates loads its hazard rules through this module.
        from rewards.gates.judged import judged_texts

        completions = judged_texts(completions, candidates)
        return [
            Verdict.from_hits(self.policy.evaluate(text, context, cand), "no policy rule hit")
            for text, cand in zip(completions, cands, strict=True)
        ]
