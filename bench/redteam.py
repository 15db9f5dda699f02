"""Red team: issue 10's adversarial set against a running bon-server, as a caller would.

Each attack is a named row: the deployment mode it ran in, whether it was contained, the
worst-case seconds of its requests, and what was seen. The rows go to
``bench/results/redteam.json`` (merged by mode, so several modes add up) and, as a
Markdown table, between the markers of ``docs/redteam.md``.

The "model" is the scripted engine, so a candidate can be exactly the hostile code an
attacker wants (``bench/redteam_candidates.py``). Against a server you started yourself::

    .venv/bin/python bench/redteam.py --write-script /tmp/rt.json
    BON_REDTEAM_CANARY=$(jq -r .redteam.canary /tmp/rt.json) bon-server serve \\
        --engine scripted --script /tmp/rt.json --api-keys KEY_A,KEY_B --port 8000 &
    .venv/bin/python bench/redteam.py --base-url http://127.0.0.1:8000 --script /tmp/rt.json \\
        --key-a KEY_A --key-b KEY_B [--operator-key OP] --mode root

or let it start the server itself, in one or more modes::

    .venv/bin/python bench/redteam.py --spawn root --spawn uid-10001 --spawn no-capabilities

Without ``--script`` (e.g. a real-engine server) the candidate rows are "not testable".
All traffic goes to 127.0.0.1; every loop is bounded in count and time; a row that fails
is recorded as ``error: ...`` and the run goes on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.redteam_attacks import ATTACKS, Ctx, Outcome
from bench.redteam_candidates import ScriptParams, build_script
from bench.redteam_harness import (
    REPO,
    SPAWN_MODES,
    Client,
    Listener,
    SpawnedServer,
    free_port,
    operator_option,
)

TABLE_START = "<!-- redteam:table:start -->"
TABLE_END = "<!-- redteam:table:end -->"


@dataclass
class Row:
    """One line of the table."""

    attack: str
    mode: str
    contained: bool | None
    seconds: float
    detail: str

    @property
    def verdict(self) -> str:
        if self.detail.startswith("error:"):
            return "error"
        return {True: "contained", False: "NOT contained", None: "not testable"}[self.contained]


def run_attacks(
    ctx: Ctx, mode: str, only: set[str] | None, log: Callable[[str], None]
) -> list[Row]:
    rows: list[Row] = []
    for name, fn in ATTACKS:
        if only and not any(name.startswith(o) for o in only):
            continue
        ctx.clock.clear()
        t0 = time.monotonic()
        try:
            outcomes = fn(ctx)
        except Exception as e:  # one failing row never stops the run
            outcomes = [Outcome(name, None, f"error: {type(e).__name__}: {e}"[:300])]
        worst = max(ctx.clock, default=time.monotonic() - t0)
        for o in outcomes:
            row = Row(o.attack, mode, o.contained, round(o.seconds or worst, 3), o.detail)
            rows.append(row)
            log(f"{row.attack:<40} {row.verdict:<14} {row.seconds:>8.2f}s  {row.detail[:110]}")
        ctx.after_attack()
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| attack | mode | contained | worst-case s | detail |",
        "|---|---|---|---:|---|",
    ]
    for r in rows:
        row = Row(**{k: r[k] for k in ("attack", "mode", "contained", "seconds", "detail")})
        detail = row.detail.replace("|", "\\|").replace("\n", " ")[:160]
        lines.append(
            f"| {row.attack} | {row.mode} | {row.verdict} | {row.seconds:.2f} | {detail} |"
        )
    return "\n".join(lines) + "\n"


def write_outputs(rows: list[Row], meta: dict[str, Any], out_json: Path, out_md: Path) -> None:
    """Merge this run's rows into the JSON (replacing earlier rows of the same modes)
    and put the whole table between the markers of the docs file."""
    modes = {r.mode for r in rows}
    data: dict[str, Any] = {"runs": {}, "rows": []}
    if out_json.exists():
        with contextlib.suppress(ValueError):
            data = json.loads(out_json.read_text())
    data["rows"] = [r for r in data.get("rows", []) if r["mode"] not in modes]
    data["rows"] += [asdict(r) | {"verdict": r.verdict} for r in rows]
    for m in modes:
        data.setdefault("runs", {})[m] = meta
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(data, indent=2) + "\n")
    table = markdown(data["rows"])
    runs = "; ".join(f"{m}: {v['date']} against {v['base_url']}" for m, v in data["runs"].items())
    block = f"{TABLE_START}\n{table}\nRuns: {runs}.\n{TABLE_END}"
    text = out_md.read_text() if out_md.exists() else f"# Red team\n\n{TABLE_START}\n{TABLE_END}\n"
    if TABLE_START in text and TABLE_END in text:
        head, rest = text.split(TABLE_START, 1)
        text = head + block + rest.split(TABLE_END, 1)[1]
    else:
        text += "\n" + block + "\n"
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_md.write_text(text)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--base-url", help="a running server (127.0.0.1 only)")
    p.add_argument("--key-a", help="the victim's API key")
    p.add_argument("--key-b", help="the attacker's API key")
    p.add_argument("--operator-key", help="an operator key, if the server has one")
    p.add_argument("--script", type=Path, help="the red-team script the server runs")
    p.add_argument("--mode", default="root", help="deployment mode label for the table")
    p.add_argument(
        "--spawn",
        action="append",
        choices=SPAWN_MODES,
        default=[],
        help="start the server on the scripted engine in this mode (repeatable)",
    )
    p.add_argument(
        "--repo",
        type=Path,
        default=REPO,
        help="source tree a spawned server runs from (e.g. a `git archive` of main)",
    )
    p.add_argument("--write-script", type=Path, help="write a red-team script and exit")
    p.add_argument(
        "--max-body-bytes",
        type=int,
        default=None,
        help="the server's --max-body-bytes (default 4 MiB, the server's default)",
    )
    p.add_argument(
        "--bound-s",
        type=float,
        default=10.0,
        help="a CPU row is contained when its request returns within this",
    )
    p.add_argument(
        "--fair-bound-s",
        type=float,
        default=3.0,
        help="another key's request may slow by at most this under load",
    )
    p.add_argument("--health-bound-s", type=float, default=3.0)
    p.add_argument("--timeout-s", type=float, default=120.0, help="client timeout per request")
    p.add_argument("--only", action="append", help="run only attacks starting with this")
    p.add_argument("--out-json", type=Path, default=REPO / "bench/results/redteam.json")
    p.add_argument("--out-md", type=Path, default=REPO / "docs/redteam.md")
    args = p.parse_args(argv)
    if (
        not args.write_script
        and not args.spawn
        and not (args.base_url and args.key_a and args.key_b)
    ):
        p.error("give --spawn MODE, or --base-url with --key-a and --key-b, or --write-script")
    if args.base_url and not args.base_url.startswith(("http://127.0.0.1", "http://localhost")):
        p.error("--base-url must be on 127.0.0.1: this script attacks only loopback")
    return args


def new_params(port: int) -> ScriptParams:
    return ScriptParams(run_id=secrets.token_hex(4), canary="rtc" + secrets.token_hex(8), port=port)


def attack_server(
    args: argparse.Namespace,
    mode: str,
    base_url: str,
    keys: tuple[str, str],
    op_key: str | None,
    params: ScriptParams | None,
    listener: Listener | None,
    spawned: SpawnedServer | None,
    max_body: int,
) -> list[Row]:
    clock: list[float] = []
    a = Client(base_url, keys[0], args.timeout_s, clock)
    b = Client(base_url, keys[1], args.timeout_s, clock)
    op = Client(base_url, op_key, args.timeout_s, clock) if op_key else None
    models = a.request("GET", "/v1/models")
    if isinstance(models.body, dict) and models.body.get("data"):
        for c in (a, b, op):
            if c:
                c.model = models.body["data"][0]["id"]
    ctx = Ctx(
        base_url=base_url,
        a=a,
        b=b,
        op=op,
        keys=[k for k in (*keys, op_key) if k],
        params=params,
        listener=listener,
        spawned=spawned,
        max_body_bytes=max_body,
        bound_s=args.bound_s,
        fair_bound_s=args.fair_bound_s,
        health_bound_s=args.health_bound_s,
        timeout_s=args.timeout_s,
        clock=clock,
    )
    print(f"== mode {mode}: {base_url}", flush=True)
    try:
        return run_attacks(ctx, mode, set(args.only) if args.only else None, print)
    finally:
        for c in (a, b, op):
            if c:
                c.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.write_script:
        wparams = new_params(free_port())
        args.write_script.write_text(json.dumps(build_script(wparams), indent=1))
        print(
            f"wrote {args.write_script}; start the server with BON_REDTEAM_CANARY={wparams.canary}"
        )
        return 0
    all_rows: list[Row] = []
    meta_base = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "host": platform.node(),
        "python": platform.python_version(),
    }
    if args.base_url:
        params: ScriptParams | None = None
        listener = None
        if args.script:
            raw = json.loads(args.script.read_text())["redteam"]
            params = ScriptParams(raw["run_id"], raw["canary"], int(raw["port"]))
            listener = Listener(params.port)
        max_body = args.max_body_bytes or 4 * 1024 * 1024
        try:
            rows = attack_server(
                args,
                args.mode,
                args.base_url,
                (args.key_a, args.key_b),
                args.operator_key,
                params,
                listener,
                None,
                max_body,
            )
        finally:
            if listener:
                listener.close()
        write_outputs(rows, meta_base | {"base_url": args.base_url}, args.out_json, args.out_md)
        all_rows += rows
    op_opt = operator_option(args.repo) if args.spawn else None
    for mode in args.spawn:
        listener = Listener()
        params = new_params(listener.port)
        keys = ("rt-key-a-" + secrets.token_hex(8), "rt-key-b-" + secrets.token_hex(8))
        op_key = "rt-key-op-" + secrets.token_hex(8) if op_opt else None
        max_body = args.max_body_bytes or 4 * 1024 * 1024
        server = SpawnedServer(
            mode,
            params,
            list(keys) + ([op_key] if op_key else []),
            op_key,
            max_body,
            op_option=op_opt,
            repo=args.repo,
        )
        why = server.unavailable()
        meta = meta_base | {
            "base_url": f"spawned ({mode}) from {args.repo}",
            "operator_option": op_opt,
        }
        try:
            if why:
                rows = [Row("(mode)", mode, None, 0.0, f"mode not run: {why}")]
            else:
                server.start()
                rows = attack_server(
                    args, mode, server.base_url, keys, op_key, params, listener, server, max_body
                )
        except Exception as e:
            rows = [Row("(mode)", mode, None, 0.0, f"error: mode not run: {e}"[:300])]
        finally:
            server.stop()
            listener.close()
        print(f"server log ({mode}): {server.workdir / 'server.log'}")
        write_outputs(rows, meta, args.out_json, args.out_md)
        all_rows += rows
    bad = sum(r.contained is False for r in all_rows)
    print(f"{len(all_rows)} rows, {bad} NOT contained; wrote {args.out_json} and {args.out_md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
