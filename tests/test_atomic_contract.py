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
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from opsguard import atomic_open, atomic_write, atomic_write_json, atomic_write_many, sweep_orphans
from opsguard.core.atomic import TEMP_PATTERN, TEMP_SUFFIX, fsync_directory
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


def test_a_long_multibyte_name_is_cut_on_a_character_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / ("é" * 127)  # 254 bytes: fits, but its temp name must be cut
    temps: list[str] = []
    real_open = os.open

    def recording_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        temps.append(Path(path).name)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)
    atomic_write(target, DATA)

    assert target.read_bytes() == DATA
    temp = temps[0]
    assert len(temp.encode()) <= 255
    match = TEMP_PATTERN.match(temp)
    assert match is not None
    assert match["name"] == "é" * 118  # 237 bytes would split a character: 236 kept


def test_a_name_at_the_limit_is_kept_whole_in_its_temp_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 237 bytes, one of them not UTF-8: the longest name a temp name holds without a cut.
    name = "\udce9" + "a" * 236
    temps: list[str] = []
    real_open = os.open

    def recording_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        temps.append(Path(path).name)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)
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
