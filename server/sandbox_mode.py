"""The code sandbox's mode in force: chosen by the operator, probed once at startup.

``--sandbox wasi`` (the default) runs candidates' code and the prompt's tests in
CPython-for-WASI under wasmtime (:mod:`rewards.sandbox`). When that cannot start here
the server does not start either (``bon-server serve`` exits 2 with the reason): there
is no silent fallback to a weaker mode. ``--sandbox off`` is the operator's explicit
choice not to run code at all: ``code_exec`` is then a syntax check and says so.

The mode in force is shown in ``/health``, in the ``bon_sandbox_info`` metric, and in
the evidence of every ``code_exec`` score (``sandbox wasi`` / ``sandbox off``).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

from rewards import CodeExec, Efficiency, RewardRegistry, sandbox
from server.config import Settings

__all__ = ["SandboxRefused", "SandboxStatus", "code_exec_for", "start_sandbox", "with_sandbox"]

log = logging.getLogger(__name__)


class SandboxRefused(RuntimeError):
    """The configured sandbox cannot run here; the message is one line, for stderr."""


@dataclass(frozen=True)
class SandboxStatus:
    """What ``/health`` and the metrics say of the sandbox.

    Attributes:
        mode: ``wasi`` (or the mode the sandbox reports), or ``off``.
        ready: runs can start (always True once the server is up: it refuses otherwise).
        reason: in words, for operators.
    """

    mode: str
    ready: bool
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "ready": self.ready}


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300] or "no reason given"


def start_sandbox(settings: Settings) -> SandboxStatus:
    """Prepares the sandbox the settings name, and bounds its concurrent runs.

    Raises:
        SandboxRefused: the mode is ``wasi`` and the sandbox is not ready (the reason
            in the message); never a fallback.
    """
    if settings.sandbox == "off":
        log.warning("sandbox off (--sandbox off): no code is run, code_exec checks syntax only")
        return SandboxStatus("off", True, "disabled by the operator: code is syntax-checked only")
    try:
        iso = sandbox.prepare()  # once per process; compiles or loads the cached module
    except (sandbox.SandboxUnavailable, OSError, RuntimeError, ValueError) as exc:
        raise SandboxRefused(
            f"sandbox {settings.sandbox} unavailable: {_one_line(str(exc))}"
        ) from exc
    if not iso.ready:
        raise SandboxRefused(f"sandbox {settings.sandbox} unavailable: {_one_line(iso.reason)}")
    # One bound for the whole server: every group's batch waits for the same slots.
    sandbox.set_max_concurrent_runs(settings.sandbox_concurrency)
    return SandboxStatus(iso.mode, True, iso.reason)


def code_exec_for(settings: Settings) -> functools.partial[CodeExec]:
    """``code_exec`` as the operator configured it: the sandbox mode, the per-run limit,
    the group's budget, the concurrent runs and the largest code parsed.

    The one place these settings become a CodeExec: the registry's ``code_exec`` (the
    prompt's code) and the store's (a reference's tests) both call this, so the two never
    run code under different limits. A factory, so a profile's ``config`` may still
    override a keyword.
    """
    return functools.partial(
        CodeExec,
        timeout_s=settings.code_timeout_s,
        budget_s=settings.code_budget_s,
        workers=settings.sandbox_concurrency,
        sandbox=settings.sandbox,
        max_code_chars=settings.code_max_chars,
    )


def with_sandbox(registry: RewardRegistry, settings: Settings) -> RewardRegistry:
    """The registry with ``code_exec`` and ``efficiency`` configured from the settings:
    the sandbox mode, the per-run limit, the group's budget and the largest code parsed."""
    names = set(registry.reward_names())
    if not {CodeExec.name, Efficiency.name} <= names:
        return registry  # a registry of someone else's making: its rewards as they are
    configured = registry.copy()
    configured.replace_reward(CodeExec.name, code_exec_for(settings))
    configured.replace_reward(
        Efficiency.name,
        functools.partial(
            Efficiency,
            code_timeout_s=settings.code_timeout_s,
            code_budget_s=settings.code_budget_s,
            sandbox=settings.sandbox,
            max_code_chars=settings.code_max_chars,
            json_timeout_s=settings.reward_timeout_s,
            workers=settings.sandbox_concurrency,
        ),
    )
    return configured
