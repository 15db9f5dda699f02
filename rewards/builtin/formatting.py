"""``format``: well-formed reasoning and answer markup.

Checks, each applying only where it makes sense:

* reasoning: if the candidate uses ``<think>``, the block must come first, be
  closed, be the only one, and be followed by the answer (outside it). A lone
  ``</think>`` is fine: chat templates such as DeepSeek-R1's and Qwen3's open the
  block in the prompt. An unclosed ``<think>`` means the reasoning was cut off (the
  evidence says when it hit ``max_tokens``): score 0 whatever else holds;
* answer tags: if the candidate uses ``<answer>``, the tags must be balanced, hold
  text and not sit only inside the reasoning;
* required tags: tags the system prompt or prompt asks for (``<think>``,
  ``<answer>``) must be there;
* boxed (task math only): a ``\\boxed{}`` in the final answer.

The score is the share of applicable checks passed. When none applies (plain
chat without tags, and none asked for) the score is ``None``: a tag-free answer
is neither better nor worse formatted than another.
"""

from __future__ import annotations

import re
from typing import Any

from rewards.builtin.math_answers import final_segment
from rewards.types import Candidate, RewardContext, Score

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{\s*[^\s}]")


class FormatReward:
    """Scores ``<think>``/``<answer>`` markup and, for math, a ``\\boxed{}`` answer.

    Example:
        >>> reward = FormatReward()
        >>> ctx = RewardContext(prompt="2+2?", task="math")
        >>> texts = ["<think>2+2=4</think> \\\\boxed{4}", "<think>2+2 is"]
        >>> [s.value for s in reward(completions=texts, context=ctx, candidates=[])]
        [1.0, 0.0]
    """

    name = "format"

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext,
        candidates: list[Candidate],
        **kwargs: Any,
    ) -> list[Score]:
        """Scores a group.

        Args:
            completions: the candidates' texts.
            context: the request context: its task and the tags its prompts ask for.
            candidates: the candidates, for their finish reasons (may be empty).
            **kwargs: ignored, for forward compatibility.
        """
        instructions = f"{context.system_prompt or ''}\n{context.user_text}".lower()
        required = [tag for tag in ("think", "answer") if f"<{tag}>" in instructions]
        finish = (
            [c.finish_reason for c in candidates] if len(candidates) == len(completions) else []
        )
        return [
            _score_one(text, context.task == "math", required, finish[i] if finish else None)
            for i, text in enumerate(completions)
        ]


def _score_one(
    text: str, want_boxed: bool, required: list[str], finish_reason: str | None = None
) -> Score:
    lower = text.lower()
    opens_think, closes_think = "<think>" in lower, "</think>" in lower
    if opens_think and not closes_think:
        if finish_reason == "length":
            return Score(0.0, "unterminated <think> (reasoning cut off at max_tokens)")
        return Score(0.0, "unterminated <think> (reasoning cut off)")
    answer_part = final_segment(text) or ""
    passed: list[str] = []
    failed: list[str] = []

    if opens_think or closes_think or "think" in required:
        if not closes_think:
            failed.append("no <think> block (asked for)")
        elif lower.count("</think>") > 1 or lower.count("<think>") > 1:
            failed.append("several <think> blocks")
        elif not answer_part.strip():
            return Score(0.0, "nothing after </think>: reasoning without an answer")
        elif opens_think and lower[: lower.index("<think>")].strip():
            failed.append("text before <think> (reasoning should come first)")
        else:
            passed.append("closed <think> block, answer after it")

    if "<answer>" in lower or "</answer>" in lower or "answer" in required:
        opened, closed = lower.count("<answer>"), lower.count("</answer>")
        inner = re.search(r"<answer>(.*?)</answer>", text, re.DOTALL | re.IGNORECASE)
        reasoning = lower[: lower.rindex("</think>")] if closes_think else ""
        if opened == 0 and closed == 0:
            failed.append("no <answer> tags (asked for)")
        elif "<answer>" in reasoning and "<answer>" not in answer_part.lower():
            failed.append("<answer> only inside the reasoning")
        elif opened != closed:
            failed.append(f"unbalanced <answer> tags ({opened} open, {closed} closed)")
        elif inner is None or not inner.group(1).strip():
            failed.append("empty <answer>")
        else:
            passed.append("<answer> tags")

    if want_boxed:
        if _BOXED.search(answer_part):
            passed.append("\\boxed{} answer")
        else:
            failed.append("no \\boxed{} answer")

    checks = len(passed) + len(failed)
    if checks == 0:
        return Score(None, "no markup to check")
    parts = [f"ok: {', '.join(passed)}"] if passed else []
    parts += [f"failed: {', '.join(failed)}"] if failed else []
    return Score(len(passed) / checks, "; ".join(parts))
