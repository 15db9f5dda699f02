"""json_agreement: field-by-field self-consistency of JSON answers (real model-like outputs)."""

from __future__ import annotations

import pytest

from rewards.builtin.json_agreement import JsonAgreement
from rewards.context import build_context

PROMPT = (
    "Dan is 20 years old and lives in Lima. Return only a JSON object with the keys "
    '"name" (string), "age" (integer) and "city" (string) for this person.'
)


def _score(*texts: str) -> list[float | None]:
    context = build_context(PROMPT)
    return [
        s.value for s in JsonAgreement()(completions=list(texts), context=context, candidates=[])
    ]


def test_the_values_most_answers_give_score_highest() -> None:
    texts = [
        '{"name": "Dan", "age": 20, "city": "Lima"}',
        '```json\n{\n  "name": "Dan",\n  "age": 20,\n  "city": "Lima"\n}\n```',
        'Sure! {"name": "Dan", "age": 25, "city": "Limba"}',
        '{"city": "Lima", "name": "Dan", "age": 20}',
    ]
    scores = _score(*texts)
    assert scores[0] == scores[1] == scores[3] == pytest.approx((1 + 0.75 + 0.75) / 3)
    assert scores[2] == pytest.approx((1 + 0.25 + 0.25) / 3)


def test_evidence_names_each_field_and_its_votes() -> None:
    context = build_context(PROMPT)
    texts = ['{"name": "Dan", "age": 20}', '{"name": "Dan", "age": 21}', '{"name": "Dan"}']
    scores = JsonAgreement()(completions=texts, context=context, candidates=[])
    assert scores[0].evidence == 'age=20 1/3; name="Dan" 3/3'
    assert scores[2].evidence == 'age: missing; name="Dan" 3/3'


def test_answers_without_an_object_do_not_apply() -> None:
    assert _score('{"name": "Dan"}', "I cannot do that.", "[1, 2]") == [None, None, None]
    assert _score("no JSON", "still none") == [None, None]


def test_rare_keys_do_not_count_and_types_differ() -> None:
    texts = ['{"age": 20, "extra": 1}', '{"age": "20"}', '{"age": 20}']
    scores = _score(*texts)
    # "extra" is in one of three answers: not a consensus key. 20 and "20" are different values.
    assert scores == [pytest.approx(2 / 3), pytest.approx(1 / 3), pytest.approx(2 / 3)]
