"""Plumbing of the red-team run: the loopback listener, the spawned server, the client.

Kept apart from the attacks (bench/redteam.py) so each attack reads as what it sends and
what it checks. Everything here talks to 127.0.0.1 only and is bounded in time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.redteam_candidates import CANARY_VAR, ScriptParams, build_script

REPO = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = "/usr/bin/python3.11"
SPAWN_MODES = ("root", "uid-10001", "no-capabilities")


class Listener:
    """A TCP listener on 127.0.0.1 that records who connected and what they sent.

    A candidate that reaches it has network access; it also serves as an exfiltration
    channel for the other candidate attacks.
    """

    def __init__(self, port: int = 0) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self.received: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            conn.settimeout(2.0)
            data = b""
            try:
                while len(data) < 8192:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            finally:
                conn.close()
            self.received.append(data.decode("utf-8", "replace") or "(connected, sent nothing)")

    def got(self, name: str) -> list[str]:
        """Payloads sent under `name` (each candidate prefixes its own)."""
        return [r for r in self.received if r.split(" ", 1)[0] == name]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def operator_option(repo: Path = REPO) -> str | None:
    """The serve option that names an operator key, if that checkout has one."""
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        cwd=repo,
        timeout=60,
        check=False,
    ).stdout
    for word in out.replace(",", " ").split():
        if word.startswith("--operator") and "key" in word and "=" not in word:
            return word.rstrip(":")
    return None


@dataclass
class SpawnedServer:
    """`bon-server serve` on the scripted engine with the red-team script, started and
    stopped by the run (restarted if an attack killed it)."""

    mode: str
    params: ScriptParams
    keys: list[str]
    operator_key: str | None
    max_body_bytes: int
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bon-rt-")))
    op_option: str | None = None
    # The source tree the server runs from (another checkout measures another commit).
    repo: Path = REPO

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _command(self) -> tuple[list[str], dict[str, str]]:
        script = self.workdir / "script.json"
        script.write_text(json.dumps(build_script(self.params)), encoding="utf-8")
        # The server under setpriv reads the script and writes its cache here.
        self.workdir.chmod(0o755)
        script.chmod(0o644)
        keys = ",".join(self.keys)
        args = [
            "serve",
            "--engine",
            "scripted",
            "--script",
            str(script),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--api-keys",
            keys,
            "--cache-dir",
            str(self.workdir / "cache"),
            "--max-body-bytes",
            str(self.max_body_bytes),
            "--log-level",
            "warning",
        ]
        if self.operator_key and self.op_option:
            args += [self.op_option, self.operator_key]
        env = {k: v for k, v in os.environ.items() if not k.startswith("BON_")}
        env[CANARY_VAR] = self.params.canary
        env["HOME"] = str(self.workdir)
        launcher = (
            "import sys; from server.cli import main; sys.argv[0] = 'bon-server'; sys.exit(main())"
        )
        if self.mode == "root":
            return [sys.executable, "-c", launcher, *args], env
        drop = [
            shutil.which("setpriv") or "setpriv",
            "--reuid=10001",
            "--regid=10001",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ]
        if self.mode == "no-capabilities":
            # The manifests: no capabilities, no privilege gain, and no `unshare` to call
            # (the image's RuntimeDefault seccomp profile refuses it). User namespaces
            # themselves stay available on this host to code that makes them directly.
            drop.append("--no-new-privs")
            bin_dir = self.workdir / "bin"
            bin_dir.mkdir(exist_ok=True)
            for tool in ("sh", "env", "cat", "ls"):
                link = bin_dir / tool
                if not link.exists() and shutil.which(tool):
                    link.symlink_to(shutil.which(tool) or tool)
            env["PATH"] = str(bin_dir)
        # Root's own interpreter lives under /root (mode 700): an unprivileged user runs
        # the system interpreter with the venv's packages on its path instead.
        site = next((REPO / ".venv" / "lib").glob("python3*/site-packages"))
        env["PYTHONPATH"] = f"{site}:{self.repo}"
        return [*drop, SYSTEM_PYTHON, "-c", launcher, *args], env

    def unavailable(self) -> str | None:
        """Why this mode cannot be started here, or None."""
        if self.mode == "root":
            return None if os.geteuid() == 0 else "not running as root"
        if os.geteuid() != 0:
            return "setpriv needs root to drop to this mode"
        if not shutil.which("setpriv") or not Path(SYSTEM_PYTHON).exists():
            return f"needs setpriv and {SYSTEM_PYTHON}"
        cmd, env = self._command()
        probe = [*cmd[: cmd.index("-c")], "-c", "import server.cli, fastapi, uvicorn"]
        r = subprocess.run(
            probe, env=env, cwd=self.repo, capture_output=True, timeout=60, check=False
        )
        if r.returncode:
            return "the server cannot import under this user: " + r.stderr.decode()[-200:]
        return None

    def start(self, timeout_s: float = 90.0) -> None:
        cmd, env = self._command()
        log = open(self.workdir / "server.log", "ab")  # noqa: SIM115 - lives with the process
        self.proc = subprocess.Popen(cmd, env=env, cwd=self.repo, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                if httpx.get(self.base_url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server did not answer /health in time: " + self.log_tail())

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def rss_mib(self) -> float | None:
        if not self.alive() or self.proc is None:
            return None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
        return None

    def log_tail(self) -> str:
        try:
            return (self.workdir / "server.log").read_text(errors="replace")[-600:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None


@dataclass
class Reply:
    """One HTTP exchange: status (0 when none was read), body, seconds, error."""

    status: int
    body: Any
    text: str
    seconds: float
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def trace(self) -> dict[str, Any]:
        if isinstance(self.body, dict) and isinstance(self.body.get("trace"), dict):
            trace: dict[str, Any] = self.body["trace"]
            return trace
        return {}

    def refused(self) -> bool:
        """The request was refused or every candidate vetoed (an OpenAI refusal)."""
        if not isinstance(self.body, dict):
            return False
        choices = self.body.get("choices") or []
        return self.trace.get("outcome") == "unsafe_prompt" or (
            bool(choices) and all(c.get("finish_reason") == "content_filter" for c in choices)
        )

    def content(self) -> str:
        if not isinstance(self.body, dict):
            return ""
        return " ".join(
            str((c.get("message") or {}).get("content") or "")
            for c in self.body.get("choices") or []
        )


class Client:
    """One API key's client; every call records its time into the run's worst case."""

    def __init__(self, base_url: str, key: str, timeout_s: float, clock: list[float]) -> None:
        self._http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=timeout_s
        )
        self._clock = clock
        self.model = "smollm2-135m-instruct"

    def request(self, method: str, path: str, **kw: Any) -> Reply:
        t0 = time.monotonic()
        try:
            r = self._http.request(method, path, **kw)
        except httpx.HTTPError as e:
            dt = time.monotonic() - t0
            self._clock.append(dt)
            return Reply(0, None, "", dt, error=f"{type(e).__name__}: {e}"[:200])
        dt = time.monotonic() - t0
        self._clock.append(dt)
        try:
            body: Any = r.json()
        except ValueError:
            body = None
        return Reply(r.status_code, body, r.text, dt, headers=dict(r.headers))

    def chat(self, messages: list[dict[str, Any]], **extra: Any) -> Reply:
        payload = {"model": self.model, "messages": messages, **extra}
        return self.request("POST", "/v1/chat/completions", json=payload)

    def close(self) -> None:
        self._http.close()
