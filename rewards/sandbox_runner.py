"""The program that runs inside the sandbox (see :mod:`rewards.sandbox`); never imported.

``rewards.sandbox`` passes this file's text to ``python -I -S -c``. It reads its job
as JSON on stdin, sets the resource limits, pre-imports standard modules, drops to
``nobody`` when root, installs the audit hook, defines the candidate's code as module
``solution``, then runs the steps in order and writes one JSON line per event on the
result pipe (file descriptor ``job["fd"]``). Standard library only.
"""

import ast
import contextlib
import io
import json
import os
import resource
import signal
import sys
from typing import Any

MAX_ERROR = 200

_BLOCKED = (
    "socket.",
    "subprocess.",
    "_posixsubprocess",
    "os.exec",
    "os.fork",
    "os.forkpty",
    "os.posix_spawn",
    "os.spawn",
    "os.system",
    "os.kill",
    "os.killpg",
    "pty.",
    "ctypes.",
    "signal.pthread_kill",
)
_PATH_EVENTS = (
    "os.remove",
    "os.rename",
    "os.rmdir",
    "os.mkdir",
    "os.chmod",
    "os.chown",
    "os.symlink",
    "os.link",
    "os.truncate",
    "os.utime",
    "shutil.rmtree",
    "shutil.copyfile",
    "shutil.move",
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _describe(exc: BaseException) -> str:
    text = type(exc).__name__
    if str(exc):
        text += ": " + str(exc)
    return text[:MAX_ERROR]


def _make_hook(home: str) -> Any:
    def inside(path: Any) -> bool:
        if isinstance(path, int):
            return True
        try:
            real = os.path.realpath(os.fsdecode(path))
        except Exception:
            return False
        return real == home or real.startswith(home + os.sep)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event.startswith(_BLOCKED):
            raise PermissionError(f"sandbox: {event} is not allowed")
        if event == "open" and len(args) >= 3:
            mode, flags = args[1] or "", args[2] or 0
            writing = any(c in str(mode) for c in "wax+") or bool(flags & _WRITE_FLAGS)
            if writing and not inside(args[0]):
                raise PermissionError("sandbox: writing outside the sandbox directory")
        elif event in _PATH_EVENTS and args and not inside(args[0]):
            raise PermissionError(f"sandbox: {event} outside the sandbox directory")

    return hook


def _doctest(source: str, want: str, ns: dict[str, Any]) -> str | None:
    import doctest

    buf, saved = io.StringIO(), sys.stdout
    sys.stdout = buf
    try:
        exec(compile(source, "<doctest>", "single"), ns)
        got = buf.getvalue()
        raised = None
    except Exception as exc:
        got, raised = "", exc
    finally:
        sys.stdout = saved
    if want.startswith("Traceback (most recent call last)"):
        expected = want.strip().splitlines()[-1].split(":")[0].strip().rsplit(".", 1)[-1]
        if raised is not None and type(raised).__name__ == expected:
            return None
        return f"expected {expected}, got " + (_describe(raised) if raised else repr(got[:60]))
    if raised is not None:
        return _describe(raised)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    if doctest.OutputChecker().check_output(want, got, flags):
        return None
    shown = got.strip().splitlines()[-1][:80] if got.strip() else "nothing"
    return f"expected {want.strip()[:60]}, got {shown}"


def _testcase(name: str, source: str, ns: dict[str, Any]) -> str | None:
    import unittest

    class_name, method = name.split(".", 1)
    if class_name not in ns:
        exec(compile(source, "<test>", "exec"), ns)
    result = unittest.TestResult()
    ns[class_name](method).run(result)
    problems = result.failures + result.errors
    if not problems:
        return None
    lines = problems[0][1].strip().splitlines()
    return (lines[-1] if lines else "failed")[:MAX_ERROR]


_NUMBERS = (int, float, complex, bool)
_SCALARS = (*_NUMBERS, str, bytes, type(None))


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


def _literal_assert(source: str, ns: dict[str, Any]) -> tuple[bool, str | None]:
    """Runs ``assert <expr> == <literal>`` (either order) with :func:`_strict_equal`.

    Returns (handled, error); not handled when the test has another shape.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False, None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
        return False, None
    test = tree.body[0].test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False, None
    if not isinstance(test.ops[0], ast.Eq):
        return False, None
    sides = [test.left, test.comparators[0]]
    for expr, literal in (sides, sides[::-1]):
        try:
            want = ast.literal_eval(literal)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        got = eval(compile(ast.Expression(expr), "<test>", "eval"), ns)
        if _strict_equal(got, want):
            return True, None
        try:
            shown = repr(got)
        except Exception:
            shown = f"a {type(got).__name__}"
        return True, f"AssertionError: got {shown[:80]}"
    return False, None


def _run_step(step: dict[str, Any], ns: dict[str, Any]) -> str | None:
    kind, source = step["kind"], step["source"]
    if kind == "assert":
        handled, error = _literal_assert(source, ns)
        if handled:
            return error
    if kind in ("setup", "assert"):
        exec(compile(source, "<test>", "exec"), ns)
    elif kind == "function":
        exec(compile(source, "<test>", "exec"), ns)
        ns[step["name"]]()
    elif kind == "testcase":
        return _testcase(step["name"], source, ns)
    elif kind == "doctest":
        return _doctest(source, step["want"], ns)
    return None


def main() -> None:
    job = json.loads(sys.stdin.read())
    out = int(job["fd"])

    def emit(event: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):
            os.write(out, (json.dumps(event) + "\n").encode())

    for name, value in job["limits"].items():
        resource.setrlimit(getattr(resource, name), (value, value))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over the file limit: an error, not death
    for module in job["preimport"]:
        with contextlib.suppress(Exception):
            __import__(module)
    unprivileged = False
    if job["drop"] and os.geteuid() == 0:
        uid, gid = job["drop"]
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        unprivileged = True
    emit({"event": "start", "unprivileged": unprivileged})
    sys.addaudithook(_make_hook(os.path.realpath(os.getcwd())))

    ns: dict[str, Any] = {"__name__": "solution", "__builtins__": __builtins__}
    try:
        exec(compile(job["code"], "<candidate>", "exec"), ns)
    except BaseException as exc:
        emit({"event": "load", "error": _describe(exc)})
    for step in job["steps"]:
        try:
            error = _run_step(step, ns)
        except BaseException as exc:
            error = _describe(exc)
        if step["kind"] != "setup":
            emit({"event": "test", "name": step["name"], "passed": error is None, "error": error})
    emit({"event": "end"})


if __name__ == "__main__":
    main()
