"""Server configuration: one pydantic-settings class, environment prefix ``BON_``.

Every field can be set from the environment (``BON_DEFAULT_BEST_OF=8``) or from
the command line (``bon-server serve --default-best-of 8``); the CLI wins.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDED_MODEL_NAME = "smollm2-135m-instruct"

EngineKind = Literal["vllm", "scripted"]
TraceLevel = Literal["none", "summary", "full"]
AggregationMode = Literal["normalize_then_sum", "sum_then_normalize"]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/bon-server`` (``~/.cache/bon-server`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bon-server"


class Settings(BaseSettings):
    """Everything an operator can configure."""

    model_config = SettingsConfigDict(env_prefix="BON_", extra="ignore")

    # Engine
    engine: EngineKind = "vllm"
    model: str = Field(
        EMBEDDED_MODEL_NAME,
        description="The embedded model's name, or a local Hugging Face model folder.",
    )
    served_model_name: str | None = Field(
        None, description="Name clients use in `model`; defaults to the model's name."
    )
    script: Path | None = Field(None, description="Candidates file for --engine scripted.")
    cache_dir: Path = Field(default_factory=default_cache_dir)
    max_model_len: int = Field(2048, ge=64)
    gpu_memory_utilization: float = Field(0.85, gt=0, le=1)
    dtype: str = "auto"
    cpu_kvcache_space_gib: int = Field(
        2, ge=1, description="KV cache size on CPU (VLLM_CPU_KVCACHE_SPACE)."
    )

    # HTTP
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)

    # Best-of-N
    default_best_of: int = Field(4, ge=1, le=64)
    max_best_of: int = Field(64, ge=1, le=64)
    default_max_tokens: int = Field(256, ge=1)
    max_tokens_limit: int = Field(2048, ge=1)
    max_prompt_chars: int = Field(
        200_000, ge=1, description="Longest prompt (all messages' text) accepted, in characters."
    )
    default_temperature: float = Field(0.8, ge=0, le=2)
    aggregation: AggregationMode = "normalize_then_sum"
    score_workers: int = Field(4, ge=1, description="Threads that run the rewards.")
    max_concurrent_groups: int = Field(16, ge=1)
    request_timeout_s: float = Field(300.0, gt=0)

    # Trace
    trace_store_size: int = Field(1000, ge=0, description="Traces kept for GET /v1/traces/{id}.")
    default_trace: TraceLevel = "summary"

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.engine == "scripted" and self.script is None:
            raise ValueError("--engine scripted needs --script FILE")
        if self.default_best_of > self.max_best_of:
            raise ValueError("default_best_of must not exceed max_best_of")
        if self.default_max_tokens > self.max_tokens_limit:
            raise ValueError("default_max_tokens must not exceed max_tokens_limit")
        return self

    @property
    def model_id(self) -> str:
        """The name clients put in `model`."""
        if self.served_model_name:
            return self.served_model_name
        if self.model == EMBEDDED_MODEL_NAME:
            return EMBEDDED_MODEL_NAME
        return Path(self.model).name or self.model
