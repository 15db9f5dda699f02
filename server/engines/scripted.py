"""A scripted engine: replays candidates from a file, for fast deterministic tests.

It stands in for the engine only in tests of what lies above it (pipeline, API,
trace, metrics); the vLLM engine has its own tests on the real model.

Script format (JSON or YAML)::

    delay_s: 0.05                 # simulated generation time per group
    rules:                        # first rule whose `match` is in the prompt wins
      - match: "capital of France"  # case-insensitive substring; omit for a default rule
        candidates:
          - text: "Paris."
            logprob: -0.2          # mean log-probability per token (optional)
            finish_reason: stop    # default: stop
      - match: "explode"
        error: "simulated engine failure"   # the engine raises EngineError

A group of ``n`` cycles through the rule's candidates. Tokens are the text's
whitespace-separated words (ids are stable hashes), so token counts are honest
for the script but are not a real tokenizer's.
"""

from __future__ import annotations

import asyncio
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rewards import Candidate, LogprobsBuilder, TokenLogprobs, messages_text
from server.engines.base import EngineError, Generation, GenerationRequest


@dataclass(frozen=True)
class _ScriptedCandidate:
    text: str
    logprob: float | None
    finish_reason: str


@dataclass(frozen=True)
class _Rule:
    match: str | None
    candidates: tuple[_ScriptedCandidate, ...]
    error: str | None


def _tokens(text: str) -> tuple[int, ...]:
    return tuple(zlib.crc32(w.encode()) % 50_000 for w in text.split())


def _logprobs(text: str, logprob: float, top: int) -> TokenLogprobs:
    """Deterministic per-token values: each word token (with its leading space) at the
    candidate's mean ``logprob``, its alternatives the same word marked ``~j`` at
    ``logprob - j`` (so the chosen token is the most likely, and the list is sorted)."""
    builder = LogprobsBuilder(top)
    for token in re.findall(r"\s*\S+", text):
        alts = [(token, logprob)] + [(f"{token}~{j}", logprob - j) for j in range(1, top)]
        builder.add(token, logprob, alts[:top])
    return builder.build()


class ScriptedEngine:
    """Replays scripted candidates; cancellable like a real engine."""

    max_model_len: int | None = None

    def __init__(self, rules: list[_Rule], *, model_name: str, delay_s: float = 0.0) -> None:
        if not rules:
            raise ValueError("a script needs at least one rule")
        self.model_name = model_name
        self.delay_s = delay_s
        self._rules = rules
        self.active_requests: set[str] = set()
        self.aborted_requests: list[str] = []
        self.requests_seen: list[GenerationRequest] = []

    @classmethod
    def from_file(cls, path: Path, *, model_name: str) -> ScriptedEngine:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        return cls.from_dict(data, model_name=model_name)

    @classmethod
    def from_dict(cls, data: Any, *, model_name: str) -> ScriptedEngine:
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            raise ValueError("a script is a mapping with a `rules` list")
        rules = []
        for i, raw in enumerate(data["rules"]):
            if not isinstance(raw, dict):
                raise ValueError(f"rules[{i}] must be a mapping")
            cands = tuple(
                _ScriptedCandidate(
                    text=str(c["text"]),
                    logprob=None if c.get("logprob") is None else float(c["logprob"]),
                    finish_reason=str(c.get("finish_reason", "stop")),
                )
                for c in raw.get("candidates", [])
            )
            if not cands and not raw.get("error"):
                raise ValueError(f"rules[{i}] needs `candidates` or `error`")
            rules.append(_Rule(raw.get("match"), cands, raw.get("error")))
        return cls(rules, model_name=model_name, delay_s=float(data.get("delay_s", 0.0)))

    def _prompt_of(self, request: GenerationRequest) -> str:
        if request.prompt is not None:
            return request.prompt
        # The server's own flattening (what the rewards and the trace read), then the
        # assistant's turn, as a chat template would open it.
        return messages_text(request.messages or []) + "\nassistant:"

    def _rule_for(self, prompt: str) -> _Rule:
        low = prompt.lower()
        for rule in self._rules:
            if rule.match is None or rule.match.lower() in low:
                return rule
        raise EngineError("no scripted rule matches this prompt and there is no default rule")

    async def generate(self, request: GenerationRequest) -> Generation:
        self.requests_seen.append(request)
        prompt = self._prompt_of(request)
        rule = self._rule_for(prompt)
        self.active_requests.add(request.request_id)
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
        except asyncio.CancelledError:
            self.aborted_requests.append(request.request_id)
            raise
        finally:
            self.active_requests.discard(request.request_id)
        if rule.error:
            raise EngineError(rule.error)
        candidates = []
        for i in range(request.n):
            spec = rule.candidates[i % len(rule.candidates)]
            words = spec.text.split()[: request.max_tokens]
            truncated = len(spec.text.split()) > request.max_tokens
            text = spec.text if not truncated else " ".join(words)
            ids = _tokens(text)
            lp = -0.5 if spec.logprob is None else spec.logprob
            candidates.append(
                Candidate(
                    index=i,
                    text=text,
                    token_ids=ids,
                    finish_reason="length" if truncated else spec.finish_reason,
                    cumulative_logprob=None if spec.logprob is None else spec.logprob * len(ids),
                    logprobs=None
                    if request.logprobs is None
                    else _logprobs(text, lp, request.logprobs),
                )
            )
        return Generation(candidates, prompt_tokens=len(_tokens(prompt)), prompt_text=prompt)

    async def check_health(self) -> None:
        return None

    def num_unfinished_requests(self) -> int:
        return len(self.active_requests)
