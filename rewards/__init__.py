"""bon-server's rewards: reward functions, gates, selection and aggregation.

A library without FastAPI or vLLM: usable for offline scoring, by the server, or
as reward functions for a GRPO trainer (:func:`as_trl_reward`).

Typical use::

    task, evidence = detect_task(prompt, messages=messages, response_format=fmt)
    context = build_context(prompt, messages, fmt, task=task)
    selection = select_rewards(context, task_evidence=evidence)
    result = score_group(context, candidates, selection)
    best = result.best  # None when every candidate was vetoed

The public surface is this module's ``__all__`` (and :mod:`rewards.gates`' for the
gates): the server imports only from these two, and so should any other caller. Every
other module (``rewards.selection``, ``rewards.scoring``, ``rewards.builtin.*``, ...) is
an implementation module, private by convention: its names may move between releases
(as the former ``rewards.selector`` split into task, context, selection and refine).
``tests/rewards/test_public_surface.py`` holds the server to this.
"""

from rewards import sandbox
from rewards.adaptive import AdaptivePolicy, settle
from rewards.aggregate import (
    AGGREGATION_MODES,
    DEFAULT_MODE,
    Aggregation,
    AggregationMode,
    RewardStats,
    aggregate,
)
from rewards.budget import Budgets, default_budget_pool
from rewards.builtin.code_exec import CodeExec, extract_tests, ran_tests
from rewards.builtin.efficiency import Efficiency
from rewards.builtin.json_valid import JsonTooDeep, find_json
from rewards.builtin.judge import JudgeReward, judge_messages, parse_rating
from rewards.builtin.math_answers import extract_answer
from rewards.context import build_context
from rewards.group import GroupRecord
from rewards.json_limits import SchemaRefused, linear_validator, meta_schema_problem, schema_problem
from rewards.mathverify_pool import classify_answers
from rewards.mathverify_pool import default_pool as default_mathverify_pool
from rewards.profiles import (
    Profile,
    ProfileError,
    Profiles,
    builtin_profiles,
    check_profiles,
    load_profiles,
    parse_profiles,
)
from rewards.ranking import rank_candidates
from rewards.refine import refine_selection, refiner
from rewards.registry import RewardRegistry, UnknownRewardError, builtin_registry, default_registry
from rewards.reliability import (
    LabelledCandidate,
    PairCount,
    Reliability,
    Tally,
    group_pairs,
    reliability_of,
    reweigh,
)
from rewards.scoring import (
    GateResult,
    GroupResult,
    RewardResult,
    score_group,
    screen_prompt,
    verdict_dict,
)
from rewards.selection import (
    RewardChoice,
    Selection,
    choose_rewards,
    default_reward_sets,
    explicit_selection,
    profile_selection,
    select_rewards,
)
from rewards.task import detect_task
from rewards.token_logprobs import LOGPROB_FLOOR, LogprobsBuilder, TokenLogprobs
from rewards.trl import TrlReward, as_trl_reward, reference_answer
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
    content_text,
    messages_text,
)

__all__ = [
    "AGGREGATION_MODES",
    "DEFAULT_MODE",
    "LOGPROB_FLOOR",
    "TASKS",
    "AdaptivePolicy",
    "Aggregation",
    "AggregationMode",
    "Budgets",
    "Candidate",
    "CodeExec",
    "Efficiency",
    "Gate",
    "GateResult",
    "GroupRecord",
    "GroupResult",
    "JsonTooDeep",
    "JudgeReward",
    "LabelledCandidate",
    "LogprobsBuilder",
    "PairCount",
    "Profile",
    "ProfileError",
    "Profiles",
    "Reliability",
    "Reward",
    "RewardChoice",
    "RewardContext",
    "RewardRegistry",
    "RewardResult",
    "RewardStats",
    "SchemaRefused",
    "Score",
    "Selection",
    "Tally",
    "Task",
    "TokenLogprobs",
    "ToolCall",
    "TrlReward",
    "UnknownRewardError",
    "Verdict",
    "aggregate",
    "as_trl_reward",
    "build_context",
    "builtin_profiles",
    "builtin_registry",
    "check_profiles",
    "choose_rewards",
    "classify_answers",
    "content_text",
    "default_budget_pool",
    "default_mathverify_pool",
    "default_registry",
    "default_reward_sets",
    "detect_task",
    "explicit_selection",
    "extract_answer",
    "extract_tests",
    "find_json",
    "group_pairs",
    "judge_messages",
    "linear_validator",
    "load_profiles",
    "messages_text",
    "meta_schema_problem",
    "parse_profiles",
    "parse_rating",
    "profile_selection",
    "ran_tests",
    "rank_candidates",
    "reference_answer",
    "refine_selection",
    "refiner",
    "reliability_of",
    "reweigh",
    "sandbox",
    "schema_problem",
    "score_group",
    "screen_prompt",
    "select_rewards",
    "settle",
    "verdict_dict",
]
