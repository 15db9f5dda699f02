"""presence_penalty, frequency_penalty and logit_bias reach vLLM's sampler (real engine)."""

from __future__ import annotations

import pytest

from server.engines.base import EngineInputError, Generation, GenerationRequest
from tests.engine.conftest import EngineHarness

pytestmark = pytest.mark.engine

PROMPT = "Once upon a time, in a land far away,"


def _generate(harness: EngineHarness, **fields: object) -> Generation:
    request = GenerationRequest(request_id="penalties", prompt=PROMPT, **fields)  # type: ignore[arg-type]
    result: Generation = harness.run(harness.engine.generate(request))
    return result


def test_a_large_logit_bias_decides_every_sampled_token(harness: EngineHarness) -> None:
    token = 1000  # an ordinary id of the embedded model's 49,152-token vocabulary
    gen = _generate(harness, n=2, max_tokens=4, temperature=1.0, logit_bias={token: 100.0})

    # +100 on one logit outweighs any difference a 135M model's logits have.
    for c in gen.candidates:
        assert c.token_ids == (token,) * 4


def test_penalties_are_accepted_by_the_sampler(harness: EngineHarness) -> None:
    gen = _generate(
        harness, n=2, max_tokens=6, temperature=0.7, presence_penalty=1.5, frequency_penalty=-0.5
    )

    assert len(gen.candidates) == 2
    assert all(0 < c.num_tokens <= 6 for c in gen.candidates)


def test_a_token_id_outside_the_vocabulary_is_the_clients_error(harness: EngineHarness) -> None:
    with pytest.raises(EngineInputError):
        _generate(harness, n=1, max_tokens=2, logit_bias={10_000_000: 5.0})
