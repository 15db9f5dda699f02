"""Fuzz every operation of the OpenAPI schema with schemathesis (hypothesis underneath).

The app runs on the scripted engine (no delay), called in-process through ASGI.
Generated requests, valid and invalid (``positive`` and ``negative`` modes), must
never get a 5xx; every 4xx is in OpenAI's error format; the server still answers
after. ``BON_FUZZ_EXAMPLES`` sets the examples per operation and mode (default 400:
about 2,700 requests, about two minutes here).

The examples are derandomised (the same every run: CI must not fail at random);
``BON_FUZZ_RANDOM=1`` draws new ones for a longer hunt. One 5xx is the documented
answer to client input: a 504 ``timeout`` when the client's own ``deadline_s`` ran
out (a fuzzed ``deadline_s: 0.001`` does, or does not, depending on the machine).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from server.app import create_app
from server.engines.scripted import ScriptedEngine
from tests.conftest import MODEL, make_settings

EXAMPLES = int(os.environ.get("BON_FUZZ_EXAMPLES", "400"))
DERANDOMIZE = os.environ.get("BON_FUZZ_RANDOM", "") != "1"
CALLS: Counter[str] = Counter()

# No `error` rule: an engine failure would be a legitimate 503, not a finding.
SCRIPT: dict[str, Any] = {
    "rules": [
        {
            "candidates": [
                {"text": "The answer is \\boxed{42}.", "logprob": -0.3},
                {"text": "It is 41, I think.", "logprob": -0.2},
                {"text": '{"answer": 42}', "logprob": -0.5},
            ]
        }
    ]
}

engine = ScriptedEngine.from_dict(SCRIPT, model_name=MODEL)
app = create_app(make_settings(max_body_bytes=256 * 1024), engine=engine)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=DERANDOMIZE,
)
def test_no_server_errors(case: schemathesis.Case[Any]) -> None:
    # Every other body names the served model, so generated requests get past the 404
    # and into validation, the pipeline and the rewards.
    if isinstance(case.body, dict) and "model" in case.body and CALLS["total"] % 2:
        case.body["model"] = MODEL
    response = case.call()
    CALLS["total"] += 1
    CALLS[f"{response.status_code // 100}xx"] += 1
    if response.status_code == 504 and _client_deadline(case.body):
        assert response.json()["error"]["code"] == "timeout", response.text[:500]
        return
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert isinstance(error["message"], str) and error["message"]


def _client_deadline(body: Any) -> bool:
    """The request set its own deadline (``deadline_s``), which may run out."""
    return isinstance(body, dict) and isinstance(body.get("deadline_s"), int | float)


def test_server_is_alive_after_the_fuzz() -> None:
    """Runs after the fuzz (file order): the app still serves, and the fuzz did run."""
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        body = {"model": MODEL, "messages": [{"role": "user", "content": "What is 6 * 7?"}]}
        assert client.post("/v1/chat/completions", json=body).status_code == 200
    print(f"fuzz: {dict(CALLS)}")  # shown with -s
    if EXAMPLES >= 100:
        assert CALLS["total"] >= 5 * EXAMPLES, CALLS
        assert CALLS["2xx"] > 0 and CALLS["4xx"] > 0, CALLS
