"""The hazard rules as data: the YAML compiles to the rules the Python table had.

``data/hazard_rules_before.json`` is a snapshot of every rule of the former
``rewards/gates/hazard_rules.py`` (pattern, keywords, flags) and of its context
patterns, taken before the rules moved to ``rewards/gates/rules/hazards/*.yaml``.
Each rule compiles to the same regex and keywords, except the changes listed here
with their reason; the operator's policy format runs the same kind of rule.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rewards.gates import hazard_rules
from rewards.gates.hazards import find_hazards
from rewards.policy import Policy, PolicyError, PolicyGate, _Vocabularies
from rewards.types import RewardContext

_BEFORE = json.loads(
    (Path(__file__).parent / "data" / "hazard_rules_before.json").read_text(encoding="utf-8")
)
_OLD = {rule["id"]: rule for rule in _BEFORE["rules"]}
_NEW = {rule.id: rule for rule in hazard_rules.RULES}

# "Protected groups" was one list nested in a longer one: now one vocabulary whose terms
# the longer one inlines (the same alternatives, in the same order, one group fewer).
_GROUP = hazard_rules._POLICY.vocabulary("group")
_GROUP_ANY_FLAT = {
    "S10.hate_speech",
    "S10.slurs",
    "S10.mockery",
    "S10.conspiracy",
    "S10.stereotype_jokes",
}
# S2.smuggling spelt the drug list out inline; it now names the vocabulary (one group).
_DRUG = hazard_rules._POLICY.vocabulary("drug")
_DRUG_NAMED = {"S2.smuggling"}
# Keywords derived from a vocabulary instead of kept by hand beside it.
_DERIVED_KEYWORDS = {
    "S1.instructions": "violent_act",
    "S1.threat": "violent_act",
    "S1.covert": "violent_act",
    "S1.harm_person": "harm_act",
    "S2.drugs": "hard_drug",
    "S9.weapons": "weapon",
    "S9.synthesis": "weapon",
    "S9.recipe": "weapon",
    "S10.dehumanising": "group",
    "S10.violence": "group",
    "S10.hate_speech": "group_any",
    "S10.conspiracy": "group_any",
    "S10.stereotype_jokes": "group_any",
}


def _expected_pattern(rule_id: str) -> str:
    old = str(_OLD[rule_id]["pattern"])
    if rule_id in _GROUP_ANY_FLAT:
        old = old.replace(f"(?:{_GROUP}|", f"(?:{_GROUP[3:-1]}|")
    if rule_id in _DRUG_NAMED:
        old = old.replace(_DRUG[3:-1], _DRUG)
    return old


def test_the_same_rules_with_the_same_flags() -> None:
    assert set(_NEW) == set(_OLD)
    for rule_id, old in _OLD.items():
        new = _NEW[rule_id]
        assert (new.side, new.action, new.defusable, new.cue, new.framing_defuses) == (
            old["side"],
            old["action"],
            old["defusable"],
            old["cue"],
            old["framing_defuses"],
        ), rule_id
        assert new.pattern.flags & re.IGNORECASE


@pytest.mark.parametrize("rule_id", sorted(_OLD))
def test_each_rule_compiles_to_the_regex_it_had(rule_id: str) -> None:
    assert _NEW[rule_id].pattern.pattern == _expected_pattern(rule_id)


@pytest.mark.parametrize("rule_id", sorted(_OLD))
def test_keywords_are_the_same_or_derived_from_a_vocabulary(rule_id: str) -> None:
    old = tuple(_OLD[rule_id]["keywords"])
    if rule_id not in _DERIVED_KEYWORDS:
        assert _NEW[rule_id].keywords == old
        return
    # The rule names the vocabulary; its derived keywords are the rule's, with any
    # hand-kept extras beyond them still there.
    name = _DERIVED_KEYWORDS[rule_id]
    [raw] = [r for r in hazard_rules._POLICY.rules if r.id == rule_id]
    assert f"{{{{{name}}}}}" in (raw.keywords or ())  # type: ignore[union-attr]
    derived = _Vocabularies(hazard_rules._POLICY.vocabularies).keywords(name)
    assert set(derived) <= set(_NEW[rule_id].keywords)
    extras = [k for k in (raw.keywords or ()) if isinstance(k, str) and "{{" not in k]  # type: ignore[union-attr]
    assert set(extras) <= set(old)


def test_context_patterns_are_unchanged() -> None:
    context = _BEFORE["context"]
    assert hazard_rules.CUE.pattern == context["cue"]
    assert hazard_rules.DEFUSE.pattern == context["defuse"]
    assert hazard_rules.DEFUSE_AFTER.pattern == context["defuse_after"]
    assert hazard_rules.SOFT_DEFUSE.pattern == context["framing"]
    assert hazard_rules.OVERRIDE.pattern == context["asks_for_real"]
    assert _BEFORE["categories"] == hazard_rules.CATEGORIES


def test_a_vocabulary_keyword_is_a_whole_word_where_the_vocabulary_says_so() -> None:
    # "meth" is a hard drug only as a word; "method" opens no window for S2.drugs.
    assert "meth$" in _NEW["S2.drugs"].keywords
    assert find_hazards("How do I cook meth at home?", "prompt")
    assert not find_hazards("Which method do I use to cook rice?", "prompt")


def _policy(rules: list[dict[str, object]], vocabularies: dict[str, object]) -> Policy:
    return Policy.from_dict({"rules": rules, "vocabularies": vocabularies})


def test_an_operator_policy_runs_a_hazard_rule_with_a_vocabulary() -> None:
    policy = _policy(
        [
            {
                "id": "S2.rival_sabotage",
                "type": "hazard",
                "pattern": r"\bsabotage\s+{{rival}}",
                "cue": True,
                "message": "Sabotage of a named rival.",
            }
        ],
        {"rival": {"terms": ["globex", "initech"], "whole_words": True}},
    )
    gate = PolicyGate(policy)
    ctx = RewardContext(prompt="?")
    bad, ok, defused = gate(
        completions=[
            "Here is how to sabotage Globex's launch.",
            "Globex launched a product.",
            "I won't help you sabotage Initech.",
        ],
        context=ctx,
        candidates=[],
    )
    assert not bad.passed and bad.rule == "S2.rival_sabotage" and bad.category == "hazard.S2"
    assert ok.passed and defused.passed
    rule = policy.rules[0]
    assert rule.compiled.keywords == ("sabotage",)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("vocabularies", "pattern", "message"),
    [
        ({}, r"\b{{nobody}}", "unknown vocabulary"),
        ({"a": {"pattern": "{{b}}"}, "b": {"pattern": "{{a}}"}}, r"\bx{{a}}", "cycle"),
        ({"a": {"terms": ["x"], "pattern": "y"}}, r"\bx", "either terms or a pattern"),
        ({}, r"\w+", "no keywords"),
    ],
)
def test_bad_vocabularies_fail_at_load(
    vocabularies: dict[str, object], pattern: str, message: str
) -> None:
    with pytest.raises(PolicyError, match=message):
        _policy([{"id": "S1.x", "type": "hazard", "pattern": pattern}], vocabularies)
