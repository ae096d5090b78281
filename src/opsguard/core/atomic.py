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

Targets that are not regular files are never replaced: replacing `/dev/null`
or a FIFO a reader waits on with a regular file (as root, a rename can) would
break the system or the reader. A character device or a FIFO is written
through instead (`--json /dev/stdout`, `--json /dev/null`, a pipe): opened
without creating or truncating, every byte written, nothing to fsync or
rename, so the atomic guarantee does not apply there. A FIFO with no reader is
an error (`ENXIO`) rather than a wait. A directory, a socket or a block
device is refused with `NotRegularTarget` before anything is written.

Ownership is not copied: a file replaced by another user (root) becomes that
user's. Windows is not supported (no directory fsync, weaker rename).
"""

from __future__ import annotations

import contextlib
import errno
import io
import operator
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Literal, overload

import orjson

from .files import special_kind

__all__ = [
    "TEMP_PATTERN",
    "TEMP_SUFFIX",
    "NotRegularTarget",
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
# A device or FIFO is opened as it is: never created, never truncated, never a controlling
# terminal, and a FIFO without a reader fails at once (ENXIO) instead of blocking.
_THROUGH_FLAGS = os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC | os.O_NONBLOCK


class NotRegularTarget(OSError):
    """A target that is neither a regular file nor writable through (a directory, a
    socket, a block device): it is never replaced."""


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
    through = _open_through(path)
    if through is not None:
        # Nothing to fsync (a pipe refuses it) and nothing to rename: write and close.
        try:
            _write_bytes(through, payload)
        finally:
            os.close(through)
        return
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
            # A batch stages every file before it replaces one; a device or FIFO has nothing
            # to stage, so it has no place in one.
            _refuse_special(path)
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
    through = _open_through(path)
    if through is not None:
        return _through_open(through, mode, encoding)
    return _atomic_open(_resolve_target(path), mode, durable, encoding)


@contextlib.contextmanager
def _atomic_open(target: Path, mode: str, durable: bool, encoding: str) -> Iterator[IO[Any]]:
    temp, fd = _create_temp(target)
    try:
        handle = _handle(fd, mode, encoding)
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


@contextlib.contextmanager
def _through_open(fd: int, mode: str, encoding: str) -> Iterator[IO[Any]]:
    """Stream into a device or FIFO: what is written goes out as it is written."""
    with _handle(fd, mode, encoding) as handle:
        yield handle


def _handle(fd: int, mode: str, encoding: str) -> IO[Any]:
    """A buffered binary or text handle that owns `fd` (closed here if wrapping fails)."""
    try:
        raw = io.FileIO(fd, "wb", closefd=True)
    except BaseException:
        os.close(fd)
        raise
    if mode == "wb":
        return io.BufferedWriter(raw)
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding=encoding, newline="")


def atomic_write_json(
    path: str | os.PathLike[str],
    obj: object,
    *,
    durable: bool = True,
    default: Callable[[Any], Any] | None = None,
) -> None:
    """`atomic_write` of `obj` as indented JSON (orjson) with a trailing newline.

    A number of a type orjson does not take is written as the Python number it
    stands for: numpy scalars (`numpy.float64`, `numpy.int64`, `numpy.bool_`,
    through their `item()`) and any other int or float subclass (`__index__`,
    `float()`), found by duck typing, so numpy is never imported. Anything else
    goes to `default`, called as `json.dump` calls it (return something
    serializable, or raise `TypeError`). `Decimal` is not guessed at: turning it
    into a float loses digits, so it is `default`'s call. Nothing is written when
    serializing fails.
    """
    payload = orjson.dumps(
        obj,
        default=_json_default(default),
        option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_SERIALIZE_NUMPY,
    )
    atomic_write(path, payload, durable=durable)


def _json_default(default: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        item = getattr(value, "item", None)
        if callable(item) and hasattr(value, "dtype"):  # a numpy scalar, by its look
            plain = item()
            if isinstance(plain, bool | int | float):
                return plain
        if isinstance(value, float):
            return float(value)  # a float subclass (orjson takes exact floats only)
        if hasattr(value, "__index__") and not isinstance(value, bool):
            return operator.index(value)  # an exact integer of another type
        if default is not None:
            return default(value)
        # orjson reports "Type is not JSON serializable: <type>" itself, whatever we say.
        raise TypeError

    return convert


def _open_through(path: str | os.PathLike[str]) -> int | None:
    """A descriptor to write through when `path` is a character device or a FIFO; None when
    it is a regular file or does not exist; `NotRegularTarget` for anything else."""
    kind = _special(path)
    if kind is None:
        return None
    if kind not in ("character device", "FIFO"):
        raise NotRegularTarget(errno.EINVAL, f"not a regular file ({kind}); not replaced", path)
    try:
        fd = os.open(path, _THROUGH_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ENXIO and kind == "FIFO":
            raise OSError(errno.ENXIO, "a FIFO that nobody reads", path) from None
        raise
    # Blocking again, so that a full pipe makes the writes wait rather than fail.
    os.set_blocking(fd, True)
    return fd


def _refuse_special(path: str | os.PathLike[str]) -> None:
    kind = _special(path)
    if kind is not None:
        raise NotRegularTarget(errno.EINVAL, f"not a regular file ({kind}); not replaced", path)


def _special(path: str | os.PathLike[str]) -> str | None:
    """What `path` (symlinks followed) is when it exists and is not a regular file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None  # a new file (or a dangling link, whose target is created)
    if stat.S_ISREG(mode):
        return None
    # Symlinks are followed, so what is neither a file nor special is a directory.
    return special_kind(mode) or "directory"


def _resolve_target(path: str | os.PathLike[str]) -> Path:
    """The file to replace: `path`, or what it points to when it is a symlink."""
    target = Path(path)
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def _write_all(fd: int, payload: bytes, durable: bool) -> None:
    """Write every byte (looping over short writes), fsync if durable, close the fd."""
    try:
        _write_bytes(fd, payload)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)


def _write_bytes(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


def _create_temp(target: Path) -> tuple[Path, int]:
    """Create the temp file beside `target`, with the target's permission bits if it exists."""
    # os.urandom is what `secrets.token_hex` reads; `secrets` would add hmac and hashlib
    # to the start-up of every command that writes.
    temp = target.parent / f".{_short(target.name)}.{os.urandom(6).hex()}{TEMP_SUFFIX}"
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
