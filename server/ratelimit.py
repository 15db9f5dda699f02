"""Per-key rate limits: requests and candidates per minute, per owner (the key's hash).

Each owner has two token buckets, one of requests (``--rate-limit-rpm``) and one of
candidates (``--rate-limit-cpm``; a request costs its ``best_of``, or the whole
budget of a ``best_of="auto"`` request). A bucket holds at most one minute's
allowance and refills continuously, so a burst of a minute's worth is allowed and
the long-run rate is the configured one. A request is admitted only if both
buckets hold enough; a refused request takes nothing from either.

Written here rather than taken from a library because it needs an injectable
clock (deterministic tests, no sleeping), an all-or-nothing check of two buckets,
and nothing else; memory is one small record per owner, and owners are bounded by
the configured keys (everyone is ``anonymous`` when no key is configured).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from server.errors import InvalidRequest, Overloaded

__all__ = ["RateLimited", "RateLimiter"]

_MINUTE_S = 60.0


class RateLimited(Overloaded):
    """429: this key used up its per-minute allowance (with Retry-After)."""

    def __init__(self, message: str, *, limit: str, retry_after_s: int) -> None:
        super().__init__(
            message, code="rate_limit_exceeded", headers={"Retry-After": str(retry_after_s)}
        )
        self.limit = limit  # "requests" | "candidates": the metric's label
        self.retry_after_s = retry_after_s


@dataclass
class _Buckets:
    requests: float
    candidates: float
    updated: float


class RateLimiter:
    """Admits or refuses a request of ``candidates`` for an owner (thread-safe).

    Args:
        rpm: requests per minute per owner (0: no request limit).
        cpm: candidates per minute per owner (0: no candidate limit).
        clock: seconds, monotonic; tests pass their own.

    >>> limiter = RateLimiter(rpm=1, cpm=0, clock=lambda: 0.0)
    >>> limiter.admit("sha256:ab", 4)
    >>> limiter.admit("sha256:ab", 4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    server.ratelimit.RateLimited: Rate limit reached: 1 requests per minute ... Retry after 60 s.
    """

    def __init__(self, rpm: int, cpm: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rpm = rpm
        self.cpm = cpm
        self.clock = clock
        self._owners: dict[str, _Buckets] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rpm > 0 or self.cpm > 0

    def admit(self, owner: str, candidates: int) -> None:
        """Take one request and ``candidates`` candidates from the owner's allowance.

        Raises:
            InvalidRequest: ``candidates`` exceeds a whole minute's allowance, so no
                wait would ever admit it (400, not a 429 forever).
            RateLimited: not enough allowance left now; ``Retry-After`` says when.
        """
        if not self.enabled:
            return
        if self.cpm and candidates > self.cpm:
            raise InvalidRequest(
                f"A group of {candidates} candidates exceeds this API key's allowance of"
                f" {self.cpm} candidates per minute; ask for fewer (best_of).",
                param="best_of",
                code="rate_limit_exceeds_allowance",
            )
        with self._lock:
            now = self.clock()
            buckets = self._owners.get(owner)
            if buckets is None:
                buckets = _Buckets(float(self.rpm), float(self.cpm), now)
                self._owners[owner] = buckets
            elapsed = max(now - buckets.updated, 0.0)
            buckets.updated = now
            buckets.requests = min(self.rpm, buckets.requests + elapsed * self.rpm / _MINUTE_S)
            buckets.candidates = min(self.cpm, buckets.candidates + elapsed * self.cpm / _MINUTE_S)
            waits: list[tuple[float, str, str]] = []
            if self.rpm and buckets.requests < 1:
                waits.append(
                    ((1 - buckets.requests) * _MINUTE_S / self.rpm, "requests", str(self.rpm))
                )
            if self.cpm and buckets.candidates < candidates:
                wait = (candidates - buckets.candidates) * _MINUTE_S / self.cpm
                waits.append((wait, "candidates", str(self.cpm)))
            if waits:
                wait_s, limit, allowance = max(waits)
                # Whole seconds, rounded up: a client that waits that long is admitted.
                retry = max(1, math.ceil(wait_s - 1e-9))
                raise RateLimited(
                    f"Rate limit reached: {allowance} {limit} per minute for this API key."
                    f" Retry after {retry} s.",
                    limit=limit,
                    retry_after_s=retry,
                )
            if self.rpm:
                buckets.requests -= 1
            if self.cpm:
                buckets.candidates -= candidates
