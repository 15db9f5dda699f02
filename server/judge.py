"""The serving model as a judge: a scorer for the ``judge`` reward.

``rewards.builtin.judge.JudgeReward`` takes a scorer ``(prompt, answers) -> scores``
because ``rewards`` imports no engine. :class:`ServingJudge` is that scorer on the
server's own engine: for each answer it sends one greedy chat request asking for a
1-10 rating (:func:`rewards.builtin.judge.judge_messages`), all of a group's requests
at once so the engine batches them, and parses the reply
(:func:`~rewards.builtin.judge.parse_rating`). Rewards run in worker threads; the
judge hands its requests to the engine's event loop and waits for them there.

Enabled with ``--judge serving`` (off by default). The selector then may add
``judge`` for a second look (see ``rewards.selector.refine_selection``), and a
client or profile may name it. A reward model or separate judge model from a local
path (vLLM's pooling/classify API) is not built yet.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Sequence

from rewards.builtin.judge import JudgeReward, judge_messages, parse_rating
from rewards.registry import RewardRegistry
from server.engines.base import Engine, GenerationRequest

__all__ = ["ServingJudge", "with_judge"]


class ServingJudge:
    """Rates answers 1-10 with the serving engine; a ``JudgeReward`` scorer.

    Args:
        max_tokens: tokens the judge may write (the rating needs a few).
        timeout_s: how long one group's ratings may take.
    """

    def __init__(self, *, max_tokens: int = 8, timeout_s: float = 60.0) -> None:
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self._engine: Engine | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, engine: Engine, loop: asyncio.AbstractEventLoop) -> None:
        """Binds the judge to the engine and the event loop the engine runs on."""
        self._engine = engine
        self._loop = loop

    def __call__(self, prompt: str, answers: Sequence[str]) -> list[float | None]:
        """One score in 0..1 per answer (None where the reply held no rating).

        Call from a thread other than the engine's loop (rewards run in worker threads).

        Raises:
            RuntimeError: not attached to an engine, or called on the engine's loop.
            TimeoutError: the ratings took longer than ``timeout_s``.
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


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def with_judge(registry: RewardRegistry, judge: ServingJudge | None) -> RewardRegistry:
    """The registry with ``judge`` backed by ``judge`` (unchanged when None).

    ``judge`` stays registered either way (unconfigured it scores nothing), so names
    validate the same with the judge on or off.
    """
    if judge is None:
        return registry
    configured = registry.copy()
    configured.replace_reward(
        JudgeReward.name, functools.partial(JudgeReward, judge, label="serving model")
    )
    return configured
