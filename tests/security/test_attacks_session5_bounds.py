"""The black-box pass's hostile bodies (docs/attacks-session5-blackbox.md, findings 2, 3
and 7): each attack as it was sent, smaller, and what the server does with it now.

No assertion times anything: the bounded work is pinned by what the server answers (one
short error, not one per key or part) and by the number of errors validation built.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from server.app import create_app
from server.feedback import FeedbackRequest
from server.protocol import (
    MAX_CONTENT_PARTS,
    MAX_CONTENT_PARTS_PER_MESSAGE,
    ChatCompletionRequest,
    CompletionRequest,
)
from server.responses.protocol import ResponsesRequest
from server.tolerance import MAX_LISTED_FIELDS
from tests.conftest import MODEL, make_engine, make_settings


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(), engine=make_engine())) as c:
        yield c


HI = [{"role": "user", "content": "hi"}]
BODIES: dict[str, tuple[str, dict[str, Any]]] = {
    "chat": ("/v1/chat/completions", {"model": MODEL, "messages": HI}),
    "completions": ("/v1/completions", {"model": MODEL, "prompt": "hi"}),
    "responses": ("/v1/responses", {"model": MODEL, "input": "hi"}),
    "feedback": ("/v1/feedback", {}),
}
MODELS: dict[str, tuple[type[BaseModel], dict[str, Any]]] = {
    "chat": (ChatCompletionRequest, BODIES["chat"][1]),
    "completions": (CompletionRequest, BODIES["completions"][1]),
    "responses": (ResponsesRequest, BODIES["responses"][1]),
    "feedback": (
        FeedbackRequest,
        {"trace_id": "chatcmpl-x", "candidate_index": 0, "name": "correct", "value": True},
    ),
}
UNKNOWN = 20_000  # the attack sent 350,000 (4 MB); the shape of the answer is the same


def _unknown(count: int) -> dict[str, int]:
    return {f"k{i}": 1 for i in range(count)}


# Finding 2: 350,000 unknown top-level keys got a 20.8 MB 400 that listed every one, and
# building it held the event loop for seconds, on chat, completions, responses, feedback.


@pytest.mark.parametrize("route", list(BODIES))
def test_many_unknown_fields_get_a_short_400_naming_a_few(client: TestClient, route: str) -> None:
    path, body = BODIES[route]
    r = client.post(path, json={**body, **_unknown(UNKNOWN)})
    assert r.status_code == 400, r.text[:300]
    assert len(r.content) < 2_000, len(r.content)
    error = r.json()["error"]
    assert error["code"] == "unknown_parameter" and error["param"] == "k0"
    message = error["message"]
    assert f"{UNKNOWN} unrecognized request arguments" in message
    assert f"'k{MAX_LISTED_FIELDS - 1}'" in message and f"'k{MAX_LISTED_FIELDS}'" not in message
    assert f"and {UNKNOWN - MAX_LISTED_FIELDS} more" in message


@pytest.mark.parametrize("route", list(MODELS))
def test_the_unknown_fields_are_counted_before_any_per_field_error(route: str) -> None:
    # One error, whatever the number of keys: validation never builds one error per key.
    model, body = MODELS[route]
    with pytest.raises(ValidationError) as caught:
        model.model_validate({**body, **_unknown(UNKNOWN)})
    errors = caught.value.errors(include_input=False)  # the input is the body itself
    assert len(errors) == 1 and errors[0]["type"] == "too_many_unknown_fields", errors[:2]
    assert len(json.dumps(errors, default=str)) < 2_000


def test_a_few_unknown_fields_are_still_each_named(client: TestClient) -> None:
    path, body = BODIES["chat"]
    r = client.post(path, json={**body, "zz": 1, "yy": 2})
    error = r.json()["error"]
    assert r.status_code == 400 and error["param"] == "zz"
    assert "'zz'" in error["message"] and "'yy'" in error["message"]


def test_many_refused_fields_are_listed_up_to_a_bound(client: TestClient) -> None:
    # Just under the unknown-field bound, plus invalid known fields: the message lists
    # MAX_LISTED_FIELDS problems and counts the rest.
    path, body = BODIES["chat"]
    bad = {**body, **_unknown(MAX_LISTED_FIELDS), "temperature": 9, "top_p": 9, "n": 0}
    r = client.post(path, json=bad)
    error = r.json()["error"]
    assert r.status_code == 400
    total = MAX_LISTED_FIELDS + 3
    assert error["message"].startswith(f"{total} parameters refused:"), error["message"]
    assert f"({MAX_LISTED_FIELDS})" in error["message"]
    assert f"({MAX_LISTED_FIELDS + 1})" not in error["message"]
    assert "and 3 more" in error["message"]


# Finding 3: 130,000 text parts in one message stalled the loop 2-3.5 s; 135,000 empty
# parts were served (200) after 5 s; Responses took 115,000 empty input_text parts.


def _parts(count: int, kind: str = "text") -> list[dict[str, str]]:
    return [{"type": kind, "text": ""} for _ in range(count)] + [{"type": kind, "text": "hi"}]


def _chat(client: TestClient, messages: list[Any]) -> Any:
    return client.post("/v1/chat/completions", json={"model": MODEL, "messages": messages})


def test_many_content_parts_in_one_message_are_a_400_naming_messages(client: TestClient) -> None:
    r = _chat(client, [{"role": "user", "content": _parts(130_000)}])
    assert r.status_code == 400, r.text[:300]
    error = r.json()["error"]
    assert error["param"] == "messages"
    assert f"at most {MAX_CONTENT_PARTS_PER_MESSAGE}" in error["message"]
    assert "messages[0]" in error["message"] and "messages[0].content[" not in error["message"]


def test_content_parts_are_counted_before_any_part_is_validated(client: TestClient) -> None:
    r = _chat(client, [{"role": "user", "content": [7] * 100_000}])
    error = r.json()["error"]
    assert r.status_code == 400 and error["param"] == "messages"
    assert "content[" not in error["message"] and len(r.content) < 2_000


def test_content_parts_spread_over_messages_are_bounded_in_total(client: TestClient) -> None:
    per = MAX_CONTENT_PARTS_PER_MESSAGE - 1  # +1 "hi" part: at the per-message bound
    count = MAX_CONTENT_PARTS // MAX_CONTENT_PARTS_PER_MESSAGE + 1
    r = _chat(client, [{"role": "user", "content": _parts(per)} for _ in range(count)])
    error = r.json()["error"]
    assert r.status_code == 400 and error["param"] == "messages"
    assert f"at most {MAX_CONTENT_PARTS} in a request" in error["message"]


def test_content_parts_up_to_the_bounds_are_served(client: TestClient) -> None:
    per = MAX_CONTENT_PARTS_PER_MESSAGE - 1
    count = MAX_CONTENT_PARTS // MAX_CONTENT_PARTS_PER_MESSAGE
    r = _chat(client, [{"role": "user", "content": _parts(per)} for _ in range(count)])
    assert r.status_code == 200, r.text[:300]


def _respond(client: TestClient, items: Any) -> Any:
    return client.post("/v1/responses", json={"model": MODEL, "input": items})


def test_many_responses_content_parts_are_a_400_naming_input(client: TestClient) -> None:
    r = _respond(client, [{"role": "user", "content": _parts(115_000, "input_text")}])
    assert r.status_code == 400, r.text[:300]
    error = r.json()["error"]
    assert error["param"] == "input" and "input[0]" in error["message"]
    assert f"at most {MAX_CONTENT_PARTS_PER_MESSAGE}" in error["message"]


def test_responses_content_parts_are_bounded_in_total(client: TestClient) -> None:
    per = MAX_CONTENT_PARTS_PER_MESSAGE - 1
    count = MAX_CONTENT_PARTS // MAX_CONTENT_PARTS_PER_MESSAGE + 1
    items = [{"role": "user", "content": _parts(per, "input_text")} for _ in range(count)]
    r = _respond(client, items)
    error = r.json()["error"]
    assert r.status_code == 400 and error["param"] == "input"
    assert f"at most {MAX_CONTENT_PARTS} in a request" in error["message"]


def test_responses_content_parts_up_to_the_bounds_are_served(client: TestClient) -> None:
    per = MAX_CONTENT_PARTS_PER_MESSAGE - 1
    count = MAX_CONTENT_PARTS // MAX_CONTENT_PARTS_PER_MESSAGE
    items = [{"role": "user", "content": _parts(per, "input_text")} for _ in range(count)]
    assert _respond(client, items).status_code == 200


# Finding 7: an empty feedback body's 400 read "Missing required parameter: 'None'".


def test_an_empty_body_is_named_as_the_body(client: TestClient) -> None:
    r = client.post("/v1/feedback", content=b"", headers={"content-type": "application/json"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert "None" not in error["message"], error
    assert "body" in error["message"] and "JSON object" in error["message"]
    assert error["code"] == "missing_required_parameter"


def test_an_empty_object_names_the_first_missing_field(client: TestClient) -> None:
    r = client.post("/v1/feedback", json={})
    error = r.json()["error"]
    assert r.status_code == 400 and error["param"] == "trace_id"
    assert "'trace_id'" in error["message"] and "None" not in error["message"]
