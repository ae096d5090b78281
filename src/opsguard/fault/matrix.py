"""The error matrix: each errno injected into each step of one write, in-process.

Why in-process monkeypatching and no library: fault-injection tools (libfiu,
LD_PRELOAD shims, FUSE file systems) need packages, root or a C toolchain,
and pytest's monkeypatch is not available to a CLI. Replacing the handful of
`os` functions a Python writer calls is enough to reach every step of a
temp + fsync + rename + directory-fsync writer, and it runs anywhere.

The steps ("points") and how each is recognised:

- `open`: the first open for writing of a file (not a directory), through
  `os.open` or `builtins.open`/`io.open` (so writers built on `open()`,
  `pathlib` or `tempfile` are reached too);
- `write`: the first `os.write` to a regular file, or the first `write()` on a
  file object returned by `open()` (a thin proxy: buffered file objects never
  call `os.write`);
- `fsync`: the first `os.fsync`/`os.fdatasync` of a non-directory fd;
- `replace`: the first `os.replace`/`os.rename`;
- `dir-fsync`: the first `os.fsync`/`os.fdatasync` of a directory fd
  (`os.fstat` + `stat.S_ISDIR` tell the two apart).

Only the first call at the chosen point fails; later calls (a writer's
cleanup) go through. After each case the target must be byte-identical to
before (at `dir-fsync` the rename has already happened, so the old or the new
bytes are both correct), no file may be left beside it, no file descriptor may
leak, and an `OSError` with the injected errno must reach the caller. A point
the writer never reaches fails the case: a writer that skips fsync cannot pass.

The patches are process-wide: do not run the matrix while other threads of the
same process do file I/O.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import gc
import io
import os
import stat
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.files import printable
from .payloads import make_payload
from .subject import Subject, one_line
from .versions import Writer

__all__ = ["ERRNOS", "POINTS", "MatrixCase", "Writer", "run_matrix"]

ERRNOS: tuple[int, ...] = (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EACCES)
POINTS: tuple[str, ...] = ("open", "write", "fsync", "replace", "dir-fsync")

_NEVER = {
    "open": "the writer never opened a file for writing",
    "write": "the writer never wrote (os.write or a file object's write)",
    "fsync": "the writer never called fsync on the written file",
    "replace": "the writer never called os.replace or os.rename",
    "dir-fsync": "the writer never called fsync on the directory",
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR
_OLD_SIZE, _NEW_SIZE = 2048, 3072


@dataclass(frozen=True, slots=True)
class MatrixCase:
    """One injected errno at one point, and why it failed (None when it passed)."""

    errno_name: str
    point: str
    failure: str | None

    @property
    def passed(self) -> bool:
        return self.failure is None

    def describe(self) -> str:
        return f"{self.errno_name} at {self.point}: {self.failure or 'ok'}"


def run_matrix(writer: Writer | Subject) -> list[MatrixCase]:
    """Run every (errno, point) case against `writer`, each in a fresh directory.

    A plain `writer(path, data)` gets bytes; a `Subject` its own payload and target.
    """
    subject = writer if isinstance(writer, Subject) else Subject(writer, make_payload("bytes", 0))
    cases: list[MatrixCase] = []
    old = subject.payload.fixed(0, _OLD_SIZE)
    new = subject.payload.fixed(1, _NEW_SIZE)
    with tempfile.TemporaryDirectory(prefix="opsguard-matrix-") as scratch:
        for number, (point, err) in enumerate((p, e) for p in POINTS for e in ERRNOS):
            directory = Path(scratch, f"case-{number:02d}")
            directory.mkdir()
            failure = _run_case(subject, directory, point, err, old=old, new=new)
            cases.append(MatrixCase(errno.errorcode[err], point, failure or None))
    return cases


def _run_case(
    subject: Subject, directory: Path, point: str, err: int, *, old: object, new: object
) -> str:
    """'' when the case passed, else every problem seen, joined with '; '."""
    try:
        # The old content: written by the harness (a file target, atomic like every opsguard
        # write), or by the writer itself (a directory target names its own files).
        subject.seed(directory, old)
        write = subject.bind(directory)
    except Exception as exc:
        return f"the write before the injected one failed: {one_line(exc)}"
    before = set(os.listdir(directory))
    outputs_before = subject.outputs(directory)
    fds_before = _open_fds()
    injector = _Injector(point, err)
    raised: BaseException | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # unclosed files are counted below
        with injector.installed():
            try:
                write(new)
            except BaseException as exc:  # the writer's reaction is what is being judged
                raised = exc
        surfaced = _describe_raised(raised, err)
        raised = None  # drop the traceback (and the frames holding file objects)
        leaked = _leaked_fds(fds_before)
    problems: list[str] = []
    outputs_after = subject.outputs(directory)
    if not injector.fired:
        problems.append(_NEVER[point])  # the write ran unharmed: its result says nothing
    else:
        if surfaced:
            problems.append(surfaced)
        problems.extend(_output_problems(subject, outputs_before, outputs_after, new, point))
    left = sorted(set(os.listdir(directory)) - before - set(outputs_after))
    if left:
        problems.append(f"left behind: {', '.join(printable(name) for name in left)}")
    if leaked:
        problems.append(f"{leaked} file descriptor(s) leaked")
    return "; ".join(problems)


def _describe_raised(raised: BaseException | None, err: int) -> str:
    """'' when an OSError with errno `err` reached the caller, else what happened instead."""
    name = errno.errorcode[err]
    if raised is None:
        return f"the injected {name} was swallowed (the writer returned normally)"
    if isinstance(raised, OSError) and raised.errno == err:
        return ""
    shown = f"{type(raised).__name__}: {raised}"
    return f"the injected {name} did not reach the caller ({shown} was raised instead)"


def _output_problems(
    subject: Subject,
    before: dict[str, bytes],
    after: dict[str, bytes],
    new: object,
    point: str,
) -> list[str]:
    """What a failed write did to the writer's files (none may change, but see dir-fsync)."""
    if after == before:
        return []
    payload = subject.payload
    if subject.target == "file":
        name = subject.target_name
        now = after.get(name)
        if now is None:
            return ["the target is gone"]
        if payload.holds(now, new):
            if point == "dir-fsync":
                return []  # renamed before the directory fsync failed: the new bytes are correct
            return ["the target already holds the new bytes although the write failed"]
        return [f"the target was damaged: {len(now)} bytes, neither the old nor the new content"]
    gone = sorted(set(before) - set(after))
    if gone:
        return [f"the write removed {', '.join(printable(name) for name in gone)}"]
    changed = sorted(name for name in after if before.get(name) != after[name])
    damaged = [name for name in changed if payload.problem(after[name]) is not None]
    if damaged:
        return [
            f"the write left {', '.join(printable(name) for name in damaged)} incomplete "
            "although it failed"
        ]
    if point == "dir-fsync":
        return []  # renamed before the directory fsync failed: complete new files are correct
    return [f"{', '.join(printable(name) for name in changed)} changed although the write failed"]


def _open_fds() -> set[str] | None:
    try:
        return set(os.listdir("/proc/self/fd"))
    except OSError:
        return None  # no /proc (not Linux): the leak check is skipped


def _leaked_fds(before: set[str] | None) -> int:
    if before is None:
        return 0
    after = _open_fds() or set()
    if after - before:
        gc.collect()  # a file object in a reference cycle closes only when collected
        after = _open_fds() or set()
    return len(after - before)


class _Injector:
    """Replacements for the `os`/`io` functions, failing the first call at `point`."""

    def __init__(self, point: str, err: int) -> None:
        self.point = point
        self.err = err
        self.fired = False
        self._real_open = os.open
        self._real_write = os.write
        self._real_fsync = os.fsync
        self._real_fdatasync = os.fdatasync
        self._real_replace = os.replace
        self._real_rename = os.rename
        self._real_io_open = io.open

    def fire(self, point: str, filename: object = None) -> None:
        if point == self.point and not self.fired:
            self.fired = True
            raise OSError(self.err, os.strerror(self.err), *([str(filename)] if filename else []))

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Swap the replacements in for the block, and always restore the originals."""
        swaps: list[tuple[object, str, object]] = [
            (os, "open", self.open),
            (os, "write", self.write),
            (os, "fsync", self.fsync),
            (os, "fdatasync", self.fdatasync),
            (os, "replace", self.replace),
            (os, "rename", self.rename),
            (builtins, "open", self.io_open),
            (io, "open", self.io_open),
        ]
        saved: list[tuple[object, str, object]] = []
        try:
            for module, name, replacement in swaps:
                saved.append((module, name, getattr(module, name)))
                setattr(module, name, replacement)
            yield
        finally:
            for module, name, original in reversed(saved):
                setattr(module, name, original)

    def open(self, path: Any, flags: int, mode: int = 0o777, **kwargs: Any) -> int:
        if flags & _WRITE_FLAGS and not flags & getattr(os, "O_DIRECTORY", 0):
            self.fire("open", path)
        return self._real_open(path, flags, mode, **kwargs)

    def io_open(self, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        writing = any(c in mode for c in "wax+")
        if writing and not isinstance(file, int):
            self.fire("open", file)
        handle = self._real_io_open(file, mode, *args, **kwargs)
        if writing and self.point == "write":
            return _FailingWrites(handle, self)
        return handle

    def write(self, fd: int, data: Any) -> int:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            self.fire("write")
        return self._real_write(fd, data)

    def _sync_point(self, fd: Any) -> str:
        number = fd if isinstance(fd, int) else fd.fileno()
        return "dir-fsync" if stat.S_ISDIR(os.fstat(number).st_mode) else "fsync"

    def fsync(self, fd: Any) -> None:
        self.fire(self._sync_point(fd))
        self._real_fsync(fd)

    def fdatasync(self, fd: Any) -> None:
        self.fire(self._sync_point(fd))
        self._real_fdatasync(fd)

    def replace(self, src: Any, dst: Any, **kwargs: Any) -> None:
        self.fire("replace", dst)
        self._real_replace(src, dst, **kwargs)

    def rename(self, src: Any, dst: Any, **kwargs: Any) -> None:
        self.fire("replace", dst)
        self._real_rename(src, dst, **kwargs)


class _FailingWrites:
    """A file object whose first `write` fails: buffered files never call `os.write`."""

    def __init__(self, handle: Any, injector: _Injector) -> None:
        self._handle = handle
        self._injector = injector

    def write(self, data: Any) -> Any:
        self._injector.fire("write")
        return self._handle.write(data)

    def writelines(self, lines: Any) -> None:
        self._injector.fire("write")
        self._handle.writelines(lines)

    def __enter__(self) -> _FailingWrites:
        self._handle.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> Any:
        return self._handle.__exit__(*exc_info)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._handle)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)
