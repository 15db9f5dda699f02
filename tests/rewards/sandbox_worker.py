"""Runs sandbox jobs for the tests from another user or without capabilities.

Started by ``tests/rewards/sandbox_modes.py`` as ``setpriv ... <python> -I
sandbox_worker.py <repo root>``: reads one JSON job a line on stdin (code, steps,
limits), answers one JSON line with the :class:`~rewards.sandbox.RunResult` as a dict.
Imports ``rewards.sandbox`` without ``rewards/__init__.py`` (whose imports need the
server's whole dependency set; the sandbox needs only ``wasmtime``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import types


def main() -> None:
    """Serves jobs until stdin ends."""
    root = sys.argv[1]
    package = types.ModuleType("rewards")
    package.__path__ = [os.path.join(root, "rewards")]
    sys.modules["rewards"] = package
    sys.path.insert(0, root)
    from rewards import sandbox

    iso = sandbox.prepare()
    with open("/proc/self/status", encoding="ascii") as fh:
        caps = {k: v.strip() for k, _, v in (line.partition(":") for line in fh)}
    hello = {
        "uid": os.geteuid(),
        "cap_eff": int(caps["CapEff"], 16),
        "cap_bnd": int(caps["CapBnd"], 16),
        "isolation": dataclasses.asdict(iso),
    }
    print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        steps = [sandbox.Step(**step) for step in job["steps"]]
        limits = sandbox.SandboxLimits(**job["limits"])
        try:
            answer = dataclasses.asdict(sandbox.run_tests(job["code"], steps, limits))
        except Exception as exc:  # said to the test, which fails with it
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
