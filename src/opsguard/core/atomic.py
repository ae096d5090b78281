"""Crash-safe file replacement: after a crash the target holds the old or the new bytes.

Hand-written because no maintained Python library does the whole protocol:
python-atomicwrites is archived and leaves files 0600, boltons and `safer`
skip the directory fsync, pip's helper leaves cleanup to the caller. The
protocol here: a temp file beside the target (same filesystem), created with
`O_EXCL | O_NOFOLLOW | O_CLOEXEC` and mode 0o666 so the umask applies as for
any new file (an existing target's permission bits are copied instead); all
bytes written (short writes looped); `fsync`; `os.replace` over the target;
then `fsync` of the directory so the rename itself survives power loss.

Symlinks: a target that is a symlink is followed. The file it points to is
replaced (the temp is staged beside that file, so the rename never crosses a
filesystem) and the link itself stays, as `open(path, "w")` would behave. A
dangling link creates the file it points to.

Ownership is not copied: a file replaced by another user (root) becomes that
user's. Windows is not supported (no directory fsync, weaker rename).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Literal, overload

import orjson

__all__ = [
    "TEMP_PATTERN",
    "TEMP_SUFFIX",
    "atomic_open",
    "atomic_write",
    "atomic_write_json",
    "atomic_write_many",
    "fsync_directory",
    "make_dirs_durable",
]

TEMP_SUFFIX = ".tmp"
# `.NAME.<12 hex>.tmp`: the names _create_temp makes, and only those.
# Room for the target's name in a temp name: 255 - len("." + "." + 12 hex + ".tmp").
_NAME_ROOM = 255 - 18
TEMP_PATTERN = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{12}\.tmp$")
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def atomic_write(
    path: str | os.PathLike[str],
    data: bytes | str,
    *,
    durable: bool = True,
    encoding: str = "utf-8",
) -> None:
    """Replace `path` with `data` atomically.

    With `durable=False` both fsyncs are skipped: the replace is still atomic
    for concurrent readers, but after a power loss the file may hold the old
    content or be empty. Use it only for data that can be regenerated.

    On any error up to the rename the temp file is removed, the target is
    untouched and the original exception propagates; an fsync error is never
    retried (the page cache may already have dropped the data). An error from
    the directory fsync, after the rename, also propagates: the target then
    holds the new bytes, but their durability is not guaranteed.
    """
    payload = data.encode(encoding) if isinstance(data, str) else bytes(data)
    target = _resolve_target(path)
    temp, fd = _create_temp(target)
    try:
        _write_all(fd, payload, durable)
        os.replace(temp, target)
    except BaseException:
        _discard(temp)
        raise
    if durable:
        fsync_directory(target.parent)


def atomic_write_many(
    items: Iterable[tuple[str | os.PathLike[str], bytes | str]],
    *,
    durable: bool = True,
    encoding: str = "utf-8",
) -> None:
    """Write several files, each atomically, with one directory fsync per distinct directory.

    Every file is staged (written and fsynced) before any is replaced: if
    staging fails, no target changes. A failure among the renames leaves the
    files renamed so far in their new state and the rest untouched; each file
    is always wholly old or wholly new. A target named twice is a ValueError.
    """
    staged: list[tuple[Path, Path]] = []
    seen: set[Path] = set()
    renamed: set[Path] = set()
    try:
        for path, data in items:
            target = _resolve_target(path)
            if target in seen:
                raise ValueError(f"{path} is named twice in one batch")
            seen.add(target)
            payload = data.encode(encoding) if isinstance(data, str) else bytes(data)
            temp, fd = _create_temp(target)
            staged.append((temp, target))
            _write_all(fd, payload, durable)
        while staged:
            temp, target = staged[0]
            os.replace(temp, target)
            staged.pop(0)
            renamed.add(target.parent)
    except BaseException:
        for temp, _ in staged:
            _discard(temp)
        raise
    finally:
        # Renames that happened must become durable, whether or not the batch finished.
        if durable:
            for directory in sorted(renamed):
                fsync_directory(directory)


@overload
def atomic_open(
    path: str | os.PathLike[str], mode: Literal["wb"] = ..., *, durable: bool = ...
) -> contextlib.AbstractContextManager[IO[bytes]]: ...
@overload
def atomic_open(
    path: str | os.PathLike[str],
    mode: Literal["w"],
    *,
    durable: bool = ...,
    encoding: str = ...,
) -> contextlib.AbstractContextManager[IO[str]]: ...
def atomic_open(
    path: str | os.PathLike[str],
    mode: Literal["wb", "w"] = "wb",
    *,
    durable: bool = True,
    encoding: str = "utf-8",
) -> contextlib.AbstractContextManager[IO[bytes]] | contextlib.AbstractContextManager[IO[str]]:
    """Stream into a temp file; the target is replaced only when the block exits cleanly.

    >>> with atomic_open("out.jsonl") as fh:  # doctest: +SKIP
    ...     fh.write(b"...")

    An exception inside the block discards the temp file and leaves the target
    as it was.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open supports modes 'wb' and 'w', not {mode!r}")
    return _atomic_open(_resolve_target(path), mode, durable, encoding)


@contextlib.contextmanager
def _atomic_open(target: Path, mode: str, durable: bool, encoding: str) -> Iterator[IO[Any]]:
    temp, fd = _create_temp(target)
    try:
        try:
            raw = io.FileIO(fd, "wb", closefd=True)
        except BaseException:
            os.close(fd)
            raise
        handle: IO[Any] = (
            io.BufferedWriter(raw)
            if mode == "wb"
            else io.TextIOWrapper(io.BufferedWriter(raw), encoding=encoding, newline="")
        )
        with handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(fd)
        os.replace(temp, target)
    except BaseException:
        _discard(temp)
        raise
    if durable:
        fsync_directory(target.parent)


def atomic_write_json(path: str | os.PathLike[str], obj: object, *, durable: bool = True) -> None:
    """`atomic_write` of `obj` as indented JSON (orjson) with a trailing newline."""
    atomic_write(
        path,
        orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE),
        durable=durable,
    )


def _resolve_target(path: str | os.PathLike[str]) -> Path:
    """The file to replace: `path`, or what it points to when it is a symlink."""
    target = Path(path)
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def _write_all(fd: int, payload: bytes, durable: bool) -> None:
    """Write every byte (looping over short writes), fsync if durable, close the fd."""
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)


def _create_temp(target: Path) -> tuple[Path, int]:
    """Create the temp file beside `target`, with the target's permission bits if it exists."""
    temp = target.parent / f".{_short(target.name)}.{secrets.token_hex(6)}{TEMP_SUFFIX}"
    try:
        # Permission bits only: setuid/setgid must not carry over to a file we now own.
        mode: int | None = os.stat(target).st_mode & 0o777
    except FileNotFoundError:
        mode = None
    fd = os.open(temp, _OPEN_FLAGS, 0o666)
    if mode is not None:
        try:
            os.fchmod(fd, mode)
        except BaseException:
            os.close(fd)
            _discard(temp)
            raise
    return temp, fd


def _short(name: str) -> str:
    """`name`, cut so that the temp name stays within NAME_MAX (255 bytes)."""
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) <= _NAME_ROOM:
        return name
    return encoded[:_NAME_ROOM].decode("utf-8", "ignore")


def _discard(temp: Path) -> None:
    # Best effort: the caller's original exception matters more than a cleanup error,
    # and a temp that cannot be removed is an orphan for sweep_orphans.
    with contextlib.suppress(OSError):
        os.unlink(temp)


def make_dirs_durable(directory: Path) -> None:
    """`mkdir -p`, with every directory it creates fsynced into its parent."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for new in reversed(missing):
        try:
            new.mkdir()
        except FileExistsError:
            continue  # made by a concurrent writer meanwhile; its entry is theirs to sync
        fsync_directory(new.parent)


def fsync_directory(directory: Path) -> None:
    """Make a directory's entries (renames, creations, removals) durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
