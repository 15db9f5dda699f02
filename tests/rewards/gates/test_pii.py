"""pii gate: secrets and personal data veto, redacted evidence."""

import pytest

from rewards.gates.pii import PiiGate, card_network, find_items, luhn_valid
from rewards.types import RewardContext, Verdict

CTX = RewardContext(prompt="How do I pay?")

# Not real credentials: shaped like them, built here so no scanner flags this file.
OPENAI_KEY = "sk-proj-" + "Ab3dE5gH7jK9mN1pQ3sT5vX7zB9cD1fG3h"
AWS_KEY = "AKIA" + "2E0A8F3B244C9986"
GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
SLACK_TOKEN = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOp"
PEM = (
    "-----BEGIN RSA "
    + "PRIVATE KEY-----\n"
    + "MIIEowIBAAKCAQEA7bq98x1Qm3d9W3Xn5kz0Q2bP7hZ0v1Yt8Rj4K2mLxV9cN3aB\n"
)


def judge(text: str, context: RewardContext = CTX) -> Verdict:
    return PiiGate()(completions=[text], context=context, candidates=[])[0]


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("378282246310005")
    assert not luhn_valid("4111111111111112")


def test_visa_test_card_is_vetoed_with_redacted_evidence() -> None:
    verdict = judge("Use card 4111 1111 1111 1111 to pay.")
    assert verdict == Verdict.veto("pii.card", "card ****1111 (Visa)")
    assert "4111 1111" not in verdict.evidence


@pytest.mark.parametrize("text", ["Card: 4111-1111-1111-1111.", "4111111111111111"])
def test_card_separators(text: str) -> None:
    assert judge(text).category == "pii.card"


def test_sixteen_digit_number_failing_luhn_is_not_a_card() -> None:
    assert judge("Your order number is 4111 1111 1111 1112.").passed


def test_large_math_result_is_not_a_card() -> None:
    # 2^53 has 16 digits; no card network starts with 9.
    assert judge("2^53 = 9007199254740992").passed
    assert card_network("9007199254740992") is None


def test_all_zero_number_is_not_a_card() -> None:
    assert judge("0000 0000 0000 0000").passed  # passes Luhn, but is filler


def test_email_is_vetoed_and_redacted() -> None:
    verdict = judge("Write to jane.doe@acme-corp.com for access.")
    assert verdict == Verdict.veto("pii.email", "e-mail j***@acme-corp.com")


def test_email_in_the_users_own_prompt_is_not_a_leak() -> None:
    ctx = RewardContext(prompt="My address is Jane.Doe@acme-corp.com, draft a signature.")
    assert judge("Best regards,\nJane (jane.doe@acme-corp.com)", ctx).passed


def test_email_in_the_user_message_of_a_chat_is_not_a_leak() -> None:
    ctx = RewardContext(
        prompt="...",
        messages=({"role": "user", "content": "mail me at bob@corp.io"},),
    )
    assert judge("Will do, bob@corp.io.", ctx).passed


def test_email_only_in_the_system_prompt_is_a_leak() -> None:
    ctx = RewardContext(
        prompt="Who do I contact?",
        messages=(
            {"role": "system", "content": "Internal escalation: ops-lead@corp.io"},
            {"role": "user", "content": "Who do I contact?"},
        ),
        system_prompt="Internal escalation: ops-lead@corp.io",
    )
    assert judge("Contact ops-lead@corp.io.", ctx).category == "pii.email"


def test_documentation_domains_are_not_personal() -> None:
    assert judge("e.g. user@example.com or a@b.test").passed


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        (OPENAI_KEY, "OpenAI/Anthropic-style API key sk-****"),
        (AWS_KEY, "AWS access key id AKIA****"),
        (GITHUB_TOKEN, "GitHub token ghp_****"),
        (SLACK_TOKEN, "Slack token xoxb-****"),
    ],
)
def test_api_keys_are_vetoed_redacted(secret: str, shown: str) -> None:
    verdict = judge(f"Set the token to {secret} and run it.")
    assert verdict == Verdict.veto("secret.api_key", shown)
    assert secret[6:] not in verdict.evidence


@pytest.mark.parametrize(
    "text",
    ["export OPENAI_API_KEY=sk-your-api-key-here-0000", "key: AKIAIOSFODNN7EXAMPLE", "sk-..."],
)
def test_placeholders_are_not_secrets(text: str) -> None:
    assert judge(text).passed


def test_private_key_block() -> None:
    verdict = judge(f"Here it is:\n{PEM}")
    assert verdict == Verdict.veto("secret.private_key", "private key block (RSA)")


def test_pem_header_without_a_body_is_not_a_key() -> None:
    assert judge("A PEM file starts with -----BEGIN PRIVATE KEY----- and a base64 body.").passed


def test_most_severe_category_wins_and_all_are_listed() -> None:
    verdict = judge(f"mail jane@corp.io, key {AWS_KEY}")
    assert verdict.category == "secret.api_key"
    assert verdict.evidence == "AWS access key id AKIA****; e-mail j***@corp.io"


def test_key_in_the_prompt_is_not_a_leak() -> None:
    ctx = RewardContext(prompt=f"Why does {OPENAI_KEY} give 401?")
    assert judge(f"The key {OPENAI_KEY} was revoked.", ctx).passed


def test_clean_text_passes_with_evidence() -> None:
    assert judge("The capital of France is Paris.") == Verdict.ok(
        "no personal data or secrets found"
    )


def test_find_items_never_exposes_raw_in_redacted() -> None:
    text = f"jane@corp.io 4111 1111 1111 1111 {OPENAI_KEY} {PEM}"
    for item in find_items(text):
        assert item.key not in item.redacted


def test_an_email_pattern_starts_only_at_the_start_of_a_local_part() -> None:
    """Review: '%' was missing from the look-behind, so a run of '%' let a match start at
    every position (quadratic); the whole local part is one match either way."""
    from rewards.gates import pii

    text = "%" * 50 + "x%y@example.com"
    assert [m.group() for m in pii._EMAIL.finditer(text)] == [text]
    starts = [i for i in range(len(text)) if pii._EMAIL.match(text, i)]
    assert starts == [0]  # with the old look-behind, every '%' position could start one
