"""json_agreement: field-by-field self-consistency of JSON answers (real model-like outputs)."""

from __future__ import annotations

import pytest

from rewards.builtin.json_agreement import JsonAgreement
from rewards.context import build_context
from rewards.group import GroupRecord
from rewards.types import Candidate, Score

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


# Review 5 #1: a vetoed candidate neither votes nor names a key in a kept one's evidence.
LEAK_KEY = "jane.doe@acme.com"
VETOED_GROUP = [
    '{"' + LEAK_KEY + '": 1, "a": 1}',
    '{"' + LEAK_KEY + '": 1, "a": 1}',
    '{"a": 1}',
    '{"a": 2}',
]


def _vetoed_scores(via_record: bool) -> list[Score]:
    context = build_context(PROMPT)
    vetoed = [True, True, False, False]
    if via_record:
        candidates = [Candidate(i, t) for i, t in enumerate(VETOED_GROUP)]
        record = GroupRecord(context, candidates, vetoed)
        kwargs: dict[str, object] = {"group": record, "vetoed": vetoed}
    else:
        kwargs = {"vetoed": vetoed}
    return JsonAgreement()(completions=VETOED_GROUP, context=context, candidates=[], **kwargs)


@pytest.mark.parametrize("via_record", [True, False])
def test_a_vetoed_candidates_key_never_reaches_a_kept_ones_evidence(via_record: bool) -> None:
    scores = _vetoed_scores(via_record)
    for score in scores:
        assert LEAK_KEY not in score.evidence
    assert scores[0].value is None and scores[1].value is None


@pytest.mark.parametrize("via_record", [True, False])
def test_vetoed_candidates_do_not_change_the_kept_ones_scores(via_record: bool) -> None:
    kept_only = JsonAgreement()(
        completions=VETOED_GROUP[2:], context=build_context(PROMPT), candidates=[]
    )
    scores = _vetoed_scores(via_record)
    assert [s.value for s in scores[2:]] == [s.value for s in kept_only] == [0.5, 0.5]
    assert [s.evidence for s in scores[2:]] == [s.evidence for s in kept_only]


def test_one_kept_json_object_has_nothing_to_agree_with() -> None:
    texts = ['{"a": 1}', '{"a": 1}', '{"a": 2}']
    scores = JsonAgreement()(
        completions=texts, context=build_context(PROMPT), candidates=[], vetoed=[True, True, False]
    )
    assert scores[2].value is None and "only one JSON object" in scores[2].evidence
