"""One filter for the failure text a code run may report (``rewards.sandbox.failure_word``):
the sandbox's parser of the guest's lines and code_exec's evidence both use it, so what
either lets through (an exception type among Python's builtins or a fixed phrase, never
free text from the run) is decided in one place."""

from __future__ import annotations

import pytest

from rewards import sandbox
from rewards.builtin import code_exec

SECRET = "sk-proj-Q7f3Kx9LmN2pR5tV8wY1zA4cD6eF"

# What a run might report, honest or hostile, and the one word each may become.
CASES = [
    ("ValueError", "ValueError"),
    ("ValueError: " + SECRET, None),  # the message is the run's text: the whole is refused
    ("  AssertionError  ", "AssertionError"),
    ("wrong output", "wrong output"),
    ("Wrong Output", "wrong output"),
    ("expected exception not raised", "expected exception not raised"),
    ("harness tampered", "harness tampered"),
    ("skipped", "skipped"),
    ("not run", "not run"),
    ("timeout", "timeout"),
    ("wall-clock timeout", "wall-clock timeout"),
    (SECRET, None),
    ("MyError", None),  # not a builtin: could be any word the code chose
    ("print(" + SECRET + ")", None),
    ("", None),
    ("x" * 10_000, None),
]


@pytest.mark.parametrize(("text", "word"), CASES)
def test_the_one_filter(text: str, word: str | None) -> None:
    assert sandbox.failure_word(text) == word


@pytest.mark.parametrize(("text", "word"), CASES)
def test_the_sandbox_parser_reports_through_it(text: str, word: str | None) -> None:
    assert sandbox._reason(text) == (word or "Exception")


@pytest.mark.parametrize(("text", "word"), CASES)
def test_code_exec_evidence_reports_through_it(text: str, word: str | None) -> None:
    doctest = sandbox.Step("doctest", "1", "t", "1")
    assert code_exec._safe_error(text, None) == (word or "failed")
    assert code_exec._safe_error(text, doctest) == (word or "wrong output")
    assert code_exec._safe_error(None, None) == "failed"


def test_code_exec_keeps_no_vocabulary_of_its_own() -> None:
    assert not hasattr(code_exec, "_EXCEPTION_NAMES")
    assert not hasattr(code_exec, "_FIXED_WORDS")
