"""Server configuration: one pydantic-settings class, environment prefix ``BON_``.

Every field can be set from the environment (``BON_DEFAULT_BEST_OF=8``) or from
the command line (``bon-server serve --default-best-of 8``); the CLI wins.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, FilePath, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

EMBEDDED_MODEL_NAME = "smollm2-135m-instruct"

EngineKind = Literal["vllm", "scripted", "openai"]
TraceLevel = Literal["none", "summary", "full"]
TraceText = Literal["full", "redacted", "none"]
AggregationMode = Literal["normalize_then_sum", "sum_then_normalize"]
LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["text", "json"]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/bon-server`` (``~/.cache/bon-server`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bon-server"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/bon-server`` (``~/.local/share/bon-server`` when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
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
    tensor_parallel_size: int = Field(
        1, ge=1, description="GPUs of this node one model is split across (vLLM tensor parallel)."
    )
    dtype: str = "auto"
    cpu_kvcache_space_gib: int = Field(
        2, ge=1, description="KV cache size on CPU (VLLM_CPU_KVCACHE_SPACE)."
    )
    chat_template: FilePath | None = Field(
        None,
        description="Jinja chat template file to render chats (and tools) with, instead of"
        " the model's own (the embedded model's default adds hermes-format tools).",
    )
    tool_call_parser: str = Field(
        "hermes",
        description="vLLM tool-call parser that reads the candidates' calls (hermes,"
        " llama3_json, mistral, qwen3_xml, pythonic, ...); see docs/tools.md.",
    )

    # Upstream engine (--engine openai)
    upstream: str | None = Field(
        None, description="Base URL of an OpenAI-compatible server (e.g. http://host:8000/v1)."
    )
    upstream_model: str | None = Field(
        None, description="Model name at the upstream (default: its first model)."
    )
    upstream_api_key: str | None = Field(None, description="Bearer key for the upstream.")
    upstream_timeout_s: float = Field(
        600.0, gt=0, description="Read timeout of one upstream request."
    )
    upstream_max_parallel: int = Field(
        8, ge=1, description="Parallel requests per group when the upstream lacks n."
    )
    upstream_retries: int = Field(2, ge=0, le=10, description="Retries on connect errors.")

    # HTTP
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    api_keys: str | None = Field(
        None, description="Comma-separated API keys; when set, every route but /health needs one."
    )
    api_keys_file: Path | None = Field(None, description="File of API keys, one a line.")
    metrics_require_key: bool = Field(True, description="/metrics needs a key when keys are set.")
    operator_keys: str | None = Field(
        None,
        description="Comma-separated operator keys: API keys that read every caller's traces"
        " and are not rate limited.",
    )
    operator_keys_file: Path | None = Field(None, description="File of operator keys, one a line.")
    rate_limit_rpm: int = Field(
        0, ge=0, description="Requests per minute per API key (0: no limit; operators exempt)."
    )
    rate_limit_cpm: int = Field(
        0,
        ge=0,
        description="Candidates (best_of, or the best_of=auto budget) per minute per API key"
        " (0: no limit; operators exempt).",
    )

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
    reward_timeout_s: float = Field(
        10.0,
        gt=0,
        description="Time budget of one reward on one group, enforced in a killable worker"
        " process; out of time, the reward carries no signal.",
    )
    gate_timeout_s: float = Field(
        5.0,
        gt=0,
        description="Time budget of one gate on one group (or one prompt check), enforced in a"
        " killable worker process; out of time, the gate vetoes (gate_timeout).",
    )
    score_timeout_s: float = Field(
        60.0,
        gt=0,
        description="Time budget of all rewards and gates of one group (and of the prompt"
        " checks of one request); each call gets at most what is left.",
    )
    profiles_file: Path | None = Field(
        None, description="YAML file of named reward profiles (docs/rewards.md)."
    )
    optional_rewards: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Optional rewards the context selector may add, comma-separated"
        " (relevance, judge).",
    )
    judge: Literal["off", "serving", "model"] = Field(
        "off",
        description="The judge reward's model: off; serving (the served model rates each"
        " answer 1-10); model (the reward model at --judge-model). Add judge to"
        " --optional-rewards for the selector to use it.",
    )
    judge_model: Path | None = Field(
        None, description="--judge model: a local *ForSequenceClassification model folder."
    )
    auto_first_round: int = Field(4, ge=1, description="best_of=auto: candidates in round 1.")
    auto_round_size: int = Field(4, ge=1, description="best_of=auto: candidates per later round.")
    auto_max_best_of: int = Field(
        16, ge=1, le=64, description="best_of=auto: the default budget of candidates."
    )
    auto_min_agreement: float = Field(
        0.6, gt=0, le=1, description="best_of=auto: least share on the top answer to stop."
    )
    auto_min_margin: int = Field(
        2, ge=0, description="best_of=auto: least lead of the top answer over the next."
    )
    max_concurrent_groups: int = Field(16, ge=1)
    max_groups_per_key: int | None = Field(
        None,
        ge=1,
        description="Groups one API key may have in flight (429 key_busy beyond); default"
        " half the score workers, so one key cannot hold every scoring thread. Not applied"
        " when auth is off (one tenant).",
    )
    max_messages: int = Field(1024, ge=1, description="Most messages in one chat request.")
    max_body_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="Largest request body accepted, in bytes."
    )
    request_timeout_s: float = Field(300.0, gt=0)
    stream_keepalive_s: float = Field(
        1.0, gt=0, description="Seconds between progress comments while a stream waits."
    )
    stream_send_timeout_s: float = Field(
        30.0,
        gt=0,
        description="Seconds a stream may wait for its client to take more bytes before the"
        " server gives it up and closes the connection (slow or stalled readers).",
    )

    # Code sandbox (code_exec, efficiency)
    sandbox: Literal["wasi", "off"] = Field(
        "wasi",
        description="wasi: run code in CPython-for-WASI under wasmtime (the server does not"
        " start when it cannot); off: run no code, code_exec checks syntax only.",
    )
    sandbox_concurrency: int = Field(
        2, ge=1, description="Sandbox runs at the same time, for the whole server."
    )
    code_timeout_s: float = Field(5.0, gt=0, description="Wall-clock limit of one sandbox run.")
    code_budget_s: float = Field(
        20.0, gt=0, description="Wall time for all of one group's sandbox runs together."
    )
    code_max_chars: int = Field(
        100_000, ge=1000, description="Longest answer code_exec parses (longer: no signal)."
    )

    # Trace
    trace_store_size: int = Field(1000, ge=0, description="Traces kept for GET /v1/traces/{id}.")
    default_trace: TraceLevel = "summary"
    trace_text: TraceText = Field(
        "redacted",
        description="What traces show of text a gate objected to: full (the offending text),"
        " redacted (what was found, masked), none (only rule ids and categories).",
    )

    # Store (traces and feedback that survive restarts; docs/store.md)
    data_dir: Path = Field(
        default_factory=default_data_dir, description="Where the default SQLite store lives."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the store: sqlite+aiosqlite:///FILE, or"
        " postgresql+asyncpg://USER:PASS@HOST/DB for several replicas (default: SQLite in"
        " --data-dir).",
    )
    store_queue_size: int = Field(
        1000, ge=1, description="Traces waiting to be written; beyond it they are dropped."
    )
    store_write_timeout_s: float = Field(
        10.0, gt=0, description="Time limit of one trace write; past it the trace is dropped."
    )
    store_max_age_days: float = Field(
        30.0, ge=0, description="Traces older than this are deleted (0: kept for ever)."
    )
    store_max_traces: int = Field(
        1_000_000, ge=0, description="At most this many traces are kept, newest (0: no limit)."
    )
    reference_max_bytes: int = Field(
        65_536, ge=256, description="Largest `reference` extension a request may carry."
    )

    # Learned reward weights (docs/learning.md)
    reward_weights: Literal["learned", "frozen"] = Field(
        "learned",
        description="learned: each reward's profile weight scaled by how well it has ordered"
        " verified pairs for the task; frozen: the profiles' weights as they are.",
    )
    reward_learning_min_groups: int = Field(
        10,
        ge=1,
        description="Labelled groups (each one observation, whatever its size) a reward needs"
        " for a task before learning applies.",
    )
    reward_learning_min_owners: int = Field(
        3,
        ge=1,
        description="Distinct key owners those groups must come from (an operator key's labels"
        " suffice alone; without keys configured it does not apply).",
    )
    reward_learning_owner_cap: int = Field(
        10,
        ge=1,
        description="Groups' worth one owner's labels count at most per task and reward"
        " (operator keys uncapped; without keys configured it does not apply).",
    )
    reward_learning_refresh_s: float = Field(
        30.0, gt=0, description="How often the learned counts are re-read from the store."
    )

    # Safety and compliance
    policy_file: Path | None = Field(
        None, description="YAML compliance policy file (see docs/safety.md)."
    )
    hazard_model: Path | None = Field(
        None,
        description="Local folder of a Llama Guard 3 style classifier the hazards gate consults"
        " besides its rules (off by default).",
    )

    # Logs
    log_level: LogLevel = "info"
    log_format: LogFormat = Field(
        "text", description="text, or json: one JSON object per line (one per request)."
    )
    log_text: bool = Field(
        False, description="Put prompt and answer texts in the request log lines."
    )

    @field_validator("optional_rewards", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.engine == "scripted" and self.script is None:
            raise ValueError("--engine scripted needs --script FILE")
        if self.engine == "openai" and not self.upstream:
            raise ValueError("--engine openai needs --upstream URL")
        if self.default_best_of > self.max_best_of:
            raise ValueError("default_best_of must not exceed max_best_of")
        if self.default_max_tokens > self.max_tokens_limit:
            raise ValueError("default_max_tokens must not exceed max_tokens_limit")
        if self.judge == "model" and self.judge_model is None:
            raise ValueError("--judge model needs --judge-model DIR")
        return self

    @property
    def model_id(self) -> str:
        """The name clients put in `model`."""
        if self.served_model_name:
            return self.served_model_name
        if self.model == EMBEDDED_MODEL_NAME:
            return EMBEDDED_MODEL_NAME
        return Path(self.model).name or self.model
