"""The upstream engine: generate the group on any OpenAI-compatible server over HTTP.

``bon-server serve --engine openai --upstream http://host:8000/v1`` puts the
best-of-N layer in front of a vLLM deployment (many replicas behind a balancer,
tensor or pipeline parallel across GPUs and nodes with vLLM's own executor):
this server selects and scores, the upstream generates.

One group is ONE upstream request with ``n`` where the upstream honours it (it
shares the prompt's prefill there); an upstream that answers with fewer choices
than asked, or refuses ``n``, is sent ``n`` single requests instead, at most
``max_parallel`` at a time, and remembered as such.

Failures, as the pipeline maps them::

    connect error (after ``retries``)    UpstreamError     -> 502
    upstream 5xx / 429 / bad answer      UpstreamError     -> 502
    upstream 4xx on the input            EngineInputError  -> 400
    read timeout                         UpstreamTimeout   -> 504

Cancelling :meth:`OpenAIEngine.generate` closes the HTTP connection; vLLM's
server aborts a request whose client has gone. From a vLLM upstream the engine
asks for the token ids (``return_token_ids``, a vLLM extension); from others the
candidates carry no ids, so token counts come from the upstream's usage only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx

from rewards import LOGPROB_FLOOR, Candidate, LogprobsBuilder, TokenLogprobs, ToolCall
from server.engines.base import (
    EngineInputError,
    EngineUnavailable,
    Generation,
    GenerationRequest,
    UpstreamError,
    UpstreamTimeout,
)
from server.tool_parsing import new_call_id

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 10.0


def _error_of(response: httpx.Response) -> tuple[str, str | None]:
    """The upstream's own error message and ``param``, when it sent them (OpenAI format)."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:300] or response.reason_phrase, None
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict) and err.get("message"):
            param = err.get("param")
            return str(err["message"])[:1000], str(param) if param else None
        if isinstance(data.get("detail"), str):
            return str(data["detail"])[:1000], None
    return str(data)[:300], None


class OpenAIEngine:
    """An :class:`~server.engines.base.Engine` that calls an OpenAI-compatible server."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        upstream_model: str,
        model_name: str,
        max_model_len: int | None,
        max_parallel: int,
        is_vllm: bool,
    ) -> None:
        self._client = client
        self.upstream_model = upstream_model
        self.model_name = model_name
        self.max_model_len = max_model_len
        self.is_vllm = is_vllm
        self.supports_n = True  # until the upstream shows otherwise
        self.supports_logprobs = True  # likewise
        self._parallel = asyncio.Semaphore(max_parallel)
        self._in_flight = 0

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    @contextlib.asynccontextmanager
    async def start(
        cls,
        base_url: str,
        *,
        model: str | None = None,
        served_name: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 600.0,
        max_parallel: int = 8,
        retries: int = 2,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> AsyncIterator[OpenAIEngine]:
        """Connect to the upstream, find its model, yield the engine; close on exit.

        Args:
            base_url: the upstream's API root, e.g. ``http://127.0.0.1:8000/v1``.
            model: the upstream's model name (default: the first in its ``/models``).
            served_name: the name clients use here (default: the upstream's name).
            api_key: sent as ``Authorization: Bearer``.
            timeout_s: read timeout of one generation request.
            max_parallel: single requests in flight per group when ``n`` is not honoured.
            retries: retries of a connection that could not be made (nothing was sent).
            transport: an httpx transport (tests); default: one with ``retries``.

        Raises:
            EngineUnavailable: the upstream cannot be reached or lists no model.
        """
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
            transport=transport or httpx.AsyncHTTPTransport(retries=retries),
        )
        async with client:
            card = await cls._model_card(client, model)
            engine = cls(
                client,
                upstream_model=str(card["id"]),
                model_name=served_name or str(card["id"]),
                max_model_len=card.get("max_model_len")
                if isinstance(card.get("max_model_len"), int)
                else None,
                max_parallel=max_parallel,
                is_vllm=card.get("owned_by") == "vllm",
            )
            log.info("upstream %s serves %s", base_url, engine.upstream_model)
            yield engine

    @staticmethod
    async def _model_card(client: httpx.AsyncClient, model: str | None) -> dict[str, Any]:
        try:
            response = await client.get("models", timeout=HEALTH_TIMEOUT_S)
            response.raise_for_status()
            cards = [c for c in response.json().get("data", []) if isinstance(c, dict)]
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise EngineUnavailable(f"cannot list the upstream's models: {exc}") from exc
        if model is not None:
            for card in cards:
                if card.get("id") == model:
                    return card
            names = ", ".join(str(c.get("id")) for c in cards)
            raise EngineUnavailable(f"the upstream has no model '{model}' (it has: {names})")
        if not cards:
            raise EngineUnavailable("the upstream lists no model")
        return cards[0]

    # ------------------------------------------------------------------ serving

    async def check_health(self) -> None:
        try:
            response = await self._client.get("models", timeout=HEALTH_TIMEOUT_S)
        except httpx.HTTPError as exc:
            raise EngineUnavailable(f"the upstream is unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise EngineUnavailable(f"the upstream answered {response.status_code}")

    def num_unfinished_requests(self) -> int:
        """Upstream HTTP requests in flight (a group without ``n`` counts each)."""
        return self._in_flight

    async def generate(self, request: GenerationRequest) -> Generation:
        if request.n < 1:
            raise EngineInputError("n must be at least 1")
        if (request.prompt is None) == (request.messages is None):
            raise EngineInputError("exactly one of prompt and messages must be set")
        # Greedy candidates are identical (and vLLM refuses n > 1 at temperature 0).
        if request.temperature == 0 and request.n > 1:
            one = await self._generate_n(replace(request, n=1))
            (only,) = one.candidates
            return replace(one, candidates=[replace(only, index=i) for i in range(request.n)])
        return await self._generate_n(request)

    async def _generate_n(self, request: GenerationRequest) -> Generation:
        if request.n == 1 or self.supports_n:
            try:
                gen = await self._call(request, request.n)
            except EngineInputError as exc:
                if request.n == 1 or exc.param != "n":
                    raise
                log.warning("the upstream refuses n=%d; sending single requests", request.n)
                self.supports_n = False
            else:
                if len(gen.candidates) == request.n:
                    return gen
                log.warning(
                    "the upstream answered %d of n=%d; sending single requests from now on",
                    len(gen.candidates),
                    request.n,
                )
                self.supports_n = False
        return await self._parallel_singles(request)

    async def _parallel_singles(self, request: GenerationRequest) -> Generation:
        async def one() -> Generation:
            async with self._parallel:
                return await self._call(request, 1)

        tasks = [asyncio.ensure_future(one()) for _ in range(request.n)]
        try:
            parts = await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
        candidates = [
            replace(g.candidates[0], index=i) for i, g in enumerate(parts) if g.candidates
        ]
        return Generation(candidates, prompt_tokens=parts[0].prompt_tokens)

    def _body(self, request: GenerationRequest, n: int) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {
            "model": self.upstream_model,
            "n": n,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
        }
        if request.stop:
            body["stop"] = list(request.stop)
        if request.seed is not None:
            body["seed"] = request.seed
        for name in ("presence_penalty", "frequency_penalty"):
            if value := getattr(request, name):
                body[name] = value
        if request.logit_bias:
            body["logit_bias"] = {str(k): v for k, v in request.logit_bias.items()}
        if self.is_vllm:
            body["return_token_ids"] = True
        if request.messages is not None:
            body["messages"] = request.messages
            if request.tools:  # the upstream renders and parses the calls itself
                body["tools"] = list(request.tools)
                body["tool_choice"] = request.tool_choice
                if request.parallel_tool_calls is False:
                    body["parallel_tool_calls"] = False
            if self.supports_logprobs:
                body["logprobs"] = True
                if request.logprobs:
                    body["top_logprobs"] = request.logprobs
            return "chat/completions", body
        body["prompt"] = request.prompt
        if self.supports_logprobs:
            default = 0 if self.is_vllm else 1
            body["logprobs"] = default if request.logprobs is None else request.logprobs
        return "completions", body

    async def _call(self, request: GenerationRequest, n: int) -> Generation:
        try:
            return await self._call_once(request, n)
        except EngineInputError as exc:
            if exc.param != "logprobs" or not self.supports_logprobs:
                raise
        # Log-probabilities only break ties: an upstream without them still serves.
        log.warning("the upstream refuses logprobs; asking without them from now on")
        self.supports_logprobs = False
        return await self._call_once(request, n)

    async def _call_once(self, request: GenerationRequest, n: int) -> Generation:
        path, body = self._body(request, n)
        self._in_flight += 1
        try:
            response = await self._client.post(path, json=body)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise UpstreamError(f"cannot connect to the upstream: {exc!r}") from exc
            raise UpstreamTimeout(f"the upstream did not answer in time ({exc!r})") from exc
        except httpx.TransportError as exc:
            raise UpstreamError(f"the upstream failed: {exc!r}") from exc
        finally:
            self._in_flight -= 1
        if response.status_code in (400, 404, 413, 422):
            message, param = _error_of(response)
            raise EngineInputError(
                f"the upstream refused the request: {message}",
                param=param or _param_of(message, body),
            )
        if response.status_code != 200:
            message, _ = _error_of(response)
            raise UpstreamError(f"the upstream answered {response.status_code}: {message}")
        try:
            return _to_generation(
                response.json(), chat=request.messages is not None, top=request.logprobs
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UpstreamError(f"the upstream's answer is not a completion: {exc!r}") from exc


# Body fields the server sets for itself, never the client's to fix: the upstream's model
# name (not the client's) and vLLM's token-ids switch.
_SERVER_FIELDS = frozenset({"model", "return_token_ids"})
# An upstream's complaint about top_logprobs is about the logprobs the server asked for:
# named so, it is the one the retry without logprobs reads (``_call``).
_FIELD_ALIASES = {"top_logprobs": "logprobs"}


def _param_of(message: str, body: dict[str, Any]) -> str | None:
    """The request field an upstream's error is about, when its message names one.

    Read from the body actually sent (longest name first, as a whole word, so
    ``top_logprobs`` is not taken for ``logprobs`` nor ``stop`` for "stopped"): a field
    the body gains is named without a second list to keep.
    """
    low = message.lower()
    if "context length" in low or "maximum context" in low or "too long" in low:
        return "messages" if "messages" in body else "prompt"
    for field in sorted(body.keys() - _SERVER_FIELDS, key=lambda f: (-len(f), f)):
        if re.search(rf"(?<!\w){re.escape(field)}(?!\w)", low):
            return _FIELD_ALIASES.get(field, field)
    return None


def _tool_calls_of(message: dict[str, Any]) -> tuple[ToolCall, ...]:
    """The upstream's parsed ``tool_calls`` (its own parser read them), as ToolCalls."""
    calls = []
    for call in message.get("tool_calls") or ():
        fn = call.get("function") or {}
        args = fn.get("arguments")
        calls.append(
            ToolCall(
                name=str(fn.get("name") or ""),
                arguments=args if isinstance(args, str) else json.dumps(args),
                id=str(call.get("id") or new_call_id()),
            )
        )
    return tuple(calls)


def _passed_through(choice: dict[str, Any], *, chat: bool, top: int) -> TokenLogprobs | None:
    """The upstream's per-token log-probabilities (OpenAI's chat or completions shape)."""
    found = choice.get("logprobs") or {}
    builder = LogprobsBuilder(top)
    if chat:
        entries = found.get("content")
        if not entries:
            return None
        for e in entries:
            alts = [(str(a["token"]), float(a["logprob"])) for a in e.get("top_logprobs") or []]
            builder.add(str(e["token"]), float(e["logprob"]), alts)
        return builder.build()
    tokens = found.get("tokens")
    if not tokens:
        return None
    values = found.get("token_logprobs") or []
    tops = found.get("top_logprobs") or []
    for i, token in enumerate(tokens):
        lp = values[i] if i < len(values) and values[i] is not None else LOGPROB_FLOOR
        alts = [(str(t), float(v)) for t, v in ((tops[i] if i < len(tops) else None) or {}).items()]
        builder.add(str(token), float(lp), alts)
    return builder.build()


def _to_generation(data: dict[str, Any], *, chat: bool, top: int | None = None) -> Generation:
    candidates: list[Candidate] = []
    for choice in sorted(data["choices"], key=lambda c: int(c.get("index", 0))):
        calls: tuple[ToolCall, ...] = ()
        content: str | None = None
        if chat:
            text = choice["message"].get("content") or ""
            calls = _tool_calls_of(choice["message"])
            content = text if calls or choice["message"].get("tool_calls") is not None else None
            entries = (choice.get("logprobs") or {}).get("content") or []
            logprobs = [e.get("logprob") for e in entries]
        else:
            text = choice.get("text") or ""
            logprobs = (choice.get("logprobs") or {}).get("token_logprobs") or []
        ids = tuple(int(t) for t in choice.get("token_ids") or ())
        known = [float(lp) for lp in logprobs if lp is not None]
        candidates.append(
            Candidate(
                index=len(candidates),
                text=str(text),
                token_ids=ids,
                finish_reason=choice.get("finish_reason"),
                cumulative_logprob=sum(known) if known and ids else None,
                tool_calls=calls,
                content=content,
                logprobs=None if top is None else _passed_through(choice, chat=chat, top=top),
            )
        )
    if not candidates:
        raise ValueError("no choices")
    usage = data.get("usage") or {}
    return Generation(candidates, prompt_tokens=int(usage.get("prompt_tokens") or 0))
