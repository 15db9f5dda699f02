"""TRL's trainers on ``bon-server export`` files: the training data the store gives out
is data TRL trains on.

A store is built the real way (the app on the scripted engine, the store on SQLite, a
reference answer and a schema verifying two groups, the owner's feedback rating a third);
``bon-server export`` (the CLI, in a subprocess) writes each kind; then SFTTrainer,
DPOTrainer, KTOTrainer and GRPOTrainer (the last with this project's rewards through
:mod:`rewards.trl`) run two optimizer steps each on the embedded model, on CPU, in fp32.
What is asserted is that each trainer ran on the files: two steps, a finite loss logged
at each, and GRPO's reward functions called with the dataset's reference columns. Nothing
about what the model learned: two steps of a 135M model teach it nothing measurable.

The trainers are the ones examples/train/train_export.py builds (docs/training.md shows
it): one torch thread, batches of two, short sequences, so the file costs about a minute
of CPU (figures in docs/training.md).
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rewards.builtin import AnswerAgreement, JsonValid
from rewards.trl import as_trl_reward
from server.app import create_app
from tests.conftest import MODEL, make_engine, make_settings
from tests.store.helpers import BUDGETS, written

# transformers, TRL and datasets are imported inside the fixtures: importing TRL imports
# vLLM (trl.generation), which costs seconds that collection should not pay.
pytestmark = [
    pytest.mark.train,
    # TRL's import checks the installed vLLM (0.32, the server's) against the range its
    # own `vllm` extra names; these trainers do not use vLLM (use_vllm=False).
    pytest.mark.filterwarnings("ignore:TRL currently supports vLLM versions:UserWarning"),
]

MATH = "12 apples, times 3, then 6 more?"
PERSON = "Give a person as JSON with name and age."
CAPITAL = "What is the capital of France?"
SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}
SCRIPT: dict[str, Any] = {
    "rules": [
        {
            "match": "apples",  # reference 42: 0 and 2 right, 1 and 3 wrong
            "candidates": [
                {"text": "12 * 3 = 36, 36 + 6 = 42. The answer is \\boxed{42}.", "logprob": -0.4},
                {"text": "12 * 3 = 36, 36 + 5 = 41. The answer is \\boxed{41}.", "logprob": -0.2},
                {"text": "36 + 6 = 42, so \\boxed{42}.", "logprob": -0.5},
                {"text": "The answer is \\boxed{40}.", "logprob": -0.3},
            ],
        },
        {
            "match": "person",  # the schema: only 0 is valid
            "candidates": [
                {"text": '{"name": "Ada", "age": 36}', "logprob": -0.3},
                {"text": '{"name": "Ada"}', "logprob": -0.2},
                {"text": "Ada is 36 years old.", "logprob": -0.4},
            ],
        },
        {
            "candidates": [
                {"text": "Paris is the capital of France.", "logprob": -0.3},
                {"text": "Paris. Paris. Paris. Paris. Paris. Paris. Paris.", "logprob": -0.1},
                {"text": "The capital of France is Paris, on the Seine.", "logprob": -0.6},
            ],
        },
    ]
}
# Both of the export's formats, through the recipe's loader.
FILES = {"sft": "sft.jsonl", "dpo": "dpo.parquet", "kto": "kto.parquet", "grpo": "grpo.jsonl"}
STEPS = 2


def _build_store(url: str) -> None:
    """Three full-trace groups: math (reference answer), JSON (reference schema), and a
    general one the owner rates good."""
    with TestClient(
        create_app(make_settings(database_url=url, **BUDGETS), engine=make_engine(SCRIPT))
    ) as c:

        def chat(content: str, **extra: Any) -> str:
            body = {
                "model": MODEL,
                "messages": [{"role": "user", "content": content}],
                "best_of": 4,
                "trace": "full",
                **extra,
            }
            r = c.post("/v1/chat/completions", json=body)
            assert r.status_code == 200, r.text
            trace_id: str = r.headers["X-Bon-Trace-Id"]
            return trace_id

        chat(MATH, reference={"answer": "42"})
        chat(PERSON, reference={"json_schema": SCHEMA})
        capital = chat(CAPITAL)
        written(c, 3)
        rating = {"trace_id": capital, "choice_index": 0, "name": "thumbs", "value": 1}
        r = c.post("/v1/feedback", json=rating)
        assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each kind, written by ``bon-server export`` (the installed command)."""
    root = tmp_path_factory.mktemp("train")
    url = f"sqlite+aiosqlite:///{root / 'store.db'}"
    _build_store(url)
    command = Path(sys.executable).with_name("bon-server")
    paths = {}
    for kind, name in FILES.items():
        path = root / name
        done = subprocess.run(
            [str(command), "export", kind, "-o", str(path), "--database-url", url],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert f"{kind}: wrote" in done.stdout, done.stdout
        paths[kind] = path
    return paths


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
        return rows
    return [json.loads(line) for line in path.read_text().splitlines()]


def _recipe() -> Any:
    """examples/train/train_export.py, the script docs/training.md shows: the trainers
    here are the ones it builds (not a package, so loaded from its path)."""
    path = Path(__file__).resolve().parents[2] / "examples" / "train" / "train_export.py"
    spec = importlib.util.spec_from_file_location("train_export", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECIPE = _recipe()


def _assert_trained(trainer: Any) -> list[dict[str, Any]]:
    """Two optimizer steps, each with a finite loss logged; the step logs."""
    assert trainer.state.global_step == STEPS
    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert [h["step"] for h in logs] == list(range(1, STEPS + 1)), trainer.state.log_history
    for h in logs:
        assert math.isfinite(h["loss"]), h
    return logs


def test_sft_trains_on_the_export(
    exports: dict[str, Path], model_path: Path, tmp_path: Path, one_thread: None
) -> None:
    rows = _rows(exports["sft"])
    # Verified or rated good only: the math group's right answer, the valid JSON, the
    # rated answer.
    assert {r["prompt"].removeprefix("user: ") for r in rows} == {MATH, PERSON, CAPITAL}
    trainer = RECIPE.trainer("sft", exports["sft"], model_path, tmp_path)
    trainer.train()
    _assert_trained(trainer)


def test_dpo_trains_on_the_export(
    exports: dict[str, Path], model_path: Path, tmp_path: Path, one_thread: None
) -> None:
    rows = _rows(exports["dpo"])
    assert rows and all(r["chosen"] != r["rejected"] and r["margin"] > 0 for r in rows)
    trainer = RECIPE.trainer("dpo", exports["dpo"], model_path, tmp_path)
    trainer.train()
    logs = _assert_trained(trainer)
    assert all(math.isfinite(h["rewards/margins"]) for h in logs), logs


def test_kto_trains_on_the_export(
    exports: dict[str, Path], model_path: Path, tmp_path: Path, one_thread: None
) -> None:
    labels = {r["label"] for r in _rows(exports["kto"])}
    assert labels == {True, False}  # KTO needs both desirable and undesirable rows
    trainer = RECIPE.trainer("kto", exports["kto"], model_path, tmp_path)
    trainer.train()
    _assert_trained(trainer)


@dataclass
class Recorded:
    """A TRL reward function that keeps the keyword columns of each call."""

    func: Any
    calls: list[dict[str, list[Any]]]

    @property
    def __name__(self) -> str:  # TRL logs each reward by its function's name
        return str(self.func.__name__)

    def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        columns = ("task", "answer", "tests", "json_schema")
        self.calls.append({k: list(kwargs[k]) for k in columns if k in kwargs})
        return list(self.func(prompts=prompts, completions=completions, **kwargs))


def test_grpo_trains_on_the_export_with_this_projects_rewards(
    exports: dict[str, Path], model_path: Path, tmp_path: Path, one_thread: None
) -> None:
    rows = _rows(exports["grpo"])
    assert [(r["prompt"].removeprefix("user: "), r["task"]) for r in rows] == [
        (MATH, "math"),
        (PERSON, "json"),
        (CAPITAL, "general"),
    ]
    calls: list[dict[str, list[Any]]] = []
    funcs = [
        Recorded(RECIPE.reference_answer, calls),  # reads the answer column
        Recorded(as_trl_reward(JsonValid()), []),  # reads the json_schema column
        Recorded(as_trl_reward(AnswerAgreement()), []),
    ]
    trainer = RECIPE.trainer(
        "grpo",
        exports["grpo"],
        model_path,
        tmp_path,
        reward_funcs=funcs,
        shuffle_dataset=False,  # the rows in export order: math, then JSON
    )
    trainer.train()
    logs = _assert_trained(trainer)
    # Each step's group came with its row's references, one value per completion.
    assert calls == [
        {
            "task": ["math"] * 2,
            "answer": ["42"] * 2,
            "tests": [None] * 2,
            "json_schema": [None] * 2,
        },
        {
            "task": ["json"] * 2,
            "answer": [None] * 2,
            "tests": [None] * 2,
            "json_schema": [json.dumps(SCHEMA, sort_keys=True)] * 2,
        },
    ]
    for f in funcs:
        assert len(f.calls) == STEPS
        assert any(f"rewards/{f.__name__}/mean" in h for h in logs), logs
