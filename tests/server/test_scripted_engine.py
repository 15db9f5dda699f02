"""The scripted engine: the test seam above the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.engines.base import EngineError, GenerationRequest
from server.engines.scripted import ScriptedEngine

pytestmark = pytest.mark.anyio


def _req(**kw: object) -> GenerationRequest:
    base: dict[str, object] = {"request_id": "r", "n": 3, "max_tokens": 100, "prompt": "hello"}
    base.update(kw)
    return GenerationRequest(**base)  # type: ignore[arg-type]


async def test_cycles_candidates_and_truncates(tmp_path: Path) -> None:
    script = tmp_path / "s.yaml"
    script.write_text(
        "rules:\n"
        "  - candidates:\n"
        "      - {text: 'one two three four', logprob: -0.5}\n"
        "      - {text: 'five', finish_reason: stop}\n"
    )
    engine = ScriptedEngine.from_file(script, model_name="m")
    gen = await engine.generate(_req(max_tokens=2))
    assert [c.text for c in gen.candidates] == ["one two", "five", "one two"]
    assert [c.finish_reason for c in gen.candidates] == ["length", "stop", "length"]
    assert gen.candidates[0].cumulative_logprob == pytest.approx(-1.0)
    assert gen.candidates[0].mean_logprob == pytest.approx(-0.5)
    assert gen.candidates[1].cumulative_logprob is None


async def test_rules_match_the_prompt_and_can_fail() -> None:
    engine = ScriptedEngine.from_dict(
        {
            "rules": [
                {"match": "boom", "error": "down"},
                {"match": "cat", "candidates": [{"text": "meow"}]},
            ]
        },
        model_name="m",
    )
    gen = await engine.generate(_req(prompt=None, messages=[{"role": "user", "content": "a Cat?"}]))
    assert gen.candidates[0].text == "meow"
    with pytest.raises(EngineError):
        await engine.generate(_req(prompt="boom"))
    with pytest.raises(EngineError, match="no scripted rule"):
        await engine.generate(_req(prompt="dog"))


def test_invalid_scripts_are_refused() -> None:
    with pytest.raises(ValueError):
        ScriptedEngine.from_dict({"nope": 1}, model_name="m")
    with pytest.raises(ValueError):
        ScriptedEngine.from_dict({"rules": [{"match": "x"}]}, model_name="m")
