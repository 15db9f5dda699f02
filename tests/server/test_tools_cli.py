"""--tool-call-parser and --chat-template: a bad one stops the server before it starts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from server.cli import main
from server.config import Settings
from server.tools import EMBEDDED_TEMPLATE, bundled_template, chat_template_for


def _script(tmp_path: Path) -> Path:
    path = tmp_path / "script.yaml"
    path.write_text(yaml.safe_dump({"rules": [{"candidates": [{"text": "hi"}]}]}))
    return path


def test_an_unknown_tool_parser_is_exit_2_naming_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["serve", "--engine", "scripted", "--script", str(_script(tmp_path))]
    assert main([*args, "--tool-call-parser", "no_such_parser"]) == 2
    err = capsys.readouterr().err
    assert "unknown --tool-call-parser 'no_such_parser'" in err
    assert "hermes" in err and "llama3_json" in err


def test_a_missing_chat_template_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--chat-template", str(tmp_path / "missing.jinja")]) == 2
    assert "chat_template" in capsys.readouterr().err


def test_which_template_renders(tmp_path: Path) -> None:
    assert Settings().tool_call_parser == "hermes"
    own = tmp_path / "t.jinja"
    own.write_text("{{ messages }}")
    assert chat_template_for(own, embedded=True) == "{{ messages }}"
    assert chat_template_for(None, embedded=True) == bundled_template(EMBEDDED_TEMPLATE)
    assert chat_template_for(None, embedded=False) is None  # another model: its own
