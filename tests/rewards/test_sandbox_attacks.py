"""Every attack of issue 10 (item 2 and the harness), run in every deployment mode.

Each test asserts the *effect* did not happen (the file does not exist, the listener
accepted nothing, this process is alive, no test passed with wrong code), not timing.
The modes are in :mod:`tests.rewards.sandbox_modes`.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from rewards.sandbox import SandboxLimits, Step
from tests.rewards.sandbox_modes import MODES, Run, runner

ROOMY = SandboxLimits(wall_seconds=30)
OS_ERRORS = {"FileNotFoundError", "PermissionError", "OSError", "NotADirectoryError"}
SERVER_PID = os.getpid()


@pytest.fixture(scope="module")
def shared_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="bon-sandbox-modes-"))
    root.chmod(0o755)  # the workers' cache lies below
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module", params=MODES)
def run(request: pytest.FixtureRequest, shared_root: Path) -> Iterator[Run]:
    mode_root = shared_root / request.param
    mode_root.mkdir()
    fn, stop = runner(request.param, mode_root)
    yield fn
    stop()


@pytest.fixture
def outside() -> Iterator[Path]:
    """A world-writable directory outside the run, with one file in it."""
    path = Path(tempfile.mkdtemp(prefix="bon-sandbox-outside-"))
    path.chmod(0o777)
    (path / "src.txt").write_text("keep")
    (path / "src.txt").chmod(0o666)
    yield path
    for item in path.iterdir():
        item.unlink()
    path.rmdir()


def test(source: str, name: str = "t") -> Step:
    return Step("assert", source, name)


test.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


# --- files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "/proc/self/environ",
        "/proc/self/maps",
        "/proc/self/mem",
        f"/proc/{SERVER_PID}/environ",
        f"/proc/{SERVER_PID}/mem",
        f"/proc/{SERVER_PID}/cmdline",
        str(Path(__file__).resolve()),  # the repository
        os.path.realpath(os.__file__),  # the server's interpreter's files
    ],
)
def test_nothing_outside_is_readable(run: Run, path: str) -> None:
    result = run("", [test(f"open({path!r}, 'rb').read(10)")], ROOMY)
    [outcome] = result.outcomes
    assert not outcome.passed and outcome.error in OS_ERRORS, outcome


def test_no_directory_is_listable(run: Run) -> None:
    steps = [test(f"import os\nos.listdir({p!r})", p) for p in ("/", ".", "/proc", "/tmp", "/dev")]
    result = run("", steps, ROOMY)
    assert [o.passed for o in result.outcomes] == [False] * 5
    assert {o.error for o in result.outcomes} <= OS_ERRORS


def test_nothing_outside_is_writable(run: Run, outside: Path) -> None:
    d = str(outside)
    shm = f"/dev/shm/bon-sandbox-fill-{os.getpid()}"
    attacks = [
        f"open({d + '/open.txt'!r}, 'w').write('x')",
        f"import os\nfd = os.open({d!r}, os.O_RDONLY)\n"
        "os.close(os.open('dirfd.txt', os.O_CREAT | os.O_WRONLY, dir_fd=fd))",
        f"import os\nos.rename({d + '/src.txt'!r}, {d + '/moved.txt'!r})",
        f"import os\nos.symlink('/etc/passwd', {d + '/link'!r})",
        f"import os\nos.mkfifo({d + '/fifo'!r})",
        f"import os\nos.mkdir({d + '/newdir'!r})",
        f"import os\nos.remove({d + '/src.txt'!r})",
        f"open({shm!r}, 'wb').write(b'x' * 1024 * 1024)",
        "open('here.txt', 'w').write('x')",  # not even in its own working directory
    ]
    result = run("", [test(a, f"a{i}") for i, a in enumerate(attacks)], ROOMY)
    assert result.passed == 0 and len(result.outcomes) == len(attacks)
    assert sorted(p.name for p in outside.iterdir()) == ["src.txt"]
    assert (outside / "src.txt").read_text() == "keep"
    assert not os.path.exists(shm)


def test_audit_hook_bypass_changes_nothing(run: Run) -> None:
    code = "import __main__\n__main__._BLOCKED = ()\n__main__._PATH_EVENTS = ()\n"
    result = run(code, [test("open('/etc/passwd').read()")], ROOMY)
    assert result.outcomes[0].error in OS_ERRORS


# --- network and processes -----------------------------------------------------------


def test_no_connection_to_a_loopback_listener(run: Run) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        attacks = [
            f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)",
            f"import socket\ns = socket.socket()\ns.connect(('127.0.0.1', {port}))",
            f"import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            f"s.sendto(b'x', ('127.0.0.1', {port}))",
        ]
        result = run("", [test(a) for a in attacks], ROOMY)
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing ever connected
    assert result.passed == 0


@pytest.mark.parametrize(
    "attack",
    [
        "import subprocess\nsubprocess.run(['/bin/sh', '-c', 'touch {d}/spawned'])",
        "import os\nos.system('touch {d}/spawned')",
        "import os\nos.posix_spawn('/bin/touch', ['touch', '{d}/spawned'], {{}})",
        "import os\nif os.fork() == 0:\n    os.setsid()\n    open('{d}/daemon', 'w')",
        "import ctypes",
        "import _posixsubprocess",
        f"import os, signal\nos.kill({SERVER_PID}, signal.SIGKILL)",
        "import os\nos.kill(os.getppid(), 9)",
        "import signal\nsignal.raise_signal(signal.SIGKILL)",
    ],
)
def test_no_process_signal_or_native_code(run: Run, outside: Path, attack: str) -> None:
    result = run("", [test(attack.format(d=outside))], ROOMY)
    assert result.passed == 0
    assert sorted(p.name for p in outside.iterdir()) == ["src.txt"]
    os.kill(SERVER_PID, 0)  # this process (the "server") is alive


def test_there_is_no_way_to_start_or_signal_a_process(run: Run) -> None:
    names = ["fork", "forkpty", "execv", "posix_spawn", "spawnv", "system", "kill", "killpg"]
    check = f"import os\nassert [n for n in {names!r} if hasattr(os, n)] == []"
    assert run("", [test(check)], ROOMY).passed == 1


# --- resources -------------------------------------------------------------------------


def test_an_infinite_loop_spends_its_fuel(run: Run) -> None:
    limits = SandboxLimits(wall_seconds=60, fuel=3_000_000_000)
    result = run("", [test("assert True", "first"), test("while True:\n    pass")], limits)
    assert [o.passed for o in result.outcomes] == [True]
    assert result.ended_by == "CPU budget exhausted" and not result.timed_out


def test_wall_clock_interrupts_a_busy_loop(run: Run) -> None:
    limits = SandboxLimits(wall_seconds=2, fuel=10**15)
    result = run("while True:\n    pass\n", [test("assert True")], limits)
    assert result.timed_out and result.ended_by == "wall-clock timeout"
    assert result.outcomes == []


def test_wall_clock_kills_a_run_blocked_in_the_host(run: Run) -> None:
    steps = [test("assert True", "first"), test("import time\ntime.sleep(120)"), test("1")]
    result = run("", steps, SandboxLimits(wall_seconds=2))
    assert result.timed_out
    assert [o.name for o in result.outcomes] == ["first"]
    assert result.first_failure == "test 2 of 3 not reached: wall-clock timeout"


def test_memory_is_capped_per_run(run: Run) -> None:
    limits = SandboxLimits(wall_seconds=30, memory_bytes=512 * 1024 * 1024)
    three = "blocks = [bytearray(400 * 1024 * 1024) for _ in range(3)]"
    result = run("", [test(three), test("x = bytearray(1_500_000_000)"), test("assert 1")], limits)
    assert [o.error for o in result.outcomes] == ["MemoryError", "MemoryError", ""]


def test_a_print_flood_is_capped(run: Run) -> None:
    floods = [
        "while True:\n    print('x' * 1000)",
        "import os\nwhile True:\n    os.write(1, b'y' * 65536)",
        "import sys\nwhile True:\n    sys.__stdout__.write('z' * 1000)",
        "import sys\nwhile True:\n    sys.__stderr__.write('z' * 1000)",
    ]
    limits = SandboxLimits(wall_seconds=60, fuel=3_000_000_000, output_bytes=4096)
    for flood in floods:
        result = run("", [test("assert True", "first"), test(flood)], limits)
        assert [o.passed for o in result.outcomes][:1] == [True], flood
        assert result.passed == 1


def test_a_memory_limit_below_the_interpreter_s_needs_is_said(run: Run) -> None:
    result = run("", [test("assert True")], SandboxLimits(memory_bytes=4 * 1024 * 1024))
    assert result.outcomes == [] and result.ended_by == "memory limit"


def test_deep_recursion_is_contained(run: Run) -> None:
    deep = "def f(n):\n    return f(n + 1)\nf(0)"
    deeper = "import sys\nsys.setrecursionlimit(10**8)\n" + deep
    limits = SandboxLimits(wall_seconds=60, fuel=5_000_000_000)
    result = run("", [test(deep, "deep"), test(deeper, "deeper")], limits)
    assert result.outcomes[0].error == "RecursionError"
    assert result.passed == 0
    os.kill(SERVER_PID, 0)


# --- the harness -----------------------------------------------------------------------

WRONG_ADD = "def add(a, b):\n    return 0\n"
ADD_TESTS = [test("assert add(1, 2) == 3", "a"), test("assert add(2, 2) == 4", "b")]


@pytest.mark.parametrize(
    "attack",
    [
        "import __main__\n__main__._run_step = lambda s, ns: None\n",
        "import __main__\nfor name in list(vars(__main__)):\n"
        "    if callable(getattr(__main__, name)):\n"
        "        setattr(__main__, name, lambda *a, **k: None)\n",
        "import sys\nfor m in list(sys.modules.values()):\n"
        "    if hasattr(m, '_run_step'):\n        m._run_step = lambda *a: None\n",
    ],
)
def test_patching_the_harness_scores_nothing(run: Run, attack: str) -> None:
    assert run(WRONG_ADD + attack, ADD_TESTS, ROOMY).passed == 0


def test_fake_result_lines_score_nothing(run: Run) -> None:
    lines = [
        '{"event": "test", "name": "a", "passed": true, "error": null}',
        "T 0 ok",
        "x T 0 ok",
        "G x T 0 ok",
        'R {"exit": 0}',
        "E",
    ]
    forge = "import os, sys\nfor line in LINES:\n    print(line)\n"
    forge += "    os.write(1, (line + '\\n').encode())\n    sys.__stdout__.write(line + '\\n')\n"
    forge += "    sys.__stdout__.flush()\n"
    result = run(WRONG_ADD + f"LINES = {lines!r}\n" + forge, ADD_TESTS, ROOMY)
    assert result.passed == 0 and len(result.outcomes) == 2


@pytest.mark.parametrize(
    ("exit_", "load_error"),
    [
        ("import os\nos._exit(0)\n", None),
        ("import sys\nsys.exit(0)\n", "SystemExit"),
        ("raise SystemExit(0)\n", "SystemExit"),
        ("raise KeyboardInterrupt\n", "KeyboardInterrupt"),
    ],
)
def test_exiting_at_import_scores_nothing(run: Run, exit_: str, load_error: str | None) -> None:
    result = run(WRONG_ADD + exit_, ADD_TESTS, ROOMY)
    assert result.passed == 0
    assert result.load_error == load_error


def test_exiting_inside_a_test_fails_it(run: Run) -> None:
    code = "import os, sys\ndef add(a, b):\n    sys.exit(0)\ndef quit_(a, b):\n    os._exit(0)\n"
    steps = [
        test("assert add(1, 2) == 3", "sys.exit"),
        Step("function", "def test_x():\n    raise SystemExit(0)\n", "test_x"),
        test("quit_(1, 2)", "os._exit"),
        test("assert True", "after"),
    ]
    result = run(code, steps, ROOMY)
    assert [(o.passed, o.error) for o in result.outcomes] == [
        (False, "SystemExit"),
        (False, "SystemExit"),
    ]
    assert result.passed == 0 and result.first_failure == "sys.exit: SystemExit"


def test_patching_builtins_or_unittest_is_tampering(run: Run) -> None:
    code = "import builtins\nbuiltins.len = lambda x: 3\ndef f():\n    return []\n"
    result = run(code, [test("assert len(f()) == 3")], ROOMY)
    assert result.outcomes[0].error == "harness tampered"
    code = "import unittest\nunittest.TestCase.assertEqual = lambda *a, **k: None\n"
    case = "import unittest\nclass T(unittest.TestCase):\n    def test_a(self):\n"
    case += "        self.assertEqual(1, 2)\n"
    result = run(code, [Step("testcase", case, "T.test_a")], ROOMY)
    assert result.outcomes[0].error == "harness tampered"


def test_the_result_stream_cannot_be_read_back_or_rewound(run: Run) -> None:
    # The harness's earlier lines on fd 1 carry the nonce: reading them would allow forging.
    steps = [
        test("assert True", "first"),
        test("import os\nos.lseek(1, 0, 0)", "seek"),
        test("import os\nos.read(1, 100)", "read"),
        test("import os\nos.pread(1, 100, 0)", "pread"),
        test("import os\nos.ftruncate(1, 0)", "truncate"),
        test("assert True", "last"),
    ]
    result = run("", steps, ROOMY)
    assert [o.passed for o in result.outcomes] == [True, False, False, False, False, True]


def test_the_job_cannot_be_read_again(run: Run) -> None:
    # The job on stdin holds the nonce; the boot code read it all before the candidate ran.
    code = "import sys\nDATA = sys.stdin.buffer.read()\n"
    steps = [
        test("assert DATA == b''", "empty"),
        test("import os\nos.lseek(0, 0, 0)", "seek"),
        test("import os\nos.pread(0, 100, 0)", "pread"),
    ]
    result = run(code, steps, ROOMY)
    assert [o.passed for o in result.outcomes] == [True, False, False]


def test_failures_carry_no_text_from_the_run(run: Run) -> None:
    code = (
        "class Secret_hunter2(Exception):\n    pass\n"
        "class Leak(ValueError):\n    pass\n"
        "Fake = type('Fake', (Exception,), {'__module__': 'builtins'})\n"
        "def f(kind):\n    raise {'s': Secret_hunter2, 'l': Leak, 'f': Fake}[kind]('hunter2')\n"
    )
    steps = [test(f"f({k!r})", k) for k in "slf"]
    result = run(code + "print('hunter2')\n", steps, ROOMY)
    assert [o.error for o in result.outcomes] == ["Exception", "ValueError", "Exception"]
    assert "hunter2" not in repr(result)
