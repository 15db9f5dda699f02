"""presence_penalty, frequency_penalty, logit_bias and store are served, not refused.

The engine side (vLLM applies them) is tests/engine/test_sampling_penalties.py; here:
the API validates them and hands them to the engine unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.engines.base import Generation, GenerationRequest
from server.engines.scripted import ScriptedEngine
from tests.conftest import MODEL, make_engine, make_settings


class RecordingEngine(ScriptedEngine):
    """The scripted engine, keeping every request it was given."""

    requests: list[GenerationRequest]

    async def generate(self, request: GenerationRequest) -> Generation:
        self.requests.append(request)
        return await super().generate(request)


@pytest.fixture
def recorded() -> Iterator[tuple[TestClient, list[GenerationRequest]]]:
    engine = make_engine()
    engine.__class__ = RecordingEngine
    engine.requests = []  # type: ignore[attr-defined]
    with TestClient(create_app(make_settings(), engine=engine)) as c:
        yield c, engine.requests  # type: ignore[attr-defined]


def _chat(**extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": "capital?"}], **extra}


def test_penalties_and_logit_bias_reach_the_engine(
    recorded: tuple[TestClient, list[GenerationRequest]],
) -> None:
    client, requests = recorded
    body = _chat(presence_penalty=0.5, frequency_penalty=-1.0, logit_bias={"42": -100, "7": 3})
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    (request,) = requests
    assert (request.presence_penalty, request.frequency_penalty) == (0.5, -1.0)
    assert request.logit_bias == {42: -100.0, 7: 3.0}

    r = client.post(
        "/v1/completions",
        json={"model": MODEL, "prompt": "capital?", "presence_penalty": 2, "logit_bias": {"1": 1}},
    )
    assert r.status_code == 200, r.text
    assert requests[-1].presence_penalty == 2.0 and requests[-1].logit_bias == {1: 1.0}


def test_defaults_reach_the_engine_as_no_penalty(
    recorded: tuple[TestClient, list[GenerationRequest]],
) -> None:
    client, requests = recorded
    r = client.post("/v1/chat/completions", json=_chat(logit_bias={}, presence_penalty=None))
    assert r.status_code == 200, r.text
    assert requests[-1].presence_penalty == 0.0 and requests[-1].frequency_penalty == 0.0
    assert requests[-1].logit_bias is None


def test_store_true_is_accepted(recorded: tuple[TestClient, list[GenerationRequest]]) -> None:
    client, _ = recorded
    assert client.post("/v1/chat/completions", json=_chat(store=True)).status_code == 200


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"presence_penalty": 2.5}, "presence_penalty"),
        ({"frequency_penalty": -3}, "frequency_penalty"),
        ({"logit_bias": {"abc": 1}}, "logit_bias"),
        ({"logit_bias": {"-5": 1}}, "logit_bias"),
        ({"logit_bias": {"12": 101}}, "logit_bias"),
        ({"logit_bias": {str(i): 1 for i in range(301)}}, "logit_bias"),
    ],
)
def test_bad_values_are_a_400_naming_the_field(
    recorded: tuple[TestClient, list[GenerationRequest]], extra: dict[str, Any], param: str
) -> None:
    client, requests = recorded
    r = client.post("/v1/chat/completions", json=_chat(**extra))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"].startswith(param)
    assert not requests  # refused before the engine
