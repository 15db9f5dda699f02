"""Recognisers for personal identifiers, each confirmed by a library's checks.

Used by the ``pii`` gate (:mod:`rewards.gates.pii`) next to its e-mail, card and
secret recognisers. A regex finds a candidate span; a well-kept library decides:

* ``pii.phone``: `phonenumbers` (Google's libphonenumber metadata) checks the span
  is a valid number of its region, grouped as that region writes it (numbers
  without ``+`` are read in ``region``, US by default, and those with a leading
  trunk ``0`` also as British, German, French, Italian, Spanish, Dutch,
  Australian or Indian ones); digits without separators, NANP's fictional
  ``555-01xx`` numbers and Ofcom's drama ranges are not taken for phones;
* ``pii.iban``: `python-stdnum`'s ISO 13616 checksum and per-country format;
* ``pii.national_id``: national numbers with a checksum or a strict format, by
  `python-stdnum`: US SSN, UK NHS number, German tax id, French NIR, Dutch BSN,
  Spanish DNI/NIE, Italian codice fiscale, Indian Aadhaar, Canadian SIN, Brazilian
  CPF, Swedish personnummer, Polish PESEL. Bare digit strings that a checksum alone
  passes too often (a tenth of random 9-digit numbers are valid BSNs) count only
  after a word that names the id (``BSN``, ``SIN``, ``Aadhaar``...);
* ``pii.ip``: a public IP address (stdlib :mod:`ipaddress`: ``is_global``, IPv6 in
  the global unicast range ``2000::/3``); private, loopback, documentation,
  multicast and reserved ranges, public DNS resolvers, placeholders (``1.2.3.4``,
  ``123.45.67.89``) and version numbers (``v1.2.3.4``) are not personal.

Presidio was tried first: its pattern recognisers work offline, but importing
``presidio_analyzer`` imports spaCy, PyTorch and transformers (6.7 s here, before
any text is analysed); its phone and IBAN recognisers wrap these same checks.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import phonenumbers
from stdnum import iban
from stdnum.br import cpf
from stdnum.ca import sin
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.in_ import aadhaar
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.se import personnummer
from stdnum.us import ssn

DEFAULT_REGION = "US"
# Where a number written nationally with a leading trunk 0 ("020 7219 3000") is tried,
# in order, after the default region (NANP numbers never start with 0).
TRUNK_ZERO_REGIONS = ("GB", "DE", "FR", "IT", "ES", "NL", "AU", "IN")
_GROUPING = phonenumbers.Leniency.STRICT_GROUPING
PUBLIC_RESOLVERS = frozenset(
    {"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "149.112.112.112", "208.67.222.222"}
    | {"2001:4860:4860::8888", "2001:4860:4860::8844", "2606:4700:4700::1111"}
)
# Sequential or trivial addresses are placeholders in examples, not someone's address.
PLACEHOLDER_IPS = frozenset({"1.2.3.4", "4.3.2.1", "12.34.56.78", "123.45.67.89", "11.22.33.44"})
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
Spans = list[tuple[int, int]]


@dataclass(frozen=True)
class Finding:
    """One item found: ``key`` identifies it for comparison, ``redacted`` is shown."""

    category: str
    key: str
    redacted: str
    start: int = 0
    end: int = 0


_PHONE = re.compile(
    r"(?<![\w.+/-])(?:\(?\+\d{1,3}\)?[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{1,5}(?:[\s.-]\d{2,6}){1,4}"
    r"(?![\w/]|[.-]\d)"
)
# Separators tolerated between the groups of an IBAN or a national number: spaces and
# line breaks, dots, underscores and dashes (every Unicode dash is "-" once normalised).
_SEP = r"[\s._-]"
_IBAN = re.compile(
    rf"\b[A-Z]{{2}}\d{{2}}(?:{_SEP}{{0,3}}[A-Z0-9]{{4}}){{2,7}}(?:{_SEP}{{0,3}}[A-Z0-9]{{1,3}})?\b",
    re.IGNORECASE,  # written in lower case, it is still an IBAN
)
_LAST_CHUNK = re.compile(rf"{_SEP}+[A-Za-z0-9]+$")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:){2,7}:?(?:[0-9A-Fa-f]{1,4})?(?![\w:])")
_VERSION_BEFORE = re.compile(r"(?:\bv|version\s*|release\s*)$", re.IGNORECASE)
_CONTEXT_CHARS = 40
_DIGIT_RUN = re.compile(r"\d+")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
_CLUSTER_GAP = 3  # separators between the digit groups of one number ("4111 1111", "85T10")
_PAD = 24  # characters around a cluster where a recogniser may start or end


def digit_windows(text: str, min_digits: int = 4) -> Spans:
    """Spans around clusters of digits with at least ``min_digits`` digits.

    Python's ``re`` costs ~30 ns a character a pass; a dozen recognisers over a
    1k-token answer would take milliseconds. One pass finds the digits; the
    recognisers then run only where a number could be.

    >>> digit_windows("call 415 867 5309 now", min_digits=10)
    [(0, 21)]
    """
    clusters: Spans = []
    digits = 0
    for match in _DIGIT_RUN.finditer(text):
        start, end = match.span()
        if clusters and start - clusters[-1][1] <= _CLUSTER_GAP:
            clusters[-1] = (clusters[-1][0], end)
            digits += end - start
            continue
        if clusters and digits < min_digits:
            clusters.pop()
        clusters.append((start, end))
        digits = end - start
    if clusters and digits < min_digits:
        clusters.pop()
    windows: Spans = []
    for start, end in clusters:
        start, end = max(0, start - _PAD), min(len(text), end + _PAD)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def scan(pattern: re.Pattern[str], text: str, windows: Spans | None) -> Iterator[re.Match[str]]:
    """``pattern.finditer`` over the whole text, or only inside ``windows``."""
    if windows is None:
        yield from pattern.finditer(text)
        return
    for start, end in windows:
        yield from pattern.finditer(text, start, end)


@dataclass(frozen=True)
class _IdRule:
    label: str
    pattern: re.Pattern[str]
    valid: Callable[[str], bool]
    context: re.Pattern[str] | None = None  # a word that must precede the number


def _ctx(words: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{words})\b", re.IGNORECASE)


_ID_RULES: tuple[_IdRule, ...] = (
    _IdRule(
        "US SSN",
        # The same separator between the three groups: "536-22-1234", "536 22 1234".
        re.compile(rf"(?<![\d._-])\d{{3}}({_SEP}{{1,3}})\d{{2}}\1\d{{4}}(?![\d_-]|\.\d)"),
        ssn.is_valid,
    ),
    _IdRule(
        "US SSN",
        re.compile(r"(?<!\d)\d{9}(?!\d)"),
        ssn.is_valid,
        _ctx("ssn|social security(?: number)?"),
    ),
    _IdRule("UK NHS number", re.compile(r"(?<!\d)\d{3} \d{3} \d{4}(?!\d)"), nhs.is_valid),
    _IdRule(
        "UK NHS number", re.compile(r"(?<!\d)\d{10}(?!\d)"), nhs.is_valid, _ctx("nhs(?: number)?")
    ),
    _IdRule(
        "German tax id",
        re.compile(r"(?<!\d)\d{2} ?\d{3} ?\d{3} ?\d{3}(?!\d)"),
        idnr.is_valid,
        _ctx("steuer-?id|steueridentifikationsnummer|idnr|tax id|identifikationsnummer"),
    ),
    _IdRule(
        "French NIR",
        re.compile(r"(?<!\d)[12] ?\d{2} ?\d{2} ?\d{2} ?\d{3} ?\d{3} ?\d{2}(?!\d)"),
        nir.is_valid,
    ),
    _IdRule(
        "Dutch BSN",
        re.compile(r"(?<!\d)\d{9}(?!\d)"),
        bsn.is_valid,
        _ctx("bsn|burgerservicenummer"),
    ),
    _IdRule("Spanish DNI", re.compile(r"(?<![\w-])\d{8}-?[A-Z](?!\w)"), dni.is_valid),
    _IdRule("Spanish NIE", re.compile(r"(?<![\w-])[XYZ]-?\d{7}-?[A-Z](?!\w)"), nie.is_valid),
    _IdRule(
        "Italian codice fiscale",
        re.compile(r"\b[A-Z]{6}\d{2}[A-EHLMPRST]\d{2}[A-Z]\d{3}[A-Z]\b"),
        codicefiscale.is_valid,
    ),
    _IdRule(
        "Indian Aadhaar",
        re.compile(r"(?<!\d)\d{4} ?\d{4} ?\d{4}(?!\d)"),
        aadhaar.is_valid,
        _ctx("aadhaar|aadhar|uid"),
    ),
    _IdRule(
        "Canadian SIN",
        re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{3}(?!\d)"),
        sin.is_valid,
        _ctx("sin|social insurance(?: number)?"),
    ),
    _IdRule("Brazilian CPF", re.compile(r"(?<!\d)\d{3}\.\d{3}\.\d{3}-\d{2}(?!\d)"), cpf.is_valid),
    _IdRule(
        "Swedish personnummer",
        re.compile(r"(?<![\d-])(?:19|20)?\d{6}[-+]\d{4}(?!\d)"),
        personnummer.is_valid,
    ),
    _IdRule("Polish PESEL", re.compile(r"(?<!\d)\d{11}(?!\d)"), pesel.is_valid, _ctx("pesel")),
)


def _mask(value: str, keep: int = 4) -> str:
    digits = re.sub(r"\W", "", value)
    return "*" * max(0, len(digits) - keep) + digits[-keep:]


def _named_before(words: re.Pattern[str], text: str, start: int) -> bool:
    """Whether a word naming the id closely precedes ``start``, with no other number between."""
    before = text[max(0, start - _CONTEXT_CHARS) : start]
    named = list(words.finditer(before))
    return bool(named) and not any(c.isdigit() for c in before[named[-1].end() :])


@functools.cache
def _national_lengths(region: str) -> frozenset[int]:
    """Digit counts a number of ``region`` can have when written without ``+``."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return frozenset(range(7, 16))
    lengths = set(metadata.general_desc.possible_length or ())
    trunk = metadata.national_prefix or ""
    lengths |= {n + len(trunk) for n in lengths} if trunk else set()
    return frozenset(lengths) or frozenset(range(7, 16))


# Ofcom's numbers for drama (TV, film, radio), as national numbers without the trunk 0.
_UK_DRAMA = (
    "1134960", "1144960", "1154960", "1164960", "1174960", "1184960", "1214960", "1314960",
    "1414960", "1514960", "1614960", "2079460", "2896496", "2920180", "1632960", "7700900",
    "8081570", "9098790", "3069990",
)  # fmt: skip


def _uk_drama(digits: str) -> bool:
    """Whether ``digits`` (as written: 0..., 44..., or 0044...) is a UK drama number."""
    for prefix in ("0044", "44", "0"):
        if digits.startswith(prefix):
            return digits[len(prefix) :].startswith(_UK_DRAMA)
    return False


def find_phones(
    text: str, region: str = DEFAULT_REGION, windows: Spans | None = None
) -> list[Finding]:
    """Valid phone numbers in ``text`` (E.164 as the key).

    >>> [f.redacted for f in find_phones("Call +44 20 7219 3000 or 2026-11-21.")]
    ['phone +44 ******3000']
    >>> find_phones("In the film she calls 020 7946 0321.")  # Ofcom's drama range
    []
    """
    found = []
    for match in scan(_PHONE, text, windows):
        raw = match.group(0)
        digits = re.sub(r"\D", "", raw)
        if not 7 <= len(digits) <= 15 or _DATE.fullmatch(raw):
            continue
        international = "+" in raw[:2]
        if _uk_drama(digits):
            continue  # Ofcom's ranges reserved for TV and film
        regions = [region]
        if not international and digits.startswith("0"):
            regions += [r for r in TRUNK_ZERO_REGIONS if r != region]
        parsed = None
        for where in regions:
            if not international and len(digits) not in _national_lengths(where):
                continue  # cheap: most number-like spans fail here, before libphonenumber
            # Valid for its region *and* grouped as that region writes numbers, so an
            # order number like 123-45-6789-01 is not read as +1 234 567 8901.
            matcher = phonenumbers.PhoneNumberMatcher(raw, where, leniency=_GROUPING)
            parsed = next(iter(matcher), None)
            if parsed is not None:
                break
        if parsed is None:
            continue
        number = parsed.number
        national = str(number.national_number)
        if number.country_code == 1 and national[3:6] == "555" and national[6:8] == "01":
            continue  # NANP numbers reserved for fiction
        key = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        shown = f"phone +{number.country_code} {_mask(national)}"
        found.append(Finding("pii.phone", key, shown, *match.span()))
    return found


def find_ibans(text: str, windows: Spans | None = None) -> list[Finding]:
    """IBANs with a valid checksum and country format.

    >>> text = "IBAN DE89 3704 0044 0532 0130 00, not DE89 3704 0044 0532 0130 01"
    >>> [f.redacted for f in find_ibans(text)]
    ['IBAN DE ****3000']
    """
    found = []
    for match in scan(_IBAN, text, windows):
        span = match.group(0)
        # Case-insensitive groups read a word after an IBAN as more groups ("... 7550
        # during"): on a failed checksum, try again without the last chunk, twice at most.
        for _ in range(3):
            compact = re.sub(_SEP, "", span).upper()
            if iban.is_valid(compact):
                shown = f"IBAN {compact[:2]} ****{compact[-4:]}"
                found.append(
                    Finding("pii.iban", compact, shown, match.start(), match.start() + len(span))
                )
                break
            cut = _LAST_CHUNK.search(span)
            if cut is None:
                break
            span = span[: cut.start()]
    return found


def find_national_ids(text: str, windows: Spans | None = None) -> list[Finding]:
    """National identity numbers that pass their checksum (and context, where needed).

    >>> [f.redacted for f in find_national_ids("SSN 536-22-1234; order 123456789")]
    ['US SSN *****1234']
    """
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for rule in _ID_RULES:
        for match in scan(rule.pattern, text, windows):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            if rule.context is not None and not _named_before(rule.context, text, start):
                continue
            # Validated without its separators (python-stdnum strips only some itself).
            raw = re.sub(_SEP, "", match.group(0))
            try:
                valid = rule.valid(raw)
            except Exception:  # a validator choking on odd input is not a finding
                valid = False
            if valid:
                key = re.sub(r"\W", "", raw).upper()
                taken.append((start, end))
                found.append(
                    Finding("pii.national_id", key, f"{rule.label} {_mask(raw)}", start, end)
                )
    return found


def find_ips(text: str, windows: Spans | None = None) -> list[Finding]:
    """Public IP addresses (IPv4 and IPv6).

    >>> [f.redacted for f in find_ips("server 93.184.215.14, gateway 192.168.1.1, dns 8.8.8.8")]
    ['IP 93.184.*.*']
    """
    found = []
    for pattern, where in ((_IPV4, windows), (_IPV6, None if ":" in text else [])):
        for match in scan(pattern, text, where):
            raw = match.group(0)
            if (
                raw in PUBLIC_RESOLVERS
                or raw in PLACEHOLDER_IPS
                or _VERSION_BEFORE.search(text, max(0, match.start() - 9), match.start())
            ):
                continue
            try:
                address = ipaddress.ip_address(raw)
            except ValueError:
                continue
            if not address.is_global or address.is_multicast or address.is_reserved:
                continue
            if address.version == 6 and address not in _GLOBAL_UNICAST_V6:
                continue  # masks like ffff:ffff:: and unallocated space are not hosts
            if address.version == 4:
                shown = "IP " + ".".join(raw.split(".")[:2]) + ".*.*"
            else:
                shown = "IP " + ":".join(address.exploded.split(":")[:2]) + ":*"
            found.append(Finding("pii.ip", address.compressed, shown, *match.span()))
    return found


def find_identifiers(
    text: str, region: str = DEFAULT_REGION, windows: Spans | None = None
) -> list[Finding]:
    """Every phone number, IBAN, national id and public IP address in ``text``.

    Args:
        text: the text to scan.
        region: where phone numbers written without ``+`` are read.
        windows: where numbers can be (:func:`digit_windows`); computed if None.
    """
    if windows is None:
        windows = digit_windows(text)
    ids = find_national_ids(text, windows) + find_ibans(text, windows) + find_ips(text, windows)
    taken = [(f.start, f.end) for f in ids]
    phones = [
        f
        for f in find_phones(text, region, windows)
        if not any(s < f.end and f.start < e for s, e in taken)
    ]
    return ids + phones
