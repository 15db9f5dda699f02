"""The built-in rewards, by their stable names."""

from __future__ import annotations

from collections.abc import Callable

from rewards.builtin.answer_agreement import AnswerAgreement
from rewards.builtin.formatting import FormatReward
from rewards.builtin.json_valid import JsonValid
from rewards.builtin.length import LengthReward
from rewards.builtin.repetition import RepetitionReward
from rewards.types import Reward

BUILTIN_REWARDS: dict[str, Callable[..., Reward]] = {
    cls.name: cls
    for cls in (AnswerAgreement, FormatReward, JsonValid, LengthReward, RepetitionReward)
}

__all__ = [
    "BUILTIN_REWARDS",
    "AnswerAgreement",
    "FormatReward",
    "JsonValid",
    "LengthReward",
    "RepetitionReward",
]
