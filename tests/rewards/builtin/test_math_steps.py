"""math_steps: arithmetic claims in the reasoning, checked without eval."""

import time

import pytest

from rewards.builtin.math_steps import MathSteps, check_steps
from rewards.types import RewardContext


@pytest.mark.parametrize(
    "text",
    [
        "48 / 2 = 24",
        "3 x 7 = 21",
        "3 X 7 = 21",
        "3x7=21",
        "3 \u00d7 7 = 21",  # multiplication sign
        "3 \u00b7 7 = 21",  # middle dot
        "48 \u00f7 2 = 24",  # division sign
        "5 \u2212 8 = \u22123",  # minus signs
        "12 * 3 + 6 = 42",
        "(3 + 4) x 2 = 14",
        "15% of 80 = 12",
        "80 * 15% = 12",
        "20% = 0.2",
        "1,200 - 350 = 850",
        "$12 * 3 = $36",
        "$1,200 - $350 = $850",
        "12 apples + 3 apples = 15 apples",
        "5kg * 2 = 10kg",
        "48 divided by 2 is 24",
        "3 times 7 equals 21",
        "6 multiplied by 7 is 42",
        "10 plus 5 minus 3 = 12",
        "\\frac{48}{2} = 24",
        "$3 \\times 7 = 21$",
        "\\(48 \\div 2 = 24\\)",
        "2^{10} = 1024",
        "2^10 = 1024",
        "-3 + 5 = 2",
        "0.1 + 0.2 = 0.3",
        "So 3 * 4 = **12**.",
        "* 3 + 4 = 7",
        "y = 3 * 4 = 12",
        "The total is 3 + 4 = 7 apples.",
    ],
)
def test_true_claims_hold(text: str) -> None:
    report = check_steps(text)
    assert len(report.claims) == 1, report
    assert report.share == 1.0, report.describe()


@pytest.mark.parametrize(
    ("text", "shown", "value"),
    [
        ("48 / 2 = 25", "48 / 2 = 25", "24"),
        ("3 x 7 = 24", "3 x 7 = 24", "21"),
        ("3 \\times 7 = 22", "3 * 7 = 22", "21"),
        ("15% of 80 = 15", "15% of 80 = 15", "12"),
        ("1,200 - 350 = 950", "1,200 - 350 = 950", "850"),
        ("7 / 2 = 3", "7 / 2 = 3", "3.5"),
        ("10 / 3 = 3.5", "10 / 3 = 3.5", "3.33333"),
        ("1. 3 + 4 = 8", "3 + 4 = 8", "7"),  # the list number is not part of it
    ],
)
def test_false_claim_is_the_evidence(text: str, shown: str, value: str) -> None:
    report = check_steps(text)
    assert report.share == 0.0
    assert report.describe() == (
        f"0/1 arithmetic claims hold; first false: {shown} (left side is {value})"
    )


@pytest.mark.parametrize(
    "text",
    [
        "10 / 3 = 3.33",  # rounded
        "10 / 3 = 3.3",
        "2 / 3 = 0.67",
        "2 / 3 = 0.66",  # cut off at the last digit
        "10 / 3 \u2248 3",  # approximately
        "100 / 7 \u2248 14.3",
        "22 / 7 \\approx 3.14",
        "3.33 = 10 / 3",  # the rounded side on the left
        "-7 / 3 = -2.33",
    ],
)
def test_rounding_within_the_written_precision(text: str) -> None:
    assert check_steps(text).share == 1.0


@pytest.mark.parametrize(
    "text", ["2 / 3 = 0.5", "22 / 7 = 3.2", "10 / 3 = 3.4", "10 / 3 \u2248 4", "3.4 = 10 / 3"]
)
def test_rounding_beyond_the_written_precision_fails(text: str) -> None:
    assert check_steps(text).share == 0.0


def test_chained_running_total_is_one_claim_per_equals_sign() -> None:
    report = check_steps("2 + 3 = 5 + 4 = 9")
    assert [c.holds for c in report.claims] == [True, True]
    report = check_steps("2 + 3 = 6 + 4 = 10")
    assert [c.holds for c in report.claims] == [False, True]
    assert report.describe().endswith("first false: 2 + 3 = 6 + 4 (left side is 5)")
    report = check_steps("12 * 3 = 36 = 6 * 6")
    assert [c.holds for c in report.claims] == [True, True]


@pytest.mark.parametrize(
    "text",
    [
        "x + 2 = 5",  # algebra, not arithmetic
        "x - 2 = 5",
        "5 = 2x",
        "2x + 3 = 7",
        "3 hours = 180 minutes",  # a conversion, nothing computed
        "x = 5",
        "The answer is 24.",
        "5 / 0 = 0",  # undefined: not judged
        "2^100000 = 5",  # bounded powers
        "10^{10^{10}} = 3",
        "2^(1/2) = 1.41",
        "No numbers here.",
    ],
)
def test_not_claims(text: str) -> None:
    assert check_steps(text).claims == ()
    assert check_steps(text).share is None


def test_astronomical_expressions_return_at_once() -> None:
    start = time.monotonic()
    check_steps("9^9^9^9 = 1 and " + "(" * 500 + "1" + ")" * 500 + " + 1 = 2 " * 2000)
    # Milliseconds when bounded; evaluating 9^9^9^9 would never return. The bound is
    # generous so that a loaded machine cannot fail it.
    assert time.monotonic() - start < 60.0


def test_no_eval_of_code() -> None:
    # Python syntax outside the whitelist is never run.
    assert check_steps("__import__('os').system('true') = 0 and (lambda: 1)() = 1").claims == ()


def test_reward_scores_the_share_and_none_without_claims() -> None:
    texts = [
        "3 x 7 = 21, then 21 + 6 = 27 and 27 / 3 = 9",
        "3 x 7 = 21, then 21 + 6 = 28 and 28 / 3 = 9",
        "I think it is 9.",
    ]
    ctx = RewardContext(prompt="What is (3 * 7 + 6) / 3?", task="math")
    scores = MathSteps()(completions=texts, context=ctx, candidates=[])
    assert [s.value for s in scores] == [1.0, 1 / 3, None]
    assert scores[0].evidence == "3/3 arithmetic claims hold"
    assert scores[1].evidence == (
        "1/3 arithmetic claims hold; first false: 21 + 6 = 28 (left side is 27)"
    )
    assert scores[2].evidence == "no arithmetic claims"


# Verbatim SmolLM2-135M-Instruct outputs (vLLM, temperature 0.8) and what the
# checker makes of them.
@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        (
            "If a box contains 2 * 48 = 104 cupcakes, and each cupcake is one box long, then "
            "that means each box contains 1 cup of cupcakes.",
            "0/1 arithmetic claims hold; first false: 2 * 48 = 104 (left side is 96)",
        ),
        (
            "In a pack of 3, there are 3 * 7 = 21 pencils\nTom has 3 * 21 = 62 pencils in total",
            "1/2 arithmetic claims hold; first false: 3 * 21 = 62 (left side is 63)",
        ),
        (
            "To find the total cost of 3 shirts and a $6 hat, we need to multiply the price of "
            "the shirt by the price of the hat (to avoid double-counting $6). \n\n3 x $12 = $36\n"
            "The total cost is $36 + $6 = $62\n#### 62\nThe answer is: 62",
            "1/2 arithmetic claims hold; first false: $36 + $6 = $62 (left side is 42)",
        ),
        (
            "15% of 80 is (15/100)*80 = 0.8 * 80 = 60.",
            "1/3 arithmetic claims hold; first false: (15 / 100) * 80 = 0.8 * 80 (left side is 12)",
        ),
        (
            "Sara has 1,200 stickers and gives away 350 stickers, so she has a total of "
            "350 - 1,200 = 200 stickers left.",
            "0/1 arithmetic claims hold; first false: 350 - 1,200 = 200 (left side is -850)",
        ),
        (
            "1. Remove the zero to the power of 0: 2 + 3 + 4 = 12 = 22 = 2*40 = 120\n\n"
            "2. Add the two numbers: 2 + 3 + 4 = 8\n\n3. Now subtract 3 from the result: "
            "8 - 3 = 5\n\n4. Finally add 1 to the result: 5 + 1 = 6",
            "2/6 arithmetic claims hold; first false: 2 + 3 + 4 = 12 (left side is 9)",
        ),
        (
            "A train travels 3 hours, so it travels 3 x 60 = 180 miles.",
            "1/1 arithmetic claims hold",
        ),
        (
            "The train travels 60 miles per hour/3 hours = 20 miles per hour/hour.\n#### 20\n"
            "The answer is 20. So, the answer is 20 miles.",
            "no arithmetic claims",  # "hour/3": a rate, not a claim about 3
        ),
    ],
)
def test_real_smollm2_outputs(text: str, evidence: str) -> None:
    assert check_steps(text).describe() == evidence


# The steps fact travels to and from the budget workers: its pickled form is small
# (each value once, as ints) and rebuilds the same exact values, so every reader
# (math_reasoning's set lookups, agreement's counts) decides as before.
_PICKLED_TEXT = (
    "12 + 7 = 19, 19 * 3 = 57, 57 / 2 = 28.5, 10 / 3 = 3.33, 2 / 3 = 0.67, "
    "15% of 80 = 12 and 3 * 7 = 24."
)


def test_step_report_pickles_to_the_same_exact_values() -> None:
    import pickle
    from fractions import Fraction

    report = check_steps(_PICKLED_TEXT)
    back = pickle.loads(pickle.dumps(report, protocol=5))
    assert back == report
    assert back.describe() == report.describe()
    values = [v for c in back.claims for v in (c.value, *c.operands, c.result) if v is not None]
    assert values and all(type(v) is Fraction for v in values)
    assert Fraction(10, 3) in values  # not a float: 10/3 stays exact


def test_step_report_pickles_smaller_than_fractions_do() -> None:
    import pickle

    from rewards.builtin.math_steps import Claim, StepReport

    reports = tuple(check_steps(_PICKLED_TEXT) for _ in range(8))
    small = len(pickle.dumps(reports, protocol=5))
    # The default form (dataclass fields, each Fraction as its string), for comparison.
    table = {
        Claim: lambda c: (Claim, (c.text, c.value, c.holds, c.operands, c.operators, c.result)),
        StepReport: lambda r: (StepReport, (r.claims,)),
    }
    default = len(_dump_with(reports, table))
    assert small < default * 0.7


def _dump_with(obj: object, table: dict[type, object]) -> bytes:
    import io
    import pickle

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.dispatch_table = table  # type: ignore[assignment]
    pickler.dump(obj)
    return buffer.getvalue()


def test_a_claim_alone_pickles_to_itself() -> None:
    import pickle

    claim = check_steps("10 / 3 = 3.33").claims[0]
    assert pickle.loads(pickle.dumps(claim)) == claim


def test_reasoning_reads_the_same_from_pickled_steps() -> None:
    import pickle

    from rewards.builtin.math_reasoning import check_reasoning

    question = "Ivo has 12 stickers and buys 7 more, then triples them. How many?"
    report = check_steps(_PICKLED_TEXT)
    back = pickle.loads(pickle.dumps(report))
    direct = check_reasoning(question, _PICKLED_TEXT, claims=report.claims)
    via = check_reasoning(question, _PICKLED_TEXT, claims=back.claims)
    assert direct is not None and via is not None
    assert via.describe() == direct.describe() and via.share == direct.share
