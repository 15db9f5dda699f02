"""``logprobs`` in OpenAI's shapes, from the engine's own values, for the returned choices.

* chat (``logprobs: true``, ``top_logprobs: k``, k <= 20):
  ``choices[i].logprobs.content[{token, logprob, bytes, top_logprobs: [{token, logprob,
  bytes}]}]``;
* completions (``logprobs: k``, k <= 5): ``choices[i].logprobs`` with ``tokens``,
  ``token_logprobs``, ``top_logprobs`` (one ``{token: logprob}`` per position) and
  ``text_offset``.

The engine computes them for every candidate of the group (which are returned is known
only after scoring); they are kept compactly (:mod:`rewards.token_logprobs`), and a
group whose entries (candidates x max tokens x (1 + k)) exceed :data:`MAX_LOGPROB_ENTRIES`
is refused up front, so memory stays bounded whatever ``best_of`` is.
"""

from __future__ import annotations

import itertools
from typing import Any

from rewards import TokenLogprobs
from server.errors import InvalidRequest

# 64 candidates x 256 tokens x 21 (the top 20 and the chosen one) fit; so do 8 x 2048 x 21.
# vLLM holds them as Python lists until the group ends (about 100 bytes an entry).
MAX_LOGPROB_ENTRIES = 1 << 20


def check_budget(*, best_of: int, max_tokens: int, top: int, param: str) -> None:
    """Raises InvalidRequest when the group's log-probabilities would exceed the bound."""
    entries = best_of * max_tokens * (top + 1)
    if entries > MAX_LOGPROB_ENTRIES:
        raise InvalidRequest(
            f"logprobs for a group of {best_of} candidates of up to {max_tokens} tokens with "
            f"{top} alternatives each are {entries:,} values; this server computes at most "
            f"{MAX_LOGPROB_ENTRIES:,} a group. Lower best_of, the token limit or {param}.",
            param=param,
            code="invalid_value",
        )


def _bytes(token: str) -> list[int]:
    # As vLLM: a token that splits a character decodes to U+FFFD; its bytes say so.
    return list(token.encode("utf-8", errors="replace"))


def chat_content(logprobs: TokenLogprobs) -> list[dict[str, Any]]:
    """The chat ``logprobs.content`` list (also the Responses ``output_text.logprobs``)."""
    return [
        {
            "token": e.token,
            "logprob": e.logprob,
            "bytes": _bytes(e.token),
            "top_logprobs": [{"token": t, "logprob": lp, "bytes": _bytes(t)} for t, lp in e.top],
        }
        for e in logprobs
    ]


def _with_sampled(entry: Any) -> dict[str, float]:
    # OpenAI's legacy completions "always return the logprob of the sampled token, so
    # there may be up to logprobs+1 elements", as vLLM's serving does; most likely first.
    top = dict(entry.top)
    top.setdefault(entry.token, entry.logprob)
    return top


def completion_logprobs(logprobs: TokenLogprobs) -> dict[str, Any]:
    """The legacy completions ``logprobs`` object: ``top_logprobs`` holds the k most
    likely and the sampled token; ``text_offset`` from the tokens' lengths, as vLLM
    computes it."""
    entries = list(logprobs)
    tokens = [e.token for e in entries]
    return {
        "tokens": tokens,
        "token_logprobs": [e.logprob for e in entries],
        "top_logprobs": [_with_sampled(e) for e in entries],
        "text_offset": [0, *itertools.accumulate(len(t) for t in tokens)][: len(tokens)],
    }


def split_by_pieces(pieces: list[str], entries: list[Any], length: Any) -> list[list[Any]]:
    """The entries of each streamed text piece: an entry goes with the piece its text starts
    in (``length(entry)`` long, in order); the lists join to ``entries``."""
    ends = list(itertools.accumulate(len(p) for p in pieces))
    out: list[list[Any]] = [[] for _ in pieces]
    offset = at = 0
    for entry in entries:
        while at < len(pieces) - 1 and offset >= ends[at]:
            at += 1
        if out:
            out[at].append(entry)
        offset += length(entry)
    return out


def requested(req: Any, *, best_of: int, max_tokens: int) -> int | None:
    """The alternatives per token a chat or completions request asks for (None: no
    logprobs), after its checks.

    Raises:
        InvalidRequest: ``top_logprobs`` without ``logprobs: true``, or over the bound.
    """
    if hasattr(req, "messages"):  # chat: logprobs is a flag, top_logprobs the count
        top = req.top_logprobs or 0
        if not req.logprobs:
            if top:
                raise InvalidRequest(
                    "top_logprobs needs logprobs=true.", param="top_logprobs", code="invalid_value"
                )
            return None
        param = "top_logprobs"
    else:
        if req.logprobs is None:
            return None
        top, param = req.logprobs, "logprobs"
    check_budget(best_of=best_of, max_tokens=max_tokens, top=top, param=param)
    return int(top)


def chat_choice(candidate: Any, top: int | None) -> dict[str, Any] | None:
    """A chat choice's ``logprobs`` (None when not asked for or not known)."""
    if top is None or candidate.logprobs is None:
        return None
    return {"content": chat_content(candidate.logprobs), "refusal": None}


def completion_choice(candidate: Any, top: int | None) -> dict[str, Any] | None:
    if top is None or candidate.logprobs is None:
        return None
    return completion_logprobs(candidate.logprobs)
