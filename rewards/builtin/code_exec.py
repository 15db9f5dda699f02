"""``code_exec``: the candidate's Python compiles, and passes the prompt's tests.

Code is taken from the answer (after any ``</think>``): its Python or untagged code
fences, else the whole answer when it compiles as code, else the longest run of
lines from the first ``def``/``class``/``import`` that compiles.

Tests come from the prompt (:func:`extract_tests`, or ``context.references["tests"]``
when the caller already extracted them): ``assert`` statements, doctest examples
(``>>> f(2)`` then ``4``) and zero-argument ``def test_...()`` functions or
``unittest.TestCase`` methods, in the text or in code fences. Each counts as one test.

Scores (range 0..1):

* with tests: the share of tests passed, run in the sandbox (:mod:`rewards.sandbox`)
  with the candidate's code; evidence names the first failing test;
* without tests: the share of the answer's Python blocks that compile (syntax only);
* ``None``: no tests and no code in the answer, only non-Python code, code too large
  (``max_code_chars``) or too deeply nested to parse, or the group's time budget ran
  out before this candidate's run started.

What reaches the evidence (and so the client): counts, the failing test's name (the
caller's own text, cut to 80 characters), an exception type among Python's built-in
ones or a fixed phrase, and the sandbox mode. Nothing a run prints or raises as text:
tests come from the caller, so a "test" could otherwise read files back to them.

Extraction is linear in the text (each block's lines are split once). What a round
needs (each candidate's code, the request's tests, the sandbox runs) is the group
record's ``code`` fact (:func:`code_fact`), computed once per round and read by
``code_exec`` and ``efficiency``; nothing is memoised process-wide.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rewards.builtin._record import fact_setting, record_for
from rewards.sandbox import RunResult, SandboxLimits, Step, failure_word, run_batch
from rewards.types import Candidate, RewardContext, Score

__all__ = [
    "MAX_CODE_CHARS",
    "CodeExec",
    "CodeFact",
    "CodeSettings",
    "ExtractedCode",
    "code_fact",
    "code_scores",
    "extract_code",
    "extract_tests",
    "ran_tests",
    "tests_for",
]

SandboxMode = Literal["wasi", "off"]

_FENCE = re.compile(r"```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_PYTHON_TAGS = {"python", "py", "python3", "py3", "pycon", ""}
_CODE_START = re.compile(r"^(?:def |class |import |from \S+ import |@\w)")
_ASSERT_LINE = re.compile(r"^\s*(?:[-*]\s+|\d+[.)]\s+)?(assert\b.*)$")
_TEST_DEF_LINE = re.compile(r"^(\s*)def (test\w*)\s*\(")
_PROMPT_LINE = re.compile(r"^(\s*)>>> ?(.*)$")
_WANT_ENDS = {'"""', "'''", "```"}
_MAX_TESTS = 50
_MAX_PREFIX_TRIES = 80
# Characters compiled in all while looking for the longest run of lines that compiles:
# 80 tries of a 100 KB answer would compile 8 MB (7.5 s here); this caps it near 1 s.
_PREFIX_BUDGET_CHARS = 1_000_000
MAX_CODE_CHARS = 100_000
"""Longest code (an answer's, or a prompt's block) parsed, in characters."""
_MAX_NAME = 80
TOO_DEEP = "code too deeply nested"
# How a run may say it stopped early: the sandbox's fixed words (a failure's own text is
# filtered by rewards.sandbox.failure_word: built-in exception names and fixed phrases).
_ENDINGS = frozenset(
    {
        "wall-clock timeout",
        "CPU budget exhausted",
        "memory limit",
        "stack exhausted",
        "run ended early",
        "sandbox busy",
    }
)


@dataclass(frozen=True)
class ExtractedCode:
    """The Python found in an answer.

    Attributes:
        code: the blocks that compile, joined (empty when none does).
        blocks: Python blocks found.
        compiled: how many of them compile.
        where: where the code came from (``fenced``, ``whole answer``, ``lines N-M``).
        syntax_error: the first block's compile error, if any.
        other_languages: tags of non-Python fences.
    """

    code: str
    blocks: int
    compiled: int
    where: str
    syntax_error: str | None = None
    other_languages: tuple[str, ...] = ()
    refused: str | None = None


def _compile_error(source: str) -> str | None:
    """The compiler's complaint, :data:`TOO_DEEP` for nesting it cannot take, or None."""
    try:
        compile(source, "<candidate>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg) or "too complex" in str(exc.msg):
            return TOO_DEEP
        return f"line {exc.lineno}: {exc.msg}"
    except (MemoryError, RecursionError):  # the parser's or the compiler's stack
        return TOO_DEEP
    except ValueError as exc:  # null bytes
        return f"{type(exc).__name__}: {exc}"[:120]
    return None


def _looks_like_code(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return any(
        not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Name | ast.Constant))
        for node in tree.body
    )


def _answer_part(text: str) -> str:
    lower = text.lower()
    cut = lower.rfind("</think>")
    return text[cut + len("</think>") :] if cut != -1 else text


def extract_code(text: str, max_chars: int = MAX_CODE_CHARS) -> ExtractedCode | None:
    """The Python code in an answer, or None when there is none.

    Code too large or too deeply nested to parse is ``refused`` (with the reason).

    Args:
        text: the candidate's text; anything before ``</think>`` is reasoning and skipped.
        max_chars: longest answer part (after ``</think>``) parsed at all.

    >>> found = extract_code("Here:\\n```python\\ndef f(x):\\n    return x + 1\\n```")
    >>> found.code, found.where
    ('def f(x):\\n    return x + 1', 'fenced')
    >>> extract_code("No code, just words.") is None
    True
    """
    answer = _answer_part(text)
    if len(answer) > max_chars:
        why = f"code too large ({len(answer)} characters, limit {max_chars})"
        return ExtractedCode("", 0, 0, "answer", refused=why)
    fences = _FENCE.findall(answer)
    if fences:
        python = [
            body.strip("\n")
            for tag, body in fences
            if tag.lower() in _PYTHON_TAGS and not body.lstrip().startswith(">>>")
        ]
        python = [b for b in python if b.strip()]
        others = tuple(sorted({t.lower() for t, _ in fences if t.lower() not in _PYTHON_TAGS}))
        if python:
            errors = [_compile_error(b) for b in python]
            if TOO_DEEP in errors:
                return ExtractedCode("", len(python), 0, "fenced", TOO_DEEP, refused=TOO_DEEP)
            good = [b for b, e in zip(python, errors, strict=True) if e is None]
            first = next((e for e in errors if e is not None), None)
            return ExtractedCode("\n\n".join(good), len(python), len(good), "fenced", first, others)
        if others:
            return ExtractedCode("", 0, 0, "fenced", None, others)
    stripped = answer.strip()
    whole = _compile_error(stripped) if stripped else "empty"
    if whole == TOO_DEEP and _CODE_START.search(stripped) is not None:
        return ExtractedCode("", 1, 0, "whole answer", TOO_DEEP, refused=TOO_DEEP)
    if whole is None and _looks_like_code(stripped):
        return ExtractedCode(stripped, 1, 1, "whole answer")
    lines = answer.splitlines()
    start = next((i for i, line in enumerate(lines) if _CODE_START.match(line)), None)
    if start is None:
        return None
    spent = 0
    for end in range(len(lines), start, -1)[:_MAX_PREFIX_TRIES]:
        chunk = textwrap.dedent("\n".join(lines[start:end])).strip("\n")
        spent += len(chunk)
        if spent > _PREFIX_BUDGET_CHARS:
            break
        if _compile_error(chunk) is None:
            return ExtractedCode(chunk, 1, 1, f"lines {start + 1}-{end}")
    chunk = "\n".join(lines[start:])
    error = _compile_error(chunk)
    refused = TOO_DEEP if error == TOO_DEEP else None
    return ExtractedCode("", 1, 0, f"lines {start + 1}-", error, refused=refused)


def _is_test_function(node: ast.stmt) -> bool:
    if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test"):
        return False
    args = node.args
    required = len(args.posonlyargs) + len(args.args) - len(args.defaults)
    return required == 0 and not args.kwonlyargs


def _testcase_methods(node: ast.stmt) -> list[str]:
    if not isinstance(node, ast.ClassDef):
        return []
    # The base's own name, not ast.unparse: that recurses, and a client's
    # ``class A(a+a+...)`` would take it past the recursion limit.
    bases = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases]
    if not any(b.endswith("TestCase") for b in bases):
        return []
    return [
        f"{node.name}.{item.name}"
        for item in node.body
        if isinstance(item, ast.FunctionDef) and item.name.startswith("test")
    ]


class _SourceLines:
    """A source's lines, split once, to cut out any node's text.

    ``ast.get_source_segment`` splits the whole source again on every call: over a
    block's statements that is quadratic (12 KB of ``a=1`` lines took 48 s). Lines are
    split as the parser splits them (``\\r\\n``, ``\\r``, ``\\n``; not ``str.splitlines``,
    which also splits at form feeds), and column offsets are UTF-8 bytes, as in the AST.
    """

    _LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

    def __init__(self, source: str) -> None:
        self.lines: list[str] = self._LINE.findall(source)

    def segment(self, node: ast.stmt) -> str:
        end_line = node.end_lineno if node.end_lineno is not None else node.lineno
        end_col = node.end_col_offset
        first = self.lines[node.lineno - 1].encode()
        if end_line == node.lineno:
            stop = len(first) if end_col is None else end_col
            return first[node.col_offset : stop].decode()
        last = self.lines[end_line - 1].encode()
        middle = self.lines[node.lineno : end_line - 1]
        head = first[node.col_offset :].decode()
        tail = (last if end_col is None else last[:end_col]).decode()
        return "".join([head, *middle, tail])


def _steps_from_block(source: str) -> list[Step] | None:
    """Tests and setup in one block of code, or None when it is not valid Python
    (or too large, or too deeply nested, to parse)."""
    if len(source) > MAX_CODE_CHARS:
        return None
    src = textwrap.dedent(source)
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    lines = _SourceLines(src)
    steps: list[Step] = []
    for node in tree.body:
        segment = lines.segment(node)
        if isinstance(node, ast.Import | ast.ImportFrom):
            steps.append(Step("setup", segment))
        elif _is_test_function(node):
            assert isinstance(node, ast.FunctionDef)
            steps.append(Step("function", segment, node.name))  # the sandbox calls it by name
        elif methods := _testcase_methods(node):
            steps.extend(Step("testcase", segment, name) for name in methods)
        elif any(isinstance(sub, ast.Assert) for sub in ast.walk(node)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                steps.append(Step("assert", segment, _short(segment)))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            steps.append(Step("setup", segment))  # test data the asserts may use
    return steps


def _short(source: str, limit: int = 70) -> str:
    flat = " ".join(source.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _loose_steps(text: str) -> list[Step]:
    """``assert`` lines and ``def test_...`` functions written in the text, outside fences."""
    steps: list[Step] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        match = _ASSERT_LINE.match(line)
        if match:
            for extra in range(5):  # an assert may continue over a few lines
                candidate = "\n".join([match.group(1), *lines[i + 1 : i + 1 + extra]])
                if _compile_error(candidate) is None:
                    steps.append(Step("assert", candidate, _short(candidate)))
                    i += extra
                    break
        elif (func := _TEST_DEF_LINE.match(line)) is not None:
            indent = len(func.group(1))
            end = i + 1
            while end < len(lines) and (
                not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
            ):
                end += 1
            block = _steps_from_block("\n".join(lines[i:end]))
            if block:
                steps.extend(block)
            i = end - 1
        i += 1
    return steps


def extract_tests(text: str) -> list[Step]:
    """The tests a prompt carries, as sandbox steps (setup steps included).

    Looks at code fences (Python or untagged), doctest examples anywhere, and
    ``assert`` lines or ``def test_...`` functions in the plain text. Identical tests
    count once; at most 50 tests.

    Args:
        text: the prompt (the user's words).

    >>> steps = extract_tests("Write add(a, b).\\n\\nassert add(1, 2) == 3\\nassert add(0, 0) == 0")
    >>> [s.name for s in steps]
    ['assert add(1, 2) == 3', 'assert add(0, 0) == 0']
    >>> [s.kind for s in extract_tests('>>> add(2, 2)\\n4\\n')]
    ['doctest']
    """
    return list(_tests_of(text))


def _tests_of(text: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    outside: list[str] = []
    last = 0
    for match in _FENCE.finditer(text):
        outside.append(text[last : match.start()])
        last = match.end()
        tag, body = match.group(1).lower(), match.group(2)
        if tag in _PYTHON_TAGS and not body.lstrip().startswith(">>>"):
            block = _steps_from_block(body)
            steps.extend(block if block is not None else _loose_steps(body))
    outside.append(text[last:])
    steps.extend(_loose_steps("\n".join(outside)))
    steps.extend(_doctest_steps(text))

    unique: list[Step] = []
    seen: set[tuple[str, str, str]] = set()
    tests = 0
    for step in steps:
        key = (step.kind, step.source, step.want)
        if key in seen:
            continue
        seen.add(key)
        if step.kind != "setup":
            if tests == _MAX_TESTS:
                continue
            tests += 1
        unique.append(step)
    return tuple(unique) if tests else ()


def _doctest_steps(text: str) -> list[Step]:
    """Doctest examples, read leniently (doctest's own parser refuses a docstring whose
    closing quotes or fence sit at another indentation)."""
    steps: list[Step] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _PROMPT_LINE.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, source_lines = match.group(1), [match.group(2)]
        i += 1
        while i < len(lines) and lines[i].startswith(indent + "..."):
            source_lines.append(lines[i][len(indent) + 4 :])
            i += 1
        want: list[str] = []
        while (
            i < len(lines)
            and lines[i].strip()
            and lines[i].startswith(indent)
            and not _PROMPT_LINE.match(lines[i])
            and lines[i].strip() not in _WANT_ENDS
        ):
            want.append(lines[i][len(indent) :])
            i += 1
        source = "\n".join(source_lines)
        if _compile_error(source) is not None and _compile_error(source + "\n") is not None:
            continue
        if want:
            steps.append(
                Step("doctest", source, f">>> {_short(source, 60)}", "\n".join(want) + "\n")
            )
        elif source.startswith("assert"):
            steps.append(Step("assert", source, _short(source)))
        else:
            steps.append(Step("setup", source))
    return steps


@dataclass(frozen=True)
class CodeSettings:
    """How the ``code`` fact runs a group's code (the operator's sandbox settings).

    Attributes:
        timeout_s: wall-clock limit of one candidate's run.
        budget_s: wall time for all the group's runs together.
        workers: runs at the same time (the sandbox also bounds runs server-wide).
        sandbox: ``wasi`` runs the tests in the sandbox; ``off`` runs nothing.
        max_code_chars: longest answer parsed; a longer one has no signal.
    """

    timeout_s: float = 5.0
    budget_s: float = 20.0
    workers: int = 2
    sandbox: SandboxMode = "wasi"
    max_code_chars: int = MAX_CODE_CHARS

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.budget_s <= 0 or self.workers < 1:
            raise ValueError("timeout_s and budget_s must be > 0, workers >= 1")
        if self.max_code_chars < 1:
            raise ValueError("max_code_chars must be >= 1")
        if self.sandbox not in ("wasi", "off"):
            raise ValueError(f"sandbox must be 'wasi' or 'off', not {self.sandbox!r}")


@dataclass(frozen=True)
class CodeFact:
    """The group record's ``code`` fact: what every code reward of a round reads.

    Attributes:
        tests: the request's tests (:func:`tests_for`), setup steps included.
        sandbox: the mode the runs were made under (``off``: none was made).
        found: per candidate, its extracted code (None: no code in the answer).
        results: per candidate, its sandbox run; None where nothing was run (sandbox
            off, no tests, no runnable code) or the group's budget was spent first.
        ran: whether runs were attempted at all (sandbox on and tests to run).
    """

    tests: tuple[Step, ...]
    sandbox: SandboxMode
    found: tuple[ExtractedCode | None, ...]
    results: tuple[RunResult | None, ...]
    ran: bool


def code_fact(record: Any) -> CodeFact:
    """The ``code`` fact of a group record: each candidate's code, the tests, the runs.

    The sandbox settings are the record's ``settings["code"]`` (a :class:`CodeSettings`,
    from the configured ``code_exec``), else the defaults. The runs keep the sandbox's
    own bounds: ``timeout_s`` a run, ``budget_s`` the group, ``workers`` at a time and
    the server-wide slots; identical (code, tests) jobs of the group run once.
    """
    settings = _settings_of(record)
    tests = tuple(tests_for(record.context))
    found = tuple(extract_code(c.text, settings.max_code_chars) for c in record.candidates)
    results: list[RunResult | None] = [None] * len(found)
    ran = settings.sandbox == "wasi" and bool(tests)
    if ran:
        runnable = [
            i
            for i, code in enumerate(found)
            if code is not None and code.code and code.refused is None
        ]
        batch = run_batch(
            [(found[i].code, tests) for i in runnable],  # type: ignore[union-attr]
            SandboxLimits(wall_seconds=settings.timeout_s),
            workers=settings.workers,
            budget_seconds=settings.budget_s,
        )
        for i, result in zip(runnable, batch, strict=True):
            results[i] = result
    return CodeFact(tests, settings.sandbox, found, tuple(results), ran)


code_fact.self_bounded = True  # type: ignore[attr-defined]  # the sandbox bounds its runs


def _settings_of(record: Any) -> CodeSettings:
    settings: CodeSettings = fact_setting(record, "code", CodeSettings)
    return settings


def code_scores(fact: CodeFact) -> list[Score]:
    """``code_exec``'s scores, from a round's ``code`` fact (see the module docstring).

    What ``efficiency`` reads too: the share of tests passed, or the syntax check.
    """
    tests = list(fact.tests)
    if fact.sandbox == "off":
        return [_off_score(code, tests) for code in fact.found]
    if not fact.ran:
        return [_syntax_score(code) for code in fact.found]
    counted = [s for s in tests if s.kind != "setup"]
    total = len(counted)
    scores: list[Score] = []
    for code, result in zip(fact.found, fact.results, strict=True):
        if code is not None and code.refused is not None:
            scores.append(Score(None, f"{code.refused}; 0/{total} tests run"))
        elif code is None or (not code.blocks and code.other_languages):
            langs = ", ".join(code.other_languages) if code else ""
            what = f"only {langs} code" if langs else "no Python code in the answer"
            scores.append(Score(0.0, f"{what}; 0/{total} tests run"))
        elif not code.code:
            scores.append(Score(0.0, f"syntax error ({code.syntax_error}); 0/{total} passed"))
        else:
            scores.append(_test_score(result, counted, code))
    return scores


class CodeExec:
    """Share of the prompt's tests the candidate's code passes, or a syntax check.

    Reads the group record's ``code`` fact (keyword ``group``); called without one
    (offline use) it builds its own record under its own settings.

    Args:
        timeout_s: wall-clock limit of one candidate's run.
        budget_s: wall time for all the group's runs together.
        workers: runs at the same time (the sandbox also bounds runs server-wide).
        sandbox: ``wasi`` runs the tests in the sandbox; ``off`` (the operator chose
            not to run code) checks syntax only, and the evidence says so.
        max_code_chars: longest answer parsed; a longer one has no signal.

    Example:
        >>> reward = CodeExec()
        >>> ctx = RewardContext(prompt="Write add(a, b).\\nassert add(2, 3) == 5", task="code")
        >>> texts = ["```python\\ndef add(a, b):\\n    return a + b\\n```",
        ...          "```python\\ndef add(a, b):\\n    return a - b\\n```"]
        >>> [s.value for s in reward(completions=texts, context=ctx, candidates=[])]
        [1.0, 0.0]
    """

    name = "code_exec"
    reads: ClassVar[tuple[str, ...]] = ("code",)
    self_bounded = True  # its sandboxed runs have their own wall-clock and group budgets
    # Its settings (the sandbox's limits, a profile's config) decide the `code` fact for
    # every reader of the round, efficiency included (rewards.scoring).
    owns_facts = True

    def __init__(
        self,
        timeout_s: float = 5.0,
        budget_s: float = 20.0,
        workers: int = 2,
        *,
        sandbox: SandboxMode = "wasi",
        max_code_chars: int = MAX_CODE_CHARS,
    ) -> None:
        self.settings = CodeSettings(timeout_s, budget_s, workers, sandbox, max_code_chars)
        self.timeout_s = timeout_s
        self.budget_s = budget_s
        self.workers = workers
        self.sandbox = sandbox
        self.max_code_chars = max_code_chars

    @property
    def fact_settings(self) -> dict[str, Any]:
        """The settings its facts are computed under (the record's ``settings``)."""
        return {"code": self.settings}

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext,
        candidates: list[Candidate],
        **kwargs: Any,
    ) -> list[Score]:
        """Scores a group.

        Args:
            completions: the candidates' texts.
            context: the request context: the prompt's tests, from
                ``references["tests"]`` (a list of :class:`~rewards.sandbox.Step`) or
                extracted from the user's words.
            candidates: the candidates.
            **kwargs: ``group`` (the round's record, whose ``code`` fact is read); the
                rest is ignored, for forward compatibility.
        """
        group = record_for(kwargs, context, completions, candidates, self.fact_settings)
        return code_scores(group.fact("code"))


def ran_tests(score: Score) -> bool:
    """Whether a ``code_exec`` score comes from running tests (not a syntax check, as
    with the sandbox off): only then does a full score verify an answer."""
    return not score.evidence.startswith(("sandbox off", "syntax only"))


def tests_for(context: RewardContext) -> list[Step]:
    """The request's tests: ``references["tests"]`` when given, else the user's words'."""
    given = context.references.get("tests")
    if isinstance(given, list) and all(isinstance(s, Step) for s in given):
        return given
    return extract_tests(context.user_text)


def _syntax_score(code: ExtractedCode | None) -> Score:
    if code is None:
        return Score(None, "no code in the answer and no tests in the prompt")
    if code.refused is not None:
        return Score(None, code.refused)
    if not code.blocks:
        langs = ", ".join(code.other_languages)
        return Score(None, f"{langs} code: only Python is checked")
    value = code.compiled / code.blocks
    if code.syntax_error is None:
        return Score(value, f"syntax only (no tests in prompt): {code.where} code compiles")
    return Score(
        value,
        f"syntax only: {code.compiled}/{code.blocks} blocks compile; {code.syntax_error}",
    )


def _off_score(code: ExtractedCode | None, tests: list[Step]) -> Score:
    """The operator turned the sandbox off: a syntax check, whatever the prompt's tests."""
    base = _syntax_score(code)
    counted = sum(1 for s in tests if s.kind != "setup")
    not_run = f"; {counted} test(s) not run" if counted else ""
    evidence = base.evidence.replace(" (no tests in prompt)", "")
    return Score(base.value, f"sandbox off: {evidence}{not_run}")


def _safe_error(error: str | None, step: Step | None) -> str:
    """An exception type or a fixed phrase (``sandbox.failure_word``): never free text."""
    word = failure_word(error)
    if word is not None:
        return word
    return "wrong output" if step is not None and step.kind == "doctest" else "failed"


def _test_name(step: Step | None, position: int) -> str:
    name = " ".join((step.name if step is not None else "").split()) or f"test {position}"
    return name if len(name) <= _MAX_NAME else name[: _MAX_NAME - 3] + "..."


def _first_failure(result: RunResult, counted: list[Step]) -> str | None:
    """The first failing or unreached test, from the caller's own step names.

    Outcomes are in the order of the counted steps, so the name comes from the
    caller's step, not from what the run reported.
    """
    for position, outcome in enumerate(result.outcomes):
        if not outcome.passed:
            step = counted[position] if position < len(counted) else None
            return f"{_test_name(step, position + 1)}: {_safe_error(outcome.error, step)}"
    if len(result.outcomes) < len(counted):
        return f"test {len(result.outcomes) + 1} of {len(counted)} not reached: {_ended_by(result)}"
    return None


def _ended_by(result: RunResult) -> str:
    """Why a run stopped early, in the sandbox's fixed words (never the run's text)."""
    ended = getattr(result, "ended_by", None)
    if ended in _ENDINGS:
        return str(ended)
    return "wall-clock timeout" if result.timed_out else "run ended early"


def _mode(result: RunResult) -> str:
    mode = str(getattr(result, "isolation", "") or "")
    return mode if re.fullmatch(r"[a-z0-9-]{1,24}", mode) else "unknown"


def _test_score(result: RunResult | None, counted: list[Step], code: ExtractedCode) -> Score:
    total = len(counted)
    if result is None:
        return Score(None, "not run: the group's sandbox time budget was spent")
    if getattr(result, "ended_by", None) == "sandbox busy" and not result.outcomes:
        return Score(None, "not run: sandbox busy (every run slot taken for longer than its limit)")
    value = min(result.passed, total) / total if total else 0.0
    parts = [f"{min(result.passed, total)}/{total} tests passed"]
    failure = _first_failure(result, counted)
    if failure:
        parts.append(f"first failure: {failure}")
    if result.load_error:
        parts.append(f"code raised while loading: {_safe_error(result.load_error, None)}")
    if code.syntax_error:
        parts.append(f"{code.blocks - code.compiled} block(s) with syntax errors skipped")
    parts.append(f"sandbox {_mode(result)}")
    return Score(value, "; ".join(parts))
