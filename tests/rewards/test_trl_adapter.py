"""as_trl_reward: TRL's calling convention, groups by prompt."""

import pickle

import pytest

from rewards.builtin import AnswerAgreement, JsonValid, LengthReward
from rewards.trl import TrlReward, as_trl_reward


def test_name_for_trl_logging() -> None:
    assert as_trl_reward(LengthReward()).__name__ == "length"


def test_completions_of_each_prompt_form_their_own_group() -> None:
    f = as_trl_reward(AnswerAgreement())
    prompts = ["What is 6 * 7?"] * 3 + ["What is 2 + 2?"] * 2
    completions = ["\\boxed{42}", "\\boxed{42}", "\\boxed{41}", "\\boxed{4}", "\\boxed{4}"]
    values = f(prompts=prompts, completions=completions)
    assert values == pytest.approx([2 / 3, 2 / 3, 1 / 3, 1.0, 1.0])  # the answers' vote shares


def test_conversational_format_and_completion_ids() -> None:
    f = as_trl_reward(LengthReward())
    prompt = [{"role": "user", "content": "Say hi"}]
    completions = [
        [{"role": "assistant", "content": "hi"}],
        [{"role": "assistant", "content": "hello there"}],
    ]
    values = f(prompts=[prompt, prompt], completions=completions, completion_ids=[[1, 2, 3], [1]])
    assert values == [0.0, 1.0]  # by token count, not text length


def test_task_is_detected_from_the_prompt() -> None:
    f = as_trl_reward(JsonValid())
    assert f(prompts=["Respond in JSON with a list"], completions=["[1, 2]"]) == [1.0]
    assert f(prompts=["Tell me a joke"], completions=["[1, 2]"]) == [None]


def test_pickles() -> None:
    f = pickle.loads(pickle.dumps(as_trl_reward(LengthReward())))
    assert isinstance(f, TrlReward)
    assert f(prompts=["p", "p"], completions=["a", "abc"]) == [1.0, 0.0]
