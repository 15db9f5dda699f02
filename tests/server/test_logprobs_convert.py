"""The conversion of vLLM's sample logprobs into OpenAI's shapes, checked against what
vLLM's own serving builds from the same values (vllm/entrypoints/openai/chat_completion
and completion, ``_create_chat_logprobs`` / ``_create_completion_logprobs``).

No engine: vLLM's ``FlatLogprobs`` and ``Logprob`` are plain containers, filled here as
its sampler fills them (a position's first entry the sampled token at its rank, then
ranks 1..k).
"""

from __future__ import annotations

import pytest

from server.engines.vllm_engine import token_logprobs
from server.logprobs import chat_content, completion_logprobs

vllm_logprobs = pytest.importorskip("vllm.logprobs")

VOCAB = {1: " red", 2: " blue", 3: " green", 4: " violet", 5: "<|im_end|>"}
# Per position: (sampled id, its rank), then the top 2 (id, logprob) by rank.
LOGITS = {1: -0.4, 2: -1.3, 3: -2.0, 4: -3.5, 5: -6.0}
STEPS = [(2, 2, [1, 2]), (4, 4, [1, 2]), (5, 5, [1, 3])]


def _filled(flat: bool, k: int = 2) -> object:
    positions = vllm_logprobs.create_sample_logprobs(flat)
    for sampled, rank, top in STEPS:
        ids = [sampled, *top[:k]]
        vllm_logprobs.append_logprobs_for_next_position(
            positions,
            ids,
            [LOGITS[i] for i in ids],
            [VOCAB[i] for i in ids],
            rank,
            k,
        )
    return positions


@pytest.mark.parametrize("flat", [True, False])
def test_both_vllm_forms_read_the_same(flat: bool) -> None:
    lp = token_logprobs(_filled(flat), [s for s, _, _ in STEPS], 2)
    assert lp is not None
    assert [(e.token, e.logprob) for e in lp] == [
        (" blue", -1.3),
        (" violet", -3.5),
        ("<|im_end|>", -6.0),
    ]
    assert [[t for t, _ in e.top] for e in lp] == [[" red", " blue"]] * 2 + [[" red", " green"]]


def test_chat_top_logprobs_are_the_k_most_likely() -> None:
    """OpenAI's ``top_logprobs``: the k most likely, most likely first. (vLLM's own chat
    serving lists the sampled token first and drops the k-th when it is not among them:
    OpenAI's shape is kept here.)"""
    content = chat_content(token_logprobs(_filled(True), [s for s, _, _ in STEPS], 2))  # type: ignore[arg-type]
    violet = content[1]
    assert violet["token"] == " violet" and violet["logprob"] == -3.5
    assert [(a["token"], a["logprob"]) for a in violet["top_logprobs"]] == [
        (" red", -0.4),
        (" blue", -1.3),
    ]


def test_completions_top_logprobs_hold_the_sampled_token() -> None:
    """OpenAI's legacy completions (and vLLM's): "the API will always return the logprob
    of the sampled token, so there may be up to logprobs+1 elements"."""
    out = completion_logprobs(token_logprobs(_filled(True), [s for s, _, _ in STEPS], 2))  # type: ignore[arg-type]
    assert out["tokens"] == [" blue", " violet", "<|im_end|>"]
    assert out["top_logprobs"] == [
        {" red": -0.4, " blue": -1.3},
        {" red": -0.4, " blue": -1.3, " violet": -3.5},
        {" red": -0.4, " green": -2.0, "<|im_end|>": -6.0},
    ]
    assert all(list(d.values()) == sorted(d.values(), reverse=True) for d in out["top_logprobs"])


def test_completions_logprobs_zero_still_give_the_sampled_token() -> None:
    """``logprobs: 0``: no alternatives, but the sampled token's entry, as vLLM gives it."""
    lp = token_logprobs(_filled(True, k=0), [s for s, _, _ in STEPS], 0)
    out = completion_logprobs(lp)  # type: ignore[arg-type]
    assert out["top_logprobs"] == [{" blue": -1.3}, {" violet": -3.5}, {"<|im_end|>": -6.0}]
