"""The compliance policy: loading, validation errors, each rule type, and its effect on ranking."""

from pathlib import Path

import pytest

from rewards import Candidate, builtin_registry, score_group
from rewards.policy import Policy, PolicyError, PolicyGate, load_policy
from rewards.selection import RewardChoice, Selection
from rewards.types import RewardContext

POLICY_YAML = """
rules:
  - id: no-competitors
    type: banned_terms
    terms: [Globex, Initech Corp]
    action: veto
    message: Mentions a competitor.
  - id: no-internal-hosts
    type: banned_pattern
    pattern: '\\b[\\w-]+\\.corp\\.internal\\b'
    action: penalty
    weight: 2.0
    message: Names an internal host.
  - id: medical-disclaimer
    type: required_disclaimer
    topic_terms: [dosage, medication, symptoms]
    disclaimer: This is not medical advice; please consult a doctor.
    action: penalty
    weight: 1.5
    message: Medical answer without the disclaimer.
  - id: short-answers
    type: max_length
    max_chars: 120
    action: flag
    message: Answer longer than 120 characters.
  - id: english-only
    type: allowed_languages
    languages: [en]
    action: veto
    message: Answer in a language this service does not offer.
    profiles: [support-bot]
"""


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY_YAML)
    return load_policy(path)


def hits(policy: Policy, text: str, prompt: str = "?", profile: str | None = None) -> list[str]:
    ctx = RewardContext(prompt=prompt, profile=profile)
    return [h.rule for h in policy.evaluate(text, ctx)]


def test_banned_terms_are_whole_words_any_case(policy: Policy) -> None:
    assert hits(policy, "Have you tried globex?") == ["no-competitors"]
    assert hits(policy, "Initech  corp is fine too.") == ["no-competitors"]
    assert hits(policy, "Globexia is a different company.") == []


def test_banned_pattern(policy: Policy) -> None:
    [hit] = PolicyGate(policy)(
        completions=["Ask db1.corp.internal."], context=RewardContext(prompt="?"), candidates=[]
    )[0].hits
    assert (hit.rule, hit.action, hit.weight, hit.category) == (
        "no-internal-hosts",
        "penalty",
        2.0,
        "policy.banned_pattern",
    )
    assert hit.excerpt == "db1.corp.internal"


def test_disclaimer_required_by_the_prompts_topic(policy: Policy) -> None:
    prompt = "What dosage of ibuprofen is safe?"
    bare = "Adults usually take 200-400 mg every 4-6 hours."
    assert hits(policy, bare, prompt) == ["medical-disclaimer"]
    with_it = bare[:40] + " This is not medical advice, please consult a doctor."
    assert hits(policy, with_it, prompt) == []
    assert hits(policy, bare, "What is 2 + 2?") == []  # no medical topic anywhere


def test_disclaimer_required_by_the_answers_topic(policy: Policy) -> None:
    assert hits(policy, "Stop the medication if it hurts.") == ["medical-disclaimer"]


def test_max_length_flags(policy: Policy) -> None:
    [verdict] = PolicyGate(policy)(
        completions=["word " * 40], context=RewardContext(prompt="?"), candidates=[]
    )
    assert verdict.passed and verdict.action == "flag" and verdict.rule == "short-answers"
    assert "200 > 120 characters" in verdict.evidence


def test_max_tokens_uses_the_candidates_token_count() -> None:
    policy = Policy.from_dict(
        {"rules": [{"id": "t", "type": "max_length", "max_tokens": 3, "action": "flag",
                    "message": "long"}]}
    )  # fmt: skip
    ctx = RewardContext(prompt="?")
    assert policy.evaluate("one two", ctx, Candidate(0, "one two", token_ids=(1, 2, 3, 4))) != []
    assert policy.evaluate("one two", ctx, Candidate(0, "one two", token_ids=(1, 2))) == []


def test_language_rule_applies_only_in_its_profile(policy: Policy) -> None:
    german = "Das Konto wird morgen freigeschaltet, bitte haben Sie etwas Geduld."
    assert hits(policy, german, profile="support-bot") == ["english-only"]
    assert hits(policy, german, profile=None) == []
    english = "Your account will be unlocked tomorrow, thank you for your patience."
    assert hits(policy, english, profile="support-bot") == []


def test_vetoes_come_first_and_all_hits_are_listed(policy: Policy) -> None:
    [verdict] = PolicyGate(policy)(
        completions=["Globex hosts it on db1.corp.internal."],
        context=RewardContext(prompt="?"),
        candidates=[],
    )
    assert not verdict.passed
    assert [h.rule for h in verdict.hits] == ["no-competitors", "no-internal-hosts"]
    assert verdict.evidence == "Mentions a competitor.; Names an internal host."


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"id": "p", "type": "banned_terms", "terms": ["x"], "action": "penalty",
           "message": "m"}], "rules[0] (id 'p'): Value error, a penalty needs a weight > 0"),
        ([{"id": "r", "type": "banned_pattern", "pattern": "(", "action": "veto",
           "message": "m"}], "rules[0] (id 'r'): pattern: Value error, invalid regular expression"),
        ([{"id": "t", "type": "nope", "action": "veto", "message": "m"}], "does not match any"),
        ([{"id": "l", "type": "allowed_languages", "languages": ["english"], "action": "veto",
           "message": "m"}], "languages: Value error, not ISO 639 codes (e.g. en, de): 'english'"),
        ([{"id": "f", "type": "banned_terms", "terms": ["x"], "action": "flag", "weight": 1,
           "message": "m"}], "weight is only for penalties"),
        ([{"id": "c", "type": "banned_terms", "terms": ["x"], "action": "veto", "message": "m",
           "colour": "red"}], "colour: Extra inputs are not permitted"),
        ([{"id": "d", "type": "max_length", "max_chars": 9, "action": "veto", "message": "m"}] * 2,
         "rule id 'd' is used twice"),
        ([{"id": "m", "type": "required_disclaimer", "disclaimer": "Not advice, see a pro.",
           "action": "flag", "message": "m"}], "needs topic_terms or topic_pattern"),
    ],
)  # fmt: skip
def test_invalid_policies_fail_with_a_clear_message(rules: object, message: str) -> None:
    with pytest.raises(PolicyError, match=r"invalid policy p\.yaml") as info:
        Policy.from_dict({"rules": rules}, source="p.yaml")
    assert message in str(info.value)


def test_unreadable_or_non_yaml_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [unclosed")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(bad)


def test_an_empty_file_is_an_empty_policy(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_policy(empty).rules == ()


def selection() -> Selection:
    # `format` has nothing to check in plain prose: no signal, so only the gates decide.
    return Selection(task="general", rewards=[RewardChoice("format", 1.0, "test")])


def test_a_penalty_lowers_the_rank_a_flag_does_not(policy: Policy) -> None:
    registry = builtin_registry()
    registry.register_gate("policy", lambda: PolicyGate(policy))
    texts = [
        "Paris is the capital of France; db1.corp.internal has more.",  # penalty 2.0
        "Paris is the capital of France and the seat of its government. " * 3,  # flag only
        "Paris is the capital of France, on the Seine.",
    ]
    cands = [Candidate(i, t) for i, t in enumerate(texts)]
    result = score_group(RewardContext(prompt="Capital of France?"), cands, selection(),
                         registry=registry)  # fmt: skip
    assert result.penalties == [2.0, 0.0, 0.0]
    assert result.vetoed == [False, False, False]
    assert result.combined[0] == pytest.approx(result.combined[2] - 2.0)
    assert result.combined[1] == result.combined[2]
    assert result.ranking[-1] == 0
    [gate] = [g for g in result.gates if g.name == "policy"]
    assert gate.verdicts[1].action == "flag"
