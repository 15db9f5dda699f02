"""Malformed HTTP Basic credentials on the trace viewer are a 401 with the challenge, never a 500.

A red team sent ``Authorization: Basic \\xc3\\xa9\\xff`` to ``/traces``: the base64 decoder
raised on the non-ASCII header and the viewer answered 500. Every broken form of the
credential is just a wrong credential.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.conftest import make_engine, make_settings

KEY = "viewer-key-123"


def _b64(raw: bytes) -> bytes:
    return base64.b64encode(raw)


MALFORMED: dict[str, bytes] = {
    "non-ascii header bytes": b"Basic \xc3\xa9\xff",
    "latin-1 header byte": b"Basic \xe9",
    "invalid base64": b"Basic not*base64!",
    "bad padding": b"Basic YWJj=",
    "base64 without a colon": b"Basic " + _b64(b"justonepart"),
    "non-utf-8 after decoding": b"Basic " + _b64(b"user:\xff\xfe" + KEY.encode()),
    "empty credential": b"Basic ",
    "empty password": b"Basic " + _b64(b"user:"),
    "only a colon": b"Basic " + _b64(b":"),
    "scheme alone": b"Basic",
    "non-ascii bearer": b"Bearer \xc3\xa9\xff",
}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = create_app(make_settings(api_keys=KEY), engine=make_engine())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("path", ["/traces", "/traces/abc"])
@pytest.mark.parametrize("header", MALFORMED.values(), ids=list(MALFORMED))
def test_a_malformed_basic_credential_is_a_401_challenge(
    client: TestClient, path: str, header: bytes
) -> None:
    r = client.get(path, headers={b"Authorization": header})
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"].startswith("Basic ")
    assert r.json()["error"]["code"] == "invalid_api_key"


@pytest.mark.parametrize("header", MALFORMED.values(), ids=list(MALFORMED))
def test_a_malformed_credential_elsewhere_is_a_401_bearer(
    client: TestClient, header: bytes
) -> None:
    r = client.get("/v1/traces/abc", headers={b"Authorization": header})
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == "Bearer"


def test_the_right_basic_password_still_opens_the_viewer(client: TestClient) -> None:
    r = client.get("/traces", headers={b"Authorization": b"Basic " + _b64(f"me:{KEY}".encode())})
    assert r.status_code == 200
