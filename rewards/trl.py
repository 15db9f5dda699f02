"""Adapter: any reward here as a TRL reward function (``GRPOTrainer(reward_funcs=...)``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rewards.builtin.code_exec import extract_tests
from rewards.context import build_context
from rewards.types import Candidate, Reward


def _text(item: Any) -> str:
    """A TRL prompt or completion as text: a string, or the contents of a message list."""
    if isinstance(item, str):
        return item
    if isinstance(item, Sequence):
        return "\n".join(str(m.get("content", "")) for m in item if isinstance(m, dict))
    return str(item)


def _references(kwargs: dict[str, Any], row: int) -> dict[str, Any]:
    """The references a dataset row carries for the rewards, from its extra columns (GRPO
    passes each as a keyword argument, one value per completion): ``json_schema`` (a
    schema, or its JSON text, as ``bon-server export grpo`` writes it) for ``json_valid``
    and ``tests`` (assert lines, test functions, doctests) for ``code_exec``."""
    refs: dict[str, Any] = {}
    schemas, tests = kwargs.get("json_schema"), kwargs.get("tests")
    schema = schemas[row] if schemas is not None else None
    if isinstance(schema, str):
        schema = json.loads(schema)
    if schema is not None:
        refs["json_schema"] = schema
    steps = extract_tests(str(tests[row])) if tests is not None and tests[row] else []
    if steps:
        refs["tests"] = steps
    return refs


class TrlReward:
    """A picklable TRL reward function wrapping a :class:`~rewards.types.Reward`.

    TRL passes a batch that holds several prompts, each repeated once per
    generation. Completions of the same prompt form one group, so group-relative
    rewards (agreement, relative length) compare a completion only with its siblings.

    Args:
        reward: the reward to wrap; its ``name`` becomes ``__name__`` (TRL logs by it).

    Example:
        >>> from rewards.builtin import LengthReward
        >>> f = TrlReward(LengthReward())
        >>> f(prompts=["p", "p"], completions=["short", "longer one"])
        [1.0, 0.0]
    """

    def __init__(self, reward: Reward) -> None:
        self.reward = reward
        self.__name__ = reward.name

    def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        """Scores a TRL batch.

        Args:
            prompts: one prompt per completion (string, or conversational messages).
            completions: the completions (string, or a list of messages).
            **kwargs: TRL's extra columns; ``completion_ids`` gives token ids,
                ``json_schema`` and ``tests`` the rewards' references (see
                :func:`_references`).
        """
        if len(prompts) != len(completions):
            raise ValueError(f"{len(prompts)} prompts for {len(completions)} completions")
        ids = kwargs.get("completion_ids")
        groups: dict[str, list[int]] = {}
        for i, prompt in enumerate(prompts):
            groups.setdefault(json.dumps(prompt, sort_keys=True, default=str), []).append(i)
        values: list[float | None] = [None] * len(completions)
        for members in groups.values():
            prompt = prompts[members[0]]
            messages = None if isinstance(prompt, str) else list(prompt)
            context = build_context(_text(prompt), messages)
            context.references.update(_references(kwargs, members[0]))
            texts = [_text(completions[i]) for i in members]
            candidates = [
                Candidate(j, texts[j], tuple(ids[i]) if ids is not None else ())
                for j, i in enumerate(members)
            ]
            scores = self.reward(completions=texts, context=context, candidates=candidates)
            for i, score in zip(members, scores, strict=True):
                values[i] = score.value
        return values


def as_trl_reward(reward: Reward) -> TrlReward:
    """Wraps a reward as a TRL reward function ``f(prompts, completions, **kwargs)``.

    Args:
        reward: the reward, e.g. ``default_registry().reward("answer_agreement")``.
    """
    return TrlReward(reward)
