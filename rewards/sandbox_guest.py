"""The test harness that runs *inside* the WASI instance (see :mod:`rewards.sandbox`).

Never imported by the server: :mod:`rewards.sandbox` sends this file's text to the
guest interpreter, whose ``-c`` boot code (:data:`BOOT`, in :mod:`rewards.sandbox`)
reads the job from stdin with ``marshal`` and runs this text in a dictionary of its
own, which no module refers to. The job holds this text, a random ``nonce``, the
candidate's ``code`` and the ``steps``.

What the harness does, in this order, all before the candidate's first line runs:
binds every builtin it uses as its own global (a candidate that rebinds
``builtins.len`` does not change the harness), compiles every step (the host has
split ``assert x == <literal>`` into the expression and the literal's value), imports
the modules the steps need (``unittest``, ``doctest``), empties ``__main__`` (so ``import __main__;
__main__._run_step = ...`` patches nothing that runs), points ``sys.stdout`` and
``sys.stderr`` at a sink (what the candidate prints goes nowhere) and snapshots the
objects its verdicts rely on (``builtins``, ``unittest.TestCase``). Then it defines the
candidate's code as module ``solution`` and runs the steps, writing one line per event
straight to file descriptor 1, each prefixed with the nonce::

    <nonce> L <ExceptionType>      the candidate's code raised while loading
    <nonce> T <index> ok           step <index> (a counted test) passed
    <nonce> T <index> <reason>     it failed: an exception type name, or fixed words
    <nonce> E                      all steps ran

The host accepts only lines with its nonce, in order, once each. A failure names only
the exception's nearest *builtin* class (a candidate's ``class Secret_text(Exception)``
reports ``Exception``), never its message. A step after which the snapshot changed
fails with ``harness tampered``, and so does every later one.
"""

from __future__ import annotations

from builtins import (  # noqa: UP029  (bound here: rebinding builtins.X changes nothing)
    BaseException,
    Exception,
    all,
    bool,
    bytes,
    compile,
    complex,
    dict,
    eval,
    exec,
    float,
    frozenset,
    int,
    len,
    list,
    map,
    set,
    str,
    tuple,
    type,
    vars,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs the guest fuel at every start; only mypy needs it
    from typing import Any

_NUMBERS = (int, float, complex, bool)
_SCALARS = (*_NUMBERS, str, bytes, type(None))
_NO_LITERAL = object()


def _plain(value: Any) -> bool:
    """Built from scalars and tuples of them only (safe to hash and compare)."""
    if type(value) is tuple:
        return all(_plain(item) for item in value)
    return type(value) in _SCALARS


def _strict_equal(got: Any, want: Any) -> bool:
    """``got == want`` for a literal ``want``, without trusting ``got``'s own ``__eq__``.

    Types must match exactly (numbers may mix, as ``==`` lets them), so an object
    whose ``__eq__`` always returns True does not pass ``assert f(x) == 3``.
    """
    if type(got) in _NUMBERS and type(want) in _NUMBERS:
        return bool(want == got)
    if type(got) is not type(want):
        return False
    if type(want) in (list, tuple):
        return len(got) == len(want) and all(map(_strict_equal, got, want))
    if type(want) is dict:
        return (
            all(_plain(key) for key in got)
            and got.keys() == want.keys()
            and all(_strict_equal(got[key], want[key]) for key in want)
        )
    if type(want) in (set, frozenset):
        return all(_plain(item) for item in got) and bool(want == got)
    return bool(want == got)


_BUILTINS: dict[str, Any] = {}
"""The builtins as they were before the candidate ran (filled by :func:`main`)."""


def _kind(exc: BaseException) -> str:
    """The name of the nearest builtin class of ``exc``: no candidate-chosen text."""
    for cls in type(exc).__mro__:
        if _BUILTINS.get(cls.__name__) is cls:
            return str(cls.__name__)
    return "BaseException"


def _expected_exception(want: str) -> str | None:
    """The exception a doctest example expects (its traceback's last line), if any."""
    if not want.startswith("Traceback (most recent call last)"):
        return None
    last = want.strip().splitlines()[-1].split(":")[0].strip()
    return str(last.rsplit(".", 1)[-1])


class _Sink:
    """Where the candidate's prints go: nowhere."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


def main(job: dict[str, Any]) -> None:
    """Runs the job; see the module docstring for the order and the result lines."""
    import builtins
    import io
    import os
    import sys

    import __main__

    write = os.write
    nonce = str(job.pop("nonce"))
    code = str(job.pop("code"))
    steps: list[dict[str, Any]] = job.pop("steps")
    job.clear()
    _BUILTINS.update(vars(builtins))
    string_io = io.StringIO

    def emit(text: str) -> None:
        try:  # noqa: SIM105  (contextlib would cost the guest an import at every start)
            write(1, (nonce + " " + text + "\n").encode())
        except BaseException:
            pass  # stdout closed or full: the host counts only what it got

    # Everything the verdicts need, prepared before the candidate runs.
    prepared: list[dict[str, Any]] = []
    for step in steps:
        kind, source = str(step["kind"]), str(step["source"])
        item: dict[str, Any] = {"kind": kind, "name": str(step["name"]), "code": None}
        try:
            literal = step.get("literal")  # (expr source, value), parsed by the host
            if literal is not None:
                item["literal"] = (compile(literal[0], "<test>", "eval"), literal[1])
            if kind == "doctest":
                item["code"] = compile(source, "<doctest>", "single")
                item["want"] = str(step["want"])
                item["raises"] = _expected_exception(item["want"])
            elif kind != "testcase" or source:
                item["code"] = compile(source, "<test>", "exec")
        except BaseException as exc:
            item["error"] = _kind(exc)
        prepared.append(item)
    kinds = {item["kind"] for item in prepared}
    unittest: Any = None
    if "testcase" in kinds:
        import unittest
    if any("..." in item.get("want", "") for item in prepared):
        import doctest  # noqa: F401  (imported before the candidate can replace it)
    checker = sys.modules.get("doctest")

    def snapshot() -> list[tuple[str, int]]:
        # ``_`` is the last doctest value, set by ``sys.displayhook``: not a verdict's input.
        seen = [(name, id(value)) for name, value in vars(builtins).items() if name != "_"]
        if unittest is not None:
            seen += [(name, id(value)) for name, value in vars(unittest.TestCase).items()]
        if checker is not None:
            seen += [(name, id(value)) for name, value in vars(checker.OutputChecker).items()]
        return seen

    for name in [n for n in vars(__main__) if n not in ("__name__", "__builtins__")]:
        delattr(__main__, name)
    sys.stdout = sys.stderr = _Sink()
    before = snapshot()

    module = type(sys)("solution")
    ns = vars(module)
    ns["__builtins__"] = builtins
    sys.modules["solution"] = module
    try:
        exec(compile(code, "<candidate>", "exec"), ns)
    except BaseException as exc:
        emit("L " + _kind(exc))

    tampered = False
    for index, item in enumerate(prepared):
        try:
            error = item.get("error") or _run_step(item, ns, unittest, checker, string_io)
        except BaseException as exc:
            error = _kind(exc)
        finally:
            sys.stdout = sys.stderr = _Sink()
        tampered = tampered or snapshot() != before
        if tampered:
            error = "harness tampered"
        if item["kind"] != "setup":
            emit(f"T {index} {error or 'ok'}")
    emit("E")


def _run_step(
    item: dict[str, Any], ns: dict[str, Any], unittest: Any, checker: Any, string_io: Any
) -> str | None:
    kind = item["kind"]
    if kind == "assert" and item.get("literal") is not None:
        expr, want = item["literal"]
        return None if _strict_equal(eval(expr, ns), want) else "AssertionError"
    if kind in ("setup", "assert"):
        exec(item["code"], ns)
    elif kind == "function":
        exec(item["code"], ns)
        ns[item["name"]]()
    elif kind == "testcase":
        return _testcase(item, ns, unittest)
    elif kind == "doctest":
        return _doctest(item, ns, checker, string_io)
    return None


def _testcase(item: dict[str, Any], ns: dict[str, Any], unittest: Any) -> str | None:
    class_name, _, method = item["name"].partition(".")
    if item["code"] is not None and class_name not in ns:
        exec(item["code"], ns)
    kinds: list[str] = []

    class Result(unittest.TestResult):  # type: ignore[misc]
        """Keeps each problem's exception type, not its text."""

        def addError(self, test: Any, err: Any) -> None:
            kinds.append(_kind(err[1]))

        def addFailure(self, test: Any, err: Any) -> None:
            kinds.append("AssertionError")

        def addSkip(self, test: Any, reason: str) -> None:
            kinds.append("skipped")

    result = Result()
    ns[class_name](method).run(result)
    if kinds:
        return kinds[0]
    return None if result.testsRun == 1 else "not run"


def _doctest(item: dict[str, Any], ns: dict[str, Any], checker: Any, string_io: Any) -> str | None:
    import sys

    buffer = string_io()
    sys.stdout = buffer
    raised: BaseException | None = None
    try:
        exec(item["code"], ns)
    except Exception as exc:
        raised = exc
    got = buffer.getvalue()
    expected = item["raises"]
    if expected is not None:
        if raised is not None and type(raised).__name__ == expected:
            return None
        return "expected exception not raised"
    if raised is not None:
        raise raised
    want = item["want"]
    if got == want or got.split() == want.split():
        return None
    if checker is not None:
        flags = checker.ELLIPSIS | checker.NORMALIZE_WHITESPACE
        if checker.OutputChecker().check_output(want, got, flags):
            return None
    return "wrong output"
