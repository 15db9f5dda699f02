"""Does best-of-N pick better tool calls than one sample or a majority vote?

A tool-calling set regenerated from code with a fixed seed (:func:`build`): about
40 prompts, each declaring 2-4 tools with the exact call expected, some needing no
call (the expected answer is then no call). Two phases, as ``bench/accuracy.py``:

1. ``generate``: on the real engine (in-process vLLM, the embedded model with the
   server's hermes tool template), sample a pool of ``--pool`` candidates per prompt
   with the tools rendered and ``tool_choice`` as the item says (required/named
   guided as the server does), parse each candidate with the server's tool parser
   (vLLM's ``hermes``), write ``bench/results/tools_candidates.json``.
2. ``evaluate``: for each best_of k, split each pool into disjoint groups of k and
   report the share of groups whose returned call is correct (right tool, arguments
   valid and equal to the expected ones; for a no-call item: no call) for
   - *one sample*: the expected accuracy of one unjudged candidate of the group,
   - *majority*: the most common call (tool and canonical arguments; no call is a vote),
   - *selection*: what the server returns (its own planning and scoring),
   - *oracle*: any candidate of the group is correct;
   and the share of returned candidates whose call is invalid (``tool_valid`` < 1).
   Writes ``bench/results/tools_eval.{json,md}``.

    .venv/bin/python bench/tools_eval.py generate [--pool 8] [--max-tokens 96]
    .venv/bin/python bench/tools_eval.py evaluate [--sizes 1 4 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pools import candidate_record, disjoint_groups, load_candidates, write_pool

RESULTS = Path(os.environ.get("BON_BENCH_RESULTS", Path(__file__).parent / "results"))
CANDIDATES = RESULTS / "tools_candidates.json"


def _fn(
    name: str, description: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


_S = {"type": "string"}
_N = {"type": "number"}
TOOLS = {
    "get_weather": _fn(
        "get_weather",
        "Get the current weather in a city",
        {"city": _S, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        ["city"],
    ),
    "convert_currency": _fn(
        "convert_currency",
        "Convert an amount of money from one currency to another",
        {"amount": _N, "from_currency": _S, "to_currency": _S},
        ["amount", "from_currency", "to_currency"],
    ),
    "get_stock_price": _fn(
        "get_stock_price",
        "Get the latest price of a stock by ticker symbol",
        {"symbol": _S},
        ["symbol"],
    ),
    "send_email": _fn(
        "send_email",
        "Send an e-mail",
        {"to": _S, "subject": _S},
        ["to", "subject"],
    ),
    "set_timer": _fn(
        "set_timer",
        "Set a timer for a number of minutes",
        {"minutes": {"type": "integer"}},
        ["minutes"],
    ),
    "translate": _fn(
        "translate",
        "Translate a text into another language",
        {"text": _S, "target_language": _S},
        ["text", "target_language"],
    ),
}
CITIES = ["Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Berlin", "Madrid", "Seoul"]
CURRENCIES = ["USD", "EUR", "JPY", "GBP"]
SYMBOLS = ["AAPL", "MSFT", "TSLA", "NVDA", "AMZN"]
PEOPLE = ["alice@example.com", "bob@example.com", "carol@example.org"]
SUBJECTS = ["Lunch", "Report", "Meeting"]
WORDS = ["hello", "thank you", "good night"]
LANGUAGES = ["French", "Spanish", "German"]
NO_CALL = [
    "Say hello in one short sentence.",
    "What is the capital of Italy?",
    "Tell me a fun fact about cats.",
    "What colour is the sky on a clear day?",
    "Write one sentence about the sea.",
    "Who wrote Romeo and Juliet?",
]


@dataclass(frozen=True)
class Item:
    """One prompt: its tools, the tool_choice, and the call expected (None: no call)."""

    id: str
    prompt: str
    tools: list[str]
    tool_choice: Any
    expected: dict[str, Any] | None  # {"name", "arguments"} or None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [{"role": "user", "content": self.prompt}]

    @property
    def tool_objects(self) -> list[dict[str, Any]]:
        return [TOOLS[name] for name in self.tools]


def _case(rng: random.Random, kind: str) -> tuple[str, str, dict[str, Any]]:
    if kind == "get_weather":
        city = rng.choice(CITIES)
        if rng.random() < 0.5:
            unit = rng.choice(["celsius", "fahrenheit"])
            return f"What's the weather in {city} in {unit}?", kind, {"city": city, "unit": unit}
        return f"What's the weather like in {city} right now?", kind, {"city": city}
    if kind == "convert_currency":
        amount = rng.choice([10, 25, 50, 100, 250])
        a, b = rng.sample(CURRENCIES, 2)
        args = {"amount": amount, "from_currency": a, "to_currency": b}
        return f"Convert {amount} {a} to {b}.", kind, args
    if kind == "get_stock_price":
        symbol = rng.choice(SYMBOLS)
        return f"What is the stock price of {symbol}?", kind, {"symbol": symbol}
    if kind == "send_email":
        to, subject = rng.choice(PEOPLE), rng.choice(SUBJECTS)
        return (
            f"Send an e-mail to {to} with the subject {subject}.",
            kind,
            {"to": to, "subject": subject},
        )
    if kind == "set_timer":
        minutes = rng.choice([3, 5, 10, 15, 20])
        return f"Set a timer for {minutes} minutes.", kind, {"minutes": minutes}
    word, language = rng.choice(WORDS), rng.choice(LANGUAGES)
    args = {"text": word, "target_language": language}
    return f'Translate "{word}" into {language}.', "translate", args


def build(seed: int = 0, size: int = 40) -> list[Item]:
    """The tool-calling set: ``size`` items, the same for the same seed.

    About one in six needs no call; of those that need one, a fifth use
    ``tool_choice: required`` and a tenth name the function; the rest are ``auto``.
    """
    rng = random.Random(seed)
    names = sorted(TOOLS)
    items = []
    for i in range(size):
        count = rng.randint(2, 4)
        if i % 6 == 5:
            tools = rng.sample(names, count)
            prompt = NO_CALL[(i // 6) % len(NO_CALL)]
            items.append(Item(f"t{i:02d}", prompt, tools, "auto", None))
            continue
        prompt, name, args = _case(rng, rng.choice(names))
        others = rng.sample([n for n in names if n != name], count - 1)
        tools = sorted([name, *others], key=lambda _: rng.random())
        roll = rng.random()
        choice: Any = "auto"
        if roll < 0.1:
            choice = {"type": "function", "function": {"name": name}}
        elif roll < 0.3:
            choice = "required"
        items.append(Item(f"t{i:02d}", prompt, tools, choice, {"name": name, "arguments": args}))
    return items


def _spec(item: Item) -> Any:
    from server.tools import ToolSpec

    return ToolSpec(tuple(item.tool_objects), item.tool_choice, parallel_tool_calls=True)


# ---------------------------------------------------------------------------- generate


async def _generate(items: list[Item], pool: int, max_tokens: int, temperature: float) -> list[Any]:
    from server.config import EMBEDDED_MODEL_NAME, Settings, default_cache_dir
    from server.engines.base import GenerationRequest
    from server.engines.vllm_engine import VLLMEngine
    from server.model import prepare_model
    from server.tool_parsing import ToolParsing
    from server.tools import chat_template_for

    model = prepare_model(EMBEDDED_MODEL_NAME, default_cache_dir())
    template = chat_template_for(None, embedded=True)
    out = []
    async with VLLMEngine.start(
        model.path, model.name, max_model_len=2048, chat_template=template
    ) as engine:
        parsing = ToolParsing(Settings().tool_call_parser, engine.tokenizer)
        for i, item in enumerate(items):
            t0 = time.perf_counter()
            spec = _spec(item)
            gen = await engine.generate(
                GenerationRequest(
                    request_id=f"tools-{item.id}",
                    n=pool,
                    max_tokens=max_tokens,
                    messages=item.messages,
                    temperature=temperature,
                    tools=spec.tools,
                    tool_choice=spec.tool_choice,
                    parallel_tool_calls=True,
                    guided_json=parsing.guided_schema(spec),
                )
            )
            parsed = parsing.parse(list(gen.candidates), spec, guided=gen.guided)
            out.append(
                {
                    "item": asdict(item),
                    "candidates": [
                        candidate_record(c)
                        | {
                            "content": c.content,
                            "tool_calls": [[t.name, t.arguments] for t in c.tool_calls],
                        }
                        for c in parsed
                    ],
                }
            )
            print(f"[{i + 1}/{len(items)}] {item.id}: {time.perf_counter() - t0:.1f} s", flush=True)
    return out


def cmd_generate(args: argparse.Namespace) -> int:
    items = build(args.seed)
    t0 = time.perf_counter()
    groups = asyncio.run(_generate(items, args.pool, args.max_tokens, args.temperature))
    write_pool(
        CANDIDATES,
        groups,
        t0,
        seed=args.seed,
        pool=args.pool,
        max_tokens=args.max_tokens,
        temperature=args.temperature,
    )
    return 0


# ---------------------------------------------------------------------------- evaluate


def is_correct(item: Item, candidate: Any, valid: bool | None) -> bool:
    """Right tool, arguments valid and equal to the expected ones; or no call if none is."""
    from rewards.tool_calls import parse_arguments

    if item.expected is None:
        return not candidate.tool_calls
    if len(candidate.tool_calls) != 1 or valid is not True:
        return False
    call = candidate.tool_calls[0]
    value, _ = parse_arguments(call.arguments)
    return bool(call.name == item.expected["name"] and value == item.expected["arguments"])


def _majority(keys: list[Any], indices: list[int]) -> int:
    """The first candidate making the most common call (no call is a vote; ties: first seen)."""
    counts = Counter(keys[i] for i in indices if keys[i] is not None)
    if not counts:
        return indices[0]
    top = max(counts.values())
    return next(i for i in indices if keys[i] is not None and counts[keys[i]] == top)


def _job(item: Item, size: int) -> Any:
    from server.pipeline import GroupJob

    return GroupJob(
        request_id=f"tools-eval-{item.id}",
        endpoint="chat.completions",
        best_of=size,
        n=1,
        max_tokens=0,
        temperature=0.8,
        top_p=1.0,
        stop=[],
        seed=None,
        trace_level="none",
        messages=item.messages,
        tools=_spec(item),
    )


def evaluate(groups: list[dict[str, Any]], sizes: list[int]) -> dict[str, Any]:
    """Outcome lists per size and method (see the module docstring)."""
    from rewards import default_registry
    from rewards.builtin.tools import ToolChecker
    from rewards.tool_calls import call_key
    from server.config import Settings
    from server.pipeline import GroupScorer

    scorer = GroupScorer(Settings(), default_registry())
    rows: dict[int, dict[str, list[float]]] = {}
    for g in groups:
        item = Item(**g["item"])
        pool = load_candidates(g)
        job = _job(item, len(pool))
        context, selection = scorer.plan(job)
        checker = ToolChecker(context)
        valid = [checker.check(c).valid for c in pool]
        correct = [is_correct(item, c, v) for c, v in zip(pool, valid, strict=True)]
        invalid = [v is False for v in valid]
        keys = [call_key(c.tool_calls) for c in pool]
        for size in sizes:
            per = rows.setdefault(size, {})
            for idx in disjoint_groups(len(pool), size):
                per.setdefault("one sample", []).append(sum(correct[i] for i in idx) / size)
                per.setdefault("one sample invalid", []).append(sum(invalid[i] for i in idx) / size)
                m = _majority(keys, idx)
                per.setdefault("majority", []).append(float(correct[m]))
                per.setdefault("majority invalid", []).append(float(invalid[m]))
                group = [replace(pool[i], index=j) for j, i in enumerate(idx)]
                _, result = scorer.score(_job(item, size), context, selection, group)
                best = result.best
                chosen = idx[best] if best is not None else None
                per.setdefault("selection", []).append(
                    float(chosen is not None and correct[chosen])
                )
                per.setdefault("selection invalid", []).append(
                    float(chosen is not None and invalid[chosen])
                )
                per.setdefault("oracle", []).append(float(any(correct[i] for i in idx)))
        print(
            f"{item.id}: {sum(correct)}/{len(correct)} correct, {sum(invalid)} invalid", flush=True
        )
    return {
        str(k): {m: sum(v) / len(v) for m, v in per.items()} | {"groups": len(per["oracle"])}
        for k, per in rows.items()
    }


def to_markdown(table: dict[str, Any], meta: dict[str, Any]) -> str:
    lines = [
        f"{meta['items']} prompts ({meta['no_call']} needing no call), pools of {meta['pool']}, "
        f"max_tokens={meta['max_tokens']}, temperature={meta['temperature']}, {meta['machine']}",
        "",
        "| best_of | groups | one sample | majority | selection | oracle "
        "| invalid returned: one sample | majority | selection |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for k, row in table.items():
        lines.append(
            f"| {k} | {row['groups']} | {row['one sample']:.3f} | {row['majority']:.3f} "
            f"| {row['selection']:.3f} | {row['oracle']:.3f} | {row['one sample invalid']:.3f} "
            f"| {row['majority invalid']:.3f} | {row['selection invalid']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def cmd_evaluate(args: argparse.Namespace) -> int:
    data = json.loads(args.candidates.read_text())
    t0 = time.perf_counter()
    table = evaluate(data["groups"], args.sizes)
    meta = {
        **data["meta"],
        "items": len(data["groups"]),
        "no_call": sum(1 for g in data["groups"] if g["item"]["expected"] is None),
        "sizes": args.sizes,
        "evaluate_seconds": round(time.perf_counter() - t0, 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "tools_eval.json").write_text(
        json.dumps({"meta": meta, "table": table}, indent=2, allow_nan=False)
    )
    text = to_markdown(table, meta)
    (RESULTS / "tools_eval.md").write_text(text)
    print(text)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="sample the candidate pools on the real engine")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--pool", type=int, default=8)
    g.add_argument("--max-tokens", type=int, default=96)
    g.add_argument("--temperature", type=float, default=0.8)
    g.set_defaults(func=cmd_generate)
    e = sub.add_parser("evaluate", help="judge the pools (cheap, repeatable)")
    e.add_argument("--candidates", type=Path, default=CANDIDATES)
    e.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 8])
    e.set_defaults(func=cmd_evaluate)
    args = p.parse_args()
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
