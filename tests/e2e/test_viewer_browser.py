"""The trace viewer in a real browser (Debian's headless Chromium).

A running server (scripted engine) answers a request whose candidates are HTML
and one of which leaks a card number; Chromium loads the trace page, and the
test reads the DOM it built (after any script would have run) and a screenshot:
the winner row and the veto render, and the candidates' HTML is text, not run.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from server.process import running_server
from tests.conftest import MODEL
from tests.deploy.conftest import system_tool
from tests.server.test_viewer import HTML_SCRIPT, PROMPT

# The page's CSS colours (server/templates/_style.html): winner row, veto cells.
WINNER_RGB = (0xC9, 0xF2, 0xCF)
VETO_RGB = (0xF9, 0xC7, 0xC7)


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_title:
            self.title += data


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    # Root in CI: Chromium's sandbox needs user namespaces, so it runs without one here.
    cmd = [
        system_tool("chromium"),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def trace_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("viewer")
    script = tmp / "script.json"
    script.write_text(json.dumps(HTML_SCRIPT))
    args = ["--engine", "scripted", "--script", str(script), "--served-model-name", MODEL]
    with running_server(args, log_path=tmp / "server.log", start_timeout_s=120) as url:
        resp = httpx.post(
            f"{url}/v1/chat/completions",
            json={
                "model": MODEL,
                "messages": [{"role": "user", "content": PROMPT}],
                "best_of": 4,
                "trace": "full",
            },
            timeout=120,
        )
        assert resp.status_code == 200, resp.text
        trace: dict[str, Any] = resp.json()["trace"]
        yield f"{url}/traces/{trace['id']}", trace


def test_dom_shows_candidate_html_as_text(
    trace_page: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    url, trace = trace_page
    result = _chromium("--dump-dom", url, profile=tmp_path / "profile")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = _Dom()
    dom.feed(result.stdout)
    tags = {tag for tag, _ in dom.tags}
    # The candidate's <script> would have set the title, its <img onerror> removed the body.
    assert dom.title.startswith("trace ") and "pwned" not in dom.title
    assert "body" in tags
    assert not tags & {"script", "img", "b", "i"}
    text = "".join(dom.text)
    assert "<script>document.title='pwned'</script>The answer is 4." in text
    assert '<img src=x onerror="document.body.remove()">' in text
    winners = [a for tag, a in dom.tags if tag == "tr" and a.get("class") == "winner"]
    assert [w["id"] for w in winners] == [f"candidate-{trace['selected'][0]}"]
    vetoed = [c["index"] for c in trace["candidates"] if c["vetoed"]]
    rows = [a["id"] for tag, a in dom.tags if tag == "tr" and a.get("class") == "vetoed"]
    assert rows == [f"candidate-{i}" for i in vetoed] and vetoed


def _pixels(image: Image.Image, rgb: tuple[int, int, int]) -> int:
    counts = image.convert("RGB").getcolors(maxcolors=1 << 24) or []
    return sum(n for n, colour in counts if colour == rgb)


def test_screenshot_shows_winner_and_veto(
    trace_page: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    url, _ = trace_page
    shot = tmp_path / "trace.png"
    result = _chromium(
        f"--screenshot={shot}",
        "--window-size=1600,3200",
        "--hide-scrollbars",
        url,
        profile=tmp_path / "profile",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (1600, 3200)
        # Whole table rows in the winner's green, and cells in the veto's red, are painted.
        assert _pixels(image, WINNER_RGB) > 5000
        assert _pixels(image, VETO_RGB) > 1000
