"""Tests for code_exec: code and test extraction, and scoring through the real sandbox."""

from __future__ import annotations

import pytest

from rewards.builtin.code_exec import CodeExec, extract_code, extract_tests
from rewards.sandbox import Step
from rewards.types import RewardContext

PRIME_PROMPT = '''Write a Python function `is_prime(n)` that returns True when n is prime.

```python
def is_prime(n: int) -> bool:
    """
    >>> is_prime(2)
    True
    >>> is_prime(9)
    False
    >>> is_prime(1)
    False
    """
```
'''

GOOD_PRIME = """Here is a solution:

```python
def is_prime(n: int) -> bool:
    if n < 2:
        return False
    for d in range(2, int(n ** 0.5) + 1):
        if n % d == 0:
            return False
    return True
```

It checks divisors up to the square root."""

SLOPPY_PRIME = """```python
def is_prime(n):
    return n % 2 == 1 or n == 2
```"""


def score(prompt: str, texts: list[str]) -> list[tuple[float | None, str]]:
    reward = CodeExec(timeout_s=30.0, budget_s=60.0)  # roomy: test machines may be loaded
    ctx = RewardContext(prompt=prompt, task="code")
    return [(s.value, s.evidence) for s in reward(completions=texts, context=ctx, candidates=[])]


# --- extract_code ---------------------------------------------------------------------------


def test_code_from_fences_skips_prose_and_repl_blocks() -> None:
    text = "Use this:\n```py\nx = 1\n```\nExample:\n```\n>>> x\n1\n```\n```python\ny = x + 1\n```"
    found = extract_code(text)
    assert found is not None
    assert found.code == "x = 1\n\ny = x + 1"
    assert (found.blocks, found.compiled, found.where) == (2, 2, "fenced")


def test_code_after_reasoning_only() -> None:
    text = (
        "<think>maybe ```python\ndef f(: pass\n``` no</think>\n"
        "```python\ndef f():\n    return 1\n```"
    )
    found = extract_code(text)
    assert found is not None and found.syntax_error is None and found.compiled == 1


def test_unfenced_function_between_prose() -> None:
    text = "Sure! Here's the function:\n\ndef double(x):\n    return 2 * x\n\nThis doubles x."
    found = extract_code(text)
    assert found is not None
    assert found.code == "def double(x):\n    return 2 * x"
    assert found.where == "lines 3-5"


def test_whole_answer_as_code() -> None:
    found = extract_code("import math\nprint(math.pi)")
    assert found is not None and found.where == "whole answer"


@pytest.mark.parametrize("text", ["Paris is the capital of France.", "hello", "42", ""])
def test_prose_is_not_code(text: str) -> None:
    assert extract_code(text) is None


def test_syntax_error_in_fence() -> None:
    found = extract_code("```python\ndef f(x)\n    return x\n```")
    assert found is not None
    assert found.code == "" and found.compiled == 0
    assert found.syntax_error is not None and found.syntax_error.startswith("line 1")


def test_other_language_only() -> None:
    found = extract_code("```javascript\nconst f = (x) => x * 2;\n```")
    assert found is not None and found.blocks == 0 and found.other_languages == ("javascript",)


# --- extract_tests --------------------------------------------------------------------------


def test_asserts_in_text_with_bullets_and_continuations() -> None:
    prompt = (
        "Write fizz(n).\n- assert fizz(3) == 'Fizz'\n2) assert fizz(5) == 'Buzz'\n"
        "assert fizz(15) == (\n    'FizzBuzz')\n"
    )
    steps = extract_tests(prompt)
    assert [s.kind for s in steps] == ["assert"] * 3
    assert steps[2].source == "assert fizz(15) == (\n    'FizzBuzz')"


def test_doctests_in_a_stub_docstring() -> None:
    steps = extract_tests(PRIME_PROMPT)
    assert [(s.kind, s.source, s.want) for s in steps] == [
        ("doctest", "is_prime(2)", "True\n"),
        ("doctest", "is_prime(9)", "False\n"),
        ("doctest", "is_prime(1)", "False\n"),
    ]


def test_test_functions_and_testcases_in_a_fence() -> None:
    prompt = """Implement `slugify(text)`. It must pass:

```python
import unittest
from solution import slugify

CASES = [("Hello World", "hello-world")]

def test_cases():
    for text, want in CASES:
        assert slugify(text) == want

def test_needs_fixture(tmp_path):
    pass

class TestSlug(unittest.TestCase):
    def test_strip(self):
        self.assertEqual(slugify("  a  "), "a")
```"""
    steps = extract_tests(prompt)
    assert [(s.kind, s.name) for s in steps] == [
        ("setup", ""),
        ("setup", ""),
        ("setup", ""),
        ("function", "test_cases()"),
        ("testcase", "TestSlug.test_strip"),
    ]


def test_loop_of_asserts_is_one_test() -> None:
    prompt = "```python\nfor n, want in [(1, 1), (2, 2)]:\n    assert ident(n) == want\n```"
    steps = extract_tests(prompt)
    assert len(steps) == 1 and steps[0].kind == "assert"


def test_no_tests_in_a_plain_request() -> None:
    assert extract_tests("Write a function that reverses a string in Python.") == []


def test_stub_function_is_not_a_test_nor_setup() -> None:
    prompt = "```python\ndef rev(s):\n    ...\n\nassert rev('ab') == 'ba'\n```"
    steps = extract_tests(prompt)
    assert [(s.kind, s.source) for s in steps] == [("assert", "assert rev('ab') == 'ba'")]


# --- the reward -----------------------------------------------------------------------------


def test_doctests_separate_good_from_sloppy() -> None:
    (good, good_ev), (sloppy, sloppy_ev) = score(PRIME_PROMPT, [GOOD_PRIME, SLOPPY_PRIME])
    assert good == 1.0 and good_ev == "3/3 tests passed"
    assert sloppy == pytest.approx(1 / 3)  # 9 and 1 are odd, not prime
    assert "first failure: >>> is_prime(9): expected False, got True" in sloppy_ev


def test_partial_credit_is_the_share_of_asserts() -> None:
    prompt = (
        "Write `fizzbuzz(n)` returning 'Fizz', 'Buzz', 'FizzBuzz' or str(n).\n"
        "assert fizzbuzz(3) == 'Fizz'\nassert fizzbuzz(5) == 'Buzz'\n"
        "assert fizzbuzz(15) == 'FizzBuzz'\nassert fizzbuzz(7) == '7'\n"
    )
    right = (
        "```python\ndef fizzbuzz(n):\n    if n % 15 == 0:\n        return 'FizzBuzz'\n"
        "    if n % 3 == 0:\n        return 'Fizz'\n    if n % 5 == 0:\n        return 'Buzz'\n"
        "    return str(n)\n```"
    )
    wrong_order = (
        "```python\ndef fizzbuzz(n):\n    if n % 3 == 0:\n        return 'Fizz'\n"
        "    if n % 5 == 0:\n        return 'Buzz'\n    if n % 15 == 0:\n"
        "        return 'FizzBuzz'\n    return str(n)\n```"
    )
    results = score(
        prompt, [right, wrong_order, "I cannot write code.", "```python\ndef fizzbuzz(n)\n```"]
    )
    assert [v for v, _ in results] == [1.0, 0.75, 0.0, 0.0]
    assert (
        "first failure: assert fizzbuzz(15) == 'FizzBuzz': AssertionError: got 'Fizz'"
        in results[1][1]
    )
    assert results[2][1] == "no Python code in the answer; 0/4 tests run"
    assert results[3][1].startswith("syntax error (line 1")


def test_infinite_loop_is_cut_off() -> None:
    prompt = "Write halve(n).\nassert halve(4) == 2"
    looping = "```python\ndef halve(n):\n    while True:\n        pass\n```"
    [(value, evidence)] = score(prompt, [looping])
    assert value == 0.0
    assert "not reached" in evidence


def test_syntax_only_without_tests() -> None:
    prompt = "Write a Python function that reverses a string."
    texts = [
        "```python\ndef rev(s):\n    return s[::-1]\n```",
        "```python\ndef rev(s)\n    return s[::-1]\n```",
        "Just use slicing, s[::-1] reverses it.",
        "```js\nconst rev = s => [...s].reverse().join('');\n```",
    ]
    results = score(prompt, texts)
    assert [v for v, _ in results] == [1.0, 0.0, None, None]
    assert results[0][1] == "syntax only (no tests in prompt): fenced code compiles"
    assert results[3][1] == "js code: only Python is checked"


def test_tests_from_references_win() -> None:
    reward = CodeExec(timeout_s=30.0)
    ctx = RewardContext(
        prompt="Write inc(x).",
        task="code",
        references={"tests": [Step("assert", "assert inc(1) == 2", "assert inc(1) == 2")]},
    )
    texts = ["```python\ndef inc(x):\n    return x + 1\n```"]
    [result] = reward(completions=texts, context=ctx, candidates=[])
    assert result.value == 1.0 and result.evidence == "1/1 tests passed"
