"""Per-key rate limits: requests and candidates per minute answer 429 with Retry-After.

Every test drives the limiter's clock by hand: nothing sleeps, nothing is timed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.app import create_app
from server.errors import InvalidRequest
from server.pipeline import GroupScorer
from server.ratelimit import RateLimited, RateLimiter
from tests.conftest import MODEL, make_engine, make_settings

KEY_A = "sk-alice-0123456789"
KEY_B = "sk-bob-abcdefghijk"
OPERATOR = "sk-operator-999999"


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _body(best_of: int | str = 2, **extra: Any) -> dict[str, Any]:
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": "What is 2 + 2?"}],
        "best_of": best_of,
        **extra,
    }


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _app(**settings: Any) -> tuple[FastAPI, Clock]:
    app = create_app(
        make_settings(api_keys=f"{KEY_A},{KEY_B}", operator_keys=OPERATOR, **settings),
        engine=make_engine(),
    )
    clock = Clock()
    app.state.rate_limiter.clock = clock
    return app, clock


@pytest.fixture
def rpm2() -> Iterator[tuple[TestClient, Clock]]:
    app, clock = _app(rate_limit_rpm=2)
    with TestClient(app) as c:
        yield c, clock


def _post(c: TestClient, key: str, **body: Any) -> Any:
    return c.post("/v1/chat/completions", json=_body(**body), headers=_auth(key))


def test_the_request_over_the_minutes_allowance_gets_429_with_retry_after(
    rpm2: tuple[TestClient, Clock],
) -> None:
    c, clock = rpm2
    assert _post(c, KEY_A).status_code == 200
    assert _post(c, KEY_A).status_code == 200
    r = _post(c, KEY_A)
    assert r.status_code == 429
    # Two a minute: the next one is due in 30 s (whole seconds).
    assert r.headers["Retry-After"] == "30"
    err = r.json()["error"]
    assert err["type"] == "rate_limit_error" and err["code"] == "rate_limit_exceeded"
    assert "2 requests per minute" in err["message"]
    # Another key is not affected, nor is an operator.
    assert _post(c, KEY_B).status_code == 200
    for _ in range(3):
        assert _post(c, OPERATOR).status_code == 200
    # Not yet...
    clock.now += 29
    assert _post(c, KEY_A).status_code == 429
    # ...and now.
    clock.now += 1
    assert _post(c, KEY_A).status_code == 200
    assert _post(c, KEY_A).status_code == 429
    metrics = c.get("/metrics", headers=_auth(OPERATOR)).text  # operators only
    assert 'bon_rate_limited_total{limit="requests"} 3.0' in metrics
    assert 'bon_rate_limited_total{limit="candidates"} 0.0' in metrics


def test_candidates_per_minute_count_best_of() -> None:
    app, clock = _app(rate_limit_cpm=8)
    with TestClient(app) as c:
        assert _post(c, KEY_A, best_of=4).status_code == 200
        assert _post(c, KEY_A, best_of=3).status_code == 200
        r = _post(c, KEY_A, best_of=2)  # 7 used, 1 left
        assert r.status_code == 429
        assert "8 candidates per minute" in r.json()["error"]["message"]
        assert r.headers["Retry-After"] == "8"  # one candidate per 7.5 s
        assert _post(c, KEY_A, best_of=1).status_code == 200
        assert _post(c, KEY_B, best_of=8).status_code == 200
        clock.now += 60
        assert _post(c, KEY_A, best_of=8).status_code == 200
        metrics = c.get("/metrics", headers=_auth(OPERATOR)).text
    assert 'bon_rate_limited_total{limit="candidates"} 1.0' in metrics


def test_best_of_auto_is_charged_its_budget() -> None:
    app, _ = _app(rate_limit_cpm=16)
    with TestClient(app) as c:
        assert _post(c, KEY_A, best_of="auto", best_of_budget=12).status_code == 200
        r = _post(c, KEY_A, best_of="auto", best_of_budget=12)
        assert r.status_code == 429 and "candidates" in r.json()["error"]["message"]


def test_a_group_larger_than_a_whole_minute_is_a_400_not_a_429_forever() -> None:
    app, _ = _app(rate_limit_cpm=8)
    with TestClient(app) as c:
        r = _post(c, KEY_A, best_of=9)
        assert r.status_code == 400
        err = r.json()["error"]
        assert err["code"] == "rate_limit_exceeds_allowance" and err["param"] == "best_of"
        assert "8 candidates per minute" in err["message"]
        # It took nothing from the allowance.
        assert _post(c, KEY_A, best_of=8).status_code == 200


def test_the_limit_is_checked_before_any_planning(
    rpm2: tuple[TestClient, Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    c, _ = rpm2
    planned: list[str] = []
    original = GroupScorer.plan

    def plan(self: GroupScorer, job: Any) -> Any:
        planned.append(job.request_id)
        return original(self, job)

    monkeypatch.setattr(GroupScorer, "plan", plan)
    assert _post(c, KEY_A).status_code == 200
    assert _post(c, KEY_A).status_code == 200
    assert len(planned) == 2
    assert _post(c, KEY_A).status_code == 429
    assert len(planned) == 2


def test_a_streamed_request_over_the_limit_is_a_plain_429(
    rpm2: tuple[TestClient, Clock],
) -> None:
    c, _ = rpm2
    for _ in range(2):
        assert _post(c, KEY_A).status_code == 200
    r = _post(c, KEY_A, stream=True)
    assert r.status_code == 429 and r.headers["Retry-After"] == "30"
    assert r.json()["error"]["code"] == "rate_limit_exceeded"
    completions = c.post(
        "/v1/completions",
        json={"model": MODEL, "prompt": "2 + 2 =", "best_of": 2},
        headers=_auth(KEY_A),
    )
    assert completions.status_code == 429


def test_limits_are_off_by_default() -> None:
    with TestClient(create_app(make_settings(), engine=make_engine())) as c:
        for _ in range(5):
            assert c.post("/v1/chat/completions", json=_body()).status_code == 200


def test_a_refused_request_takes_nothing() -> None:
    clock = Clock()
    limiter = RateLimiter(rpm=10, cpm=4, clock=clock)
    limiter.admit("o", 3)
    with pytest.raises(RateLimited) as info:
        limiter.admit("o", 2)
    assert info.value.limit == "candidates" and info.value.retry_after_s == 15
    # The refused request took neither a request nor candidates: one candidate is left.
    limiter.admit("o", 1)
    with pytest.raises(InvalidRequest):
        limiter.admit("o", 5)


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    clock = Clock()
    limiter = RateLimiter(rpm=7, cpm=0, clock=clock)
    for _ in range(7):
        limiter.admit("o", 64)
    with pytest.raises(RateLimited) as info:
        limiter.admit("o", 1)
    assert info.value.retry_after_s == 9  # 60 / 7 = 8.57 s
    assert info.value.headers == {"Retry-After": "9"}
    clock.now += 9
    limiter.admit("o", 1)


def test_the_docstring_example_holds() -> None:
    import doctest

    import server.ratelimit

    assert doctest.testmod(server.ratelimit, optionflags=doctest.ELLIPSIS).failed == 0
