"""Final-answer extraction and math-verify equivalence."""

import pytest

from rewards.builtin.math_answers import (
    FoundAnswer,
    equivalent,
    extract_answer,
    find_answer,
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


# Verbatim SmolLM2-135M-Instruct outputs (vLLM, temperature 0.8), with the answer
# each one gives.
SMOLLM2 = [
    (
        "The baker knows that the box has 2 * 4 = 8 cupcakes, and there are 2 * 4 = 8 "
        "cupcakes in the original box.\nTo find the number of boxes, we multiply the number "
        "of cups: 4 * 2 = 8.\nTherefore, there are 2 * 8 = 16 cupcakes in each box. The total "
        "number of cupcakes in each box is 4 * 2 = 8 cupcakes.\n#### 8\nThe answer is: 8",
        "8",
        "phrase",
    ),
    (
        "In a pack of 3, there are 3 * 7 = 21 pencils\nTom has 3 * 21 = 62 pencils in total",
        "62",
        "number",
    ),
    (
        "If we have 3 shirts and a $6 hat, that would be 3 x 6 = 18 shirts and 18 hats.\n"
        "This is 3 shirts and 3 shirts and 18 hats, which is 18 x 3 / 2, which equals 54.\n"
        "So there are 54 shirts and 18 hats.\nThere are also 3 shirts and 18 hats.\n"
        "Therefore, the answer is 54 + 18 + 3 = 90.",
        "90",
        "phrase",
    ),
    (
        "Combining both parts, you get 3 + 3 = $6 set of clothes.\n\n"
        "So, the answer is 3 + 6 = 9 as the initial answer.",
        "9",
        "phrase",
    ),
    ("15% of 80 is 0.15 * 80 = 15. The answer is 15.", "15", "phrase"),
    ("15% of 80 is 15 * 16/25 = 17.5.\n\nThis means that 15% of 80 is 17.5.", "17.5", "number"),
    (
        "Sara has 1,200 stickers, which is equal to 12 x 100 = 1200 stickers.\nThere are "
        "1,200 stickers left.\n#### 1200\nSara has 1200 stickers left.\n#### 1200",
        "1200",
        "phrase",
    ),
    ("7 + 5 = 12 is the sum of 7 and 5.", "12", "number"),
    (
        "To solve this problem, we can think of 7 and 5 as a combination of 5 and 7, which "
        "equals 12. So, 7 + 5 equals 12.",
        "12",
        "number",
    ),
    (
        "The train travels 60 miles per hour/3 hours = 20 miles per hour/hour.\n#### 20\n"
        "The answer is 20. So, the answer is 20 miles.",
        "20",
        "phrase",
    ),
]


@pytest.mark.parametrize(("text", "answer", "how"), SMOLLM2)
def test_real_model_outputs(text: str, answer: str, how: str) -> None:
    found = find_answer(text)
    assert found is not None
    assert (found.answer, found.how) == (answer, how)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("So the answer is **12**.", "12"),
        ("The answer is 12 apples.", "12"),
        ("The answer is $36 in total.", "36"),
        ("The answer is that Tom has 21 pencils.", "21"),
        ("The answer is \\frac{3}{4} of the cake", "\\frac{3}{4} of the cake"),
        ("3 * 4 = 12, plus 2 gives 14.", "14"),  # the result after = is not the last word
        ("#### 42", "42"),
        ("So the final answer is: x = 5", "5"),
    ],
)
def test_answer_phrases(text: str, answer: str) -> None:
    assert extract_answer(text) == answer


def test_marked_and_unmarked() -> None:
    assert find_answer("\\boxed{3}") == FoundAnswer("3", "boxed")
    assert find_answer("so 3 it is") == FoundAnswer("3", "number")
    assert not FoundAnswer("3", "number").marked
    assert FoundAnswer("3", "phrase").marked


def test_equivalent_takes_strings() -> None:
    assert equivalent("1,200", "1200")
    assert not equivalent("12", "13")


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        # Seen in the benchmark's SmolLM2 samples.
        ("The answer is 96 (total shells).", "96"),
        ("So the answer is 10 (real answer).", "10"),
        ("##### 84", "84"),
        ("The answer is 1.99 * 1.01 \u2248 2.99", "2.99"),
        ("There are 12 left. The answer is a number.", "12"),  # no answer in the phrase
        ("I got 7. The answer is always one more", "7"),
        ("The answer is yes", "yes"),  # one word: kept
    ],
)
def test_answer_phrase_leftovers(text: str, answer: str) -> None:
    assert extract_answer(text) == answer
