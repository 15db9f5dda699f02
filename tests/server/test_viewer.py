"""The HTML trace viewer: what it shows, that it escapes everything, and its errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.viewer import CSP, render_trace
from tests.conftest import MODEL, make_engine, make_settings

# Model output that is HTML: shown as text, never run. One candidate leaks a card number.
HTML_SCRIPT: dict[str, Any] = {
    "rules": [
        {
            "candidates": [
                {
                    "text": "<script>document.title='pwned'</script>The answer is 4.",
                    "logprob": -0.2,
                },
                {"text": 'Four. <img src=x onerror="document.body.remove()">', "logprob": -0.3},
                {"text": "Pay with 4111 1111 1111 1111, it is 4.", "logprob": -0.1},
                {"text": "2 + 2 = 4. The answer is <b>4</b>.", "logprob": -0.4},
            ]
        }
    ]
}
PROMPT = "What is 2 + 2? Reply <i>briefly</i> & clearly."


class _Tags(HTMLParser):
    """Collects the page's elements, attributes and text, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(make_settings(), engine=make_engine(HTML_SCRIPT))
    with TestClient(app) as c:
        yield c


def _ask(client: TestClient, trace: str = "full") -> str:
    resp = client.post(
        "/v1/chat/completions",
        json={
            "model": MODEL,
            "messages": [{"role": "user", "content": PROMPT}],
            "best_of": 4,
            "trace": trace,
        },
    )
    assert resp.status_code == 200, resp.text
    trace_id: str = resp.headers["X-Bon-Trace-Id"]
    return trace_id


def test_trace_page_shows_why_the_winner_won(client: TestClient) -> None:
    trace_id = _ask(client)
    trace = client.get(f"/v1/traces/{trace_id}").json()
    page = client.get(f"/traces/{trace_id}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CSP
    doc = _parse(page.text)
    text = " ".join(doc.text)
    # The prompt, as text.
    assert PROMPT in text
    # The reward set with why each was chosen.
    for reward in trace["rewards"]:
        assert reward["name"] in text and reward["reason"] in text
    # The winner's row is marked, and only it.
    winners = [attrs for tag, attrs in doc.tags if tag == "tr" and attrs.get("class") == "winner"]
    assert [w["id"] for w in winners] == [f"candidate-{trace['selected'][0]}"]
    # The vetoed candidate: its row, the gate and category, and its text withheld.
    vetoed = [c for c in trace["candidates"] if c["vetoed"]]
    assert [c["index"] for c in vetoed] == [2]
    assert ("tr", {"id": "candidate-2", "class": "vetoed"}) in doc.tags
    category = vetoed[0]["gates"]["pii"]["category"]
    assert f"pii: veto {category}" in re.sub(r"\s+", " ", "".join(doc.text))
    assert "4111" not in page.text
    # Timings of every phase.
    for phase in ("select", "queue", "generate", "score"):
        assert phase in text


def test_candidate_html_is_text_not_markup(client: TestClient) -> None:
    page = client.get(f"/traces/{_ask(client)}").text
    doc = _parse(page)
    tags = {tag for tag, _ in doc.tags}
    # No element came from a candidate or the prompt: no script, img, b or i anywhere.
    assert not tags & {"script", "img", "b", "i", "iframe"}
    assert not any(k.startswith("on") for _, attrs in doc.tags for k in attrs)
    text = "".join(doc.text)
    assert "<script>document.title='pwned'</script>The answer is 4." in text
    assert '<img src=x onerror="document.body.remove()">' in text
    assert "&lt;script&gt;" in page and "<script>" not in page


def test_prompt_is_kept_in_full_traces_only(client: TestClient) -> None:
    full = client.get(f"/v1/traces/{_ask(client)}").json()
    assert full["prompt"] == f"user: {PROMPT}"
    summary = client.get(f"/v1/traces/{_ask(client, trace='summary')}").json()
    assert "prompt" not in summary


def test_summary_trace_says_texts_are_left_out(client: TestClient) -> None:
    page = client.get(f"/traces/{_ask(client, trace='summary')}").text
    assert "summary trace" in page
    assert "Not in this trace" in page  # the prompt
    assert "The answer is 4" not in page


def test_refusal_page_has_no_winner() -> None:
    """Every candidate vetoed: the page says so, marks no winner and shows no text."""
    app = create_app(make_settings(), engine=make_engine())
    with TestClient(app) as client:
        resp = client.post(
            "/v1/chat/completions",
            json={
                "model": MODEL,
                "messages": [{"role": "user", "content": "all leak please"}],
                "best_of": 2,
                "trace": "full",
            },
        )
        assert resp.json()["choices"][0]["finish_reason"] == "content_filter"
        page = client.get(f"/traces/{resp.headers['X-Bon-Trace-Id']}").text
    doc = _parse(page)
    rows = [a for tag, a in doc.tags if tag == "tr" and a.get("id", "").startswith("cand")]
    assert [r["class"] for r in rows] == ["vetoed", "vetoed"]
    assert "all_vetoed" in " ".join(doc.text)
    assert "alice.smith" not in page and "AKIA2E0A8F3B244C9986" not in page


def test_trace_list_links_newest_first(client: TestClient) -> None:
    first, second = _ask(client), _ask(client)
    page = client.get("/traces")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CSP
    links = [a["href"] for tag, a in _parse(page.text).tags if tag == "a"]
    assert links == [f"/traces/{second}", f"/traces/{first}"]
    only = [a["href"] for tag, a in _parse(client.get("/traces?limit=1").text).tags if tag == "a"]
    assert only == [f"/traces/{second}"]


def test_errors_are_openai_format(client: TestClient) -> None:
    missing = client.get("/traces/chatcmpl-unknown")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "trace_not_found"
    for bad in ("0", "1001", "ten"):
        resp = client.get(f"/traces?limit={bad}")
        assert resp.status_code == 400, bad
        assert resp.json()["error"]["param"] == "limit"


def test_render_is_tolerant_of_missing_and_new_fields() -> None:
    """A trace from a newer (or older) server still renders; unknown fields are shown."""
    trace: dict[str, Any] = {
        "id": "x<1>",
        "selected": [0],
        "candidates": [
            {
                "index": 0,
                "scores": {"r": {"raw": 1.0}},
                "gates": {"policy": {"passed": True, "category": "tone", "action": "flag"}},
                "novelty": 0.5,
            }
        ],
        "rewards": [{"name": "r", "reason": "<because>"}],
        "experiment": {"arm": "<b>"},
    }
    page = render_trace(trace)
    text = " ".join(_parse(page).text)
    assert "Trace x<1>" in text and "<because>" in text
    assert "policy: flag tone" in re.sub(r"\s+", " ", "".join(_parse(page).text))
    assert '"novelty": 0.5' in text and '"arm": "<b>"' in text
    assert "<b>" not in page


def test_viewer_needs_the_key_when_keys_are_set() -> None:
    """The traces hold prompts and answers: the viewer is behind the API keys like /v1."""
    app = create_app(make_settings(api_keys="viewer-key-123"), engine=make_engine(HTML_SCRIPT))
    with TestClient(app) as client:
        assert client.get("/traces").status_code == 401
        ok = client.get("/traces", headers={"Authorization": "Bearer viewer-key-123"})
        assert ok.status_code == 200
