"""The hazard rules of the ``hazards`` gate (:mod:`rewards.gates.hazards`), loaded from data.

The rules are YAML files, one per category, in ``rewards/gates/rules/hazards/``
(``S1.yaml`` .. ``S14.yaml``), beside ``vocabularies.yaml``: the named fragments ("a
person", "a drug", "a weapon") that every rule shares, and the sentence-level context
patterns (the instruction-seeking cue, the refusals and warnings that defuse a match,
the story framing and what overrides it). They load through the operator's policy
engine (:func:`rewards.policy.load_policy_files`, rule type ``hazard``), which expands
the vocabularies, derives the keywords and compiles every pattern once, at import.

Rule ids are ``S<n>.<name>``; the categories are Llama Guard 3's / MLCommons'.
"""

from __future__ import annotations

import re
from importlib import resources

from rewards.policy import HazardPattern, HazardRule, Policy, Side, load_policy_files

__all__ = [
    "CATEGORIES",
    "CUE",
    "DEFUSE",
    "DEFUSE_AFTER",
    "OVERRIDE",
    "RULES",
    "RULES_DIR",
    "SOFT_DEFUSE",
    "HazardRule",
    "Side",
    "load_hazard_policy",
]

CATEGORIES: dict[str, str] = {
    "S1": "Violent Crimes",
    "S2": "Non-Violent Crimes",
    "S3": "Sex-Related Crimes",
    "S4": "Child Sexual Exploitation",
    "S5": "Defamation",
    "S6": "Specialized Advice",
    "S7": "Privacy",
    "S8": "Intellectual Property",
    "S9": "Indiscriminate Weapons",
    "S10": "Hate",
    "S11": "Suicide & Self-Harm",
    "S12": "Sexual Content",
    "S13": "Elections",
    "S14": "Code Interpreter Abuse",
}

RULES_DIR = resources.files("rewards.gates") / "rules" / "hazards"


def load_hazard_policy() -> Policy:
    """The built-in hazard rules as one validated policy (vocabularies first, S1..S14)."""
    files = [RULES_DIR / "vocabularies.yaml"] + [RULES_DIR / f"{code}.yaml" for code in CATEGORIES]
    return load_policy_files([str(f) for f in files])


_POLICY = load_hazard_policy()

RULES: tuple[HazardRule, ...] = tuple(
    rule.compiled for rule in _POLICY.rules if isinstance(rule, HazardPattern)
)

# Sentence context (:mod:`rewards.gates.hazards`): a refusal, warning or protective
# purpose before a match, or after it in its sentence, defuses it; framing (a story,
# history) defuses it unless the text also asks for the real thing; ``cue: true`` rules
# need an intent or instruction-seeking cue in the sentence.
DEFUSE = re.compile(_POLICY.vocabulary("defuse"), re.IGNORECASE)
DEFUSE_AFTER = re.compile(_POLICY.vocabulary("defuse_after"), re.IGNORECASE)
SOFT_DEFUSE = re.compile(_POLICY.vocabulary("framing"), re.IGNORECASE)
OVERRIDE = re.compile(_POLICY.vocabulary("asks_for_real"), re.IGNORECASE)
CUE = re.compile(_POLICY.vocabulary("cue"), re.IGNORECASE)
