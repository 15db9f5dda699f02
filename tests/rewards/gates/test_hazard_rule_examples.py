"""Every built-in hazard rule's own examples, run through the gate (as Semgrep's rule tests).

Each rule in ``rewards/gates/rules/hazards/*.yaml`` carries ``examples.match`` (texts
the rule must hit) and ``examples.no_match`` (look-alikes it must not). They run through
:func:`rewards.gates.hazards.find_hazards` on the rule's side, so the keywords that open
the rule's window are tested with the pattern. A rule without both kinds fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rewards.gates.hazard_rules import load_hazard_policy
from rewards.gates.hazards import find_hazards
from rewards.gates.normalize import normalize
from rewards.policy import HazardPattern

_RULES = [r for r in load_hazard_policy().rules if isinstance(r, HazardPattern)]
_HELDOUT = Path(__file__).resolve().parents[3] / "bench" / "data" / "hazards_heldout.yaml"


def _side(rule: HazardPattern) -> str:
    return "answer" if rule.side == "answer" else "prompt"


@pytest.mark.parametrize("rule", _RULES, ids=lambda r: r.id)
def test_rule_examples(rule: HazardPattern) -> None:
    assert rule.examples.match, f"{rule.id}: no match examples"
    assert rule.examples.no_match, f"{rule.id}: no no_match examples"
    for text in rule.examples.match:
        found = [f.rule for f in find_hazards(text, _side(rule))]  # type: ignore[arg-type]
        assert rule.id in found, f"{rule.id} should match: {text!r} (found {found})"
    for text in rule.examples.no_match:
        found = [f.rule for f in find_hazards(text, _side(rule))]  # type: ignore[arg-type]
        assert rule.id not in found, f"{rule.id} should not match: {text!r}"


def test_no_example_comes_from_the_heldout_set() -> None:
    # The held-out set is a benchmark: its texts are never a rule's examples.
    path = _HELDOUT
    if not path.exists():  # an installed package without the repository's bench/
        pytest.skip("bench/data/hazards_heldout.yaml not present")
    held = {normalize(item["text"]).text.strip() for item in yaml.safe_load(path.read_text())}
    for rule in _RULES:
        for text in (*rule.examples.match, *rule.examples.no_match):
            assert normalize(text).text.strip() not in held, (rule.id, text)
