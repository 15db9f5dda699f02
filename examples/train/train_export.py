"""Train a model on a ``bon-server export`` file with TRL: a smoke run on CPU.

    python examples/train/train_export.py sft sft.jsonl "$(bon-server prepare-model)"

KIND is sft, dpo, kto or grpo; the file is what ``bon-server export KIND`` wrote (JSONL or
Parquet). Two optimizer steps of two rows, fp32, one torch thread, short sequences: the
settings tests/train runs in the suite (it imports :func:`trainer` from here). For a real
run raise ``max_steps`` and the lengths, and drop ``use_cpu`` on a GPU (docs/training.md).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rewards.builtin import AnswerAgreement, JsonValid
from rewards.trl import as_trl_reward, reference_answer

SMOKE: dict[str, Any] = {
    "max_steps": 2,
    "per_device_train_batch_size": 2,
    "learning_rate": 1e-5,
    "logging_steps": 1,  # a loss logged at every step
    "report_to": "none",
    "save_strategy": "no",
    "bf16": False,  # TRL turns bf16 on by default; fp32 on CPU
    "fp16": False,
    "use_cpu": True,
    "gradient_checkpointing": False,  # TRL's default is on: slower, and no memory to save
    "disable_tqdm": True,
    "dataloader_num_workers": 0,
    "seed": 0,
}
MAX_LENGTH = 128  # prompt + completion tokens (sft, dpo, kto)
MAX_COMPLETION = 16  # tokens GRPO generates per completion


def default_rewards() -> list[Any]:
    """GRPO's reward functions: ``reference_answer`` (reads the ``answer`` column: the
    final answer math-verify-equivalent to it), and this project's rewards through
    :mod:`rewards.trl` (``json_valid`` reads the ``json_schema`` column)."""
    return [reference_answer, as_trl_reward(JsonValid()), as_trl_reward(AnswerAgreement())]


def trainer(
    kind: str,
    data: Path,
    model_dir: Path,
    output_dir: Path,
    reward_funcs: list[Any] | None = None,
    **overrides: Any,
) -> Any:
    """The TRL trainer of ``kind`` on the export file ``data``, not yet trained."""
    import datasets  # type: ignore[import-untyped]
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import (
        DPOConfig,
        DPOTrainer,
        GRPOConfig,
        GRPOTrainer,
        KTOConfig,
        KTOTrainer,
        SFTConfig,
        SFTTrainer,
    )

    fmt = "parquet" if Path(data).suffix == ".parquet" else "json"
    dataset = datasets.load_dataset(fmt, data_files=str(data), split="train")
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    args = {**SMOKE, "output_dir": str(output_dir), **overrides}
    common = {"model": model, "processing_class": tokenizer, "train_dataset": dataset}
    if kind == "sft":
        return SFTTrainer(**common, args=SFTConfig(max_length=MAX_LENGTH, **args))
    if kind == "dpo":  # the reference model: TRL's frozen copy of the model
        return DPOTrainer(**common, args=DPOConfig(max_length=MAX_LENGTH, **args))
    if kind == "kto":
        return KTOTrainer(**common, args=KTOConfig(max_length=MAX_LENGTH, **args))
    if kind == "grpo":
        config = GRPOConfig(
            num_generations=2,  # a group of two completions per prompt
            max_completion_length=MAX_COMPLETION,
            use_vllm=False,  # generate with transformers, in this process
            **args,
        )
        funcs = default_rewards() if reward_funcs is None else reward_funcs
        return GRPOTrainer(**common, reward_funcs=funcs, args=config)
    raise ValueError(f"unknown kind {kind!r}: sft, dpo, kto or grpo")


def main(argv: list[str]) -> int:
    import torch

    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    kind, data, model_dir = argv
    # One thread: on a shared 2-core machine two spin against each other.
    torch.set_num_threads(1)
    run = trainer(kind, Path(data), Path(model_dir), Path(f"out-{kind}"))
    run.train()
    losses = [h["loss"] for h in run.state.log_history if "loss" in h]
    print(f"{kind}: {run.state.global_step} steps, losses {losses}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
