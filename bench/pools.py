"""Candidate pools shared by the selection benches (accuracy, tools_eval, wordproblems_bench).

Each bench samples a pool of candidates per item once on the real engine (slow) and
re-judges the stored pool cheaply. The parts they have in common live here, once: how a
sampled candidate is stored, how a stored one is read back, how the pool file is written
(with the same meta fields every bench records), and how a pool is cut into the disjoint
groups of k that every method (one sample, majority, selection, oracle) is judged on.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def candidate_record(c: Any) -> dict[str, Any]:
    """A sampled candidate as stored in a pool file: verbatim, with its token ids and
    log-probability, so rewards that read them judge what the engine produced."""
    return {
        "text": c.text,
        "token_ids": list(c.token_ids),
        "finish_reason": c.finish_reason,
        "cumulative_logprob": c.cumulative_logprob,
    }


def load_candidates(group: dict[str, Any]) -> list[Any]:
    """A stored group's candidates as the server's ``Candidate`` objects, indexed in pool
    order; tool calls and content where the pool recorded them (bench/tools_eval.py)."""
    from rewards.types import Candidate, ToolCall

    out = []
    for i, c in enumerate(group["candidates"]):
        extra: dict[str, Any] = {}
        if "tool_calls" in c:
            extra["tool_calls"] = tuple(
                ToolCall(n, a, f"call_{i}_{j}") for j, (n, a) in enumerate(c["tool_calls"])
            )
        if "content" in c:
            extra["content"] = c["content"]
        out.append(
            Candidate(
                index=i,
                text=c["text"],
                token_ids=tuple(c["token_ids"]),
                finish_reason=c["finish_reason"],
                cumulative_logprob=c["cumulative_logprob"],
                **extra,
            )
        )
    return out


def write_pool(
    path: Path, groups: list[dict[str, Any]], started: float, **fields: Any
) -> dict[str, Any]:
    """Write the pool file ``{"meta": ..., "groups": ...}`` and say so; returns the meta.

    ``fields`` are the bench's own generation settings (seed, pool, max_tokens, ...), in
    the order they should appear; the machine, the seconds since ``started``
    (``time.perf_counter()``) and the wall-clock time are added after them.
    """
    meta = {
        **fields,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "seconds": round(time.perf_counter() - started, 1),
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"meta": meta, "groups": groups}))
    print(f"wrote {path} ({len(groups)} items x {fields.get('pool')}) in {meta['seconds']} s")
    return meta


def disjoint_groups(pool_size: int, size: int) -> Iterator[list[int]]:
    """The indices of ``pool_size // size`` disjoint groups of ``size`` consecutive
    candidates (a remainder is left out), so every method judges the same candidates."""
    for start in range(0, pool_size - size + 1, size):
        yield list(range(start, start + size))
