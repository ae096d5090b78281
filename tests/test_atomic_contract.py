"""The durable-write contract, clause by clause: defaults, encodings, descriptors, names, sweeps.

`test_atomic.py` shows that writes are atomic and clean up after failures;
this module pins the rest of what callers rely on: every entry point is
durable unless told otherwise (and skips every fsync when told), text is
encoded as asked, no descriptor outlives a write, any file name that fits
the filesystem works, an error names the path the caller gave, and the
orphan sweep moves exactly the orphans old enough, with their sidecars.
"""

from __future__ import annotations

import errno
import io
import os
import signal
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from opsguard import atomic_open, atomic_write, atomic_write_json, atomic_write_many, sweep_orphans
from opsguard.core.atomic import TEMP_PATTERN, TEMP_SUFFIX, NotRegularTarget, fsync_directory
from opsguard.core.atomic import make_dirs_durable as make_dirs
from opsguard.core.quarantine import SweptOrphan

DATA = b"payload\n"
needs_proc = pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir(), reason="counts descriptors in /proc/self/fd"
)


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What each fsync synced: `file` or `dir`."""
    synced: list[str] = []
    real_fsync = os.fsync

    def recording(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording)
    yield synced


def _write_with(how: str, path: Path, **kwargs: Any) -> None:
    if how == "atomic_write":
        atomic_write(path, DATA, **kwargs)
    elif how == "atomic_write_json":
        atomic_write_json(path, {"a": 1}, **kwargs)
    elif how == "atomic_write_many":
        atomic_write_many([(path, DATA)], **kwargs)
    else:
        with atomic_open(path, **kwargs) as handle:
            handle.write(DATA)


WRITERS = ["atomic_write", "atomic_write_json", "atomic_write_many", "atomic_open"]


# --- durability: on by default, fully off on request --------------------------------------------


@pytest.mark.parametrize("how", WRITERS)
def test_every_writer_is_durable_by_default(tmp_path: Path, fsyncs: list[str], how: str) -> None:
    _write_with(how, tmp_path / "out")

    assert fsyncs == ["file", "dir"]


@pytest.mark.parametrize("how", WRITERS)
def test_durable_false_skips_every_fsync(tmp_path: Path, fsyncs: list[str], how: str) -> None:
    _write_with(how, tmp_path / "out", durable=False)

    assert fsyncs == []
    assert (tmp_path / "out").exists()


# --- text --------------------------------------------------------------------------------------


def test_atomic_open_text_is_utf8_by_default_and_keeps_newlines(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"

    with atomic_open(target, "w") as handle:
        handle.write("grüße\r\nzeile\n")

    assert target.read_bytes() == "grüße\r\nzeile\n".encode()


def test_atomic_open_text_honours_the_encoding(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"

    with atomic_open(target, "w", encoding="utf-16") as handle:
        handle.write("é")

    assert target.read_bytes() == "é".encode("utf-16")


@pytest.mark.parametrize("encoding", [None, "latin-1"])
def test_atomic_write_many_encodes_text(tmp_path: Path, encoding: str | None) -> None:
    items: list[tuple[Path, str | bytes]] = [
        (tmp_path / "a.txt", "grüße"),
        (tmp_path / "b.bin", b"\x00"),
    ]
    if encoding is None:
        atomic_write_many(items)
    else:
        atomic_write_many(items, encoding=encoding)

    assert (tmp_path / "a.txt").read_bytes() == "grüße".encode(encoding or "utf-8")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00"


# --- descriptors and failures --------------------------------------------------------------------


@needs_proc
@pytest.mark.parametrize("mode", ["wb", "w"])
def test_atomic_open_leaves_no_descriptor_open(tmp_path: Path, mode: str) -> None:
    before = _open_fds()

    with atomic_open(tmp_path / "t", mode) as handle:  # type: ignore[call-overload]
        handle.write(b"x" if mode == "wb" else "x")

    assert _open_fds() == before


@needs_proc
def test_atomic_open_cleans_up_when_its_file_object_cannot_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fileio(*args: Any, **kwargs: Any) -> io.FileIO:
        raise MemoryError("no room for a buffer")

    before = _open_fds()
    monkeypatch.setattr(io, "FileIO", no_fileio)
    with pytest.raises(MemoryError), atomic_open(tmp_path / "t"):
        pass  # pragma: no cover - never entered

    assert _open_fds() == before
    assert list(tmp_path.iterdir()) == []


@needs_proc
def test_a_failing_chmod_closes_and_removes_the_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "t"
    target.write_bytes(b"old")

    def fchmod(fd: int, mode: int) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    before = _open_fds()
    monkeypatch.setattr(os, "fchmod", fchmod)
    with pytest.raises(PermissionError):
        atomic_write(target, DATA)

    assert _open_fds() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t"]
    assert target.read_bytes() == b"old"


def test_an_error_names_the_path_as_the_caller_gave_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    with pytest.raises(FileNotFoundError) as caught:
        atomic_write(Path("missing") / "out.json", DATA)

    assert str(caught.value.filename).startswith("missing/.out.json.")


def test_fsync_directory_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"")

    with pytest.raises(NotADirectoryError):
        fsync_directory(tmp_path / "f")


# --- names -------------------------------------------------------------------------------------


def test_a_name_that_is_not_utf8_can_be_written(tmp_path: Path) -> None:
    target = tmp_path / "caf\udce9.json"  # the byte 0xE9, as os.listdir would decode it

    atomic_write(target, DATA)

    assert os.listdir(tmp_path) == ["caf\udce9.json"]
    assert target.read_bytes() == DATA


@pytest.fixture
def temps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names `os.open` is called with, in order (a temp name is the first)."""
    names: list[str] = []
    real_open = os.open

    def recording_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        names.append(Path(path).name)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)
    return names


def test_a_long_multibyte_name_is_cut_on_a_character_boundary(
    tmp_path: Path, temps: list[str]
) -> None:
    target = tmp_path / ("é" * 127)  # 254 bytes: fits, but its temp name must be cut

    atomic_write(target, DATA)

    assert target.read_bytes() == DATA
    temp = temps[0]
    assert len(temp.encode()) <= 255
    match = TEMP_PATTERN.match(temp)
    assert match is not None
    assert match["name"] == "é" * 118  # 237 bytes would split a character: 236 kept


def test_a_name_at_the_limit_is_kept_whole_in_its_temp_name(
    tmp_path: Path, temps: list[str]
) -> None:
    # 237 bytes, one of them not UTF-8: the longest name a temp name holds without a cut.
    name = "\udce9" + "a" * 236
    atomic_write(tmp_path / name, DATA)

    match = TEMP_PATTERN.match(temps[0])
    assert match is not None
    assert match["name"] == name
    assert os.listdir(tmp_path) == [name]


# --- directories -------------------------------------------------------------------------------


def test_make_dirs_durable_goes_on_when_a_level_appears_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_mkdir = Path.mkdir

    def racing_mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        if self == tmp_path / "a":
            real_mkdir(self)  # another writer made it first
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", racing_mkdir)
    make_dirs(tmp_path / "a" / "b" / "c")

    assert (tmp_path / "a" / "b" / "c").is_dir()


# --- the orphan sweep --------------------------------------------------------------------------

NOW = 1_760_000_000.0


def _orphan(directory: Path, name: str, age_s: float, data: bytes = b"orphan") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f".{name}.0123456789ab{TEMP_SUFFIX}"
    path.write_bytes(data)
    os.utime(path, (NOW - age_s, NOW - age_s))
    return path


def test_the_sweep_reports_each_orphan_whole(tmp_path: Path) -> None:
    orphan = _orphan(tmp_path / "data", "x.json", 7200, b"12345")
    quarantine = tmp_path / "quarantine"

    (swept,) = sweep_orphans(tmp_path / "data", 3600, quarantine, now=NOW)

    # Filed under the moment it was moved (the real clock), keeping its path below the tree.
    stored = swept.moved_to
    assert stored.relative_to(quarantine / "orphans").parts[1:] == (orphan.name,)
    assert swept == SweptOrphan(orphan, stored, 5, 7200.0)
    assert stored.read_bytes() == b"12345"
    sidecar = orjson.loads(stored.with_name(stored.name + ".why.json").read_bytes())
    assert sidecar["reason"] == "temp file of a writer that did not finish (age 7200 s)"


def test_an_orphan_exactly_old_enough_is_swept(tmp_path: Path) -> None:
    orphan = _orphan(tmp_path, "x.json", 3600)

    swept = sweep_orphans(tmp_path, 3600, tmp_path / "quarantine", now=NOW)

    assert [s.original for s in swept] == [orphan]


def test_the_sweep_goes_on_past_everything_it_leaves(tmp_path: Path) -> None:
    data = tmp_path / "data"
    quarantine = data / "a-quarantine"  # inside the tree, listed first
    _orphan(quarantine, "q.json", 7200)
    (data / "b.txt").parent.mkdir(parents=True, exist_ok=True)
    (data / "b.txt").write_bytes(b"not a temp")  # sorts before the orphans
    (data / "c").mkdir()
    (data / "c" / ".a-notes").write_bytes(b"not a temp either")  # sorts before the orphans
    young = _orphan(data / "c", "a.json", 10)  # too young, sorts first
    old = _orphan(data / "c", "b.json", 7200)
    link = data / "c" / ".a0.json.0123456789ab.tmp"
    link.symlink_to(old)  # a symlink, sorts first
    deeper = _orphan(data / "d", "z.json", 7200)

    swept = sweep_orphans(data, 3600, quarantine, now=NOW)

    assert [s.original for s in swept] == [old, deeper]
    assert young.exists() and link.is_symlink()


def test_the_sweep_uses_the_real_clock_by_default(tmp_path: Path) -> None:
    old = tmp_path / ".x.json.0123456789ab.tmp"
    old.write_bytes(b"x")
    past = time.time() - 7200
    os.utime(old, (past, past))

    (swept,) = sweep_orphans(tmp_path, 3600, tmp_path / "quarantine")

    assert 7200 <= swept.age_s < 7200 + 600


# --- targets that are not regular files: written through, or refused; never replaced -----------

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mknod of device nodes needs root")


def _device(tmp_path: Path, name: str) -> Path:
    """A character device to write to: as root a copy of /dev/NAME made with mknod, never the
    real one (a broken writer, or a mutant under mutation testing, would replace the system's
    /dev/null with a regular file); as another user the real one, which it cannot replace."""
    if os.geteuid() != 0:
        return Path("/dev") / name
    (tmp_path / "dev").mkdir(exist_ok=True)
    copy = tmp_path / "dev" / name
    os.mknod(copy, stat.S_IFCHR | 0o666, os.stat(f"/dev/{name}").st_rdev)
    return copy


@pytest.fixture
def null(tmp_path: Path) -> Path:
    return _device(tmp_path, "null")


class _Reader:
    """The read end of a FIFO, opened before the write (a FIFO nobody reads is an error),
    drained by a thread so that a payload larger than the pipe buffer can go through."""

    def __init__(self, fifo: Path) -> None:
        self.fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        os.set_blocking(self.fd, True)
        self.data = bytearray()
        self.finished = threading.Event()
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        # A FIFO reads as ended (b"") while no writer has it open: keep reading until the
        # test says the write returned and the pipe is empty.
        while True:
            chunk = os.read(self.fd, 65536)
            if chunk:
                self.data += chunk
            elif self.finished.is_set():
                return
            time.sleep(0.001)  # a slow reader: the writer must wait, not fail, on a full pipe

    def done(self) -> bytes:
        self.finished.set()
        self.thread.join(timeout=30)
        # What came after the thread's last empty read (the writer has closed: no wait).
        while chunk := os.read(self.fd, 65536):
            self.data += chunk
        os.close(self.fd)
        return bytes(self.data)


def _kind(path: Path) -> str:
    mode = os.lstat(path).st_mode
    return {
        stat.S_IFIFO: "fifo",
        stat.S_IFCHR: "chr",
        stat.S_IFBLK: "blk",
        stat.S_IFSOCK: "sock",
        stat.S_IFDIR: "dir",
        stat.S_IFREG: "reg",
        stat.S_IFLNK: "lnk",
    }[stat.S_IFMT(mode)]


@pytest.mark.parametrize("how", ["atomic_write", "atomic_write_json", "atomic_open"])
def test_a_fifo_is_written_through_and_stays_a_fifo(tmp_path: Path, how: str) -> None:
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    reader = _Reader(fifo)

    _write_with(how, fifo)

    expected = b'{\n  "a": 1\n}\n' if how == "atomic_write_json" else DATA
    assert reader.done() == expected
    assert _kind(fifo) == "fifo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temp file


def test_a_payload_larger_than_the_pipe_waits_for_a_slow_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "big.json"
    os.mkfifo(fifo)
    payload = os.urandom(1024 * 1024)  # 16 times a pipe's buffer
    reader = _Reader(fifo)

    atomic_write(fifo, payload)

    assert reader.done() == payload


@pytest.mark.parametrize(("mode", "text"), [("wb", b"caf\xe9\n"), ("w", "café\n")])
def test_atomic_open_streams_through_a_fifo_in_its_encoding(
    tmp_path: Path, mode: str, text: Any
) -> None:
    fifo = tmp_path / "out.txt"
    os.mkfifo(fifo)
    reader = _Reader(fifo)

    with atomic_open(fifo, mode, encoding="latin-1") as handle:  # type: ignore[call-overload]
        handle.write(text)

    assert reader.done() == b"caf\xe9\n"
    assert _kind(fifo) == "fifo"


def test_a_fifo_nobody_reads_is_an_error_not_a_wait(tmp_path: Path) -> None:
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)

    def hung(_signum: int, _frame: object) -> None:
        raise TimeoutError("the write waited for a reader")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        with pytest.raises(OSError) as info:
            atomic_write(fifo, DATA)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

    assert (info.value.errno, info.value.strerror) == (errno.ENXIO, "a FIFO that nobody reads")
    assert info.value.filename == fifo
    assert _kind(fifo) == "fifo"


def test_other_errors_opening_a_fifo_or_a_device_are_left_as_they_are(
    tmp_path: Path, null: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    real_open = os.open
    raised = {
        str(fifo): PermissionError(errno.EACCES, "Permission denied"),
        str(null): OSError(errno.ENXIO, "No such device or address"),
    }

    def failing(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path) in raised:
            raise raised[str(path)]
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing)
    with pytest.raises(PermissionError, match="Permission denied"):
        atomic_write(fifo, DATA)
    # ENXIO from a device means no device, not "nobody reads".
    with pytest.raises(OSError) as info:
        atomic_write(null, DATA)
    assert info.value.strerror == "No such device or address"
    assert _kind(null) == "chr"


def test_write_through_opens_without_creating_truncating_or_a_terminal(
    null: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[int] = []
    real_open = os.open

    def recording(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        opened.append(flags)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", recording)
    atomic_write(null, DATA)

    (flags,) = opened
    assert flags & os.O_ACCMODE == os.O_WRONLY
    wanted = os.O_NOCTTY | os.O_CLOEXEC | os.O_NONBLOCK
    assert flags & wanted == wanted
    assert flags & (os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_EXCL) == 0


@pytest.mark.parametrize("how", WRITERS[:2] + WRITERS[3:])
def test_dev_null_and_a_link_to_it_are_written_through(
    tmp_path: Path, null: Path, fsyncs: list[str], how: str
) -> None:
    link = tmp_path / "null.json"
    link.symlink_to(null)

    _write_with(how, null)
    _write_with(how, link)

    assert _kind(null) == "chr"
    assert _kind(link) == "lnk" and os.readlink(link) == str(null)
    assert fsyncs == []  # nothing to fsync or rename: a device has no file to make durable
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "dev") == ["null.json"]


@needs_root
def test_a_copy_of_dev_null_and_dev_full_are_never_replaced(tmp_path: Path, null: Path) -> None:
    full = _device(tmp_path, "full")

    atomic_write(null, DATA)
    with pytest.raises(OSError) as info:
        atomic_write(full, DATA)

    assert info.value.errno == errno.ENOSPC
    assert (_kind(null), _kind(full)) == ("chr", "chr")
    assert sorted(p.name for p in (tmp_path / "dev").iterdir()) == ["full", "null"]


def _refused(path: Path, kind: str, how: str = "atomic_write") -> None:
    with pytest.raises(OSError) as info:
        _write_with(how, path)
    assert isinstance(info.value, NotRegularTarget)
    assert info.value.errno == errno.EINVAL
    assert info.value.strerror == f"not a regular file ({kind}); not replaced"
    assert info.value.filename == path


@pytest.mark.parametrize("how", WRITERS)
def test_a_directory_or_a_socket_is_refused_and_left_alone(tmp_path: Path, how: str) -> None:
    directory = tmp_path / "out.json"
    directory.mkdir()
    sock_path = tmp_path / "s.json"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    try:
        _refused(directory, "directory", how)
        _refused(sock_path, "socket", how)
    finally:
        server.close()
    assert (_kind(directory), _kind(sock_path)) == ("dir", "sock")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "s.json"]


@needs_root
def test_a_block_device_is_refused_and_left_alone(tmp_path: Path) -> None:
    block = tmp_path / "disk"
    os.mknod(block, stat.S_IFBLK | 0o600, os.makedev(7, 0))

    for how in WRITERS:
        _refused(block, "block device", how)

    assert _kind(block) == "blk"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disk"]


def test_a_batch_with_a_device_or_fifo_changes_nothing(tmp_path: Path, null: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    first = batch / "a.json"
    first.write_bytes(b"old")
    fifo = batch / "b.json"
    os.mkfifo(fifo)

    with pytest.raises(NotRegularTarget, match=r"not a regular file \(FIFO\); not replaced"):
        atomic_write_many([(first, DATA), (fifo, DATA)])
    with pytest.raises(NotRegularTarget, match=r"\(character device\)"):
        atomic_write_many([(first, DATA), (null, DATA)])

    assert first.read_bytes() == b"old"
    assert (_kind(fifo), _kind(null)) == ("fifo", "chr")
    assert sorted(p.name for p in batch.iterdir()) == ["a.json", "b.json"]


def test_a_dangling_link_still_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")

    atomic_write(link, DATA)

    assert (tmp_path / "new.json").read_bytes() == DATA
    assert link.is_symlink()
