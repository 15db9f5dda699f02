"""Nothing derived from a vetoed candidate's text leaves the server, group facts included.

The rewards' evidence *for* a vetoed candidate is withheld (rewards/scoring.py); the red
team found the other way out: facts about the *group* quoted in the evidence of the
candidates that were kept. With two candidates answering with a card number (vetoed by
``pii.card``) and one answering 12, ``efficiency`` told the winner that "compared are
those with the majority answer '4111111111111111' (2 of 3)". Likewise the selector's
"second look" decision quoted the group's most common answer, and adaptive rounds
their top answer. No string of the response, trace, stored trace or trace page may
hold the vetoed number.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings
from tests.text import json_strings

CARD = "4111111111111111"
OTHER_CARD = "4012888888881881"  # another Luhn-valid test number
SECRETS = ("4111", "4012888")
SCRIPT: dict[str, Any] = {
    "rules": [
        {
            # Two vetoed candidates agree: the group's majority answer is the card.
            "match": "[pii-ans]",
            "candidates": [
                {"text": f"The answer is {CARD}.", "logprob": -0.1},
                {"text": f"The answer is {CARD}.", "logprob": -0.2},
                {"text": "The answer is 12.", "logprob": -0.3},
            ],
        },
        {
            # Everyone disagrees, the card first: the most common answer is the card's.
            "match": "[pii-split]",
            "candidates": [
                {"text": f"The answer is {CARD}.", "logprob": -0.1},
                {"text": "The answer is 12.", "logprob": -0.2},
                {"text": "The answer is 13.", "logprob": -0.3},
                {"text": f"The answer is {OTHER_CARD}.", "logprob": -0.4},
            ],
        },
        {
            # As above with three kept answers that disagree: the second look counts the
            # kept candidates only (it runs on the round's record, after the gates).
            "match": "[pii-split3]",
            "candidates": [
                {"text": f"The answer is {CARD}.", "logprob": -0.1},
                {"text": "The answer is 12.", "logprob": -0.2},
                {"text": "The answer is 13.", "logprob": -0.3},
                {"text": "The answer is 14.", "logprob": -0.35},
                {"text": f"The answer is {OTHER_CARD}.", "logprob": -0.4},
            ],
        },
    ]
}


def _exchange(tag: str, best_of: int | str, level: str) -> tuple[str, str, str, str]:
    """The response's words, the stored trace's words, the trace page, the log-free
    listing page: everything a caller can read about the request."""
    app = create_app(make_settings(), engine=make_engine(SCRIPT))
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": f"{tag} What is 7 + 5?"}],
        "best_of": best_of,
        "trace": level,
    }
    with TestClient(app) as c:
        r = c.post("/v1/chat/completions", json=body)
        assert r.status_code == 200, r.text
        trace_id = r.headers["X-Bon-Trace-Id"]
        stored = c.get(f"/v1/traces/{trace_id}")
        assert stored.status_code == 200, stored.text
        page = c.get(f"/traces/{trace_id}")
        assert page.status_code == 200
        listing = c.get("/traces").text
    assert r.json()["choices"][0]["message"]["content"] == "The answer is 12."
    return json_strings(r.json()), json_strings(stored.json()), page.text, listing


@pytest.mark.parametrize("level", ["summary", "full", "none"])
@pytest.mark.parametrize("best_of", [3, 4, "auto"])
@pytest.mark.parametrize("tag", ["[pii-ans]", "[pii-split]"])
def test_no_string_quotes_a_vetoed_answer(tag: str, best_of: int | str, level: str) -> None:
    for where, text in zip(
        ("response", "stored trace", "trace page", "trace list"),
        _exchange(tag, best_of, level),
        strict=True,
    ):
        for secret in SECRETS:
            leaks = [line for line in text.splitlines() if secret in line]
            assert not leaks, (where, leaks)


def test_the_kept_candidates_are_still_compared_among_themselves() -> None:
    """Vetoed candidates do not make the majority: the evidence speaks of the kept ones."""
    from rewards.builtin.efficiency import Efficiency
    from rewards.types import RewardContext

    ctx = RewardContext(prompt="What is 7 + 5?", task="math")
    texts = [f"The answer is {CARD}.", f"The answer is {CARD}.", "12", "It is 12."]
    scores = Efficiency()(
        completions=texts, context=ctx, candidates=[], vetoed=[True, True, False, False]
    )
    assert [s.value for s in scores[2:]] == [1.0, 0.0]
    assert all(SECRETS[0] not in s.evidence for s in scores)
    assert "'12' (2 of 2)" in scores[2].evidence


def test_the_second_look_still_says_why_in_counts() -> None:
    """The split group does take the selector's second look: the decision is there,
    in counts, so the test above reads a decision that once quoted the card."""
    app = create_app(make_settings(), engine=make_engine(SCRIPT))
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "[pii-split3] What is 7 + 5?"}],
        "best_of": 5,
    }
    with TestClient(app) as c:
        trace = c.post("/v1/chat/completions", json=body).json()["trace"]
    # Three kept answers, one each (the two vetoed cards are not counted).
    assert trace["decisions"] == [
        "second look: group disagrees on the final answer (the most common has 1 of 3"
        " answered); math_steps 0.5 -> 1"
    ]
    assert not any(secret in json.dumps(trace) for secret in SECRETS)
