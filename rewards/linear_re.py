"""Linear-time regular expressions for client and candidate text (RE2).

Python's ``re`` backtracks: a pattern such as ``^(a|a)*$`` or a ``[^x]*\\w\\(``
scan over text the client controls takes time exponential or polynomial in the
text's length. RE2 (``google-re2``) runs every pattern it accepts in time linear in
the text, so every pattern this package applies to client or candidate text is
compiled here, except the few that need a lookaround RE2 lacks: those stay on
``re`` with a comment proving them linear or bounding the text they see.

RE2 refuses backreferences and lookarounds; :func:`compile` raises
:class:`UnsupportedPattern` for them rather than falling back to ``re`` (a
fallback would bring the blow-up back). Differences from ``re`` to keep in mind
when porting a pattern: ``\\w``, ``\\d``, ``\\s`` and ``\\b`` are ASCII-only
(spell Unicode classes ``\\pL``, ``\\pN``), and ``\\Z`` is spelled ``\\z``.
"""

from __future__ import annotations

import re
from typing import Any

import re2  # type: ignore[import-untyped]

__all__ = ["UnsupportedPattern", "compile", "is_linear"]

LinearPattern = Any
"""A compiled RE2 pattern: ``search``, ``match``, ``fullmatch``, ``findall``,
``finditer``, ``sub`` and ``split`` as in ``re``; match objects with ``group``,
``groups``, ``start``, ``end``, ``span`` and ``m[0]`` (offsets in characters)."""

_FLAGS = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s"}
# RE2 keeps a compiled program per pattern; a client's schema pattern is bounded too.
_MAX_MEM = 8 << 20


class UnsupportedPattern(ValueError):
    """The pattern uses a construct RE2 cannot run in linear time (backreference, lookaround)."""


def compile(pattern: str, flags: int = 0) -> LinearPattern:
    """``pattern`` compiled with RE2; ``flags`` may hold ``re.I``, ``re.M``, ``re.S``.

    Raises:
        UnsupportedPattern: RE2 cannot compile it (the message says why).

    >>> compile(r"(a|a)*$").search("a" * 10_000 + "b").span()
    (10001, 10001)
    """
    unknown = flags & ~(re.IGNORECASE | re.MULTILINE | re.DOTALL)
    if unknown:
        raise ValueError(f"flags RE2 cannot take: {unknown:#x}")
    inline = "".join(letter for flag, letter in _FLAGS.items() if flags & flag)
    options = re2.Options()
    options.log_errors = False  # an unsupported client pattern is not worth a stderr line
    options.max_mem = _MAX_MEM
    try:
        return re2.compile(f"(?{inline}){pattern}" if inline else pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise UnsupportedPattern(f"not supported by RE2 (linear time): {reason}") from exc


def is_linear(pattern: object) -> bool:
    """True when ``pattern`` was compiled by RE2 (for tests and the regex audit)."""
    return isinstance(pattern, re2._Regexp)
