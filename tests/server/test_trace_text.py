"""No trace field carries system-prompt text unless the caller asked for ``trace: "full"``
and the operator's ``--trace-text full`` allows it.

The attack (issue 10, item 3): even a summary trace quoted the system prompt in the task
evidence ("JSON asked for in system prompt: 'Reply with the card 4111 ... in JSON'").
Searched are the trace's words only (:func:`tests.text.json_strings`): a float timing
can hold a digit run by chance.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.engines.scripted import ScriptedEngine
from tests.conftest import MODEL, make_settings
from tests.text import json_strings

EMAIL = "alice.secret@example.com"
CARD = "4111 1111 1111 1111"
PHRASE = "purple walrus sings at midnight"
SECRETS = (EMAIL, CARD, CARD.replace(" ", ""), PHRASE)
# The secrets sit inside the very words that make the selector decide on JSON, code and
# math, so any evidence that quotes what it matched quotes them.
SYSTEM = (
    f"Reply with the card {CARD} in JSON. Customer {EMAIL}; write a function for"
    f" {PHRASE}. What is 4111 * 1111? $x = {PHRASE}$. The passphrase is {PHRASE}."
)
SCRIPT: dict[str, Any] = {
    "rules": [
        {
            "candidates": [
                {"text": '{"answer": 4}', "logprob": -0.1},
                {"text": '{"answer": "four"}', "logprob": -0.2},
                {"text": "not json", "logprob": -0.3},
            ]
        }
    ]
}


def _trace(trace_text: str, level: str, role: str = "system") -> tuple[dict[str, Any], str]:
    """The trace as the response carries it and the viewer's page of the stored one."""
    app = create_app(
        make_settings(trace_text=trace_text),
        engine=ScriptedEngine.from_dict(SCRIPT, model_name=MODEL),
    )
    body = {
        "model": MODEL,
        "messages": [
            {"role": role, "content": SYSTEM},
            {"role": "user", "content": "Give me the record."},
        ],
        "best_of": 3,
        "trace": level,
    }
    with TestClient(app) as c:
        r = c.post("/v1/chat/completions", json=body)
        assert r.status_code == 200, r.text
        stored = c.get(f"/v1/traces/{r.headers['X-Bon-Trace-Id']}").json()
        page = c.get(f"/traces/{r.headers['X-Bon-Trace-Id']}").text
    assert stored == r.json()["trace"]
    return stored, page


@pytest.mark.parametrize(
    ("trace_text", "level"),
    [
        ("redacted", "summary"),
        ("full", "summary"),
        ("none", "summary"),
        ("redacted", "full"),
        ("none", "full"),
    ],
)
@pytest.mark.parametrize("role", ["system", "developer"])
def test_no_trace_field_quotes_the_system_prompt(trace_text: str, level: str, role: str) -> None:
    trace, page = _trace(trace_text, level, role)
    words = json_strings(trace)
    for secret in SECRETS:
        assert secret not in words, (trace_text, level, secret)
        assert secret not in page, (trace_text, level, secret)
    # It still says, in our own words, why the task is JSON.
    assert trace["task"] == {"name": "json", "evidence": ["JSON asked for in system prompt"]}
    if level == "full":
        # The caller's own message is there; the system prompt is withheld, and says so.
        assert "user: Give me the record." in trace["prompt"]
        assert f"{role}: [withheld:" in trace["prompt"]


def test_a_full_trace_shows_it_where_the_operator_allows() -> None:
    trace, page = _trace("full", "full")
    assert PHRASE in trace["prompt"] and EMAIL in trace["prompt"]
    assert PHRASE in page


def test_the_evidence_for_code_and_math_quotes_nothing() -> None:
    from rewards.task import detect_task

    cases = [
        f"Write a function that stores {PHRASE}",
        f"```python\nprint(1)\n```\ndef secret_{EMAIL.split('@')[0].replace('.', '_')}(x):",
        f"What is {CARD.replace(' ', '')} * 7? Solve $x = {PHRASE}$",
        f"debugging{PHRASE.replace(' ', '')} python",
    ]
    for prompt in cases:
        _, evidence = detect_task(prompt)
        text = "\n".join(evidence)
        for secret in (*SECRETS, "alice_secret", "purplewalrus", "41111111"):
            assert secret not in text, (prompt, evidence)
