"""``json_agreement``: self-consistency for structured output, field by field.

``json_valid`` says whether a document parses and fits the schema; it cannot say
whether the *values* are right. When several candidates fill the same fields, the
values most of them agree on are the likelier ones (the JSON counterpart of
agreement on a math answer). Per-field agreement, rather than whole-document
equality, keeps one odd field from discarding an otherwise consistent answer.

For the candidates whose answer holds a JSON object (the group record's ``json``
fact, which ``json_valid`` reads too), the *consensus keys* are the top-level keys
at least half of them have. A candidate's score is the mean, over the consensus
keys, of the share of the parsed candidates that give the same value for that key
as it does (0 for a key it lacks). Values are compared as canonical JSON (key order
and spacing do not matter; ``20`` and ``"20"`` differ). Range 0..1; ``None`` when
the candidate has no JSON object, or fewer than two candidates have one (nothing to
agree with). Candidates a gate vetoed (the record's ``vetoed``, or the keyword
``vetoed`` offline) are left out: they neither vote nor make a key a consensus key,
and score ``None``.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, ClassVar

from rewards.builtin._record import record_for
from rewards.builtin.json_valid import JsonFact
from rewards.types import Candidate, RewardContext, Score


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# A vetoed candidate neither votes nor is scored: the group's facts are the kept
# candidates' only, so no key or value of its text reaches another candidate's evidence.
_VETOED = Score(None, "vetoed: not compared")


def _short(value: str, limit: int = 24) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


class JsonAgreement:
    """Share of each field's value the group agrees on, averaged over the common fields.

    Example:
        >>> reward = JsonAgreement()
        >>> texts = ['{"name": "Dan", "age": 20}', '{"age": 20, "name": "Dan"}',
        ...          '{"name": "Dan", "age": 25}', 'no JSON here']
        >>> [round(s.value, 3) if s.value is not None else None
        ...  for s in reward(completions=texts, context=None, candidates=[])]
        [0.833, 0.833, 0.667, None]
    """

    name = "json_agreement"
    reads: ClassVar[tuple[str, ...]] = ("json",)

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext | None,
        candidates: list[Candidate],
        **kwargs: Any,
    ) -> list[Score]:
        """Scores a group (see the module docstring).

        Args:
            completions: the candidates' texts.
            context: the request context (unused: the group is the reference).
            candidates: the candidates (unused).
            **kwargs: ``group`` (the round's record, whose ``json`` fact and veto are
                read) and ``vetoed`` (used when it builds its own record); the rest is
                ignored, for forward compatibility.
        """
        group = record_for(kwargs, context or RewardContext(""), completions, candidates)
        fact: JsonFact = group.fact("json")
        vetoed = group.vetoed
        objects: dict[int, dict[str, str]] = {}
        for i in group.kept:
            item = fact.items[i]
            # Nested past MAX_JSON_DEPTH (item.error): not an answer to compare.
            if item.found and isinstance(item.value, dict):
                objects[i] = {str(k): _canonical(v) for k, v in item.value.items()}
        if len(objects) < 2:
            why = "no JSON object" if len(objects) == 0 else "only one JSON object in the group"
            return [
                _VETOED
                if vetoed[i]
                else Score(None, f"{why}: nothing to agree with")
                if i in objects
                else Score(None, "no JSON object")
                for i in range(len(completions))
            ]
        parsed = len(objects)
        key_counts = Counter(k for obj in objects.values() for k in obj)
        consensus = sorted(k for k, c in key_counts.items() if 2 * c >= parsed)
        votes = {k: Counter(obj[k] for obj in objects.values() if k in obj) for k in consensus}
        scores: list[Score] = []
        for i in range(len(completions)):
            obj = objects.get(i)
            if vetoed[i]:
                scores.append(_VETOED)
                continue
            if obj is None:
                scores.append(Score(None, "no JSON object"))
                continue
            if not consensus:
                scores.append(Score(None, "no field common to half the JSON answers"))
                continue
            shares, notes = [], []
            for k in consensus:
                if k not in obj:
                    shares.append(0.0)
                    notes.append(f"{k}: missing")
                    continue
                agree = votes[k][obj[k]]
                shares.append(agree / parsed)
                notes.append(f"{k}={_short(obj[k])} {agree}/{parsed}")
            value = sum(shares) / len(shares)
            scores.append(Score(value, "; ".join(notes)[:300]))
        return scores
