"""The command line, the settings, the trace store and the package boundaries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.cli import build_parser, main
from server.config import EMBEDDED_MODEL_NAME, Settings
from server.trace import TraceStore


def test_every_setting_is_a_serve_option() -> None:
    parser = build_parser()
    args = parser.parse_args(["serve", "--default-best-of", "8", "--port", "9001"])
    assert args.default_best_of == "8" and args.port == "9001"
    help_text = parser._subparsers._group_actions[0].choices["serve"].format_help()  # type: ignore[union-attr]
    for name in Settings.model_fields:
        assert "--" + name.replace("_", "-") in help_text


@pytest.mark.parametrize("command", ["serve", "prepare-model", "trace-schema"])
def test_help_of_each_command(command: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0


def test_invalid_setting_is_a_clear_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--default-best-of", "0"]) == 2
    assert "default_best_of" in capsys.readouterr().err
    assert main(["serve", "--engine", "scripted"]) == 2  # needs --script


def test_trace_schema_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace-schema"]) == 0
    assert '"bon.trace"' in capsys.readouterr().out


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BON_DEFAULT_BEST_OF", "6")
    monkeypatch.setenv("BON_CACHE_DIR", "/tmp/x")
    s = Settings()
    assert s.default_best_of == 6 and str(s.cache_dir) == "/tmp/x"
    assert s.model_id == EMBEDDED_MODEL_NAME
    assert Settings(model="/models/my-llama").model_id == "my-llama"
    assert Settings(model="/models/x", served_model_name="y").model_id == "y"


def test_trace_store_is_bounded() -> None:
    store = TraceStore(2)
    for i in range(3):
        store.put({"id": f"t{i}"})
    assert store.get("t0") is None and store.get("t2") == {"id": "t2"}
    assert [t["id"] for t in store.recent()] == ["t2", "t1"]
    empty = TraceStore(0)
    empty.put({"id": "x"})
    assert empty.get("x") is None


def test_rewards_import_neither_fastapi_nor_vllm() -> None:
    code = (
        "import sys, rewards; "
        "bad = [m for m in ('fastapi', 'vllm', 'starlette', 'server') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_model_folder_that_is_not_one_is_a_clear_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--model", "/nonexistent/model-folder"]) == 2
    assert "/nonexistent/model-folder" in capsys.readouterr().err


def test_a_registry_missing_a_default_reward_fails_at_startup() -> None:
    from rewards import RewardRegistry, UnknownRewardError
    from server.app import create_app
    from tests.conftest import make_engine, make_settings

    with pytest.raises(UnknownRewardError, match="answer_agreement"):
        create_app(make_settings(), engine=make_engine(), registry=RewardRegistry())


@pytest.mark.parametrize(
    ("content", "expect"),
    [("rules: [", "expected"), ("{nope: 1}", "rules"), (None, "No such file")],
)
def test_a_bad_script_is_a_clear_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expect: str
) -> None:
    script = tmp_path / "s.yaml"
    if content is not None:
        script.write_text(content)
    assert main(["serve", "--engine", "scripted", "--script", str(script)]) == 2
    assert expect in capsys.readouterr().err
