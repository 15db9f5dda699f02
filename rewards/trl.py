"""Adapter: any reward here as a TRL reward function (``GRPOTrainer(reward_funcs=...)``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rewards.builtin.code_exec import extract_tests
from rewards.builtin.math_answers import extract_answer
from rewards.context import build_context
from rewards.mathverify_pool import classify_answers
from rewards.types import Candidate, Reward, content_text, messages_text


def _messages(item: Any) -> list[dict[str, Any]]:
    """A conversational TRL prompt or completion's messages (the dicts of the list)."""
    return [m for m in item if isinstance(m, dict)] if isinstance(item, Sequence) else []


def _prompt_text(prompt: Any) -> str:
    """A TRL prompt as the rewards' ``context.prompt``: a string as it is; a conversational
    one flattened as the server flattens a chat (:func:`~rewards.types.messages_text`)."""
    return prompt if isinstance(prompt, str) else messages_text(_messages(prompt))


def _completion_text(completion: Any) -> str:
    """A TRL completion as a candidate's text: what the model wrote, so a conversational
    one (TRL's ``[{"role": "assistant", "content": ...}]``) is its messages' text, no roles."""
    if isinstance(completion, str):
        return completion
    texts = (content_text(m.get("content")) for m in _messages(completion))
    return "\n".join(t for t in texts if t)


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
            messages = None if isinstance(prompt, str) else _messages(prompt)
            context = build_context(_prompt_text(prompt), messages)
            context.references.update(_references(kwargs, members[0]))
            texts = [_completion_text(completions[i]) for i in members]
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


REFERENCE_BUDGET_S = 3.0
"""Seconds of math-verify work per reference (its completions' answers), as a group's."""


def reference_answer(
    completions: Sequence[Any], answer: Sequence[Any], **kwargs: Any
) -> list[float | None]:
    """A TRL reward: 1.0 when a completion's final answer is the row's reference ``answer``.

    The ``answer`` column is what ``bon-server export grpo`` writes (one value per
    completion, as TRL passes columns). Each completion's final answer is found as the
    server's math rewards find it (:func:`~rewards.builtin.math_answers.extract_answer`:
    the last ``\\boxed{}``, an ``<answer>`` tag, "the answer is", else the last number)
    and compared with the reference by math-verify equivalence (``\\frac{1}{2}`` is
    ``0.5``), in the library's math-verify worker (:func:`~rewards.classify_answers`): one
    call per distinct reference, bounded by :data:`REFERENCE_BUDGET_S`, the same guards as a
    group's answers (past the budget, or should the worker fail, answers are compared as
    text). The reference is taken as it is, not searched for an answer.

    Returns, per completion: 1.0 (the same answer), 0.0 (another answer, or none found: a
    completion that states no final answer did not give the reference), or None (the row
    has no reference: no signal, which TRL leaves out of the sum).

    >>> reference_answer(["so \\\\boxed{\\\\frac{1}{2}}", "It is 3.", "no idea"], ["0.5"] * 3)
    [1.0, 0.0, 0.0]
    """
    values: list[float | None] = [None] * len(completions)
    by_reference: dict[str, list[tuple[int, str]]] = {}
    for i, (completion, ref) in enumerate(zip(completions, answer, strict=True)):
        reference = "" if ref is None else str(ref).strip()
        if not reference:
            continue
        found = extract_answer(_completion_text(completion))
        if found is None:
            values[i] = 0.0
        else:
            by_reference.setdefault(reference, []).append((i, found))
    for reference, found_answers in by_reference.items():
        # The reference is the first answer, so its class is 0: a later answer joins class 0
        # exactly when it is equivalent to the reference (each is compared with it first).
        classes = classify_answers([reference] + [a for _, a in found_answers], REFERENCE_BUDGET_S)
        for (i, _), class_id in zip(found_answers, classes.classes[1:], strict=True):
            values[i] = float(class_id == classes.classes[0])
    return values
