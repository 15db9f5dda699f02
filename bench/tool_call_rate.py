"""How often the embedded model's candidates carry a call the server can read, by tool_choice.

For `auto` the model writes hermes markup by itself (read by vLLM's `hermes` parser); for
`required` and a named function generation is guided to vLLM's tool-call schema. Starts
`bon-server serve` (vLLM engine, embedded model) and asks each prompt once with best_of=8::

    .venv/bin/python bench/tool_call_rate.py

Prints, per tool_choice, the candidates, those with a parsed call, and those whose call
names the declared tool with a string `city` (valid arguments).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import openai

from server.process import running_server

WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
PROMPTS = [f"What is the weather in {c}?" for c in ["Paris", "Rome", "Oslo", "Lima", "Cairo"]]
CHOICES: list[tuple[str, Any]] = [
    ("auto", "auto"),
    ("required", "required"),
    ("named", {"type": "function", "function": {"name": "get_weather"}}),
]


def _valid(call: dict[str, Any]) -> bool:
    try:
        args = json.loads(call.get("arguments", ""))
    except ValueError:
        return False
    return (
        call["name"] == "get_weather"
        and isinstance(args, dict)
        and isinstance(args.get("city"), str)
    )


def main() -> None:
    log = Path(tempfile.mkdtemp()) / "server.log"
    args = ["--engine", "vllm", "--log-level", "warning"]
    with running_server(args, log_path=log, start_timeout_s=900) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0, timeout=600)
        print("| tool_choice | candidates | with a parsed call | valid call |")
        print("|---|---|---|---|")
        for label, choice in CHOICES:
            cands = with_call = valid = 0
            for prompt in PROMPTS:
                r = client.chat.completions.create(
                    model="smollm2-135m-instruct",
                    messages=[{"role": "user", "content": prompt}],
                    tools=[WEATHER],
                    tool_choice=choice,
                    max_tokens=96,
                    extra_body={"best_of": 8, "trace": "full"},
                )
                for c in (r.model_extra or {})["trace"]["candidates"]:
                    cands += 1
                    calls = c.get("tool_calls") or []
                    with_call += bool(calls)
                    valid += bool(calls) and _valid(calls[0])
            print(f"| {label} | {cands} | {with_call} | {valid} |", flush=True)


if __name__ == "__main__":
    main()
