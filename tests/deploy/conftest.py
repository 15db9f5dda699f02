"""Paths and tools for the deploy/ checks (all offline, no Docker engine, no cluster)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def venv_tool(name: str) -> str:
    """A console script installed beside this interpreter (the `dev` extra's tools)."""
    path = Path(sys.executable).parent / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run `make install` (it is in the dev extra)")
    return found


def system_tool(name: str) -> str:
    """A Debian package's program (`make system-deps` installs them)."""
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not on PATH: run `make system-deps`")
    return found
