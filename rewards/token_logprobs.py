"""Per-token log-probabilities of one candidate, stored compactly.

The engine computes them for every candidate of the group (the best is known only after
scoring), so a group of 64 candidates of 2,048 tokens with 20 alternatives each is 2.7
million entries. As Python objects (a dict of ``Logprob`` per position) that is hundreds
of MB; here each entry is 12 bytes in two typed arrays, and each distinct token text is
kept once per candidate (about 33 MB for that group).

>>> b = LogprobsBuilder(top=2)
>>> b.add("Hi", -0.1, [("Hi", -0.1), ("Hello", -2.5)])
>>> b.add("!", -0.5, [("!", -0.5), (".", -1.0)])
>>> lp = b.build()
>>> [(e.token, round(e.logprob, 2), [t for t, _ in e.top]) for e in lp]
[('Hi', -0.1, ['Hi', 'Hello']), ('!', -0.5, ['!', '.'])]
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# JSON has no -inf; OpenAI-compatible servers (vLLM) send this floor instead.
LOGPROB_FLOOR = -9999.0


def _finite(value: float) -> float:
    return value if math.isfinite(value) else LOGPROB_FLOOR


@dataclass(frozen=True)
class TokenEntry:
    """One position: the chosen token, its log-probability, the ``top`` alternatives."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...]


@dataclass(frozen=True, eq=False)
class TokenLogprobs:
    """A candidate's tokens, each with its log-probability and ``top`` alternatives
    (most likely first). Iterate for :class:`TokenEntry` values."""

    top: int
    texts: tuple[str, ...]  # the distinct token texts; the arrays index into it
    chosen: array[int]
    chosen_logprobs: array[float]
    alternatives: array[int]  # every position's alternatives, flattened
    alternative_logprobs: array[float]
    starts: array[int]  # position i's alternatives are starts[i]:starts[i + 1]

    def __len__(self) -> int:
        return len(self.chosen)

    def __iter__(self) -> Iterator[TokenEntry]:
        for i, (t, lp) in enumerate(zip(self.chosen, self.chosen_logprobs, strict=True)):
            lo, hi = self.starts[i], self.starts[i + 1]
            alts = zip(self.alternatives[lo:hi], self.alternative_logprobs[lo:hi], strict=True)
            yield TokenEntry(self.texts[t], lp, tuple((self.texts[a], alp) for a, alp in alts))

    @property
    def sum(self) -> float:
        return math.fsum(self.chosen_logprobs)


class LogprobsBuilder:
    """Builds a :class:`TokenLogprobs` position by position (at most ``top`` alternatives
    each, most likely first; an engine that gives fewer is not padded)."""

    def __init__(self, top: int) -> None:
        self.top = top
        self._ids: dict[str, int] = {}
        self._chosen = array("i")
        self._chosen_lp = array("d")
        self._alts = array("i")
        self._alts_lp = array("d")
        self._starts = array("i", [0])

    def _id(self, text: str) -> int:
        found = self._ids.get(text)
        if found is None:
            found = self._ids[text] = len(self._ids)
        return found

    def add(self, token: str, logprob: float, top: Sequence[tuple[str, float]]) -> None:
        self._chosen.append(self._id(token))
        self._chosen_lp.append(_finite(logprob))
        for text, lp in sorted(top, key=lambda a: -a[1])[: self.top]:
            self._alts.append(self._id(text))
            self._alts_lp.append(_finite(lp))
        self._starts.append(len(self._alts))

    def build(self) -> TokenLogprobs:
        return TokenLogprobs(
            top=self.top,
            texts=tuple(self._ids),
            chosen=self._chosen,
            chosen_logprobs=self._chosen_lp,
            alternatives=self._alts,
            alternative_logprobs=self._alts_lp,
            starts=self._starts,
        )
