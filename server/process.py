"""Run `bon-server serve` as a subprocess on a free loopback port (tests, benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


class ServerStartError(RuntimeError):
    """The server exited or did not become healthy in time; the message has its log's tail."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _tail(path: Path, n: int = 60) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-n:])


@contextmanager
def running_server(
    args: list[str], *, log_path: Path, start_timeout_s: float = 600
) -> Iterator[str]:
    """Start ``bon-server serve ARGS --port P`` and yield its base URL once /health is ok.

    The server is terminated (then killed) on exit, so nothing is left running.
    """
    with server_process(args, log_path=log_path, start_timeout_s=start_timeout_s) as (url, _):
        yield url


@contextmanager
def server_process(
    args: list[str],
    *,
    log_path: Path,
    start_timeout_s: float = 600,
    source_dir: Path | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """:func:`running_server`, also yielding the process (benchmarks read its memory).

    ``source_dir``: run the ``server`` package found there (another revision's
    checkout) instead of the installed one.
    """
    port = free_port()
    env = os.environ.copy()
    # The installed console script, as a user runs it (beside the interpreter in a venv).
    script = Path(sys.executable).parent / "bon-server"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]
    if source_dir is not None:
        launcher = [sys.executable, "-m", "server.cli"]
        env["PYTHONPATH"] = str(source_dir)
    cmd = [*launcher, "serve", *args, "--port", str(port)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=source_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if proc.poll() is not None:
                raise ServerStartError(f"server exited with {proc.returncode}:\n{_tail(log_path)}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"server not healthy after {start_timeout_s:g} s:\n{_tail(log_path)}"
                )
            time.sleep(1)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
