"""The public surface of ``rewards`` and its import boundary."""

import subprocess
import sys

import rewards

# The surface the server (and any caller) may import: see docs/rewards-api.md.
EXPECTED = [
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


def test_all_is_exactly_the_public_api() -> None:
    assert rewards.__all__ == EXPECTED


def _isort_style(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_every_name_exists() -> None:
    assert rewards.__all__ == sorted(rewards.__all__, key=_isort_style)
    for name in rewards.__all__:
        assert hasattr(rewards, name), name


def test_importing_rewards_pulls_in_no_server_fastapi_or_vllm() -> None:
    code = (
        "import sys, rewards, rewards.scoring, rewards.trl\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('fastapi', 'vllm', 'server')]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == ""
