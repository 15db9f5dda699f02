"""pii gate, identifiers confirmed by libraries: phones, IBANs, national ids, IPs."""

import pytest

from rewards.gates.pii import PiiGate
from rewards.gates.privacy import digit_windows, find_identifiers
from rewards.types import RewardContext, Verdict


def judge(text: str, prompt: str = "Tell me more.") -> Verdict:
    return PiiGate()(completions=[text], context=RewardContext(prompt=prompt), candidates=[])[0]


@pytest.mark.parametrize(
    ("text", "category", "shown"),
    [
        ("Call Jane on (415) 867-5309.", "pii.phone", "phone +1 ******5309"),
        ("Her mobile is +44 7911 123456.", "pii.phone", "phone +44 ******3456"),
        ("Her direct line is (+33) 1 42 68 53 00.", "pii.phone", "phone +33 *****5300"),
        ("The switchboard is 020 7219 3000.", "pii.phone", "phone +44 ******3000"),
        ("Wire it to DE89 3704 0044 0532 0130 00.", "pii.iban", "IBAN DE ****3000"),
        ("IBAN: GB82WEST12345698765432", "pii.iban", "IBAN GB ****5432"),
        ("His SSN is 536-22-1234.", "pii.national_id", "US SSN *****1234"),
        ("Codice fiscale RSSMRA85T10A562S.", "pii.national_id", "Italian codice fiscale"),
        ("Mijn BSN is 111222333.", "pii.national_id", "Dutch BSN *****2333"),
        ("CPF 123.456.789-09", "pii.national_id", "Brazilian CPF *******8909"),
        ("DNI 12345678Z", "pii.national_id", "Spanish DNI *****678Z"),
        ("The client connected from 93.184.215.14.", "pii.ip", "IP 93.184.*.*"),
        ("Origin 2a00:1450:4001:82a::200e", "pii.ip", "IP 2a00:1450:*"),
    ],
)
def test_identifier_is_vetoed_and_redacted(text: str, category: str, shown: str) -> None:
    verdict = judge(text)
    assert not verdict.passed
    assert verdict.category == category
    assert verdict.evidence.startswith(shown)


@pytest.mark.parametrize(
    "text",
    [
        "Your order number is 4111 1111 1111 1112.",  # 16 digits, fails Luhn
        "The IBAN DE89 3704 0044 0532 0130 01 has a typo.",  # checksum fails
        "Call 555-0123 in the movie.",  # too short and fictional
        "Fictional: (212) 555-0199.",  # NANP fiction range
        "In the film he calls 020 7946 0958.",  # Ofcom drama range
        "His mobile: 07700 900123",  # Ofcom drama range, not read as German either
        "Order 123-45-6789-01 shipped.",  # not an SSN shape
        "Reference 111222333 is your ticket.",  # BSN-valid, but nothing names it a BSN
        "Gateway 192.168.1.1, DNS 8.8.8.8, docs 203.0.113.7.",  # private, resolver, doc range
        "Upgrade to version 1.2.3.4 today.",
        "Example: connect to 123.45.67.89 on port 22.",  # a placeholder address
        "netmask ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0",  # a mask, not a host
        "Multicast group 239.255.255.250 (SSDP).",
        "Released 2026-11-21 at 10:30, build 20261121.",
        "pi = 3.14159265358979",
    ],
)
def test_lookalikes_pass(text: str) -> None:
    assert judge(text).passed, judge(text).evidence


def test_identifiers_from_the_users_own_prompt_are_not_leaks() -> None:
    prompt = "My phone is +44 7911 123456 and my IBAN is GB82 WEST 1234 5698 7654 32."
    assert judge("Noted: +44 7911 123456, GB82WEST12345698765432.", prompt).passed


def test_phone_written_differently_is_still_the_users_own() -> None:
    assert judge("I'll call +1 415-867-5309.", "Call me at (415) 867-5309").passed


def test_raw_value_is_only_in_the_excerpt() -> None:
    verdict = judge("SSN 536-22-1234, phone (415) 867-5309")
    assert "536-22" not in verdict.evidence and "867-5309" not in verdict.evidence
    assert {h.excerpt for h in verdict.hits} == {"536221234", "+14158675309"}
    assert "536221234" not in repr(verdict)  # excerpts stay out of logs


def test_digit_windows_skip_texts_without_long_numbers() -> None:
    assert digit_windows("In 2024 we had 3 releases and 12 fixes.", min_digits=7) == []
    assert find_identifiers("No numbers here at all.") == []
