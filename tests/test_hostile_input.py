"""The hostile-input corpus (issue #11): every command over every unlucky or hostile input.

Each case builds a small project in a temporary directory — clean records,
telemetry and a quarantine — and plants one kind of trouble in it: FIFOs,
sockets and device nodes, names that are not UTF-8 or hold control
characters, NUL bytes, UTF-16, duplicate keys, huge integers, PII in record
fields, unreadable files and directories, empty directories, random bytes,
symlink loops, pseudo-filesystem roots, and outputs that are not files. Then
it runs `integrity`, `privacy`, `retention`, `fault` where it applies, `run`,
`report` and `gate`, as GitHub Actions would (`GITHUB_ACTIONS=true`), and
asserts for every one:

- it finishes within a subprocess timeout (a FIFO opened for reading blocks
  forever: that is the hang this catches);
- no `internal error` and no traceback;
- the exit code docs/input-rules.md documents for the case;
- no planted raw value (an email, a coordinate, a heart rate) in stdout,
  stderr or any file opsguard wrote;
- no output line starts with `::` unless it is a workflow command opsguard
  means, with its properties escaped;
- every result file is valid UTF-8 JSON.

Root bypasses permission bits (CI runs as root), so "unreadable" is simulated:
each command runs through a small bootstrap that makes `open` and `scandir`
fail with EACCES for names containing `unreadable` and for directories named
`locked`, exactly as the kernel would for another user.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support import clean_env

EMAIL = "jane.leak@example.org"
COORDS = "52.5200417,13.4049583"
HEART = "58.4419"
# Planted raw values: none may appear in any output, stream or file.
PLANTED = (EMAIL, "52.5200417", "13.4049583", HEART)
TIMEOUT = 120

# Runs the command line with permission errors simulated (root ignores permission bits).
BOOT = r"""
import builtins, errno, io, os, sys

def _denied(path):
    try:
        name = os.path.basename(os.fsdecode(path))
    except TypeError:
        return False  # a descriptor
    return "unreadable" in name or name == "locked"

def _deny(real):
    def wrapper(path, *args, **kwargs):
        if _denied(path):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real(path, *args, **kwargs)
    return wrapper

os.open = _deny(os.open)
os.scandir = _deny(os.scandir)
os.listdir = _deny(os.listdir)
builtins.open = io.open = _deny(io.open)
from opsguard.cli import main
sys.exit(main(sys.argv[1:]))
"""

CLEAN_RECORD = {"date": "2025-08-01", "schema_version": "1.0.0", "score": 72.0, "band": "good"}
TELEMETRY_LINE = '{"ts":"2025-08-10T06:00:53Z","event":"auto_run","status":"ok","duration_ms":3579}'
LOG_LINE = "2025-08-10T06:00:05Z INFO auto_run status=ok duration_ms=918 records_written=1"
_PROPERTY = r"(file|line|col|endLine|endColumn|title)=[^:,\n]*"
# A workflow command opsguard means: its properties escaped (no raw `:` or `,` in them).
COMMAND_LINE = re.compile(rf"^::(error|warning|notice)( {_PROPERTY}(,{_PROPERTY})*)?::")


@dataclass
class Case:
    """One hostile input: what to plant, and the exit code each command must end with.

    `argv` gives a command's arguments when it does not run on the configured paths;
    a command missing from `exits` does not apply to the case.
    """

    name: str
    plant: Callable[[Path], None]
    exits: dict[str, int]
    argv: dict[str, list[str]] = field(default_factory=dict)


def _project(root: Path) -> None:
    (root / "opsguard.toml").write_text(
        '[paths]\nrecords = ["records"]\ntelemetry = ["telemetry"]\nquarantine = "quarantine"\n'
        '[retention]\nnow = "2025-08-15T00:00:00Z"\n',
        encoding="utf-8",
    )
    records = root / "records"
    records.mkdir()
    for day in range(1, 15):
        record = {**CLEAN_RECORD, "date": f"2025-08-{day:02d}"}
        (records / f"2025-08-{day:02d}.json").write_text(json.dumps(record), encoding="utf-8")
    telemetry = root / "telemetry"
    telemetry.mkdir()
    (telemetry / "2025-08-10.jsonl").write_text(TELEMETRY_LINE + "\n", encoding="utf-8")
    (telemetry / "pipeline-20250810T0600Z.log").write_text(LOG_LINE + "\n", encoding="utf-8")
    (root / "quarantine").mkdir()
    (root / "quarantine" / ".gitkeep").write_bytes(b"")


def _in_each(root: Path, make: Callable[[Path], None]) -> None:
    for directory in ("records", "telemetry", "quarantine"):
        make(root / directory)


def _nothing(root: Path) -> None:
    pass


def _fifos(root: Path) -> None:
    _in_each(root, lambda d: os.mkfifo(d / "pipe.jsonl"))


def _sockets(root: Path) -> None:
    # A bound socket file stays after its socket is closed: the path is what matters here.
    for directory in ("records", "telemetry", "quarantine"):
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(root / directory / "events.json"))
        server.close()


def _devices(root: Path) -> None:
    null = os.stat("/dev/null").st_rdev
    _in_each(root, lambda d: os.mknod(d / "null.jsonl", stat.S_IFCHR | 0o666, null))


def _named_fifo(root: Path) -> None:
    os.mkfifo(root / "pipe.jsonl")


def _bad_names(root: Path) -> None:
    names = [
        os.fsdecode(b"2025-08-01-\xff.jsonl"),
        "x\n::warning title=INJECTED::pwned.jsonl",
        "\x1b[2J\x1b]0;title\x07.jsonl",
        "back\\slash\r.jsonl",
    ]
    for index, name in enumerate(names):
        record = {**CLEAN_RECORD, "schema_version": f"3.{index}.0"}
        (root / "records" / name).write_text(json.dumps(record) + "\n", encoding="utf-8")
        (root / "telemetry" / name).write_text(TELEMETRY_LINE + "\n", encoding="utf-8")
        (root / "quarantine" / name).write_bytes(b"x")
        old = 1_700_000_000
        os.utime(root / "quarantine" / name, (old, old))  # a candidate: a would-delete line


def _nul_bytes(root: Path) -> None:
    (root / "records" / "nul.jsonl").write_bytes(
        json.dumps(CLEAN_RECORD).encode()[:20] + b"\x00" + b'"x"}\n'
    )
    (root / "telemetry" / "nul.log").write_bytes(
        LOG_LINE.encode() + b"\x00\n" + f"user={EMAIL} rhr={HEART}\n".encode()
    )


def _utf16(root: Path) -> None:
    record = json.dumps({**CLEAN_RECORD, "date": "2025-08-02", "schema_version": "2.0.0"})
    (root / "records" / "wide.jsonl").write_bytes(record.encode("utf-16"))
    (root / "telemetry" / "wide.log").write_bytes(f"contact email={EMAIL}\n".encode("utf-16"))


def _duplicate_keys(root: Path) -> None:
    (root / "records" / "dup.jsonl").write_text(
        '{"date":"2025-08-09","schema_version":"2.0.0","score":10,"score":90,"band":"excellent"}\n',
        encoding="utf-8",
    )
    (root / "telemetry" / "dup.jsonl").write_text(
        f'{{"event":"note","note":"{EMAIL}","note":"ok"}}\n', encoding="utf-8"
    )


def _huge_integers(root: Path) -> None:
    huge = "9" * 25
    (root / "records" / "huge.jsonl").write_text(
        f'{{"date":"2025-08-03","schema_version":"2.0.0","score":{huge},"band":"excellent"}}\n'
        f'{{"date":"2025-08-04","schema_version":"{huge}","score":50,"band":"fair"}}\n',
        encoding="utf-8",
    )
    (root / "telemetry" / "huge.jsonl").write_text(
        f'{{"event":"auto_run","duration_ms":{huge}}}\n', encoding="utf-8"
    )


def _pii_in_fields(root: Path) -> None:
    (root / "records" / "pii.jsonl").write_text(
        json.dumps({"date": EMAIL, "schema_version": COORDS, "score": 50, "band": f"rhr={HEART}"})
        + "\n"
        + json.dumps({**CLEAN_RECORD, "date": "2025-08-05", "band": f"{HEART}", "x": EMAIL})
        + "\n",
        encoding="utf-8",
    )


def _unreadable(root: Path) -> None:
    for directory in ("records", "telemetry"):
        (root / directory / "unreadable.jsonl").write_text("{}\n", encoding="utf-8")
        (root / directory / "locked").mkdir()
        (root / directory / "locked" / "inside.jsonl").write_text("{}\n", encoding="utf-8")
    (root / "quarantine" / "locked").mkdir()


def _empty(root: Path) -> None:
    for directory in ("records", "telemetry", "quarantine"):
        for path in (root / directory).iterdir():
            path.unlink()


def _random_bytes(root: Path) -> None:
    noise = random.Random(11).randbytes(256 * 1024)  # noqa: S311 (the same bytes every run)
    (root / "records" / "noise.jsonl").write_bytes(noise)
    (root / "telemetry" / "noise.log").write_bytes(noise)


def _link_loops(root: Path) -> None:
    for directory in ("records", "telemetry", "quarantine"):
        (root / directory / "loop.jsonl").symlink_to("loop.jsonl")
        (root / directory / "gone.jsonl").symlink_to("missing-target.jsonl")


def _pseudo_roots(root: Path) -> None:
    with (root / "opsguard.toml").open("a", encoding="utf-8") as config:
        config.write('extra_roots = [{ path = "/proc" }]\n')


def _outputs(root: Path) -> None:
    os.mkfifo(root / "fifo.json")
    (root / "a-directory").mkdir()
    # As root a copy of /dev/null (a regression must never replace the system's); as another
    # user a link to the real one, which that user cannot replace.
    if os.geteuid() == 0:
        os.mknod(root / "null", stat.S_IFCHR | 0o666, os.stat("/dev/null").st_rdev)
    else:
        (root / "null").symlink_to("/dev/null")


REGULAR = {"integrity": 0, "privacy": 0, "retention": 0, "run": 0, "report": 0, "gate": 0}
# Integrity and privacy find violations (exit 1), so do `run` and `gate`; the rest exit 0.
FLAGGED = {"integrity": 1, "privacy": 1, "retention": 0, "run": 1, "report": 0, "gate": 1}
# As FLAGGED, but only the records are affected: privacy passes.
RECORDS_FLAGGED = {**FLAGGED, "privacy": 0}

CASES = [
    Case("clean", _nothing, {**REGULAR, "fault": 0}, {"fault": ["--trials", "2", "--seed", "1"]}),
    Case("fifo-in-every-directory", _fifos, REGULAR),
    Case("socket-in-every-directory", _sockets, REGULAR),
    Case("device-node-in-every-directory", _devices, REGULAR),
    Case(
        "fifo-named-directly",
        _named_fifo,
        {"integrity": 2, "privacy": 2, "retention": 2},
        {"integrity": ["pipe.jsonl"], "privacy": ["pipe.jsonl"], "retention": ["pipe.jsonl"]},
    ),
    Case("names-not-utf8-and-control-characters", _bad_names, REGULAR),
    Case("nul-bytes", _nul_bytes, FLAGGED),
    Case("utf16", _utf16, FLAGGED),
    Case("duplicate-keys", _duplicate_keys, FLAGGED),
    Case("huge-integers", _huge_integers, RECORDS_FLAGGED),
    Case("pii-in-record-fields", _pii_in_fields, RECORDS_FLAGGED),
    Case("unreadable-files-and-directories", _unreadable, {**FLAGGED, "retention": 1}),
    Case("empty-directories", _empty, FLAGGED),
    Case("random-bytes", _random_bytes, FLAGGED),
    Case("symlink-loops-and-broken-links", _link_loops, FLAGGED),
    Case(
        "pseudo-filesystem-roots",
        _pseudo_roots,
        {"retention": 2, "run": 2, "report": 0, "gate": 2, "retention-sys": 2, "retention-dev": 2},
        {"retention-sys": ["/sys"], "retention-dev": ["/dev"]},
    ),
    Case(
        "outputs-that-are-not-files",
        _outputs,
        {"integrity": 2, "privacy": 2, "retention": 0, "fault": 2, "integrity-null": 0},
        {
            "integrity": ["--json", "fifo.json"],  # nobody reads it: exit 2, not a wait
            "privacy": ["--json", "a-directory"],
            "retention": ["--json", "-", "--plan-out", "null"],
            "fault": ["--trials", "2", "--json", "a-directory"],
            "integrity-null": ["--json", "null", "--plan-out", "-"],
        },
    ),
]


@dataclass
class Ran:
    command: str
    code: int
    stdout: str
    stderr: str


def _commands(case: Case) -> Iterator[list[str]]:
    order = ["integrity", "privacy", "retention", "fault", "run", "report", "gate"]
    for name in [*order, *(n for n in case.exits if n not in order)]:
        if name not in case.exits:
            continue
        command = name.split("-", 1)[0]
        if command == "run":
            args = ["run", "--checks", "integrity,privacy,retention"]
        else:
            args = [command, *case.argv.get(name, [])]
        yield [name, *args]


def _run(root: Path, name: str, args: list[str], env: dict[str, str]) -> Ran:
    try:
        proc = subprocess.run(
            [sys.executable, "-c", BOOT, *args],
            cwd=root,
            env=env,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name}: did not finish within {TIMEOUT} s (a hang)")
    return Ran(
        name,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def _special_files(root: Path) -> dict[Path, int]:
    """Every FIFO, socket and device in the project, by its file type: none may change."""
    found = {}
    for path in root.rglob("*"):
        mode = os.lstat(path).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
            found[path] = stat.S_IFMT(mode)
    return found


def _written(root: Path) -> Iterator[Path]:
    """Every file opsguard wrote: results, views, plans, the runner's files."""
    for directory in (root / ".opsguard", root / "runner"):
        if directory.is_dir():
            yield from (p for p in directory.rglob("*") if p.is_file())


def _problems(ran: Ran, expected: int) -> list[str]:
    problems = []
    streams = ran.stdout + ran.stderr
    if ran.code != expected:
        problems.append(f"exit {ran.code}, documented {expected}: {ran.stderr.strip()[-300:]}")
    if "internal error" in streams or "Traceback" in streams:
        problems.append(f"an internal error: {ran.stderr.strip()[-300:]}")
    for planted in PLANTED:
        if planted in streams:
            problems.append(f"the planted value {planted!r} is in its output")
    for line in streams.splitlines():
        if line.startswith("::") and not COMMAND_LINE.match(line):
            problems.append(f"a line opsguard did not mean as a workflow command: {line[:120]!r}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_command_survives_the_hostile_input(tmp_path: Path, case: Case) -> None:
    if case.name == "device-node-in-every-directory" and os.geteuid() != 0:
        pytest.skip("mknod of a device node needs root")
    root = tmp_path / "project"
    root.mkdir()
    _project(root)
    case.plant(root)
    runner = root / "runner"
    runner.mkdir()
    env = clean_env(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(runner / "summary.md"),
            "GITHUB_OUTPUT": str(runner / "output.txt"),
            "OPSGUARD_RUN_ID": f"corpus-{case.name}",
            "NO_COLOR": "1",
        }
    )

    specials = _special_files(root)
    problems: list[str] = []
    for name, *args in _commands(case):
        ran = _run(root, name, args, env)
        problems += [f"{name}: {p}" for p in _problems(ran, case.exits[name])]

    if _special_files(root) != specials:
        problems.append("a FIFO, socket or device was replaced or removed")
    for path in _written(root):
        data = path.read_bytes()
        for planted in PLANTED:
            if planted.encode() in data:
                problems.append(f"{path.relative_to(root)}: holds the planted value {planted!r}")
        if path.suffix in (".json", ".sarif"):
            try:
                json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                problems.append(f"{path.relative_to(root)}: not UTF-8 JSON ({exc})")

    assert problems == []
