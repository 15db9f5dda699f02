"""The text the gates' patterns run on: one normalisation, with a map back to the original.

Gates that matched the raw text were passed by writing a keyword or a number so that
it looks the same to a reader but not to a regex: a zero-width space inside ``bomb``,
full-width or Cyrillic letters, a card number split by dots, an SSN with en-dashes.
:func:`normalize` undoes all of these, character by character:

* NFKC compatibility forms (full-width and mathematical letters, ligatures), then
  combining marks dropped (``bómb`` and ``İ`` read as ``bomb`` and ``I``);
* invisible characters removed: every format control (Unicode category ``Cf``: zero-width
  characters, bidi controls, soft hyphen, tag characters), variation selectors and the
  other default-ignorable fillers;
* every dash (category ``Pd``, the minus sign) read as ``-``, every space separator as
  `` ``, line and paragraph separators as a newline, every decimal digit as its ASCII digit;
* a letter that Unicode's confusables data (UTS #39 ``confusables.txt``, as shipped by
  `confusable-homoglyphs`) maps to an ASCII look-alike replaced by it (Cyrillic ``U+043E``
  reads as ``o``); ASCII itself is never remapped (``l`` and ``1`` stay apart);
* with ``fold=True``, case folded (``casefold``) as well: the view the hazard, injection
  and leakage gates match on. The PII gate matches case-sensitive tokens (``AKIA...``)
  on the unfolded view.

Everything is per character, so the result is linear in the text and every character
of the result comes from exactly one character of the original: :class:`Normalized`
maps a span of the normalised text back to the text as written (for excerpts and
redaction). Case folding per character keeps that map exact where ``str.lower`` on the
whole text would not (``"İ".lower()`` is two characters, which used to shift the
hazard gate's keyword windows).

A group's texts are normalised once, whichever gates ask: results are memoised by text
in an LRU memo shared by every gate, bounded by the characters it holds. Texts longer than
:data:`MAX_CHARS` (before or after normalisation) raise :class:`TextTooLong`; a gate that
raises fails closed (the group or the prompt is vetoed), so such a text is never
waved through unscreened.
"""

from __future__ import annotations

import functools
import itertools
import threading
import unicodedata
from array import array
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field

__all__ = [
    "MAX_CHARS",
    "MemoInfo",
    "Normalized",
    "TextTooLong",
    "cache_clear",
    "cache_info",
    "normalize",
]

# The server's default body limit is 4 MiB, so a text it accepts has at most this many
# characters; anything longer is refused by the gates rather than screened partly.
MAX_CHARS = 4 * 1024 * 1024
# What the memo holds at most, in characters: many groups' candidates and prompts.
_MEMO_CHARS = 16 * 1024 * 1024
_TABLE_LIMIT = 1 << 16  # distinct characters remembered per view (bounded memory)
_DROP_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cs"})
# Default-ignorable code points outside the dropped categories (Hangul fillers, ...).
_IGNORABLE = frozenset({0x115F, 0x1160, 0x3164, 0xFFA0, 0x180E, 0x2800})
_DASHES_EXTRA = frozenset({0x2212, 0x2043, 0x02D7, 0x2796})  # minus signs, hyphen bullet


class TextTooLong(ValueError):
    """A text beyond :data:`MAX_CHARS`: the gates refuse it (fail closed)."""


@functools.cache
def _confusables() -> dict[str, str]:
    """Non-ASCII character -> its ASCII prototype in Unicode's confusables data."""
    # Untyped package; it loads the shipped JSON (about 1 MB) on import.
    from confusable_homoglyphs import confusables  # type: ignore[import-untyped]

    mapping: dict[str, str] = {}
    for char, homoglyphs in confusables.confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        # Each line of confusables.txt ("source -> prototype") is stored both ways; for a
        # non-ASCII source its ASCII entries are the prototypes it maps to (there is one).
        ascii_targets = [h["c"] for h in homoglyphs if h["c"].isascii() and h["c"].isprintable()]
        if ascii_targets:
            mapping[char] = ascii_targets[0]
    return mapping


def _char(char: str, fold: bool) -> str:
    """What one character of the original becomes (possibly nothing, possibly several)."""
    composed = unicodedata.normalize("NFKC", char)
    if any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", composed)):
        composed = unicodedata.normalize("NFD", composed)  # its marks are dropped below
    return "".join(_skeleton(c, fold) for c in composed)


def _skeleton(c: str, fold: bool) -> str:
    code = ord(c)
    if code < 0x80:
        return c.lower() if fold else c
    category = unicodedata.category(c)
    if category in _DROP_CATEGORIES or code in _IGNORABLE or (category == "Cc" and code != 0x85):
        return ""
    if category == "Pd" or code in _DASHES_EXTRA:
        return "-"
    if category == "Zs":
        return " "
    if category in ("Zl", "Zp") or code == 0x85:
        return "\n"
    if category == "Nd":
        return str(unicodedata.decimal(c))
    target = _confusables().get(c)
    if target is not None:
        # The prototype of I-like letters is "l"; a capital keeps reading as "I", so that
        # an AKIA key written with a Greek capital iota still matches.
        target = "I" if target == "l" and c.isupper() else target
        return target.lower() if fold else target
    if fold:
        folded = c.casefold()
        if folded != c:  # Greek capital kappa: no prototype itself, its small form has one
            return "".join(_skeleton(f, False) for f in folded).lower()
    return c


class _TableFull(Exception):
    """The lazy table reached its size: switch to the complete one."""


class _Table(dict[int, str]):
    """``str.translate`` table that computes (and remembers) each character's result.

    Most traffic uses a few hundred distinct characters, each computed once (about 4 us).
    A text of more distinct characters than :data:`_TABLE_LIMIT` (a memory bound) would
    make every further one cost that again; instead the complete table is built once
    (:func:`_complete`) and used from then on, so the cost stays linear at C speed.
    """

    def __init__(self, fold: bool) -> None:
        super().__init__()
        self.fold = fold

    def __missing__(self, code: int) -> str:
        if len(self) >= _TABLE_LIMIT:
            raise _TableFull
        result = _char(chr(code), self.fold)
        self[code] = result
        return result


_LAZY = {True: _Table(True), False: _Table(False)}
_SPECIAL = _DROP_CATEGORIES | {"Pd", "Zs", "Zl", "Zp", "Cc", "Nd"}


_COMPLETE: dict[bool, dict[int, str]] = {}  # per view, once built


def _build_complete(fold: bool) -> dict[int, str]:
    """Every code point that normalisation changes -> what it becomes (about 12,000).

    One pass over the code space (under a second, once per process and view, and only
    after a text of more than :data:`_TABLE_LIMIT` distinct characters); a character
    outside the table is kept as it is, which ``str.translate`` does by itself.
    """
    confusable = _confusables()
    table: dict[int, str] = {}
    for code in range(0x80, 0x110000):
        char = chr(code)
        # A cheap test first: a character with no decomposition, of an ordinary category,
        # without a confusable prototype and its own case fold maps to itself.
        if (
            unicodedata.decomposition(char)
            or unicodedata.category(char) in _SPECIAL
            or char in confusable
            or code in _IGNORABLE
            or code in _DASHES_EXTRA
            or (fold and char.casefold() != char)
        ):
            result = _char(char, fold)
            if result != char:
                table[code] = result
    if fold:
        table.update((code, chr(code).lower()) for code in range(ord("A"), ord("Z") + 1))
    return table


def _translate(text: str, fold: bool) -> str:
    complete = _COMPLETE.get(fold)
    if complete is None:
        try:
            return text.translate(_LAZY[fold])
        except _TableFull:
            complete = _COMPLETE[fold] = _build_complete(fold)
            _LAZY[fold].clear()  # no longer used: free it
    return text.translate(complete)


def _result(code: int, fold: bool) -> str:
    """What code point ``code`` becomes, from whichever table is in use."""
    complete = _COMPLETE.get(fold)
    if complete is not None:
        return complete.get(code, chr(code))
    lazy = _LAZY[fold]
    return lazy[code] if code in lazy else _char(chr(code), fold)


@dataclass(frozen=True)
class Normalized:
    """A text as the gates' patterns see it, and the way back to the text as written.

    Attributes:
        text: the normalised text; every pattern, window and offset is on it.
        original: the text as written.
    """

    text: str
    original: str
    fold: bool = True
    identity: bool = False  # each character maps to itself or its case (ASCII)
    _starts: array[int] | None = field(default=None, compare=False, repr=False)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``original`` that produced ``text[start:end]``.

        >>> n = normalize("\\u0130\\u0130 bo\\u200bmb")
        >>> n.text, n.span(3, 7), n.original[slice(*n.span(3, 7))]
        ('ii bomb', (3, 8), 'bo\\u200bmb')
        """
        if self.identity:
            return start, end
        starts = self._offsets()
        # The original character that produced normalised position p: the last whose
        # output starts at or before p (characters that produce nothing are skipped).
        first = bisect_right(starts, start) - 1
        last = bisect_right(starts, max(start, end - 1)) - 1
        return max(0, first), min(len(self.original), last + 1)

    def excerpt(self, start: int, end: int) -> str:
        """The text as written behind ``text[start:end]``."""
        begin, stop = self.span(start, end)
        return self.original[begin:stop]

    def _offsets(self) -> array[int]:
        # Computed on first use only (most texts have no hit to locate): where each
        # original character's output starts in ``text``; 4 bytes a character.
        if self._starts is None:
            lengths = (len(_result(ord(c), self.fold)) for c in self.original)
            starts = array("i", itertools.accumulate(lengths, initial=0))
            starts.pop()
            object.__setattr__(self, "_starts", starts)
        assert self._starts is not None
        return self._starts


@dataclass
class MemoInfo:
    """The memo's counters (tests and benchmarks read them)."""

    hits: int = 0
    misses: int = 0
    chars: int = 0  # what it holds, in characters of original and normalised text


class _Memo:
    """LRU memo of normalised texts, bounded by the characters it holds, not their count.

    Bounded by size because a prompt may be 4 Mi characters: a count-bounded memo of
    such texts could hold gigabytes. Texts over a quarter of the budget are not kept
    (each gate then normalises them again: a cost linear in a text already admitted).
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.info = MemoInfo()
        self._data: OrderedDict[tuple[str, bool], Normalized] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, bool]) -> Normalized | None:
        with self._lock:
            found = self._data.get(key)
            if found is None:
                self.info.misses += 1
                return None
            self._data.move_to_end(key)
            self.info.hits += 1
            return found

    def put(self, key: tuple[str, bool], value: Normalized) -> None:
        size = _size(value)
        if size > self.max_chars // 4:
            return
        with self._lock:
            if key in self._data:
                return
            self._data[key] = value
            self.info.chars += size
            while self.info.chars > self.max_chars:
                _, dropped = self._data.popitem(last=False)
                self.info.chars -= _size(dropped)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.info = MemoInfo()


def _size(value: Normalized) -> int:
    # The offset map, once computed, is about as large again as the original.
    extra = 0 if value.identity else 2 * len(value.original)
    return len(value.original) + (0 if value.identity else len(value.text)) + extra


_MEMO = _Memo(_MEMO_CHARS)


def normalize(text: str, fold: bool = True) -> Normalized:
    """``text`` as the gates match it (see the module docstring), memoised by text.

    Args:
        text: a prompt, a message or a candidate.
        fold: case-fold too (the hazard, injection and leakage view); False keeps case
            (the PII view, whose tokens are case-sensitive).

    Raises:
        TextTooLong: ``text`` or its normalised form is longer than :data:`MAX_CHARS`.

    >>> normalize("How do I make a \\uff50\\uff49\\uff50\\uff45 b\\u043e\\u200bmb?").text
    'how do i make a pipe bomb?'
    >>> normalize("SSN 536\\u201322\\u20131234", fold=False).text
    'SSN 536-22-1234'
    """
    if len(text) > MAX_CHARS:
        raise TextTooLong(f"text of {len(text)} characters (the gates screen {MAX_CHARS} at most)")
    key = (text, fold)
    found = _MEMO.get(key)
    if found is not None:
        return found
    if text.isascii():
        # Fast path: ASCII maps to itself (or its lower case), character for character.
        value = Normalized(text.lower() if fold else text, text, fold, identity=True)
    else:
        result = _translate(text, fold)
        if len(result) > MAX_CHARS:
            raise TextTooLong(f"text of {len(result)} characters once normalised")
        value = Normalized(result, text, fold)
    _MEMO.put(key, value)
    return value


def cache_info() -> MemoInfo:
    """The memo's hits, misses and size."""
    return _MEMO.info


def cache_clear() -> None:
    """Forget the memoised texts (benchmarks time normalisation cold with it)."""
    _MEMO.clear()
