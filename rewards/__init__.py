"""bon-server's rewards: reward functions, gates, selection and aggregation.

A library without FastAPI or vLLM: usable for offline scoring, by the server, or
as reward functions for a GRPO trainer (:func:`as_trl_reward`).

Typical use::

    task, evidence = detect_task(prompt, messages=messages, response_format=fmt)
    context = build_context(prompt, messages, fmt, task=task)
    selection = select_rewards(context, task_evidence=evidence)
    result = score_group(context, candidates, selection)
    best = result.best  # None when every candidate was vetoed
"""

from rewards.aggregate import (
    AGGREGATION_MODES,
    DEFAULT_MODE,
    Aggregation,
    AggregationMode,
    RewardStats,
    aggregate,
)
from rewards.ranking import rank_candidates
from rewards.registry import RewardRegistry, UnknownRewardError, builtin_registry, default_registry
from rewards.scoring import GateResult, GroupResult, RewardResult, score_group
from rewards.selector import (
    RewardChoice,
    Selection,
    build_context,
    default_reward_sets,
    detect_task,
    explicit_selection,
    select_rewards,
)
from rewards.trl import TrlReward, as_trl_reward
from rewards.types import (
    TASKS,
    Candidate,
    Gate,
    Reward,
    RewardContext,
    Score,
    Task,
    ToolCall,
    Verdict,
)

__all__ = [
    "AGGREGATION_MODES",
    "DEFAULT_MODE",
    "TASKS",
    "Aggregation",
    "AggregationMode",
    "Candidate",
    "Gate",
    "GateResult",
    "GroupResult",
    "Reward",
    "RewardChoice",
    "RewardContext",
    "RewardRegistry",
    "RewardResult",
    "RewardStats",
    "Score",
    "Selection",
    "Task",
    "ToolCall",
    "TrlReward",
    "UnknownRewardError",
    "Verdict",
    "aggregate",
    "as_trl_reward",
    "build_context",
    "builtin_registry",
    "default_registry",
    "default_reward_sets",
    "detect_task",
    "explicit_selection",
    "rank_candidates",
    "score_group",
    "select_rewards",
]
