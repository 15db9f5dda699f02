"""The server's own time per request, and how often each fact is computed, per tree.

What the house adds around the engine: one chat request through the whole ASGI app
(middleware, route, serving, pipeline, gates, rewards in the budget workers, trace,
store writer) on the scripted engine with no delay, so the engine costs nothing and
what is left is the server. Sent in-process with ``httpx.ASGITransport`` (no socket,
no uvicorn) after the app's lifespan has started, with the server's own settings:
the budget worker pool (``score_workers`` processes, each reward and gate pickled to
a worker under its time budget) and the math-verify pool.

Two parts, each per tree:

* **time**: p50 and p95 wall time of ``POST /v1/chat/completions`` for each request
  kind (math, code, general) at ``best_of`` 1 and 8, the kinds interleaved, after
  a warm-up; ``GET /health`` over the same transport is the floor (what httpx and
  Starlette cost without the house).
* **counts**: how often each repeated computation runs in one request (math, code
  and general at ``best_of`` 8, and math at ``best_of: "auto"`` with two rounds of
  4), counted by wrappers patched in-process wherever the function object is
  imported (found by identity across ``sys.modules``, so modules may move). The
  count requests run the rewards and gates on the calling thread (``budgets`` off),
  so calls that the server makes in its budget workers are counted too; the number
  of budget-worker calls is counted separately with budgets on.

``--before TREE`` measures another checkout side by side: each tree is measured in
its own child process (``PYTHONPATH=TREE``), the children alternating ``--rounds``
times, so both trees see the same machine load; ratios are after/before from this
one run.

    .venv/bin/python bench/overhead.py [--before /tmp/base] [--repeats 200] [--rounds 4]
    PYTHONPATH=/tmp/base .venv/bin/python bench/overhead.py --out /tmp/overhead-before.json

Writes ``--out`` (JSON) and the same name with ``.md`` (a table).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

HERE = Path(__file__).resolve().parents[1]
MODEL = "scripted-model"
FILLER = "We write each quantity down before we combine them, and check the sum once more."

# Four answers of which none has 0.6 of the votes: best_of="auto" goes on to a second round.
ROUND_ONE = [(42, -0.4), (41, -0.3), (40, -0.5), (43, -0.2)]
# One rule per request kind; a group of n cycles through a rule's candidates.
SCRIPT: dict[str, Any] = {
    "delay_s": 0.0,
    "rules": [
        {
            # best_of="auto": round one (the first 4) does not agree, so a second round runs.
            "match": "marbles",
            "candidates": [
                {"text": f"{FILLER} 6 * 7 = {a}. The answer is \\boxed{{{a}}}.", "logprob": lp}
                for a, lp in [*ROUND_ONE, (42, -0.4), (42, -0.3), (42, -0.5), (41, -0.6)]
            ],
        },
        {
            "match": "apples",
            "candidates": [
                {
                    "text": f"{FILLER} 12 * 3 = 36, 36 + {a - 36} = {a}. \\boxed{{{a}}}",
                    "logprob": lp,
                }
                for a, lp in [*ROUND_ONE, (43, -0.6), (42, -0.35), (41, -0.45), (42, -0.25)]
            ],
        },
        {
            "match": "python function",
            "candidates": [
                {
                    "text": "Here is the function:\n\n```python\ndef is_even(n: int) -> bool:\n"
                    f"    return n % {m} == 0\n```\n\nIt checks the remainder.",
                    "logprob": -0.3 - 0.05 * i,
                }
                for i, m in enumerate([2, 2, 3, 2, 2, 4, 2, 2])
            ],
        },
        {
            "candidates": [
                {"text": "Paris is the capital of France.", "logprob": -0.3},
                {"text": "The capital of France is Paris, on the Seine.", "logprob": -0.6},
                {"text": "Paris. It has been the capital for centuries.", "logprob": -0.4},
                {"text": "France's capital city is Paris.", "logprob": -0.5},
            ],
        },
    ],
}

PROMPTS = {
    "math": "Tom has 12 bags of 3 apples and buys 6 more apples. How many apples does he have?",
    "code": "Write a python function is_even(n) that says whether n is even.",
    "general": "What is the capital of France?",
    "math_auto": "Each of 6 boxes holds 7 marbles. How many marbles are there in all?",
}

# (label, request kind, best_of): the timed requests and the counted ones.
TIMED = [(f"{k}/{b}", k, b) for k in ("math", "code", "general") for b in (1, 8)]
COUNTED = [
    ("math/8", "math", 8),
    ("math/auto (2 rounds of 4)", "math_auto", "auto"),
    ("code/8", "code", 8),
    ("general/8", "general", 8),
    ("math/8, reward_profile named", "math", 8),
]
PROFILE = "bench"
# An operator's profiles file with one profile that only fixes the group size: naming it
# shows how often a request's profile is looked up.
PROFILES_YAML = f"profiles:\n  {PROFILE}:\n    description: the overhead bench\n    best_of: 8\n"

FLOOR = "GET /health (floor)"
# Counted with budgets on: the calls pickled to budget workers, and their requests' size.
BUDGET_KEYS = ("budget worker calls", "budget request bytes")

# What is counted: "module:qualname" where each lives or lived (the first that resolves
# wins); a name found nowhere is reported as absent rather than as zero.
FUNCTIONS: dict[str, list[str]] = {
    # The answer extraction itself (_find_answer), and the entry points that call it.
    "answer extraction (_find_answer)": ["rewards.builtin.math_answers:_find_answer"],
    "extract_answer": ["rewards.builtin.math_answers:extract_answer"],
    "find_answer": ["rewards.builtin.math_answers:find_answer"],
    "voting_answer": ["rewards.builtin.math_answers:voting_answer"],
    "check_steps": ["rewards.builtin.math_steps:check_steps"],
    "classify_answers": ["rewards.mathverify_pool:classify_answers"],
    "detect_language": ["rewards.language:detect_language"],
    "detect_task": ["rewards.task:detect_task", "rewards.selector:detect_task"],
    "build_context": ["rewards.context:build_context", "rewards.selector:build_context"],
    "Profiles.get": ["rewards.profiles:Profiles.get"],
    "RewardRegistry.gate": ["rewards.registry:RewardRegistry.gate"],
    "content_text": ["rewards.types:content_text"],
    "CodeExec()": ["rewards.builtin.code_exec:CodeExec.__init__"],
    "CodeExec run": ["rewards.builtin.code_exec:CodeExec.__call__"],
    "JsonValid()": ["rewards.builtin.json_valid:JsonValid.__init__"],
    "JsonValid run": ["rewards.builtin.json_valid:JsonValid.__call__"],
}
# Any function whose name says it flattens messages into a prompt text, wherever it is.
FLATTEN_NAMES = ("_messages_text", "messages_text", "flatten_messages", "flatten", "_prompt_of")


def _request(
    kind: str, best_of: int | str, trace: bool = False, profile: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": MODEL,
        "messages": [{"role": "user", "content": PROMPTS[kind]}],
        "max_tokens": 128,
        "best_of": best_of,
    }
    if best_of == "auto":
        body["best_of_budget"] = 8
    if trace:
        body["trace"] = "summary"
    if profile:
        body["reward_profile"] = profile
    return body


def _resolve(spec: str) -> tuple[Any, str, Any] | None:
    """``module:qualname`` -> (owner, attribute, object), or None where it does not exist."""
    import importlib

    module_name, _, qualname = spec.partition(":")
    try:
        owner: Any = importlib.import_module(module_name)
    except ImportError:
        return None
    if not str(Path(owner.__file__ or "").resolve()).startswith(str(_tree()) + os.sep):
        return None  # another checkout's module (an editable install's finder): not this tree
    *path, attr = qualname.split(".")
    for part in path:
        owner = getattr(owner, part, None)
        if owner is None:
            return None
    obj = owner.__dict__.get(attr) if isinstance(owner, type) else getattr(owner, attr, None)
    return None if obj is None else (owner, attr, obj)


class Counts:
    """Counting wrappers, patched wherever the function object is bound, and undone."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.found: dict[str, str] = {}
        self._undo: list[Callable[[], None]] = []

    def _wrap(self, label: str, fn: Any) -> Any:
        @functools.wraps(fn)
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[label] += 1
            return fn(*args, **kwargs)

        counted.__wrapped_for_count__ = fn  # type: ignore[attr-defined]
        return counted

    def _set(self, owner: Any, attr: str, value: Any) -> None:
        old = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
        setattr(owner, attr, value)
        self._undo.append(lambda: setattr(owner, attr, old))

    def patch(self, label: str, spec: str, obj: Any, owner: Any, attr: str) -> None:
        """Replace ``obj`` by a counting wrapper in its owner and every module that imported it."""
        self.found[label] = spec
        if isinstance(owner, type):  # a method: the class is the one place it is bound
            self._set(owner, attr, self._wrap(label, obj))
            return
        wrapper = self._wrap(label, obj)
        for module in list(sys.modules.values()):
            namespace = getattr(module, "__dict__", None)
            if not isinstance(namespace, dict):
                continue
            for name, value in list(namespace.items()):
                if value is obj:
                    self._set(module, name, wrapper)

    def install(self) -> None:
        for label, specs in FUNCTIONS.items():
            for spec in specs:
                resolved = _resolve(spec)
                if resolved is not None:
                    owner, attr, obj = resolved
                    self.patch(label, spec, obj, owner, attr)
                    break
        seen: set[int] = set()
        for module_name, module in list(sys.modules.items()):
            if not module_name.startswith(("server", "rewards")) or module is None:
                continue
            for name in FLATTEN_NAMES:
                fn = getattr(module, name, None)
                if callable(fn) and not isinstance(fn, type) and id(fn) not in seen:
                    if getattr(fn, "__module__", None) != module_name:
                        continue  # imported here: patched where it is defined
                    seen.add(id(fn))
                    label = f"flatten: {module_name}.{name}"
                    self.patch(label, f"{module_name}:{name}", fn, module, name)
            for cls in [v for v in vars(module).values() if isinstance(v, type)]:
                if cls.__module__ != module_name:
                    continue
                for name in FLATTEN_NAMES:
                    fn = cls.__dict__.get(name)
                    if callable(fn) and id(fn) not in seen:
                        seen.add(id(fn))
                        label = f"flatten: {module_name}.{cls.__name__}.{name}"
                        self.patch(label, f"{module_name}:{cls.__name__}.{name}", fn, cls, name)

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()


def _gate_constructions(app: Any, counts: Counts) -> None:
    """Count each gate class's constructions (a registry may build a gate per call or once)."""
    registry = app.state.registry
    seen: set[type] = set()
    for name in registry.gate_names():
        cls = type(registry.gate(name))  # built here, before the counted requests
        if cls in seen:
            continue  # one class behind two gates: counted under the first
        seen.add(cls)
        label = f"gate built: {name} ({cls.__name__})"
        init = cls.__init__
        counts.found[label] = f"{cls.__module__}:{cls.__qualname__}.__init__"
        if "__init__" in cls.__dict__:
            counts._set(cls, "__init__", counts._wrap(label, init))
        else:  # inherited: shadow it on this class only, and remove the shadow after
            cls.__init__ = counts._wrap(label, init)  # type: ignore[misc]
            counts._undo.append(functools.partial(delattr, cls, "__init__"))


def _budget_calls(counts: Counts) -> None:
    """Count the calls sent to budget workers and the bytes of their pickled requests."""
    from rewards.budget import BudgetPool

    run = BudgetPool.run

    def counted(pool: Any, payload: bytes, *args: Any, **kwargs: Any) -> Any:
        counts.calls["budget worker calls"] += 1
        counts.calls["budget request bytes"] += len(payload)
        return run(pool, payload, *args, **kwargs)

    counts.found["budget worker calls"] = "rewards.budget:BudgetPool.run"
    counts._set(BudgetPool, "run", counted)


def _scorer(app: Any) -> Any:
    pipeline = app.state.pipeline
    return getattr(pipeline, "scorer", pipeline)


@contextmanager
def _quiet() -> Iterator[None]:
    import logging

    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def _quantiles(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    p95 = statistics.quantiles(ms, n=100, method="inclusive")[94] if len(ms) > 1 else ms[0]
    return {"p50_ms": statistics.median(ms), "p95_ms": p95, "n": len(ms)}


def _cpu_s(processes: list[Any]) -> float:
    """User + system CPU seconds of these processes so far (the ones gone count 0)."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


async def _measure(repeats: int, warmup: int, count: bool, only: str | None) -> dict[str, Any]:
    import httpx

    from server.app import create_app
    from server.config import Settings
    from server.engines.scripted import ScriptedEngine

    profiles = Path(tempfile.mkdtemp()) / "profiles.yaml"
    profiles.write_text(PROFILES_YAML)
    # The tests' settings (tests/conftest.py make_settings): an in-memory store.
    settings = Settings(
        engine="vllm", model=MODEL, database_url="sqlite+aiosqlite://", profiles_file=profiles
    )
    app = create_app(settings, engine=ScriptedEngine.from_dict(SCRIPT, model_name=MODEL))
    out: dict[str, Any] = {
        "score_workers": settings.score_workers,
        "budgets": type(_scorer(app).budgets).__name__,
    }
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def post(
                kind: str, best_of: int | str, trace: bool = False, profile: str | None = None
            ) -> dict[str, Any]:
                body = _request(kind, best_of, trace, profile)
                r = await client.post("/v1/chat/completions", json=body)
                if r.status_code != 200:
                    raise RuntimeError(f"{kind}/{best_of}: {r.status_code} {r.text[:300]}")
                answer: dict[str, Any] = r.json()
                return answer

            timed = [t for t in TIMED if only is None or t[0] == only]
            calls: list[tuple[str, Callable[[], Any]]] = [
                (label, functools.partial(post, kind, best_of)) for label, kind, best_of in timed
            ]
            if only is None:
                calls.append((FLOOR, functools.partial(client.get, "/health")))
            for _ in range(warmup):
                for _, call in calls:
                    await call()
            wall: dict[str, list[float]] = {label: [] for label, _ in calls}
            cpu: dict[str, list[float]] = {label: [] for label, _ in calls}
            workers: dict[str, list[float]] = {label: [] for label, _ in calls}
            me = psutil.Process()
            for _ in range(repeats):
                for label, call in calls:
                    kids = me.children(recursive=True)
                    w0 = _cpu_s(kids)
                    c0 = time.process_time()
                    t0 = time.perf_counter()
                    await call()
                    t1 = time.perf_counter()
                    c1 = time.process_time()
                    wall[label].append(t1 - t0)
                    cpu[label].append(c1 - c0)
                    workers[label].append(_cpu_s(kids) - w0)
            out["samples_s"] = wall
            out["cpu_s"] = cpu
            out["worker_cpu_s"] = workers
            if count:
                out["counts"] = await _count(app, post)
    return out


async def _count(app: Any, post: Callable[..., Any]) -> dict[str, Any]:
    """One request per COUNTED entry: the functions' calls, then the budget-worker calls."""
    result: dict[str, Any] = {"requests": {}, "absent": []}
    scorer = _scorer(app)
    counts = Counts()
    counts.install()
    _gate_constructions(app, counts)
    budgets, scorer.budgets = scorer.budgets, None  # every call on this thread: all counted
    try:
        for label, kind, best_of in COUNTED:
            counts.calls.clear()
            profile = PROFILE if "reward_profile" in label else None
            body = await post(kind, best_of, trace=best_of == "auto", profile=profile)
            calls = {k: counts.calls.get(k, 0) for k in sorted({*counts.found, *counts.calls})}
            result["requests"][label] = {"calls": calls}
            adaptive = (body.get("trace") or {}).get("adaptive") if best_of == "auto" else None
            if adaptive:
                result["requests"][label]["rounds"] = len(adaptive.get("rounds", []))
    finally:
        scorer.budgets = budgets
        counts.uninstall()
    result["found"] = counts.found
    result["absent"] = [k for k in FUNCTIONS if k not in counts.found]
    pool = Counts()
    _budget_calls(pool)
    try:
        for label, kind, best_of in COUNTED:
            pool.calls.clear()
            await post(kind, best_of, profile=PROFILE if "reward_profile" in label else None)
            for key in ("budget worker calls", "budget request bytes"):
                result["requests"][label][key] = pool.calls[key]
    finally:
        pool.uninstall()
    return result


def _tree() -> Path:
    import rewards

    return Path(rewards.__file__).resolve().parents[1]


def child(args: argparse.Namespace) -> int:
    """Measure the tree that ``import rewards`` resolves to; JSON on --out."""
    # The tree goes first on sys.path; an editable install's finder would hand out the other
    # checkout's modules for any name this tree lacks (rewards.task in an old tree).
    tree = args.after or _default_tree()
    sys.path.insert(0, str(tree))
    sys.meta_path[:] = [
        f for f in sys.meta_path if "__editable__" not in str(getattr(f, "__module__", ""))
    ]
    import rewards

    with _quiet():
        data = asyncio.run(_measure(args.repeats, args.warmup, args.count, args.only))
    data["tree"] = str(Path(rewards.__file__).resolve().parents[1])
    data["commit"] = _commit(Path(data["tree"]))
    args.out.write_text(json.dumps(data))
    return 0


def _commit(tree: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' + uncommitted changes' if dirty else ''}"


def _run_child(tree: Path, repeats: int, warmup: int, count: bool, tmp: Path) -> dict[str, Any]:
    out = tmp / f"child-{time.monotonic_ns()}.json"
    env = dict(os.environ, PYTHONPATH=str(tree))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--out", str(out)]
    cmd += ["--after", str(tree)]
    cmd += ["--repeats", str(repeats), "--warmup", str(warmup)] + (["--count"] if count else [])
    subprocess.run(cmd, env=env, cwd=tree, check=True)
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def _summary(parts: list[dict[str, Any]]) -> dict[str, Any]:
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    workers: dict[str, list[float]] = {}
    for part in parts:
        for label, samples in part["samples_s"].items():
            wall.setdefault(label, []).extend(samples)
            cpu.setdefault(label, []).extend(part["cpu_s"][label])
            workers.setdefault(label, []).extend(part["worker_cpu_s"][label])
    first = parts[0]
    return {
        "tree": first["tree"],
        "commit": first["commit"],
        "score_workers": first["score_workers"],
        "budgets": first["budgets"],
        "time": {
            label: {
                **_quantiles(s),
                "cpu_p50_ms": statistics.median(cpu[label]) * 1000,
                # /proc counts a process's CPU in 10 ms ticks: only the mean is meaningful.
                "worker_cpu_mean_ms": statistics.fmean(workers[label]) * 1000,
            }
            for label, s in wall.items()
        },
        "counts": next((p["counts"] for p in parts if "counts" in p), None),
    }


def _count_table(trees: dict[str, dict[str, Any]]) -> list[str]:
    names = list(trees)
    lines = []
    requests = [label for label, _, _ in COUNTED]
    for request in requests:
        per = {n: (trees[n]["counts"] or {}).get("requests", {}).get(request, {}) for n in names}
        keys: list[str] = []
        for n in names:
            for k in [*per[n].get("calls", {}), *BUDGET_KEYS]:
                if k not in keys:
                    keys.append(k)
        rounds = {n: per[n].get("rounds") for n in names if per[n].get("rounds")}
        note = f" ({', '.join(f'{n}: {r} rounds' for n, r in rounds.items())})" if rounds else ""
        lines += [f"**{request}**{note}", "", "| computed | " + " | ".join(names) + " |"]
        lines.append("|---|" + "---:|" * len(names))
        known = [*FUNCTIONS, *BUDGET_KEYS]
        for k in sorted(keys, key=lambda k: (known.index(k) if k in known else len(known), k)):
            cells = []
            for n in names:
                absent = k in (trees[n]["counts"] or {}).get("absent", [])
                value = per[n].get(k) if k in BUDGET_KEYS else per[n]["calls"].get(k, 0)
                cells.append("absent" if absent else str(value))
            lines.append(f"| {k} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def to_markdown(report: dict[str, Any]) -> str:
    trees = report["trees"]
    names = list(trees)
    meta = report["meta"]
    lines = [
        f"In-process (httpx ASGITransport, lifespan started), scripted engine with no delay; "
        f"{meta['repeats']} requests per row after {meta['warmup']} warm-up rounds, "
        f"{meta['rounds']} alternating round(s) per tree; {meta['machine']}, load "
        f"{meta['load']}; {meta['when']}.",
        "Times in ms: wall p50 and p95 of one request as the client sees it, and the CPU it"
        " took in the server process (all its threads) at p50, and in its worker processes"
        " (budget, math-verify, sandbox) on average.",
        "",
        *(f"- {n}: {t['tree']} at {t['commit']}" for n, t in trees.items()),
        f"- budget workers: {trees[names[-1]]['score_workers']} processes (score_workers), "
        "rewards and gates pickled to them under their budgets, as the server runs them",
        "",
        "| request | "
        + " | ".join(f"{n} p50 | {n} p95 | {n} CPU | {n} workers' CPU" for n in names)
        + (" | p50 after/before | CPU after/before |" if len(names) == 2 else " |"),
        "|---|" + "---:|" * 4 * len(names) + ("---:|---:|" if len(names) == 2 else ""),
    ]
    for label in trees[names[-1]]["time"]:
        cells = []
        for n in names:
            q = trees[n]["time"].get(label)
            keys = ("p50_ms", "p95_ms", "cpu_p50_ms", "worker_cpu_mean_ms")
            cells += [f"{q[k]:.2f}" for k in keys] if q else [""] * len(keys)
        row = f"| {label} | " + " | ".join(cells)
        if len(names) == 2 and all(label in trees[n]["time"] for n in names):
            b, a = (trees[n]["time"][label] for n in names)
            row += f" | {a['p50_ms'] / b['p50_ms']:.2f}x | {a['cpu_p50_ms'] / b['cpu_p50_ms']:.2f}x"
        lines.append(row + " |")
    lines += [
        "",
        "Calls per request (rewards and gates on the calling thread for the count; "
        "budget worker calls counted with budgets on):",
        "",
    ]
    lines += _count_table(trees)
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=200, help="timed requests per row, per tree")
    p.add_argument("--warmup", type=int, default=10, help="untimed rounds first (per child)")
    p.add_argument("--rounds", type=int, default=4, help="alternating children per tree")
    p.add_argument("--before", type=Path, help="another checkout, measured side by side")
    p.add_argument(
        "--after", type=Path, help="the checkout to measure: PYTHONPATH's, else this one's"
    )
    p.add_argument("--out", type=Path, default=HERE / "bench" / "results" / "overhead.json")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--count", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--only", help="with --child: time only this row (e.g. math/8), to profile")
    args = p.parse_args()
    if args.child:
        return child(args)
    after = args.after or _default_tree()
    trees = {"before": args.before.resolve(), "after": after} if args.before else {"tree": after}
    parts: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    per_round = max(1, -(-args.repeats // args.rounds))
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for name, tree in trees.items():
                print(f"round {r + 1}/{args.rounds}: {name} ({tree})", flush=True)
                parts[name].append(_run_child(tree, per_round, args.warmup, r == 0, Path(tmp)))
    report = {
        "meta": {
            "repeats": per_round * args.rounds,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}",
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
            "when": time.strftime("%Y-%m-%d %H:%M:%S"),
            "command": " ".join(["bench/overhead.py", *sys.argv[1:]]),
        },
        "trees": {name: _summary(p) for name, p in parts.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    table = to_markdown(report)
    args.out.with_suffix(".md").write_text(table + "\n")
    print(table)
    return 0


def _default_tree() -> Path:
    """The checkout that ``import rewards`` gives (PYTHONPATH's, else this one's)."""
    import importlib.util

    spec = importlib.util.find_spec("rewards")
    if spec is None or spec.origin is None:
        return HERE
    return Path(spec.origin).resolve().parents[1]


if __name__ == "__main__":
    sys.exit(main())
