"""The built-in rewards, by their stable names."""

from __future__ import annotations

from collections.abc import Callable

from rewards.builtin.answer_agreement import AnswerAgreement
from rewards.builtin.code_exec import CodeExec
from rewards.builtin.efficiency import Efficiency
from rewards.builtin.formatting import FormatReward
from rewards.builtin.json_agreement import JsonAgreement
from rewards.builtin.json_valid import JsonValid
from rewards.builtin.judge import JudgeReward
from rewards.builtin.language import LanguageConsistency
from rewards.builtin.length import LengthReward
from rewards.builtin.math_reasoning import MathReasoning
from rewards.builtin.math_steps import MathSteps
from rewards.builtin.relevance import Relevance
from rewards.builtin.repetition import RepetitionReward
from rewards.builtin.tools import ToolAgreement, ToolValid
from rewards.types import Reward

BUILTIN_REWARDS: dict[str, Callable[..., Reward]] = {
    cls.name: cls
    for cls in (
        AnswerAgreement,
        CodeExec,
        Efficiency,
        FormatReward,
        JsonAgreement,
        JsonValid,
        JudgeReward,
        LanguageConsistency,
        LengthReward,
        MathReasoning,
        MathSteps,
        Relevance,
        RepetitionReward,
        ToolAgreement,
        ToolValid,
    )
}

__all__ = [
    "BUILTIN_REWARDS",
    "AnswerAgreement",
    "CodeExec",
    "Efficiency",
    "FormatReward",
    "JsonAgreement",
    "JsonValid",
    "JudgeReward",
    "LanguageConsistency",
    "LengthReward",
    "MathReasoning",
    "MathSteps",
    "Relevance",
    "RepetitionReward",
    "ToolAgreement",
    "ToolValid",
]
