"""as_trl_reward flattens a conversational TRL prompt as the server flattens a chat."""

from __future__ import annotations

from typing import Any

from rewards import RewardContext, Score, as_trl_reward, messages_text


class Seen:
    """A reward that keeps the prompt text and completions it was given."""

    name = "seen"

    def __init__(self) -> None:
        self.prompts: list[str] = []
        self.completions: list[list[str]] = []

    def __call__(self, *, completions: list[str], context: RewardContext, **_: Any) -> list[Score]:
        self.prompts.append(context.prompt)
        self.completions.append(list(completions))
        return [Score(1.0) for _ in completions]


PARTS = [{"type": "text", "text": "What is"}, {"type": "text", "text": "6 * 7?"}]
CHAT: list[dict[str, Any]] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": PARTS},
]


def test_a_conversational_prompt_reaches_the_rewards_as_the_servers_chat_text() -> None:
    seen = Seen()
    as_trl_reward(seen)(prompts=[CHAT], completions=["42"])
    assert seen.prompts == [messages_text(CHAT)]
    assert seen.prompts == ["system: Be brief.\nuser: What is\n6 * 7?"]  # roles, no list repr


def test_a_conversational_completion_is_its_messages_text_without_roles() -> None:
    seen = Seen()
    completion = [{"role": "assistant", "content": [{"type": "text", "text": "\\boxed{42}"}]}]
    as_trl_reward(seen)(prompts=[CHAT], completions=[completion])
    assert seen.completions == [["\\boxed{42}"]]  # what the model wrote, as a candidate's text


def test_a_string_prompt_is_unchanged() -> None:
    seen = Seen()
    as_trl_reward(seen)(prompts=["What is 6 * 7?"], completions=["42"])
    assert seen.prompts == ["What is 6 * 7?"]
