"""Command line: ``bon-server serve``, ``prepare-model``, ``trace-schema``, ``export``.

Every :class:`~server.config.Settings` field is also an option of ``serve``
(``default_best_of`` -> ``--default-best-of``); options win over ``BON_*``
environment variables, which win over the defaults.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from server.config import Settings


def _add_settings_options(parser: argparse.ArgumentParser) -> None:
    for name, field in Settings.model_fields.items():
        flag = "--" + name.replace("_", "-")
        default = field.get_default(call_default_factory=True)
        help_text = field.description or ""
        parser.add_argument(
            flag,
            dest=name,
            default=None,
            metavar=name.upper(),
            help=f"{help_text} (env BON_{name.upper()}; default: {default})".strip(),
        )


def _settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        name: getattr(args, name)
        for name in Settings.model_fields
        if getattr(args, name, None) is not None
    }
    return Settings(**overrides)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    import yaml

    from server.app import create_app
    from server.engines.base import Engine
    from server.engines.scripted import ScriptedEngine
    from server.logs import configure_logging
    from server.sandbox_mode import SandboxRefused
    from server.tool_parsing import ToolParsing
    from server.tools import EMBEDDED_TOOL_PARSER

    settings = _settings_from(args)
    configure_logging(settings.log_level, settings.log_format)
    # Check what can be checked before the server starts (and before a model conversion),
    # so a bad plugin, script or --model is a clear message and exit code 2, not a
    # traceback from a failed lifespan. create_app checks the reward registry; a scripted
    # engine is loaded here once and injected.
    try:
        engine: Engine | None = None
        if settings.engine == "scripted":
            assert settings.script is not None  # Settings checks this
            engine = ScriptedEngine.from_file(settings.script, model_name=settings.model_id)
        if settings.engine == "vllm" or settings.tool_call_parser != EMBEDDED_TOOL_PARSER:
            # vLLM's parsers are imported for this (~20 s): the engine imports vLLM anyway.
            ToolParsing(settings.tool_call_parser).check()
        app = create_app(settings, engine=engine)
    except (ValueError, OSError, yaml.YAMLError, SandboxRefused) as exc:
        print(f"bon-server: {exc}", file=sys.stderr)
        return 2
    if settings.engine == "vllm" and _prepared(settings) is None:
        return 2
    # Uvicorn's loggers go through our root handler; bon.access replaces its access log.
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    return 0


def _prepared(settings: Settings) -> Path | None:
    """The model folder, or None after printing why it cannot be had."""
    from server.model import ModelUnavailable, prepare_model

    try:
        return prepare_model(settings.model, settings.cache_dir).path
    except (ValueError, ModelUnavailable) as exc:
        print(f"bon-server: {exc}", file=sys.stderr)
        return None


def _prepare(args: argparse.Namespace) -> int:
    path = _prepared(_settings_from(args))
    if path is None:
        return 2
    print(path)
    return 0


def _schema(_: argparse.Namespace) -> int:
    from server.trace import load_trace_schema

    print(json.dumps(load_trace_schema(), indent=2))
    return 0


def _export(args: argparse.Namespace) -> int:
    """``bon-server export``: datasets in TRL's formats from the store (docs/store.md)."""
    from sqlalchemy.exc import SQLAlchemyError

    from server.store import database_url
    from server.store.export import ExportFilters, export, parse_time

    try:
        url = args.database_url or database_url(Settings())
        filters = ExportFilters(
            since=None if args.since is None else parse_time(args.since),
            until=None if args.until is None else parse_time(args.until),
            task=args.task,
            profile=args.profile,
            owner=args.owner,
            verified_only=args.verified_only,
            min_margin=args.min_margin,
            min_rating=args.min_rating,
        )
        fmt = args.format or ("parquet" if args.output.suffix == ".parquet" else "jsonl")
        result = export(url, args.kind, args.output, fmt, filters)
    except (ValueError, OSError, RuntimeError, SQLAlchemyError) as exc:
        print(f"bon-server export: {exc}", file=sys.stderr)
        return 2
    print(result.summary())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bon-server", description="Reward-guided best-of-N server (OpenAI-compatible)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve",
        help="run the server",
        description="Run the OpenAI-compatible best-of-N server.",
    )
    _add_settings_options(serve)
    serve.set_defaults(func=_serve)
    prep = sub.add_parser(
        "prepare-model",
        help="convert the embedded model (or check a local model folder) and print its path",
    )
    _add_settings_options(prep)
    prep.set_defaults(func=_prepare)
    schema = sub.add_parser("trace-schema", help="print the JSON Schema of the trace")
    schema.set_defaults(func=_schema)
    exp = sub.add_parser(
        "export",
        help="write training data (SFT, DPO, KTO, GRPO) in TRL's formats from the store",
        description="Write a dataset in TRL's formats from the store (docs/store.md).",
    )
    exp.add_argument("kind", choices=("sft", "dpo", "kto", "grpo"))
    exp.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    exp.add_argument(
        "--format", choices=("jsonl", "parquet"), help="default: from the suffix, else jsonl"
    )
    exp.add_argument("--database-url", help="the store (default: the server's SQLite file)")
    exp.add_argument("--since", help="stored at or after (ISO 8601 or epoch seconds; UTC)")
    exp.add_argument("--until", help="stored before (ISO 8601 or epoch seconds; UTC)")
    exp.add_argument("--task", help="only this detected task (math, code, json, ...)")
    exp.add_argument("--profile", help="only this reward profile")
    exp.add_argument("--owner", help="only this owner (the trace's owner, sha256:...)")
    exp.add_argument(
        "--verified-only",
        action="store_true",
        help="only candidates whose outcome a verifier or feedback decided",
    )
    exp.add_argument(
        "--min-margin", type=float, help="least combined-score gap of a pair (dpo, kto)"
    )
    exp.add_argument(
        "--min-rating",
        type=float,
        default=1.0,
        help="numeric feedback at least this is good (default 1; booleans: true)",
    )
    exp.set_defaults(func=_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        # `serve` sets the level and format again from its validated settings.
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.func(args)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        print(f"bon-server: invalid setting {where}: {first.get('msg')}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
