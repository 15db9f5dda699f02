"""format: reasoning and answer markup."""

import pytest

from rewards.builtin.formatting import FormatReward
from rewards.types import Candidate, RewardContext, Score


def score(text: str, **ctx: object) -> Score:
    context = RewardContext(**{"prompt": "q", **ctx})  # type: ignore[arg-type]
    return FormatReward()(completions=[text], context=context, candidates=[])[0]


def test_math_with_closed_think_and_boxed_scores_full() -> None:
    result = score("<think>3+4=7</think>The sum is \\boxed{7}.", task="math")
    assert result.value == 1.0
    assert "closed <think> block" in result.evidence
    assert "\\boxed{} answer" in result.evidence


def test_math_without_boxed_loses_that_check() -> None:
    result = score("<think>3+4=7</think>The sum is 7.", task="math")
    assert result.value == 0.5
    assert "no \\boxed{} answer" in result.evidence


def test_math_plain_answer_without_tags_is_judged_on_boxed_only() -> None:
    assert score("It is \\boxed{7}", task="math").value == 1.0
    assert score("It is 7", task="math").value == 0.0


def test_boxed_inside_think_only_does_not_count() -> None:
    assert score("<think>\\boxed{7}</think>So seven.", task="math").value == 0.5


def test_empty_boxed_does_not_count() -> None:
    assert score("\\boxed{ }", task="math").value == 0.0


def test_unterminated_think_scores_zero() -> None:
    result = score("<think>Let me compute \\boxed{7} and then", task="math")
    assert result == Score(0.0, "unterminated <think> (reasoning cut off)")


def test_lone_closing_think_from_chat_template_is_fine() -> None:
    # Qwen3 / DeepSeek-R1 templates open <think> in the prompt.
    assert score("reasoning here</think>The answer is \\boxed{2}", task="math").value == 1.0


def test_reasoning_without_answer_scores_zero() -> None:
    assert score("<think>long thoughts</think>\n  ", task="math").value == 0.0


def test_answer_tags() -> None:
    assert score("<think>x</think><answer>Paris</answer>").value == 1.0
    result = score("<think>x</think><answer>Paris")
    assert result.value == 0.5
    assert "unbalanced <answer> tags (1 open, 0 closed)" in result.evidence


def test_plain_general_chat_is_not_applicable() -> None:
    assert score("Paris is the capital of France.", task="general") == Score(
        None, "no markup to check"
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [("<think>a</think><answer>b</answer>", 1.0), ("Just b", 0.0), ("<think>a</think>b", 0.5)],
)
def test_tags_asked_for_in_system_prompt_are_required(text: str, value: float) -> None:
    system = "Reason in <think></think>, then answer in <answer></answer>."
    assert score(text, system_prompt=system).value == value


def test_unterminated_think_at_max_tokens_says_so() -> None:
    reward = FormatReward()
    ctx = RewardContext(prompt="q")
    texts = ["<think>still thinking about", "<think>done</think>Paris"]
    candidates = [Candidate(0, texts[0], (1, 2), "length"), Candidate(1, texts[1], (1,), "stop")]
    first, second = reward(completions=texts, context=ctx, candidates=candidates)
    assert first == Score(0.0, "unterminated <think> (reasoning cut off at max_tokens)")
    assert second == Score(1.0, "ok: closed <think> block, answer after it")


@pytest.mark.parametrize(
    ("text", "failure"),
    [
        ("Sure!<think>a</think>Paris", "text before <think> (reasoning should come first)"),
        ("<think>a</think>b<think>c</think>Paris", "several <think> blocks"),
        ("<think><answer>Paris</answer></think>So Paris.", "<answer> only inside the reasoning"),
    ],
)
def test_reasoning_must_come_first_once_with_the_answer_outside(text: str, failure: str) -> None:
    result = score(text)
    assert result.value is not None and result.value < 1.0
    assert failure in result.evidence
