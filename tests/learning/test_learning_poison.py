"""One tenant cannot poison everyone's learned weights (docs/attacks-session5-blackbox.md,
finding 1; review5 finding 3).

The attack: a math request at ``best_of: 64`` whose candidates are mostly "42", with
``reference: {"answer": "41"}`` on the attacker's own trace, or 64 ``correct`` posts
labelling the "41" right. Counted in pairs, that one group was hundreds of pairs against
a 30-pair threshold, and answer_agreement, math_steps, math_reasoning and format dropped to
weight 0 for every tenant: another tenant's answer flipped from right to wrong. Now a
group is one observation, one owner's groups are capped, and learning needs labels from
``--reward-learning-min-owners`` distinct owners.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from server.app import create_app
from tests.conftest import MATH_SCRIPT, MODEL, make_engine, make_settings
from tests.learning.test_learning_app import PROFILES, _registry
from tests.store.helpers import BUDGETS, bearer, wait_for, written

ATTACKER = "sk-tenant-a-0123456789"
VICTIM = "sk-tenant-b-0123456789"
HONEST = ["sk-honest-1-0123456789", "sk-honest-2-0123456789", "sk-honest-3-0123456789"]
OPERATOR = "sk-operator-0123456789"

SCRIPT: dict[str, Any] = {
    "rules": [
        {
            "match": "POISONMATH",  # 1 wrong-by-consensus candidate, 7 consensus ones
            "candidates": [{"text": "6 * 7 = 41. The answer is 41."}]
            + [{"text": "6 * 7 = 42. The answer is \\boxed{42}."}] * 7,
        },
        {
            "match": "VICTIM",  # 3 right verbose answers, 1 short wrong one
            "candidates": [
                {"text": "Let me think step by step. 3 + 4 = 7. So the answer is \\boxed{7}."}
            ]
            * 3
            + [{"text": "\\boxed{8}"}],
        },
        *MATH_SCRIPT["rules"],  # the apples group (tests/conftest.py)
    ]
}


def _app(tmp_path: Path, keys: list[str], **settings: Any) -> TestClient:
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(PROFILES)
    app = create_app(
        make_settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'poison.db'}",
            profiles_file=profiles,
            api_keys=",".join(keys),
            reward_learning_min_groups=3,
            **BUDGETS,
            **settings,
        ),
        engine=make_engine(SCRIPT),
        registry=_registry(),
    )
    return TestClient(app)


def _chat(c: TestClient, key: str, content: str, **extra: Any) -> dict[str, Any]:
    body = {"model": MODEL, "messages": [{"role": "user", "content": content}], **extra}
    r = c.post("/v1/chat/completions", json=body, headers=bearer(key))
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _victim(c: TestClient) -> tuple[str, dict[str, tuple[float, str]]]:
    """Tenant B's answer and the weights its selection used."""
    out = _chat(c, VICTIM, "What is 3 + 4? VICTIM", best_of=4, trace="summary")
    weights = {x["name"]: (x["weight"], x["weight_source"]) for x in out["trace"]["rewards"]}
    return out["choices"][0]["message"]["content"], weights


def test_one_tenants_poisoned_labels_change_no_other_tenants_weights(tmp_path: Path) -> None:
    with _app(tmp_path, [ATTACKER, VICTIM]) as c:
        answer, weights = _victim(c)
        assert "\\boxed{7}" in answer
        written(c, 1, headers=bearer(VICTIM))
        # Several poisoned references, each a best_of 64 group (8 x 56 pairs as pairs)...
        for _ in range(3):
            _chat(c, ATTACKER, "What is 6 * 7? POISONMATH", best_of=64, reference={"answer": "41"})
        # ... and the feedback variant: 64 `correct` posts on one best_of 64 trace.
        out = _chat(c, ATTACKER, "What is 6 * 7? POISONMATH", best_of=64, trace="full")
        trace = out["trace"]
        for cand in trace["candidates"]:
            fb = c.post(
                "/v1/feedback",
                json={
                    "trace_id": trace["id"],
                    "candidate_index": cand["index"],
                    "name": "correct",
                    "value": "41" in cand["text"],
                },
                headers=bearer(ATTACKER),
            )
            assert fb.status_code == 201, fb.text
        written(c, 5, headers=bearer(VICTIM))
        learning = c.app.state.traces.learning  # type: ignore[attr-defined]
        wait_for(
            lambda: learning.of("math", "answer_agreement").tally.groups >= 4,
            "the poisoned groups counted",
        )
        rel = learning.of("math", "answer_agreement")
        assert rel.tally.right == 0 and rel.tally.owners == 1 and not rel.learned
        after, used = _victim(c)
        assert after == answer
        assert {k: w for k, (w, _) in used.items()} == {k: w for k, (w, _) in weights.items()}
        assert all(source.startswith("profile weight:") for _, source in used.values())
        assert "4 labelled math groups from 1 owner" in used["answer_agreement"][1]


def test_honest_labels_from_enough_owners_turn_a_contrarian_down(tmp_path: Path) -> None:
    with _app(tmp_path, [*HONEST, VICTIM]) as c:
        ask = {"best_of": 4, "reward_profile": "learnme", "trace": "summary"}
        content = "Compute 12 * 3 + 6 apples."  # the apples group (ASK)
        learning = c.app.state.traces.learning  # type: ignore[attr-defined]
        for n, key in enumerate(HONEST, start=1):
            # One owner's many groups are capped and are one owner: not enough alone.
            for _ in range(3 if n == 1 else 1):
                _chat(c, key, content, reference={"answer": "42"}, **ask)
            wait_for(
                lambda n=n: learning.of("math", "contrarian").tally.owners == n,
                f"owner {n}'s labels counted",
            )
            out = _chat(c, VICTIM, content, **ask)
            source = {x["name"]: x for x in out["trace"]["rewards"]}["contrarian"]
            if n < 3:
                assert source["weight"] == 1.0
                assert f"from {n} owner" in source["weight_source"]
                assert "learning starts at 3 groups from 3 owners" in source["weight_source"]
        assert source["weight"] == 0.0
        assert source["weight_source"].startswith(
            "learned: no better than chance for math, so it stops deciding"
        )
        assert "from 3 owners" in source["weight_source"]


def test_an_operators_labels_count_alone_and_uncapped(tmp_path: Path) -> None:
    with _app(tmp_path, [VICTIM], operator_keys=OPERATOR, reward_learning_owner_cap=1) as c:
        ask = {"best_of": 4, "reward_profile": "learnme", "trace": "summary"}
        content = "Compute 12 * 3 + 6 apples."  # the apples group (ASK)
        for _ in range(3):
            _chat(c, OPERATOR, content, reference={"answer": "42"}, **ask)
        learning = c.app.state.traces.learning  # type: ignore[attr-defined]
        wait_for(lambda: learning.of("math", "contrarian").tally.groups == 3, "the labels counted")
        out = _chat(c, VICTIM, content, **ask)
        contrarian = {x["name"]: x for x in out["trace"]["rewards"]}["contrarian"]
        assert contrarian["weight"] == 0.0
        assert "3 math groups" in contrarian["weight_source"]
