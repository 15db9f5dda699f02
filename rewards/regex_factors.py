"""Required literals of a regular expression: strings one of which every match contains.

A rule engine that runs a costly regex only around cheap keyword hits (one
Aho-Corasick pass) needs keywords that cannot miss a match. Rather than keep them by
hand beside each pattern, :func:`required_literals` reads them off the pattern: for a
sequence, the best of its literal runs and required parts; for an alternation, the
union over its branches. "Best" is the set whose shortest string is longest (fewer,
rarer hits), so ``(?:pipe|nail|car)\\s+bombs?`` gives ``{"bomb"}``, not
``{"pipe", "nail", "car"}``.

Literals are lower-cased (the engines match case-insensitively). A set that cannot be
found (a pattern of classes only, an optional part) is ``None``.
"""

from __future__ import annotations

import re
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

__all__ = ["leading_literals", "required_literals"]

_MAX_SET = 2000  # an alternation's union beyond this is no longer a cheap prefilter


def _score(found: frozenset[str]) -> tuple[int, int]:
    return (min(map(len, found)), -len(found))


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    usable = [c for c in candidates if c and all(c) and len(c) <= _MAX_SET]
    return max(usable, key=_score) if usable else None


def _sequence(items: Any) -> frozenset[str] | None:
    candidates: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is sre_constants.LITERAL:
            run += chr(av).lower()
            continue
        if run:
            candidates.append(frozenset({run}))
            run = ""
        found: frozenset[str] | None = None
        if op is sre_constants.SUBPATTERN:
            found = _sequence(av[-1])
        elif op is sre_constants.BRANCH:
            branches = [_sequence(branch) for branch in av[1]]
            if all(b is not None for b in branches):
                found = frozenset().union(*branches)  # type: ignore[arg-type]
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and av[0] >= 1:
            found = _sequence(av[2])
        elif op is sre_constants.IN and all(o is sre_constants.LITERAL for o, _ in av):
            found = frozenset({chr(v).lower() for _, v in av})
        if found is not None:
            candidates.append(found)
    if run:
        candidates.append(frozenset({run}))
    return _best(candidates)


def required_literals(pattern: str) -> frozenset[str] | None:
    """Lower-case strings one of which every match of ``pattern`` contains, or None.

    >>> sorted(required_literals(r"\\b(?:pipe|nail|car)\\s+bombs?"))
    ['bomb']
    >>> sorted(required_literals(r"\\b(?:kill|stab)(?:s|ed)?\\s+\\w+|run\\s+over"))
    ['kill', 'over', 'stab']
    >>> required_literals(r"\\w+") is None
    True
    """
    return _sequence(sre_parse.parse(pattern, re.IGNORECASE))


def _is_space(items: Any) -> bool:
    return list(items) == [
        (sre_constants.IN, [(sre_constants.CATEGORY, sre_constants.CATEGORY_SPACE)])
    ]


def _leading(items: Any) -> tuple[set[str], bool]:
    """The literal starts of a sequence, and whether they are the whole of it."""
    starts = {""}
    for op, av in items:
        if op is sre_constants.AT and starts == {""}:
            continue
        if op is sre_constants.LITERAL:
            starts = {s + chr(av).lower() for s in starts}
            continue
        if op is sre_constants.MAX_REPEAT and av[0] >= 1 and _is_space(av[2]) and starts != {""}:
            # Words apart are one keyword with one space, as the gate's keywords are
            # written ("run over"); text with two spaces or a newline between them
            # opens no window for this keyword.
            starts = {s + " " for s in starts}
            continue
        if op is sre_constants.SUBPATTERN:
            found, whole = _leading(av[-1])
        elif op is sre_constants.BRANCH:
            branches = [_leading(branch) for branch in av[1]]
            found = set().union(*(b[0] for b in branches))
            whole = all(b[1] for b in branches)
        elif op is sre_constants.IN and all(o is sre_constants.LITERAL for o, _ in av):
            found, whole = {chr(v).lower() for _, v in av}, True
        else:
            return starts, False
        if len(starts) * len(found) > _MAX_SET:
            return starts, False
        starts = {s + f for s in starts for f in found}
        if not whole:
            return starts, False
    return starts, True


def leading_literals(pattern: str) -> frozenset[str]:
    """The literal texts a match of ``pattern`` starts with (after ``\\b``), lower-cased.

    A vocabulary's term names its thing first (``beat\\s+up``, ``(?:black|gay)\\s+people``):
    those words are its keywords, where :func:`required_literals` might pick a commoner
    later one. ``\\s+`` between words reads as one space. If a branch has no literal
    start, there are none.

    >>> sorted(leading_literals(r"\\brun\\s+over"))
    ['run over']
    >>> sorted(leading_literals(r"(?:pipe|nail)\\s+bombs?"))
    ['nail bomb', 'pipe bomb']
    >>> sorted(leading_literals(r"\\w+bomb"))
    []
    """
    starts, _ = _leading(sre_parse.parse(pattern, re.IGNORECASE))
    return frozenset() if "" in starts else frozenset(starts)
