"""best_of="auto" on the real engine, through the official SDK: rounds, trace and metrics."""

from __future__ import annotations

import httpx
import jsonschema
import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.config import EMBEDDED_MODEL_NAME
from server.trace import load_trace_schema

pytestmark = pytest.mark.engine


def _samples(url: str, name: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(httpx.get(f"{url}/metrics").text):
        for sample in family.samples:
            if sample.name == name:
                total += sample.value
    return total


def test_auto_generates_in_rounds_and_says_why_it_stopped(
    client: openai.OpenAI, server_url: str
) -> None:
    rounds_before = _samples(server_url, "bon_adaptive_rounds_count")
    completion = client.chat.completions.create(
        model=EMBEDDED_MODEL_NAME,
        messages=[{"role": "user", "content": "What is 9 + 3? Answer with the number."}],
        max_tokens=32,
        extra_body={"best_of": "auto", "best_of_budget": 8, "trace": "full"},
    )
    trace = completion.model_extra["trace"]  # type: ignore[index]
    jsonschema.validate(trace, load_trace_schema())
    adaptive = trace["adaptive"]
    rounds = adaptive["rounds"]
    assert adaptive["budget"] == 8
    assert [r["samples"] for r in rounds] == [4, 4][: len(rounds)]
    assert adaptive["samples_used"] == sum(r["samples"] for r in rounds) == trace["group_size"]
    assert adaptive["saved"] == 8 - adaptive["samples_used"]
    # Settled before the budget ran out only when a round said so; never settled early silently.
    assert adaptive["settled"] == rounds[-1]["settled"]
    assert all(not r["settled"] for r in rounds[:-1])
    # The candidates of every round are in the trace, numbered across rounds.
    assert [c["index"] for c in trace["candidates"]] == list(range(trace["group_size"]))
    assert completion.usage is not None
    assert completion.usage.completion_tokens == sum(c["tokens"] for c in trace["candidates"])
    assert _samples(server_url, "bon_adaptive_rounds_count") == rounds_before + 1
