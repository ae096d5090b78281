"""Crash-safe file replacement: after a crash the target holds the old or the new bytes.

Hand-written because no maintained Python library does the whole protocol:
python-atomicwrites is archived and leaves files 0600, boltons and `safer`
skip the directory fsync, pip's helper leaves cleanup to the caller. The
protocol here: a temp file beside the target (same filesystem), created with
`O_EXCL | O_NOFOLLOW | O_CLOEXEC` and mode 0o666 so the umask applies as for
any new file (an existing target's permission bits are copied instead); all
bytes written (short writes looped); `fsync`; `os.replace` over the target;
then `fsync` of the directory so the rename itself survives power loss.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, overload

import orjson

__all__ = ["TEMP_SUFFIX", "atomic_open", "atomic_write", "atomic_write_json"]

TEMP_SUFFIX = ".tmp"
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

    On any error the temp file is removed, the target is untouched and the
    original exception propagates; an fsync error is never retried (the page
    cache may already have dropped the data).
    """
    payload = data.encode(encoding) if isinstance(data, str) else bytes(data)
    target = Path(path)
    temp, fd = _create_temp(target)
    try:
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        _discard(temp)
        raise
    if durable:
        _fsync_directory(target.parent)


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
    return _atomic_open(Path(path), mode, durable, encoding)


@contextlib.contextmanager
def _atomic_open(target: Path, mode: str, durable: bool, encoding: str) -> Iterator[IO[Any]]:
    temp, fd = _create_temp(target)
    try:
        raw = io.FileIO(fd, "wb", closefd=True)
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
        _fsync_directory(target.parent)


def atomic_write_json(path: str | os.PathLike[str], obj: object, *, durable: bool = True) -> None:
    """`atomic_write` of `obj` as indented JSON (orjson) with a trailing newline."""
    atomic_write(
        path,
        orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE),
        durable=durable,
    )


def _create_temp(target: Path) -> tuple[Path, int]:
    """Create the temp file beside `target`, with the target's permission bits if it exists."""
    temp = target.parent / f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}"
    try:
        mode: int | None = os.stat(target).st_mode & 0o7777
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


def _discard(temp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
