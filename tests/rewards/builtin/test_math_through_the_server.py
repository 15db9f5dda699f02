"""The math rewards as the server runs them: in its scoring threads, math-verify in the worker.

The engine is the scripted one (the candidates are fixed); everything above it,
the selector, the scoring thread pool and the rewards, is the server's own.
"""

from typing import Any

from fastapi.testclient import TestClient

from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings

PROMPT = (
    "A baker has 48 cupcakes and puts them equally into 2 boxes. How many cupcakes are in each box?"
)
SCRIPT = {
    "rules": [
        {
            "match": "cupcakes",
            "candidates": [
                {"text": "48 cupcakes / 2 boxes = 20 cupcakes per box. The answer is 20."},
                {"text": "2 * 48 = 104, so there are 20.0 in each"},
                {"text": "48 / 2 = 24, so \\boxed{24}"},
                {"text": "Each box has 24.0 cupcakes."},
            ],
        }
    ]
}


def test_checked_steps_decide_a_tied_vote_in_the_server() -> None:
    app = create_app(make_settings(), engine=make_engine(SCRIPT))
    with TestClient(app) as client:
        body: dict[str, Any] = {
            "model": MODEL,
            "messages": [{"role": "user", "content": PROMPT}],
            "best_of": 4,
            "trace": "full",
        }
        r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    trace = r.json()["trace"]
    assert {"answer_agreement", "math_steps"} <= {x["name"] for x in trace["rewards"]}
    cands = trace["candidates"]
    agreement = [c["scores"]["answer_agreement"] for c in cands]
    # 20 and 24 have two votes each; the 24s' steps hold, the 20s' do not.
    assert [round(a["raw"], 2) for a in agreement] == [0.24, 0.24, 0.76, 0.76]
    assert agreement[0]["evidence"] == (
        "answer 20: cluster 2/4 candidates, weighted share 0.24; own weight 0.11 (steps 0/1)"
    )
    # No "compared: ..." note: 20 and 20.0 were matched by math-verify in its worker.
    assert agreement[1]["evidence"].startswith("answer 20.0: cluster 2/4 candidates")
    assert cands[0]["scores"]["math_steps"]["evidence"] == (
        "0/1 arithmetic claims hold; first false: 48 / 2 = 20 (left side is 24)"
    )
    assert "24" in r.json()["choices"][0]["message"]["content"]
