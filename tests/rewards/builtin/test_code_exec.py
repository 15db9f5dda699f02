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
        ("function", "test_cases"),  # the name the sandbox calls
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
    assert good == 1.0 and good_ev.startswith("3/3 tests passed; sandbox ")
    assert sloppy == pytest.approx(1 / 3)  # 9 and 1 are odd, not prime
    # The run's output ("got True") is never shown: only that it differs.
    assert "first failure: >>> is_prime(9): wrong output" in sloppy_ev


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
    assert "first failure: assert fizzbuzz(15) == 'FizzBuzz': AssertionError;" in results[1][1]
    assert results[2][1] == "no Python code in the answer; 0/4 tests run"
    assert results[3][1].startswith("syntax error (line 1")


def test_infinite_loop_is_cut_off() -> None:
    prompt = "Write halve(n).\nassert halve(4) == 2"
    looping = "```python\ndef halve(n):\n    while True:\n        pass\n```"
    [(value, evidence)] = score(prompt, [looping])
    assert value == 0.0
    assert "not reached: " in evidence
    assert "CPU budget exhausted" in evidence or "wall-clock timeout" in evidence


def test_a_test_function_from_the_prompt_runs() -> None:
    prompt = "Write inc(x).\n```python\ndef test_inc():\n    assert inc(1) == 2\n```"
    [(value, evidence)] = score(prompt, ["def inc(x):\n    return x + 1"])
    assert value == 1.0, evidence


def test_a_sleeping_test_ends_at_the_run_limit() -> None:
    prompt = "Write inc(x).\n```python\nimport time\ndef test_slow():\n    time.sleep(30)\n```"
    reward = CodeExec(timeout_s=2.0, budget_s=30.0)
    ctx = RewardContext(prompt=prompt, task="code")
    [result] = reward(completions=["def inc(x):\n    return x + 1"], context=ctx, candidates=[])
    assert result.value == 0.0
    assert "not reached: wall-clock timeout" in result.evidence


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
    assert result.value == 1.0 and result.evidence.startswith("1/1 tests passed; sandbox ")


# --- issue 10: what a run prints never reaches the evidence ----------------------------------


def test_a_test_that_reads_a_file_shows_only_its_name_and_exception_type() -> None:
    prompt = "Write inc(x).\nassert 0, open('/etc/passwd').read()[:150]"
    [(value, evidence)] = score(prompt, ["```python\ndef inc(x):\n    return x + 1\n```"])
    assert value == 0.0
    assert "root" not in evidence and "/bin" not in evidence
    # The file is missing in wasi (FileNotFoundError); elsewhere the assert fails.
    failure = evidence.split("first failure: ", 1)[1].split("; ")[0]
    name = "assert 0, open('/etc/passwd').read()[:150]"
    assert failure in (f"{name}: AssertionError", f"{name}: FileNotFoundError")


def test_a_test_that_scans_proc_shows_no_command_line() -> None:
    prompt = (
        "Write inc(x).\n\n```python\nimport glob\n"
        "def test_leak():\n"
        "    found = [open(p, 'rb').read()[:80] for p in glob.glob('/proc/*/cmdline')]\n"
        "    raise ValueError(repr(found) + 'SECRET-MARKER')\n```\n"
    )
    [(value, evidence)] = score(prompt, ["```python\ndef inc(x):\n    return x + 1\n```"])
    assert value == 0.0
    assert "SECRET-MARKER" not in evidence and "python" not in evidence.lower()
    assert "first failure: test_leak: " in evidence


def test_an_exception_type_named_by_the_run_is_not_shown() -> None:
    # A type name is free text too: type() takes any string.
    prompt = (
        "Write inc(x).\n"
        "assert inc(1) == 2 and (_ for _ in ()).throw(type('LEA' + 'KED', (Exception,), {})())"
    )
    [(value, evidence)] = score(prompt, ["```python\ndef inc(x):\n    return x + 1\n```"])
    assert value == 0.0 and "LEAKED" not in evidence
    shown = evidence.split("first failure: ", 1)[1].split("; ")[0].rsplit(": ", 1)[1]
    assert shown in ("Exception", "failed")  # its nearest built-in type, or nothing


def test_code_that_raises_while_loading_shows_only_the_exception_type() -> None:
    prompt = "Write inc(x).\nassert inc(1) == 2"
    leaky = "```python\nraise RuntimeError(open('/etc/passwd').read())\n```"
    [(value, evidence)] = score(prompt, [leaky])
    assert value == 0.0 and "root" not in evidence
    shown = evidence.split("code raised while loading: ", 1)[1].split(";")[0]
    assert shown in ("RuntimeError", "FileNotFoundError")  # no /etc/passwd in wasi


def test_a_test_name_from_the_prompt_is_bounded() -> None:
    long_assert = "assert inc(1) == 3 " + " ".join(["and True"] * 60)
    [(value, evidence)] = score(f"Write inc(x).\n{long_assert}", ["def inc(x):\n    return x + 1"])
    assert value == 0.0
    name = evidence.split("first failure: ", 1)[1].rsplit(": ", 1)[0]
    assert len(name) <= 80


# --- issue 10: extraction in linear time, once per text --------------------------------------


def test_a_long_fence_is_split_once_not_per_node(monkeypatch: pytest.MonkeyPatch) -> None:
    import ast

    import rewards.builtin.code_exec as code_exec

    calls = {"segment": 0, "unparse": 0}
    real_segment, real_unparse = ast.get_source_segment, ast.unparse

    def counting_segment(*args: object, **kwargs: object) -> str | None:
        calls["segment"] += 1
        return real_segment(*args, **kwargs)  # type: ignore[arg-type]

    def counting_unparse(*args: object, **kwargs: object) -> str:
        calls["unparse"] += 1
        return real_unparse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ast, "get_source_segment", counting_segment)
    monkeypatch.setattr(ast, "unparse", counting_unparse)
    body = "a=1\n" * 3000 + "assert f(a) == 2\n"  # 12 KB
    prompt = f"Write f(x).\n```python\n{body}```\n"
    steps = code_exec.extract_tests(prompt)
    assert [(s.kind, s.source) for s in steps] == [
        ("setup", "a=1"),
        ("assert", "assert f(a) == 2"),
    ]
    assert calls == {"segment": 0, "unparse": 0}  # one line split per block, no re-splits


def test_segments_match_ast_get_source_segment() -> None:
    import ast

    from rewards.builtin.code_exec import _SourceLines

    src = (
        "import math\r\nx = 'é€𝄞'; assert x\nclass T(unittest.TestCase):\n"
        "    def test_a(self):\n        assert 'ü' == 'ü'\n\fy = (1,\n  2)\nassert y\r\n"
    )
    tree = ast.parse(src)
    lines = _SourceLines(src)
    for node in tree.body:
        assert lines.segment(node) == ast.get_source_segment(src, node)


# --- issue 10: deep nesting and size are marked, never raised --------------------------------


DEEP_CLASS = "class A(" + "+".join(["a"] * 600) + "): pass"


def test_a_deeply_nested_prompt_block_does_not_raise() -> None:
    prompt = f"Write f.\n```python\n{DEEP_CLASS}\nassert f() == 1\n```\n"
    steps = extract_tests(prompt)
    assert [s.source for s in steps if s.kind != "setup"] == ["assert f() == 1"]


@pytest.mark.parametrize(
    "code",
    [
        "x = " + "(" * 300 + "1" + ")" * 300,  # too many nested parentheses
        "x = " + "-" * 5000 + "1",  # the parser's own stack
        "x = " + "+".join(["a"] * 5000),  # deep for the compiler
    ],
    ids=["parens", "unary", "binop"],
)
def test_deeply_nested_candidate_code_has_no_signal(code: str) -> None:
    reward = CodeExec(timeout_s=30.0, budget_s=60.0)
    for prompt in ("Write f.", "Write f.\nassert f() == 1"):
        ctx = RewardContext(prompt=prompt, task="code")
        for text in (f"```python\n{code}\n```", f"def f():\n    return 1\n{code}\n"):
            [result] = reward(completions=[text], context=ctx, candidates=[])
            assert result.value is None, (prompt, result)
            assert "code too deeply nested" in result.evidence


def test_code_over_the_size_limit_has_no_signal() -> None:
    reward = CodeExec(timeout_s=30.0, budget_s=60.0, max_code_chars=1000)
    ctx = RewardContext(prompt="Write f.\nassert f() == 1", task="code")
    big = "```python\ndef f():\n    return 1\n" + "x = 1\n" * 400 + "```"
    [result] = reward(completions=[big], context=ctx, candidates=[])
    assert result.value is None and "code too large" in result.evidence


# --- issue 10: the operator's "sandbox off" ---------------------------------------------------


def test_sandbox_off_runs_nothing_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import rewards.builtin.code_exec as code_exec
    from rewards.builtin.code_exec import ran_tests

    def no_runs(*args: object, **kwargs: object) -> None:
        raise AssertionError("sandbox off must run nothing")

    monkeypatch.setattr(code_exec, "run_batch", no_runs)
    reward = CodeExec(sandbox="off")
    ctx = RewardContext(prompt="Write inc(x).\nassert inc(1) == 2", task="code")
    good, bad = reward(
        completions=["def inc(x):\n    return x + 1", "```python\ndef inc(x)\n```"],
        context=ctx,
        candidates=[],
    )
    assert good.value == 1.0 and good.evidence.startswith("sandbox off: syntax only")
    assert "1 test(s) not run" in good.evidence
    assert bad.value == 0.0 and bad.evidence.startswith("sandbox off")
    assert not ran_tests(good)  # a syntax check verifies nothing (best_of=auto)


def test_the_group_budget_stops_runs_that_would_start_too_late() -> None:
    prompt = "Write inc(x).\n```python\nimport time\ndef test_slow():\n    time.sleep(30)\n```"
    reward = CodeExec(timeout_s=3.0, budget_s=3.2, workers=1)
    ctx = RewardContext(prompt=prompt, task="code")
    texts = ["def inc(x):\n    return x + 1", "def inc(x):\n    return 1 + x"]
    first, second = reward(completions=texts, context=ctx, candidates=[])
    assert "not reached: wall-clock timeout" in first.evidence
    # It would start with under 0.5 s of the group's budget left: not run, no signal.
    assert second.value is None
    assert second.evidence == "not run: the group's sandbox time budget was spent"


def test_the_search_for_code_that_compiles_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import rewards.builtin.code_exec as code_exec

    compiled: list[int] = []
    real = code_exec._compile_error

    def counting(source: str) -> str | None:
        compiled.append(len(source))
        return real(source)

    monkeypatch.setattr(code_exec, "_compile_error", counting)
    # Valid lines, then an unclosed bracket on each of the last 80: no prefix tried compiles.
    text = "Here it is:\ndef f():\n    pass\n" + "x = 1\n" * 16000 + "y = (\n" * 80
    found = extract_code(text)
    assert found is not None and found.compiled == 0
    assert sum(compiled) <= 1_000_000 + 2 * len(text)  # not 80 x 96 KB
