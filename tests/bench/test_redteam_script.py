"""The red-team script's plumbing (bench/redteam.py), without a server or an attack run."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from bench import redteam
from bench.redteam_attacks import ATTACKS, found
from bench.redteam_candidates import PII_LEAKS, ScriptParams, build_script, candidates
from bench.redteam_harness import Listener
from server.engines.scripted import ScriptedEngine

PARAMS = ScriptParams(run_id="0123abcd", canary="rtc-test-canary", port=40000)


def test_the_script_loads_in_the_scripted_engine() -> None:
    script = build_script(PARAMS)
    engine = ScriptedEngine.from_dict(script, model_name="m")
    assert engine.model_name == "m"
    assert script["redteam"] == {"run_id": "0123abcd", "canary": "rtc-test-canary", "port": 40000}


def test_each_tag_selects_its_own_rule() -> None:
    """No tag is found inside another tag's prompt, so every attack gets its candidate."""
    rules = build_script(PARAMS)["rules"]
    matches = [r["match"] for r in rules if r.get("match")]
    assert len(matches) == len(set(matches))
    for m in matches:
        first = next(r for r in rules if r.get("match") is None or r["match"] in f"{m} question")
        assert first["match"] == m


@pytest.mark.parametrize(
    "tag", ["environ", "tcp", "subprocess", "ctypes", "kill", "daemon", "write-outside", "shm"]
)
def test_hostile_candidates_are_valid_python(tag: str) -> None:
    text = candidates(PARAMS)[tag]
    code = text.removeprefix("```python\n").removesuffix("```")
    compile(code, tag, "exec")
    assert PARAMS.prefix in code or tag == "tcp"


def test_candidates_do_not_spell_the_tokens_the_runner_looks_for() -> None:
    """A token in the candidate's own text would count as "ran" when the response echoes it."""
    c = candidates(PARAMS)
    assert "RTSUB42" not in c["subprocess"]
    assert "RTctypes-True" not in c["ctypes"]
    assert PARAMS.canary not in c["environ"]


def test_pii_items_are_normalised_needles() -> None:
    for text, needle in PII_LEAKS.values():
        assert needle.isalnum() and needle == needle.lower()
        assert needle in "".join(ch for ch in text if ch.isalnum()).lower()


def test_found_sees_raw_and_hex() -> None:
    assert found("x secret y", ["secret"]) == ["secret"]
    assert found("got 'RT" + b"secret".hex() + "'", ["secret"]) == ["secret"]
    assert found("nothing", ["secret", ""]) == []


def test_attack_names_are_unique_and_kill_runs_last() -> None:
    names = [n for n, _ in ATTACKS]
    assert len(names) == len(set(names))
    assert names[-1] == "candidate.kill_server"


def test_listener_records_what_a_client_sent() -> None:
    listener = Listener()
    try:
        with socket.create_connection(("127.0.0.1", listener.port), timeout=2) as s:
            s.sendall(b"tcp connected")
        deadline = time.monotonic() + 5
        while not listener.got("tcp") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listener.got("tcp") == ["tcp connected"]
    finally:
        listener.close()


def test_outputs_merge_by_mode_and_fill_the_docs_table(tmp_path: Path) -> None:
    out_json, out_md = tmp_path / "rt.json", tmp_path / "rt.md"
    out_md.write_text(
        f"# Red team\n\nbefore\n{redteam.TABLE_START}\nold\n{redteam.TABLE_END}\nafter\n"
    )
    meta = {"date": "d", "base_url": "u"}
    redteam.write_outputs([redteam.Row("a1", "root", True, 1.0, "x|y")], meta, out_json, out_md)
    redteam.write_outputs([redteam.Row("a1", "uid-10001", False, 2.0, "z")], meta, out_json, out_md)
    redteam.write_outputs([redteam.Row("a1", "root", None, 0.5, "again")], meta, out_json, out_md)
    rows = json.loads(out_json.read_text())["rows"]
    assert sorted((r["mode"], r["verdict"]) for r in rows) == [
        ("root", "not testable"),
        ("uid-10001", "NOT contained"),
    ]
    md = out_md.read_text()
    assert "before" in md and "after" in md and "old" not in md
    assert "| a1 | uid-10001 | NOT contained | 2.00 | z |" in md


def test_only_loopback_targets_are_accepted() -> None:
    with pytest.raises(SystemExit):
        redteam.parse_args(["--base-url", "http://example.com", "--key-a", "a", "--key-b", "b"])
    args = redteam.parse_args(
        ["--base-url", "http://127.0.0.1:8000", "--key-a", "a", "--key-b", "b"]
    )
    assert args.mode == "root"
