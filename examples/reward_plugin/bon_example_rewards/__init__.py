"""An example bon-server reward plugin: prefer answers that cite a source.

A reward is a picklable callable with a ``name`` that is called by keyword with
the group's ``completions``, the request ``context`` and the ``candidates``, and
returns one score per completion: a number, None (does not apply), or
``rewards.types.Score(value, evidence)`` when it can say why.
"""

from __future__ import annotations

import re
from typing import Any

_SOURCE = re.compile(r"https?://\S+|\b(?:source|according to|see)\s*:", re.IGNORECASE)


class CitesSources:
    """1.0 when the answer cites a source (a URL, "Source:", "According to:"), else 0.0."""

    name = "cites_sources"

    def __call__(self, *, completions: list[str], **kwargs: Any) -> list[Any]:
        from rewards.types import Score

        scores = []
        for text in completions:
            found = _SOURCE.search(text)
            scores.append(
                Score(1.0, f"cites {found.group(0)[:40]!r}") if found else Score(0.0, "no source")
            )
        return scores
