"""POST /v1/feedback: owner only, clear 4xx, idempotent by id, shown in the viewer,
counted; the reference extension labels candidates and never reaches a reward."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.conftest import make_engine, make_settings
from tests.store.helpers import BUDGETS, ask, bearer, metric, written

KEY_A = "sk-alice-0123456789"
KEY_B = "sk-bob-abcdefghijk"
OPERATOR = "sk-operator-999999"


@pytest.fixture
def c(database_url: str) -> Iterator[TestClient]:
    """An app on a fresh store, on each database (tests/store/conftest.py)."""
    settings = make_settings(
        api_keys=f"{KEY_A},{KEY_B}",
        operator_keys=OPERATOR,
        database_url=database_url,
        **BUDGETS,
    )
    with TestClient(create_app(settings, engine=make_engine())) as client:
        yield client


def _post(c: TestClient, key: str, **body: object) -> tuple[int, dict[str, object]]:
    r = c.post("/v1/feedback", json=body, headers=bearer(key))
    return r.status_code, r.json()


def test_feedback_validation_and_owner(c: TestClient) -> None:
    tid = ask(c, bearer(KEY_A))
    ok = {"trace_id": tid, "candidate_index": 0, "name": "correct", "value": True}
    for key in (KEY_B, OPERATOR):  # not the owner: the 404 of a missing trace
        status, body = _post(c, key, **ok)
        assert status == 404 and body["error"]["code"] == "trace_not_found"  # type: ignore[index]
    status, body = _post(c, KEY_A, **{**ok, "trace_id": "chatcmpl-nope"})
    assert status == 404
    bad: list[tuple[dict[str, object], str | None]] = [
        ({"candidate_index": 99}, "candidate_index"),
        ({"candidate_index": None, "choice_index": 5}, "choice_index"),
        ({"choice_index": 0}, None),  # both indexes
        ({"value": "yes"}, "value"),
        ({"name": "bad name!"}, "name"),
        ({"comment": "x" * 5000}, "comment"),
    ]
    for change, param in bad:
        status, body = _post(c, KEY_A, **{**ok, **change})
        assert status == 400, (change, body)
        if param:
            assert body["error"]["param"] == param, body  # type: ignore[index]
    status, body = _post(
        c, KEY_A, **{**ok, "value": 0.5, "choice_index": 0, "candidate_index": None}
    )
    assert status == 201 and body["value"] == 0.5, body


def test_feedback_is_idempotent_by_id_and_shown(c: TestClient) -> None:
    tid = ask(c, bearer(KEY_A))
    fb = {"id": "fb-1", "trace_id": tid, "candidate_index": 1, "name": "thumbs", "value": False}
    first = _post(c, KEY_A, **fb)
    again = _post(c, KEY_A, **fb)
    assert first[0] == 201 and again[0] == 200 and first[1] == again[1]
    status, body = _post(c, KEY_A, **{**fb, "value": True})
    assert status == 409 and body["error"]["code"] == "idempotency_conflict"  # type: ignore[index]
    # Another owner may use the same id for its own trace.
    tid_b = ask(c, bearer(KEY_B))
    assert _post(c, KEY_B, **{**fb, "trace_id": tid_b})[0] == 201
    page = c.get(f"/traces/{tid}", headers=bearer(KEY_A)).text
    assert 'id="feedback"' in page and "thumbs" in page and page.count("fb-1") == 1
    text = c.get("/metrics", headers=bearer(OPERATOR)).text
    assert metric(text, "bon_feedback_total", 'result="created"') == 2
    assert metric(text, "bon_feedback_total", 'result="duplicate"') == 1
    assert metric(text, "bon_feedback_total", 'result="conflict"') == 1


def test_reference_labels_candidates_and_no_reward_sees_it(c: TestClient) -> None:
    seen: list[str] = []
    pipeline = c.app.state.pipeline  # type: ignore[attr-defined]
    plan = pipeline.scorer.plan

    def spying_plan(job: object) -> object:
        context, selection = plan(job)
        seen.append(repr(context))
        return context, selection

    pipeline.scorer.plan = spying_plan
    secret = "424242"
    tid = ask(c, bearer(KEY_A), reference={"answer": secret})
    assert seen and all(secret not in s for s in seen)
    tid = ask(c, bearer(KEY_A), reference={"answer": "42"})
    written(c, 2, headers=bearer(OPERATOR))
    store = c.app.state.traces.store  # type: ignore[attr-defined]
    rows = c.portal.call(store.candidates, tid)  # type: ignore[union-attr]
    verdicts = {r.index: (r.verified, r.verified_by) for r in rows}
    # MATH_SCRIPT: candidates 0, 2, 3 answer 42, candidate 1 answers 41.
    assert verdicts == {
        0: (True, "reference.answer"),
        1: (False, "reference.answer"),
        2: (True, "reference.answer"),
        3: (True, "reference.answer"),
    }
    big = ask_status(c, reference={"answer": "1", "tests": "x" * 70_000})
    assert big == 400


def ask_status(c: TestClient, **extra: object) -> int:
    from tests.store.helpers import ASK

    r = c.post("/v1/chat/completions", json={**ASK, **extra}, headers=bearer(KEY_A))
    return r.status_code
