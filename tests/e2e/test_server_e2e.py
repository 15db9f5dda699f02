"""End to end: the real server (`bon-server serve`, vLLM engine, embedded model) as a
subprocess, called with the official `openai` SDK; /metrics read with Prometheus' parser.

The server starts once for the module (engine start is ~30 s on these machines).
"""

from __future__ import annotations

import json
import socket
import time

import httpx
import jsonschema
import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.config import EMBEDDED_MODEL_NAME
from server.trace import load_trace_schema

pytestmark = pytest.mark.engine


def _metrics(url: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for fam in text_string_to_metric_families(httpx.get(f"{url}/metrics").text):
        for s in fam.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return out


def test_chat_best_of_8_with_full_trace(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model=EMBEDDED_MODEL_NAME,
        messages=[{"role": "user", "content": "What is 7 + 5? Answer with the number."}],
        max_tokens=48,
        extra_body={"best_of": 8, "trace": "full"},
    )
    assert completion.object == "chat.completion"
    assert len(completion.choices) == 1
    answer = completion.choices[0].message.content
    assert isinstance(answer, str) and answer.strip()
    trace = (completion.model_extra or {})["trace"]
    jsonschema.validate(trace, load_trace_schema())
    assert trace["group_size"] == 8 and len(trace["candidates"]) == 8
    assert trace["task"]["name"] == "math" and trace["task"]["evidence"]
    reward_names = {r["name"] for r in trace["rewards"]}
    assert "answer_agreement" in reward_names
    for cand in trace["candidates"]:
        assert set(cand["scores"]) == reward_names
        assert cand["tokens"] > 0 and cand["mean_logprob"] is not None
    (winner,) = [c for c in trace["candidates"] if c["selected"]]
    assert winner["rank"] == 0 and winner["text"] == answer
    ranked = sorted(
        (c for c in trace["candidates"] if c["rank"] is not None), key=lambda c: c["rank"]
    )
    assert ranked[0] is winner
    combined = [c["combined"] for c in ranked]
    assert combined == sorted(combined, reverse=True)
    usage = completion.usage
    assert usage is not None
    assert usage.completion_tokens == sum(c["tokens"] for c in trace["candidates"])
    assert usage.prompt_tokens > 0


def test_completions_best_of_4(client: openai.OpenAI, server_url: str) -> None:
    raw = client.completions.with_raw_response.create(
        model=EMBEDDED_MODEL_NAME,
        prompt="Question: What is 6 times 7?\nAnswer:",
        max_tokens=16,
        best_of=4,
        n=2,
        extra_body={"trace": "full"},
    )
    completion = raw.parse()
    assert completion.object == "text_completion"
    assert [c.index for c in completion.choices] == [0, 1]
    trace = (completion.model_extra or {})["trace"]
    jsonschema.validate(trace, load_trace_schema())
    assert trace["endpoint"] == "completions" and trace["group_size"] == 4
    by_index = {c["index"]: c for c in trace["candidates"]}
    # The two answers are the two best-ranked candidates, in rank order.
    assert [by_index[i]["rank"] for i in trace["selected"]] == [0, 1]
    assert [c.text for c in completion.choices] == [by_index[i]["text"] for i in trace["selected"]]
    reward_names = {r["name"] for r in trace["rewards"]}
    assert reward_names and all(set(c["scores"]) == reward_names for c in by_index.values())
    usage = completion.usage
    assert usage is not None
    assert usage.completion_tokens == sum(c["tokens"] for c in by_index.values())
    trace_id = raw.headers["x-bon-trace-id"]
    assert trace_id == completion.id
    stored = httpx.get(f"{server_url}/v1/traces/{trace_id}").json()
    assert stored == trace


def test_bad_input_through_the_sdk(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(
            model=EMBEDDED_MODEL_NAME,
            messages=[{"role": "user", "content": "hi"}],
            extra_body={"best_of": 2, "n": 3},
        )
    assert err.value.status_code == 400
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(
            model="gpt-nope", messages=[{"role": "user", "content": "hi"}]
        )
    # Refused by the engine itself, still a 400 naming the field.
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(
            model=EMBEDDED_MODEL_NAME,
            messages=[{"role": "user", "content": "hi " * 3000}],
            max_tokens=8,
        )
    assert err.value.body["param"] == "messages"  # type: ignore[index]


def _value(
    samples: dict[str, list[tuple[dict[str, str], float]]],
    name: str,
    labels: dict[str, str] | None = None,
) -> float:
    """A sample's value (0 before its first observation), summed over labels when none given."""
    return sum(v for lab, v in samples.get(name, []) if labels is None or lab == labels)


CHAT_OK = {"route": "/v1/chat/completions", "status": "200"}


def test_metrics_count_the_request(client: openai.OpenAI, server_url: str) -> None:
    # The server is shared by every e2e module, so earlier requests already moved every
    # metric: only the change across this one request says it was counted.
    before = _metrics(server_url)
    completion = client.chat.completions.create(
        model=EMBEDDED_MODEL_NAME,
        messages=[{"role": "user", "content": "Say hello."}],
        max_tokens=16,
        extra_body={"best_of": 2},
    )
    usage = completion.usage
    assert usage is not None and usage.completion_tokens > 0
    # The request counter moves after the response's last byte is sent (the middleware
    # counts when the app returns), so the client can be first: wait for it, no longer.
    after = _metrics(server_url)
    deadline = time.monotonic() + 30
    while _value(after, "bon_requests_total", CHAT_OK) == _value(
        before, "bon_requests_total", CHAT_OK
    ):
        assert time.monotonic() < deadline, "the request was never counted"
        time.sleep(0.1)
        after = _metrics(server_url)

    def delta(name: str, labels: dict[str, str] | None = None) -> float:
        return _value(after, name, labels) - _value(before, name, labels)

    assert delta("bon_requests_total", CHAT_OK) == 1
    assert delta("bon_candidates_per_request_count") == 1
    assert delta("bon_candidates_per_request_sum") == 2  # best_of
    assert delta("bon_generate_duration_seconds_count") == 1
    assert delta("bon_tokens_total", {"kind": "completion"}) == usage.completion_tokens
    assert delta("bon_tokens_total", {"kind": "prompt"}) == usage.prompt_tokens


def _unfinished(url: str) -> float:
    return _metrics(url)["bon_engine_unfinished_requests"][0][1]


def test_a_client_that_leaves_aborts_the_generation(client: openai.OpenAI, server_url: str) -> None:
    body = {
        "model": EMBEDDED_MODEL_NAME,
        "messages": [{"role": "user", "content": "Write a very long story about a dragon."}],
        "max_tokens": 1500,
        "best_of": 4,
        "temperature": 1.0,
    }
    payload = json.dumps(body).encode()
    port = int(server_url.rsplit(":", 1)[1])
    aborts_before = _value(
        _metrics(server_url), "bon_engine_aborts_total", {"reason": "client_disconnect"}
    )
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/json\r\n"
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        deadline = time.monotonic() + 30
        while _unfinished(server_url) == 0:  # wait until the engine is generating it
            assert time.monotonic() < deadline, "the generation never started"
            time.sleep(0.1)
    finally:
        sock.close()  # the client leaves mid-generation
    deadline = time.monotonic() + 30
    while True:
        samples = _metrics(server_url)
        aborts = {lab["reason"]: v for lab, v in samples["bon_engine_aborts_total"]}
        unfinished = samples["bon_engine_unfinished_requests"][0][1]
        if aborts.get("client_disconnect") == aborts_before + 1 and unfinished == 0:
            break
        assert time.monotonic() < deadline, (aborts, unfinished)
        time.sleep(0.2)
    # And the engine serves the next request.
    done = client.chat.completions.create(
        model=EMBEDDED_MODEL_NAME,
        messages=[{"role": "user", "content": "Say hi."}],
        max_tokens=8,
        extra_body={"best_of": 1},
    )
    assert done.choices[0].message.content is not None
