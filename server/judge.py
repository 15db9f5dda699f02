"""Scorers for the ``judge`` reward: the serving model, or a reward model from a path.

``rewards.builtin.judge.JudgeReward`` takes a scorer ``(prompt, answers) -> scores``
because ``rewards`` imports no engine. :class:`ServingJudge` is that scorer on the
server's own engine: for each answer it sends one greedy chat request asking for a
1-10 rating (:func:`rewards.builtin.judge.judge_messages`), all of a group's requests
at once so the engine batches them, and parses the reply
(:func:`~rewards.builtin.judge.parse_rating`). Rewards run in worker threads; the
judge hands its requests to the engine's event loop and waits for them there.

:class:`RewardModelJudge` scores with a sequence-classification model (a reward
model: ``*ForSequenceClassification``, one label, or two with "good" last) from a
local folder, on a second in-process vLLM engine started with the pooling runner
(``runner="pooling"``, task ``classify``): each (question, answer) pair, rendered
with the model's chat template when it has one, gets the model's probability.

Enabled with ``--judge serving`` or ``--judge model --judge-model DIR`` (off by
default). The selector then may add ``judge`` for a second look (see
``rewards.refine_selection``), and a client or profile may name it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from rewards import JudgeReward, RewardRegistry, judge_messages, parse_rating
from server.config import Settings
from server.engines.base import Engine, GenerationRequest

__all__ = ["RewardModelJudge", "ServingJudge", "build_judge", "with_judge"]


class _EngineJudge:
    """A scorer whose work runs on an engine's event loop; called from worker threads."""

    label = "judge"

    def __init__(self, *, timeout_s: float = 60.0) -> None:
        self.timeout_s = timeout_s
        self._engine: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, engine: Any, loop: asyncio.AbstractEventLoop) -> None:
        """Binds the judge to the engine and the event loop the engine runs on."""
        self._engine = engine
        self._loop = loop

    def __call__(self, prompt: str, answers: Sequence[str]) -> list[float | None]:
        """One score in 0..1 per answer (None where there is no usable score).

        Call from a thread other than the engine's loop (rewards run in worker threads).

        Raises:
            RuntimeError: not attached to an engine, or called on the engine's loop.
            TimeoutError: the scores took longer than ``timeout_s``.
        """
        engine, loop = self._engine, self._loop
        if engine is None or loop is None:
            raise RuntimeError("the judge is not attached to an engine")
        if _running_loop() is loop:
            raise RuntimeError("the judge must not be called on the engine's event loop")
        future = asyncio.run_coroutine_threadsafe(self._rate(engine, prompt, answers), loop)
        try:
            return future.result(self.timeout_s)
        except TimeoutError:
            future.cancel()  # aborts the engine requests
            raise

    async def _rate(self, engine: Any, prompt: str, answers: Sequence[str]) -> list[float | None]:
        raise NotImplementedError


class ServingJudge(_EngineJudge):
    """Rates answers 1-10 with the serving engine; a ``JudgeReward`` scorer.

    Args:
        max_tokens: tokens the judge may write (the rating needs a few).
        timeout_s: how long one group's ratings may take.
    """

    label = "serving model"

    def __init__(self, *, max_tokens: int = 8, timeout_s: float = 60.0) -> None:
        super().__init__(timeout_s=timeout_s)
        self.max_tokens = max_tokens

    async def _rate(
        self, engine: Engine, prompt: str, answers: Sequence[str]
    ) -> list[float | None]:
        group = uuid.uuid4().hex[:12]
        requests = [
            GenerationRequest(
                request_id=f"judge-{group}-{i}",
                n=1,
                max_tokens=self.max_tokens,
                messages=judge_messages(prompt, answer),
                temperature=0.0,
            )
            for i, answer in enumerate(answers)
        ]
        generations = await asyncio.gather(*(engine.generate(r) for r in requests))
        return [parse_rating(g.candidates[0].text) if g.candidates else None for g in generations]


class RewardModelJudge(_EngineJudge):
    """Scores answers with a sequence-classification model on its own vLLM engine.

    Args:
        model_path: a local Hugging Face folder of a ``*ForSequenceClassification``
            model (one label: its probability; several: the last label's).
        max_model_len: the judge engine's context length.
        dtype: as the serving engine's ``--dtype``.
        timeout_s: how long one group's scores may take.
    """

    label = "reward model"

    def __init__(
        self,
        model_path: str | Path,
        *,
        max_model_len: int = 2048,
        dtype: str = "auto",
        timeout_s: float = 60.0,
    ) -> None:
        super().__init__(timeout_s=timeout_s)
        self.model_path = Path(model_path)
        self.max_model_len = max_model_len
        self.dtype = dtype
        self._template: Any = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[RewardModelJudge]:
        """Starts the judge's engine (pooling runner) on this loop; stops it on exit."""
        from server.engines.vllm_engine import VLLMEngine

        async with VLLMEngine.start(
            self.model_path,
            "judge",
            max_model_len=self.max_model_len,
            dtype=self.dtype,
            engine_kwargs={"runner": "pooling"},
        ) as engine:
            self.attach(engine, asyncio.get_running_loop())
            try:
                yield self
            finally:
                self._engine = self._loop = None

    def attach(self, engine: Any, loop: asyncio.AbstractEventLoop) -> None:
        """Binds the judge to a pooling engine (with ``classify``) and its loop."""
        super().attach(engine, loop)
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(self.model_path))
        self._template = tokenizer if getattr(tokenizer, "chat_template", None) else None

    def render(self, prompt: str, answer: str) -> str:
        """The text the reward model scores: the chat template's, or plain text."""
        if self._template is not None:
            messages = [
                {"role": "user", "content": prompt},
                {"role": "assistant", "content": answer},
            ]
            return str(self._template.apply_chat_template(messages, tokenize=False))
        return f"{prompt}\n\n{answer}"

    async def _rate(self, engine: Any, prompt: str, answers: Sequence[str]) -> list[float | None]:
        probabilities = await engine.classify([self.render(prompt, a) for a in answers])
        return [p[-1] if p else None for p in probabilities]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def build_judge(settings: Settings) -> ServingJudge | RewardModelJudge | None:
    """The judge ``--judge`` asks for (not started: the app's lifespan starts it)."""
    if settings.judge == "serving":
        return ServingJudge()
    if settings.judge == "model" and settings.judge_model is not None:
        return RewardModelJudge(
            settings.judge_model, max_model_len=settings.max_model_len, dtype=settings.dtype
        )
    return None


def with_judge(registry: RewardRegistry, judge: _EngineJudge | None) -> RewardRegistry:
    """The registry with ``judge`` backed by ``judge`` (unchanged when None).

    ``judge`` stays registered either way (unconfigured it scores nothing), so names
    validate the same with the judge on or off.
    """
    if judge is None:
        return registry
    configured = registry.copy()
    configured.replace_reward(
        JudgeReward.name, functools.partial(JudgeReward, judge, label=judge.label)
    )
    return configured
