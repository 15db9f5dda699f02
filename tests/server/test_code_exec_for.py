"""One CodeExec configuration: the prompt's code (the registry's ``code_exec``) and a
reference's tests (the store writer's) run under the same operator settings, built by
``server.sandbox_mode.code_exec_for`` (they were built twice, from two copies of the
settings list)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from rewards import default_registry
from rewards.builtin.code_exec import CodeExec
from server.config import Settings
from server.metrics import Metrics
from server.sandbox_mode import code_exec_for, with_sandbox
from server.store import build_traces
from tests.conftest import make_settings

OPTIONS = ("timeout_s", "budget_s", "workers", "sandbox", "max_code_chars")


def _options(reward: CodeExec) -> dict[str, object]:
    return {name: getattr(reward, name) for name in OPTIONS}


def _settings() -> Settings:
    # Every value off its default, so a forgotten option shows.
    return make_settings(
        code_timeout_s=3.5,
        code_budget_s=11.0,
        sandbox_concurrency=3,
        sandbox="off",
        code_max_chars=4321,
    )


def test_code_exec_for_reads_every_option_from_the_settings() -> None:
    reward = code_exec_for(_settings())()
    assert _options(reward) == {
        "timeout_s": 3.5,
        "budget_s": 11.0,
        "workers": 3,
        "sandbox": "off",
        "max_code_chars": 4321,
    }


def test_the_registry_and_the_store_run_code_under_the_same_configuration() -> None:
    settings = _settings()
    registry = with_sandbox(default_registry(), settings)
    prompt_code = registry.reward(CodeExec.name)
    traces = build_traces(settings, Metrics(CollectorRegistry()))
    reference_code = traces.writer.code_exec
    assert isinstance(prompt_code, CodeExec) and isinstance(reference_code, CodeExec)
    assert _options(prompt_code) == _options(reference_code) == _options(code_exec_for(settings)())


def test_a_profile_may_still_override_an_option() -> None:
    reward = code_exec_for(_settings())(timeout_s=1.0)
    assert reward.timeout_s == 1.0 and reward.budget_s == 11.0
