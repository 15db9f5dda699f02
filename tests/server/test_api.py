"""The HTTP API over the scripted engine: responses, trace, metrics, errors."""

from __future__ import annotations

from typing import Any

import jsonschema
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from server.app import create_app
from server.engines.scripted import ScriptedEngine
from server.trace import load_trace_schema
from tests.conftest import MODEL, make_engine, make_settings

MATH_Q = "Tom has 12 bags of 3 apples and 6 more apples. How many apples does he have?"


def chat(client: TestClient, content: str = MATH_Q, **extra: Any) -> Any:
    body = {"model": MODEL, "messages": [{"role": "user", "content": content}], **extra}
    return client.post("/v1/chat/completions", json=body)


def metric_samples(client: TestClient) -> dict[str, list[tuple[dict[str, str], float]]]:
    text = client.get("/metrics").text
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return out


def test_chat_selects_the_agreeing_answer_and_explains_why(client: TestClient) -> None:
    r = chat(client, best_of=4, trace="summary")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "chat.completion"
    assert len(body["choices"]) == 1
    answer = body["choices"][0]["message"]["content"]
    assert "42" in answer and "41" not in answer
    trace = body["trace"]
    assert trace["task"]["name"] == "math"
    assert trace["task"]["evidence"], "the selector must say why it chose math"
    names = [rw["name"] for rw in trace["rewards"]]
    assert "answer_agreement" in names
    assert all(rw["reason"] for rw in trace["rewards"])
    # The selected candidate is the one ranked first, and its text is the answer.
    (winner,) = [c for c in trace["candidates"] if c["selected"]]
    assert winner["rank"] == 0
    assert trace["selected"] == [winner["index"]]
    assert body["trace"]["group_size"] == 4
    assert "text" not in winner  # summary traces carry no candidate text
    for c in trace["candidates"]:
        assert set(c["scores"]) == set(names)
    ranked = sorted(
        (c for c in trace["candidates"] if c["rank"] is not None), key=lambda c: c["rank"]
    )
    combined = [c["combined"] for c in ranked]
    assert combined == sorted(combined, reverse=True)


def test_trace_matches_its_json_schema_and_is_retrievable(client: TestClient) -> None:
    r = chat(client, best_of=4, trace="full")
    body = r.json()
    trace = body["trace"]
    jsonschema.validate(trace, load_trace_schema())
    assert all("text" in c for c in trace["candidates"])
    assert r.headers["x-bon-trace-id"] == body["id"] == trace["id"]
    stored = client.get(f"/v1/traces/{body['id']}")
    assert stored.status_code == 200
    assert stored.json() == trace


def test_trace_none_omits_the_trace_but_still_stores_it(client: TestClient) -> None:
    body = chat(client, best_of=2, trace="none").json()
    assert body.get("trace") is None
    stored = client.get(f"/v1/traces/{body['id']}").json()
    assert stored["level"] == "summary"
    assert all("text" not in c for c in stored["candidates"])


def test_unknown_trace_is_an_openai_404(client: TestClient) -> None:
    r = client.get("/v1/traces/nope")
    assert r.status_code == 404
    assert r.json()["error"]["type"] == "not_found_error"


def test_usage_counts_every_candidate(client: TestClient, engine: ScriptedEngine) -> None:
    body = chat(client, best_of=4, trace="full").json()
    tokens = sum(c["tokens"] for c in body["trace"]["candidates"])
    assert body["usage"]["completion_tokens"] == tokens
    assert tokens > len(body["choices"][0]["message"]["content"].split())
    assert body["usage"]["total_tokens"] == tokens + body["usage"]["prompt_tokens"]
    # One group = one engine request of n=best_of.
    assert [r.n for r in engine.requests_seen] == [4]


def test_n_answers_are_ranked_and_distinct(client: TestClient) -> None:
    body = chat(client, best_of=4, n=3, trace="summary").json()
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    assert len(body["trace"]["selected"]) == 3
    ranks = {c["index"]: c["rank"] for c in body["trace"]["candidates"]}
    assert [ranks[i] for i in body["trace"]["selected"]] == [0, 1, 2]


def test_completions_endpoint(client: TestClient) -> None:
    r = client.post(
        "/v1/completions",
        json={"model": MODEL, "prompt": "Q: capital of France?\nA:", "best_of": 3},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "text_completion"
    assert "Paris" in body["choices"][0]["text"]
    assert body["trace"]["endpoint"] == "completions"
    assert body["trace"]["group_size"] == 3


def test_explicit_rewards_override_selection(client: TestClient) -> None:
    body = chat(client, best_of=4, rewards={"length": 2.0}).json()
    trace = body["trace"]
    assert trace["selection"] == "explicit"
    assert [(r["name"], r["weight"]) for r in trace["rewards"]] == [("length", 2.0)]
    # Gates stay on when the client names the rewards.
    assert [g["name"] for g in trace["gates"]]


def test_models_and_health(client: TestClient) -> None:
    models = client.get("/v1/models").json()
    assert [m["id"] for m in models["data"]] == [MODEL]
    assert client.get("/health").json()["status"] == "ok"


def test_a_leaking_candidate_is_never_returned(client: TestClient) -> None:
    body = chat(client, "Which card should I pay with?", best_of=2).json()
    assert "4111" not in body["choices"][0]["message"]["content"]
    vetoed = [c for c in body["trace"]["candidates"] if c["vetoed"]]
    assert len(vetoed) == 1
    gate = next(iter(vetoed[0]["gates"].values()))
    assert "4111 1111" not in gate["evidence"]  # evidence is redacted


def test_all_vetoed_is_a_content_filter_refusal(client: TestClient) -> None:
    body = chat(client, "all leak please", best_of=2, trace="summary").json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"] is None
    assert choice["message"]["refusal"]
    assert body["trace"]["outcome"] == "all_vetoed"
    assert body["trace"]["selected"] == []
    samples = metric_samples(client)
    refusals = {s[0]["reason"]: s[1] for s in samples["bon_refusals_total"]}
    assert refusals == {"all_vetoed": 1, "unsafe_prompt": 0}
    vetoes = {s[0]["category"]: s[1] for s in samples["bon_vetoes_total"]}
    assert sum(vetoes.values()) == 2


def test_metrics_are_prometheus_text(client: TestClient) -> None:
    chat(client, best_of=4)
    samples = metric_samples(client)
    req = {(s[0]["route"], s[0]["status"]): s[1] for s in samples["bon_requests_total"]}
    assert req[("/v1/chat/completions", "200")] == 1
    assert samples["bon_candidates_per_request_count"][0][1] == 1
    assert samples["bon_candidates_per_request_sum"][0][1] == 4
    tokens = {s[0]["kind"]: s[1] for s in samples["bon_tokens_total"]}
    assert tokens["completion"] > 0 and tokens["prompt"] > 0
    assert {s[0]["reward"] for s in samples["bon_reward_score_count"]} >= {"answer_agreement"}
    for name in (
        "bon_request_duration_seconds_count",
        "bon_generate_duration_seconds_count",
        "bon_score_duration_seconds_count",
        "bon_requests_in_flight",
    ):
        assert name in samples, name
    assert samples["bon_requests_in_flight"][0][1] == 0
    assert samples["bon_engine_unfinished_requests"][0][1] == 0


def test_engine_failure_is_a_503(client: TestClient) -> None:
    r = chat(client, "please explode")
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "engine_error"


def test_deadline_aborts_the_engine_request() -> None:
    engine = make_engine(delay_s=5)
    app = create_app(make_settings(request_timeout_s=0.2), engine=engine)
    with TestClient(app) as c:
        r = chat(c)
        assert r.status_code == 504
        assert r.json()["error"]["type"] == "timeout_error"
        assert len(engine.aborted_requests) == 1
        assert not engine.active_requests
        aborts = {s[0]["reason"]: s[1] for s in metric_samples(c)["bon_engine_aborts_total"]}
        assert aborts["timeout"] == 1


def test_openapi_documents_extensions_and_errors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    chat_req = spec["components"]["schemas"]["ChatCompletionRequest"]["properties"]
    assert {"best_of", "rewards", "trace", "n"} <= set(chat_req)
    responses = spec["paths"]["/v1/chat/completions"]["post"]["responses"]
    assert {"400", "404", "429", "503", "504"} <= set(responses)


def test_full_trace_never_carries_a_vetoed_text(client: TestClient) -> None:
    body = chat(client, "all leak please", best_of=2, trace="full").json()
    stored = client.get(f"/v1/traces/{body['id']}").json()
    for trace in (body["trace"], stored):
        assert all(c["vetoed"] and "text" not in c for c in trace["candidates"])
        assert "AKIA2E0A8F3B244C9986" not in str(trace)
        assert "alice.smith@northwind-mail.com" not in str(trace)
    body = chat(client, "Which card should I pay with?", best_of=2, trace="full").json()
    texts = [c.get("text") for c in body["trace"]["candidates"]]
    assert None in texts and not any("4111" in (t or "") for t in texts)


def test_an_app_can_start_twice(engine: ScriptedEngine) -> None:
    app = create_app(make_settings(), engine=engine)
    for _ in range(2):
        with TestClient(app) as c:
            assert chat(c).status_code == 200


def test_metrics_carry_no_created_series(client: TestClient) -> None:
    chat(client)
    assert "_created" not in client.get("/metrics").text


def test_temperature_zero_serves_one_greedy_sample(
    client: TestClient, engine: ScriptedEngine
) -> None:
    body = chat(client, temperature=0).json()
    assert body["trace"]["group_size"] == 1
    assert engine.requests_seen[-1].n == 1 and engine.requests_seen[-1].temperature == 0
    for extra in ({"best_of": 4}, {"n": 2}):
        r = chat(client, temperature=0, **extra)
        assert r.status_code == 400
        assert r.json()["error"]["param"] == "temperature"
