"""The real server (`bon-server serve`, vLLM engine, embedded model), started once per
test session and shared by every e2e module (engine start is ~30 s on these machines).

Tests that need other settings (auth keys, a policy file) start their own server,
on the scripted engine where the engine does not matter.
"""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from server.process import ServerStartError, running_server

START_TIMEOUT_S = 600  # first run converts the embedded model too


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    args = ["--engine", "vllm", "--default-max-tokens", "48", "--log-level", "warning"]
    try:
        with running_server(args, log_path=log_path, start_timeout_s=START_TIMEOUT_S) as url:
            yield url
    except ServerStartError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def client(server_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server_url}/v1", api_key="unused", max_retries=0)
