"""A real PostgreSQL (Debian's ``postgresql`` package) for the store tests, on loopback.

initdb and pg_ctl refuse to run as root, so when the tests run as root (CI, this
machine) the server runs as the package's own unprivileged ``postgres`` user (``nobody``
where it is missing) through ``setpriv`` (util-linux), in a directory under ``/tmp`` that
user owns: pytest's own temporary folders live under a root-only ``/tmp/pytest-of-root``.
initdb needs the uid to have a passwd entry, so a bare uid such as 10001 will not do. A
test process that is not root runs it as itself.

The binaries are found through ``pg_config --bindir`` (postgresql-common's wrapper), else
the newest ``/usr/lib/postgresql/<version>/bin``. Missing, the tests fail and say how to
install them (``make system-deps``): nothing is skipped.

Each test gets a database of its own (:meth:`PostgresServer.new_database`); the one
server is stopped at the end of the session, and nothing is left running.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from server.process import free_port

__all__ = ["PostgresServer", "alive", "pg_bindir"]

RUN_AS = ("postgres", "nobody")  # the first that exists; initdb wants a passwd entry
SUPERUSER = "postgres"
_START_TIMEOUT_S = 180  # generous: a loaded machine


def pg_bindir() -> Path:
    """Where initdb, pg_ctl and postgres are (fails the test with the fix when missing)."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        done = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=False
        )
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(Path(done.stdout.strip()))

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in path.parent.name.split(".") if p.isdigit())

    versioned = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if version(p)]
    candidates += sorted(versioned, key=version, reverse=True)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found via pg_config or"
        " /usr/lib/postgresql/*/bin: run `make system-deps` (Debian's postgresql package)"
    )


def _unprivileged() -> pwd.struct_passwd:
    for name in RUN_AS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.fail(f"no unprivileged user to run PostgreSQL as (tried {', '.join(RUN_AS)})")


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 only."""

    def __init__(self) -> None:
        self.bindir = pg_bindir()
        self.user = _unprivileged() if os.geteuid() == 0 else None
        if self.user is not None and shutil.which("setpriv") is None:
            pytest.fail("setpriv missing (util-linux): needed to run PostgreSQL as non-root")
        self.root = Path(tempfile.mkdtemp(prefix="bon-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self._names = itertools.count()
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        try:
            self._run(
                "initdb", "-D", str(self.data), "-U", SUPERUSER,
                "--auth=trust",  # loopback only, a throwaway cluster
                "--encoding=UTF8", "--locale=C", "--no-sync",
            )  # fmt: skip
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self.user is not None:
            cmd = [
                "setpriv",
                f"--reuid={self.user.pw_uid}",
                f"--regid={self.user.pw_gid}",
                "--clear-groups",
                "--",
                *cmd,
            ]
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=_START_TIMEOUT_S + 30,
            check=False,
            cwd=self.root,
            env={"PATH": "/usr/bin:/bin", "LANG": "C", "HOME": str(self.root)},
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            pytest.fail(f"{tool} failed ({done.returncode}): {done.stderr[-3000:]}\n{log}")

    def start(self) -> None:
        """Start (or start again, on the same port and data) and wait until it accepts."""
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._run(
            "pg_ctl", "start", "-w", "-t", str(_START_TIMEOUT_S), "-D", str(self.data),
            "-l", str(self.log), "-o", options,
        )  # fmt: skip

    def stop(self) -> None:
        """Stop it (fast shutdown: open connections are cut, as when a database dies)."""
        self._run("pg_ctl", "stop", "-w", "-t", str(_START_TIMEOUT_S), "-m", "fast", "-D",
                  str(self.data))  # fmt: skip

    def pid(self) -> int | None:
        """The postmaster's pid while it runs (its pid file), else None."""
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        name = f"t{os.getpid()}_{next(self._names)}"

        async def create() -> None:
            conn = await asyncpg.connect(
                host="127.0.0.1", port=self.port, user=SUPERUSER, database="postgres", timeout=60
            )
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        asyncio.run(create())
        return self.url(name)

    def close(self) -> None:
        """Stop the server and remove its files; a postmaster that will not stop is killed."""
        pid = self.pid()
        if pid is not None:
            try:
                self.stop()
            finally:
                _reap(pid)
        shutil.rmtree(self.root, ignore_errors=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _reap(pid: int) -> None:
    """Make sure the postmaster ``pid`` is gone (killed if it outlived pg_ctl stop)."""
    deadline = time.monotonic() + 30
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
