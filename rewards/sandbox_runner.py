"""The child process that runs one WASI instance (see :mod:`rewards.sandbox`).

:mod:`rewards.sandbox` starts this file as ``<server's python> -I sandbox_runner.py``
(``-I``: no ``PYTHON*`` variables, no user site, no script directory on ``sys.path``;
the interpreter's own site-packages, where ``wasmtime`` lives, stay). It is the only
host code that runs next to a candidate, so it is small and imports only the standard
library and ``wasmtime``; the server imports it for :func:`make_engine` alone, so the
engine a module is compiled for and the one that loads it are configured in one place.

Protocol. Standard input: an 8-byte big-endian length, that many bytes of JSON (the
run's settings, below), then the guest's own standard input, which the WASI instance
inherits. The guest's stdout goes to a file the server made, passed as an inherited
descriptor (``/proc/self/fd/N``; a memfd where there is one) and read afterwards, so the tests a
killed run finished are still read; its stderr goes to ``/dev/null``. The runner's
own standard output, which the guest cannot reach, carries one line: JSON saying how
the instance ended.

Before the instance starts: ``RLIMIT_DATA`` (host memory: the store's limit plus the
runner's own), ``RLIMIT_FSIZE`` at ``output_bytes`` (the guest's stdout file is the
only file written; a write past it fails with EFBIG, in the kernel, costing the
server nothing), ``RLIMIT_CORE`` 0, and
an epoch deadline at ``wall_seconds`` (a timer thread bumps the engine's epoch). Not
``RLIMIT_AS``: wasmtime reserves 4 GiB of address space per linear memory plus guard
pages, so any address-space limit under about 8 GiB fails instantiation ("mmap failed
to reserve"). The process leaves with ``os._exit`` once the status is written
(wasmtime's worker threads can panic during an orderly interpreter shutdown).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import struct
import sys
import threading
from typing import Any


def make_engine() -> Any:
    """The wasmtime engine every run uses: fuel metering and epoch interruption on."""
    import wasmtime

    config = wasmtime.Config()
    config.consume_fuel = True
    config.epoch_interruption = True
    return wasmtime.Engine(config)


ENGINE_KNOBS = "consume_fuel=1;epoch_interruption=1"
"""What :func:`make_engine` sets, for the compiled module's cache key."""


def _read_exact(n: int) -> bytes:
    parts: list[bytes] = []
    while n > 0:
        part = os.read(0, n)
        if not part:
            raise EOFError("stdin ended early")
        parts.append(part)
        n -= len(part)
    return b"".join(parts)


def _run(job: dict[str, Any]) -> dict[str, Any]:
    import wasmtime

    engine = make_engine()
    module = wasmtime.Module.deserialize_file(engine, job["module"])
    store = wasmtime.Store(engine)
    store.set_fuel(int(job["fuel"]))
    store.set_limits(memory_size=int(job["memory_bytes"]), instances=1, memories=1)
    store.set_epoch_deadline(1)
    wasi = wasmtime.WasiConfig()
    wasi.argv = job["argv"]
    wasi.inherit_stdin()
    # The server's file, inherited; writes past RLIMIT_FSIZE fail.
    wasi.stdout_file = f"/proc/self/fd/{int(job['stdout_fd'])}"
    wasi.stderr_file = os.devnull
    store.set_wasi(wasi)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    timer = threading.Timer(float(job["wall_seconds"]), engine.increment_epoch)
    timer.daemon = True
    status: dict[str, Any] = {"exit": None, "trap": None}
    try:
        instance = linker.instantiate(store, module)
    except wasmtime.WasmtimeError as exc:  # e.g. a memory limit below the module's minimum
        return {"exit": None, "trap": None, "memory_full": "memory" in str(exc).lower()}
    timer.start()
    try:
        start = instance.exports(store)["_start"]
        assert isinstance(start, wasmtime.Func)
        start(store)
        status["exit"] = 0
    except wasmtime.ExitTrap as exit_:
        status["exit"] = exit_.code
    except wasmtime.Trap as trap:
        code = trap.trap_code
        status["trap"] = {
            wasmtime.TrapCode.OUT_OF_FUEL: "fuel",
            wasmtime.TrapCode.INTERRUPT: "interrupt",
            wasmtime.TrapCode.STACK_OVERFLOW: "stack",
        }.get(code, "other") if code is not None else "other"  # fmt: skip
    finally:
        timer.cancel()
    memory = instance.exports(store)["memory"]
    used = memory.data_len(store) if isinstance(memory, wasmtime.Memory) else 0
    status["memory_full"] = used >= int(job["memory_bytes"]) * 0.9
    status["fuel_used"] = int(job["fuel"]) - store.get_fuel()
    return status


def main() -> None:
    """Reads the settings, sets the limits, runs the instance, reports how it ended."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    (size,) = struct.unpack(">Q", _read_exact(8))
    job = json.loads(_read_exact(size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cap = int(job["output_bytes"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))
    data = int(job["host_data_bytes"])
    resource.setrlimit(resource.RLIMIT_DATA, (data, data))
    home = job.get("import_path")
    if isinstance(home, str) and home and home not in sys.path:
        sys.path.append(home)  # where the server found wasmtime (see sandbox._wasmtime_home)
    try:
        status = _run(job)
    except BaseException as exc:  # the runner's own failure: said in the status, nothing else
        status = {"exit": None, "trap": None, "error": type(exc).__name__}
    os.write(1, json.dumps(status).encode() + b"\n")
    os._exit(0)


if __name__ == "__main__":
    main()
