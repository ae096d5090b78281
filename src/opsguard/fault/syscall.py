"""Kill at every system call: deterministic crash points and a syscall-order oracle, via strace.

Why strace and not a library: random kills (`fault_crash`) land where the
writer spends its time (fsync) and may never hit the microsecond between two
cheap calls. `strace -e inject=SYSCALL:signal=SIGKILL:when=K` kills the
process on entry to the K-th call of that syscall, before it runs, so every
step of one write can be crashed in turn. strace needs no root when it starts
the traced process itself, and is one `apt-get install` away in CI.

One write of the writer under test runs in a fresh `python -c` child, between
two `os.getppid()` markers: syscalls before the first marker are interpreter
start-up, counted per syscall so that `when=K` can address the writer's own
calls. The child runs with `-B` and `PYTHONHASHSEED=0` so start-up is the
same on every run, and each kill run checks that the kill landed on the
intended call. After each kill the target must hold the old or the new bytes
exactly. The unkilled trace is also checked for the protocol's order: the
temp opened with O_EXCL, written, fsynced, renamed onto the target, then a
directory fd fsynced.

Limits: the writer must be importable as MODULE:FUNCTION in a fresh
interpreter (the parent's `sys.path` is passed on) and single-threaded
(strace counts calls per thread).
"""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ..core.atomic import atomic_write
from .payloads import make_payload
from .subject import Subject

__all__ = ["MAX_KILL_POINTS", "Syscall", "SyscallReport", "check_order", "run_syscall_kills"]

MAX_KILL_POINTS = 40
_TRACED = (
    "openat",
    "write",
    "writev",
    "pwrite64",
    "fsync",
    "fdatasync",
    "?rename",  # `?`: not a syscall on every architecture (aarch64 has only renameat*)
    "renameat",
    "renameat2",
    "close",
    "unlink",
    "unlinkat",
)
_MARKER = "getppid"
_SYNCS = frozenset({"fsync", "fdatasync"})
_WRITES = frozenset({"write", "writev", "pwrite64"})
_OLD_SIZE, _NEW_SIZE = 3000, 5000
_TIMEOUT_S = 60

# The child: import the writer, read the new (and old) content, make a directory writer and
# let it write the old content, then marker, write, marker. `setup` stops before the markers.
_CHILD = """\
import json, os, sys
from pathlib import Path
sys.path[:] = json.loads(sys.argv[1])
from importlib import import_module
module, _, attribute = sys.argv[2].partition(":")
function = import_module(module)
for part in attribute.split("."):
    function = getattr(function, part)
mode, target, where, new_file, old_file, stop = sys.argv[3:9]
def load(name):
    with open(name, "rb") as fh:
        data = fh.read()
    return data if mode == "bytes" else data.decode("utf-8") if mode == "text" else json.loads(data)
data = load(new_file)
if target == "file":
    def write(value):
        function(where, value)
else:
    made = function(Path(where))
    write = made if callable(made) else made.write
    write(load(old_file))
if stop == "setup":
    sys.exit(0)
os.getppid()
write(data)
os.getppid()
"""

_LINE = re.compile(r"^(?:\[pid\s+)?(?P<pid>\d+)\]?\s+(?P<name>\w+)\((?P<rest>.*)$")
_RESULT = re.compile(r"\)\s+=\s+(?P<ret>-?\d+|\?)")  # the last match: data may contain one
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_SHOWN_STRING = re.compile(_STRING.pattern + r"(?:\.\.\.)?")  # strace adds ... when it cuts


@dataclass(frozen=True, slots=True)
class Syscall:
    """One traced call: its name, raw arguments, result (None while unfinished or killed)."""

    pid: int
    name: str
    args: str
    result: int | None

    def strings(self) -> list[str]:
        """The quoted string arguments (paths), unescaped."""
        return [_unescape(s) for s in _STRING.findall(self.args)]

    def fd(self) -> int | None:
        head = self.args.split(",", 1)[0].split("<", 1)[0].strip()
        return int(head) if head.isdigit() else None

    def open_flags(self) -> str:
        """The flags of an openat (`O_WRONLY|O_CREAT|...`), '' when not one."""
        tail = self.args.rsplit('"', 1)[-1] if '"' in self.args else ""
        return next((p.strip() for p in tail.split(",") if p.strip().startswith("O_")), "")

    def short(self) -> str:
        """The call for a message: paths cut to their file name, written data elided."""

        def shorten(match: re.Match[str]) -> str:
            if self.name in _WRITES:
                return "..."
            return '"' + os.path.basename(_unescape(match[1]).rstrip("/")) + '"'

        text = f"{self.name}({_SHOWN_STRING.sub(shorten, self.args)})"
        return text if len(text) <= 100 else text[:97] + "..."


@dataclass(slots=True)
class SyscallReport:
    """What the strace part saw; `skipped` says why it did not run (then nothing else counts)."""

    skipped: str | None = None
    kill_points: int = 0
    missed: int = 0
    order_violations: list[str] = field(default_factory=list)
    corruptions: list[str] = field(default_factory=list)

    @property
    def order_ok(self) -> bool | None:
        return None if self.skipped else not self.order_violations


def run_syscall_kills(
    spec: str,
    scratch: Path,
    strace: str,
    *,
    max_points: int = MAX_KILL_POINTS,
    subject: Subject | None = None,
) -> SyscallReport:
    """Trace one write of `spec` (MODULE:FUNCTION), then kill it at each of its syscalls.

    `subject` gives the payload and target (default: bytes into one file).
    """
    if subject is None:
        subject = Subject(_unused, make_payload("bytes", 0))
    runner = _Runner(spec, scratch, strace, subject)
    first = runner.run("trace", inject=None)
    events = parse_trace(first.trace)
    region = _region(events)
    if region is None:
        return SyscallReport(skipped=f"could not trace the writer: {first.complaint()}")
    before, calls = region
    report = SyscallReport()
    if subject.target == "directory":
        runner.new_state = first.state  # the writer names its files: the traced write shows them
    target = runner.changed(first)
    if not runner.wrote_new(first):
        report.corruptions.append(
            f"the traced write, not killed, left {runner.describe(first)}, not the new content"
        )
    if target is None:
        report.order_violations = ["the traced write changed no file"]
    else:
        report.order_violations = check_order(calls, target)
    seen: Counter[str] = Counter()
    points: list[tuple[int, Syscall, int]] = []
    for index, call in enumerate(calls):
        seen[call.name] += 1
        points.append((index, call, before[call.name] + seen[call.name]))
    chosen = _choose(points, max_points)
    workers = max(1, min(2, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(lambda p: _kill_at(runner, *p), chosen))
    for landed, problem in outcomes:
        report.kill_points += 1
        report.missed += not landed
        if problem:
            report.corruptions.append(problem)
    return report


def _unused(path: str, data: bytes) -> None:  # pragma: no cover - the child imports the spec
    raise AssertionError("the syscall part runs the writer in a child process")


def _kill_at(runner: _Runner, index: int, call: Syscall, nth: int) -> tuple[bool, str | None]:
    """Kill before call `index` of the writer; (did the kill land there, corruption or None)."""
    run = runner.run(f"kill-{index:02d}", inject=f"{call.name}:signal=SIGKILL:when={nth}")
    region = _region(parse_trace(run.trace), complete=False)
    landed = (
        run.returncode == -signal.SIGKILL
        and region is not None
        and len(region[1]) == index + 1
        and region[1][-1].name == call.name
        and region[1][-1].result is None
    )
    if run.state in (runner.old_state, runner.new_state):
        return landed, None
    return landed, (
        f"killed before syscall #{index + 1} of the write, {call.short()}: "
        f"{runner.describe(run)}, neither the old nor the new content"
    )


def _choose(points: list[tuple[int, Syscall, int]], limit: int) -> list[tuple[int, Syscall, int]]:
    """All points, or at most `limit`: every rename/fsync/unlink first, the rest evenly spread."""
    if len(points) <= limit:
        return points
    key = [p for p in points if p[1].name in _SYNCS or p[1].name.startswith(("rename", "unlink"))]
    key = key[:limit]
    rest = [p for p in points if p not in key]
    room = limit - len(key)
    spread = [rest[i * len(rest) // room] for i in range(room)] if room else []
    return sorted(key + spread, key=lambda p: p[0])


def check_order(calls: Sequence[Syscall], target: str) -> list[str]:
    """Protocol violations in the writer's calls: O_EXCL temp, write, fsync, rename, dir fsync."""
    directory = os.path.dirname(target)
    fds: dict[int, tuple[str, str]] = {}
    annotated: list[tuple[Syscall, str | None]] = []  # each call with the path its fd names
    for call in calls:
        path: str | None = None
        if call.name == "openat":
            strings = call.strings()
            path = _absolute(strings[0], directory) if strings else None
            if path is not None and call.result is not None and call.result >= 0:
                fds[call.result] = (path, call.open_flags())
        else:
            fd = call.fd()
            if fd is not None and fd in fds:
                path = fds[fd][0]
                if call.name == "close":
                    del fds[fd]
        annotated.append((call, path))

    violations: list[str] = []
    for call, path in annotated:
        flags = call.open_flags()
        if call.name == "openat" and path == target and ("O_WRONLY" in flags or "O_RDWR" in flags):
            violations.append(f"the target itself is opened for writing ({flags})")
    renames = [
        i
        for i, (call, _) in enumerate(annotated)
        if call.name.startswith("rename")
        and len(call.strings()) >= 2
        and _absolute(call.strings()[1], directory) == target
    ]
    if not renames:
        violations.append("no rename onto the target")
        return violations
    at = renames[-1]
    temp = _absolute(annotated[at][0].strings()[0], directory)
    violations += _temp_violations(annotated, at, temp)
    directory_synced = any(
        call.name in _SYNCS and path == directory for call, path in annotated[at + 1 :]
    )
    if not directory_synced:
        violations.append(
            f"no fsync of the directory after the rename ({annotated[at][0].short()})"
        )
    return violations


def _temp_violations(annotated: list[tuple[Syscall, str | None]], at: int, temp: str) -> list[str]:
    name = os.path.basename(temp)
    created = [
        i
        for i, (call, path) in enumerate(annotated[:at])
        if call.name == "openat" and path == temp and "O_CREAT" in call.open_flags()
    ]
    if not created:
        return [f"the renamed file {name} was not created (O_CREAT) by this write"]
    opened = created[-1]
    flags = annotated[opened][0].open_flags()
    problems = [] if "O_EXCL" in flags else [f"the temp file {name} is opened without O_EXCL"]
    writes = [i for i, (c, p) in enumerate(annotated) if p == temp and c.name in _WRITES]
    syncs = [i for i, (c, p) in enumerate(annotated) if p == temp and c.name in _SYNCS]
    last_write = writes[-1] if writes else opened
    if not writes:
        problems.append(f"nothing is written to the temp file {name}")
    if any(i > at for i in writes):
        problems.append(f"the temp file {name} is written after the rename")
    if not any(last_write < i < at for i in syncs):
        if any(i > at for i in syncs):
            problems.append(f"the temp file {name} is fsynced only after the rename")
        else:
            problems.append(
                f"the temp file {name} is not fsynced between its writes and the rename"
            )
    return problems


def parse_trace(text: str) -> list[Syscall]:
    """The calls in strace output (unfinished calls have result None; `resumed` lines skipped)."""
    calls: list[Syscall] = []
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        rest = match["rest"]
        result = next(reversed(list(_RESULT.finditer(rest))), None)
        ret = result["ret"] if result else "?"
        args = rest[: result.start()] if result else rest.removesuffix(" <unfinished ...>")
        calls.append(
            Syscall(int(match["pid"]), match["name"], args, None if ret == "?" else int(ret))
        )
    return calls


def _region(
    events: list[Syscall], *, complete: bool = True
) -> tuple[Counter[str], list[Syscall]] | None:
    """(per-syscall counts before the first marker, the writer's calls), of the marker's pid.

    `complete=False` accepts a run killed before the second marker.
    """
    start = next((i for i, e in enumerate(events) if e.name == _MARKER), None)
    if start is None:
        return None
    pid = events[start].pid
    own = [e for e in events if e.pid == pid]
    first = own.index(events[start])
    ends = [i for i, e in enumerate(own) if e.name == _MARKER and i > first]
    if not ends and complete:
        return None
    end = ends[0] if ends else len(own)
    before = Counter(e.name for e in own[:first])
    return before, own[first + 1 : end]


@dataclass(frozen=True, slots=True)
class _Run:
    directory: Path
    returncode: int
    trace: str
    stderr: str
    # The writer's files after the run: their canonical state, and their raw bytes.
    state: object
    outputs: dict[str, bytes]

    def complaint(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1].strip() if lines else f"exit status {self.returncode}"


class _Runner:
    """Starts `python -c` children under strace, each in its own directory below `scratch`."""

    def __init__(self, spec: str, scratch: Path, strace: str, subject: Subject) -> None:
        self.spec = spec
        self.scratch = scratch
        self.strace = strace
        self.subject = subject
        payload = subject.payload
        self.old, self.new = payload.fixed(10, _OLD_SIZE), payload.fixed(11, _NEW_SIZE)
        self.new_data = scratch / "new-content"
        self.old_data = scratch / "old-content"
        atomic_write(self.new_data, payload.encode(self.new), durable=False)
        atomic_write(self.old_data, payload.encode(self.old), durable=False)
        self.path = orjson.dumps(sys.path).decode()  # "" (the cwd) too: the child shares it
        self.env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
        if subject.target == "file":
            self.old_state: object = payload.canonical(payload.encode(self.old))
            self.new_state: object = payload.canonical(payload.encode(self.new))
        else:
            # What the writer's own files look like before the write: a setup-only run.
            self.old_state = self.run("old", inject=None, setup_only=True).state
            self.new_state = None

    def changed(self, run: _Run) -> str | None:
        """The path of the file the write made or replaced (None when it changed none)."""
        if self.subject.target == "file":
            return str(run.directory / self.subject.target_name)
        old = dict(self.old_state) if isinstance(self.old_state, tuple) else {}
        names = [name for name, value in run.state or () if old.get(name) != value]  # type: ignore[attr-defined]
        return str(run.directory / names[0]) if names else None

    def wrote_new(self, run: _Run) -> bool:
        if self.subject.target == "file":
            return self.subject.payload.holds(run.outputs.get(self.subject.target_name), self.new)
        payload = self.subject.payload
        complete = all(payload.problem(data) is None for data in run.outputs.values())
        return complete and run.state != self.old_state

    def describe(self, run: _Run) -> str:
        if self.subject.target == "file":
            return f"the target {_describe(run.outputs.get(self.subject.target_name))}"
        payload = self.subject.payload
        bad = [name for name, data in run.outputs.items() if payload.problem(data) is not None]
        if bad:
            return f"the directory with {len(bad)} incomplete file(s) of {len(run.outputs)}"
        return f"the directory with {len(run.outputs)} file(s)"

    def run(self, name: str, *, inject: str | None, setup_only: bool = False) -> _Run:
        directory = self.scratch / name
        directory.mkdir()
        directory = directory.resolve()
        subject = self.subject
        if subject.target == "file":
            where = directory / subject.target_name
            atomic_write(where, subject.payload.encode(self.old), durable=False)
        else:
            where = directory
        trace = self.scratch / f"{name}.strace"
        command: list[str] = []
        if not setup_only:
            command = [self.strace, "-f", "-q", "-s", "1024", "-o", str(trace)]
            command += ["-e", "trace=" + ",".join((*_TRACED, _MARKER))]
            if inject is not None:
                command += ["-e", f"inject={inject}"]
        command += [sys.executable, "-B", "-c", _CHILD, self.path, self.spec]
        command += [subject.payload.name, subject.target, str(where)]
        command += [str(self.new_data), str(self.old_data), "setup" if setup_only else "write"]
        try:
            proc = subprocess.run(
                command,
                capture_output=True,
                text=True,
                env=self.env,
                timeout=_TIMEOUT_S,
                check=False,
            )
            returncode, stderr = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired:  # subprocess.run has killed strace (and its child)
            returncode, stderr = -1, f"the traced write did not finish within {_TIMEOUT_S} s"
        text = trace.read_text(errors="replace") if trace.exists() else ""
        outputs = subject.outputs(directory)
        return _Run(directory, returncode, text, stderr, subject.state(outputs), outputs)


def _absolute(path: str, directory: str) -> str:
    """`path` made absolute; a relative one is taken as relative to the target's directory."""
    return os.path.normpath(path if os.path.isabs(path) else os.path.join(directory, path))


def _unescape(text: str) -> str:
    try:
        raw = ast.literal_eval(f'b"{text}"')
    except (SyntaxError, ValueError):
        return text
    return os.fsdecode(raw) if isinstance(raw, bytes) else text


def _describe(content: bytes | None) -> str:
    if content is None:
        return "missing"
    return "empty" if not content else f"{len(content)} bytes"
