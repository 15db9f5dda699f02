"""Final-answer extraction and math-verify equivalence."""

import pytest

from rewards.builtin.math_answers import (
    equivalent,
    extract_answer,
    parse_answer,
    too_costly,
)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("So the result is \\boxed{\\frac{1}{2}}.", "\\frac{1}{2}"),
        ("\\boxed{\\frac{a}{\\sqrt{b}}} is it", "\\frac{a}{\\sqrt{b}}"),
        ("first \\boxed{3}, corrected: \\boxed{4}", "4"),
        ("The answer is 42.", "42"),
        ("The answer is 0.5, so half of them.", "0.5"),
        ("the final answer is: 1,000.", "1,000"),
        ("Answer: $\\frac{3}{4}$", "\\frac{3}{4}"),
        ("<answer>17</answer>", "17"),
        ("<answer>so \\boxed{9}</answer>", "9"),
        ("There are 3 red and 4 blue, 7 in all", "7"),
        ("<think>maybe \\boxed{5}</think>Final: \\boxed{6}", "6"),
    ],
)
def test_extract_answer(text: str, answer: str) -> None:
    assert extract_answer(text) == answer


@pytest.mark.parametrize(
    "text",
    [
        "I am not sure.",
        "<think>12 * 7 is 84 but let me",  # reasoning cut off: its numbers are not an answer
        "",
    ],
)
def test_no_answer(text: str) -> None:
    assert extract_answer(text) is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1/2", "0.5"),
        ("\\frac{1}{2}", "0.5"),
        ("42", "42.0"),
        ("1,000", "1000"),
        ("x^2+1", "1+x^2"),
    ],
)
def test_equivalent_answers(a: str, b: str) -> None:
    assert equivalent(parse_answer(a), parse_answer(b))
    assert equivalent(parse_answer(b), parse_answer(a))


@pytest.mark.parametrize(("a", "b"), [("1/2", "0.25"), ("42", "43"), ("x^2", "x^3")])
def test_different_answers(a: str, b: str) -> None:
    assert not equivalent(parse_answer(a), parse_answer(b))


@pytest.mark.parametrize("answer", ["10^{10^{10}}", "9^{9^{9^{9}}}", "(10^{100})!", "x^{10^{10}}"])
def test_astronomical_answers_are_compared_as_text_not_evaluated(answer: str) -> None:
    # Without math-verify's signal timeout, verify() on these never returns.
    parsed = parse_answer(answer)
    assert not parsed.verifiable
    assert any(too_costly(p) for p in parsed.parsed)
    assert not equivalent(parsed, parse_answer("5"))
    assert equivalent(parsed, parse_answer(answer))


@pytest.mark.parametrize("answer", ["2^{1000}", "1000!", "\\frac{1}{3}"])
def test_large_but_feasible_answers_stay_verifiable(answer: str) -> None:
    assert parse_answer(answer).verifiable


def test_overlong_answer_is_not_parsed() -> None:
    parsed = parse_answer("1+" * 150 + "1")
    assert parsed.parsed == ()
    assert not parsed.verifiable


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("To add 7 + 5, you simply add them together.", "5"),  # seen on the real model
        ("x is 3, y is 4,", "4"),
        ("It costs 1,000 dollars", "1,000"),
        ("between 12,5 and 7", "7"),
    ],
)
def test_last_number_stops_at_a_trailing_comma(text: str, answer: str) -> None:
    assert extract_answer(text) == answer
