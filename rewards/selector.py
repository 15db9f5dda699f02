"""Former home of task detection, context building, selection and refinement.

Kept only so that old imports keep working: the code lives in :mod:`rewards.task`,
:mod:`rewards.context`, :mod:`rewards.selection` and :mod:`rewards.refine`. Import from
:mod:`rewards` instead.
"""

from rewards.context import build_context
from rewards.profiles import MODEL_BASED_REWARDS, check_not_model_only
from rewards.refine import refine_selection
from rewards.selection import (
    LANGUAGE_CONFIDENCE,
    OPTIONAL_REWARDS,
    RewardChoice,
    Selection,
    Stage,
    choose_rewards,
    default_reward_sets,
    explicit_selection,
    profile_selection,
    select_rewards,
)
from rewards.task import detect_task

__all__ = [
    "LANGUAGE_CONFIDENCE",
    "MODEL_BASED_REWARDS",
    "OPTIONAL_REWARDS",
    "RewardChoice",
    "Selection",
    "Stage",
    "build_context",
    "check_not_model_only",
    "choose_rewards",
    "default_reward_sets",
    "detect_task",
    "explicit_selection",
    "profile_selection",
    "refine_selection",
    "select_rewards",
]
