"""Crash-safe writes: content, permissions, no leftovers, and the failure paths."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from opsguard import atomic_open, atomic_write, atomic_write_json, atomic_write_many, sweep_orphans
from opsguard.core.atomic import TEMP_SUFFIX, make_dirs_durable

OLD = b"old content\n"
NEW = b"new content, longer than the old one\n" * 10


def _listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _temp_files(directory: Path) -> list[str]:
    return [n for n in _listing(directory) if n.startswith(".") and n.endswith(TEMP_SUFFIX)]


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize("durable", [True, False])
def test_replaces_bytes(tmp_path: Path, durable: bool) -> None:
    target = tmp_path / "target.bin"
    target.write_bytes(OLD)
    atomic_write(target, NEW, durable=durable)
    assert target.read_bytes() == NEW
    assert _listing(tmp_path) == ["target.bin"]


@pytest.mark.parametrize("durable", [True, False])
def test_creates_new_file(tmp_path: Path, durable: bool) -> None:
    target = tmp_path / "fresh.bin"
    atomic_write(str(target), NEW, durable=durable)
    assert target.read_bytes() == NEW
    assert _listing(tmp_path) == ["fresh.bin"]


def test_empty_payload(tmp_path: Path) -> None:
    target = tmp_path / "t.bin"
    target.write_bytes(OLD)
    atomic_write(target, b"")
    assert target.read_bytes() == b""
    assert _listing(tmp_path) == ["t.bin"]


@pytest.mark.parametrize(
    ("text", "encoding"),
    [("héllo wörld ✓\n", "utf-8"), ("héllo wörld\n", "latin-1"), ("plain\n", "ascii")],
)
def test_str_is_encoded(tmp_path: Path, text: str, encoding: str) -> None:
    target = tmp_path / "t.txt"
    target.write_bytes(OLD)
    atomic_write(target, text, encoding=encoding)
    assert target.read_bytes() == text.encode(encoding)


def test_str_defaults_to_utf8(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    atomic_write(target, "grüße ✓")
    assert target.read_bytes() == "grüße ✓".encode()


def test_unencodable_str_leaves_target_alone(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    target.write_bytes(OLD)
    with pytest.raises(UnicodeEncodeError):
        atomic_write(target, "✓", encoding="ascii")
    assert target.read_bytes() == OLD
    assert _listing(tmp_path) == ["t.txt"]


@pytest.mark.usefixtures("umask_022")
def test_new_file_mode_follows_umask(tmp_path: Path) -> None:
    target = tmp_path / "new.txt"
    atomic_write(target, NEW)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_new_file_mode_follows_a_stricter_umask(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        atomic_write(tmp_path / "new.txt", NEW)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o600


@pytest.mark.usefixtures("umask_022")
@pytest.mark.parametrize("mode", [0o640, 0o600, 0o664, 0o444])
def test_existing_target_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "kept.txt"
    target.write_bytes(OLD)
    target.chmod(mode)
    atomic_write(target, NEW)
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.read_bytes() == NEW
    assert _listing(tmp_path) == ["kept.txt"]


# --- failures --------------------------------------------------------------------------------


def _failing(err: int) -> tuple[OSError, Callable[..., object]]:
    exc = OSError(err, os.strerror(err))

    def fail(*_args: object, **_kwargs: object) -> object:
        raise exc

    return exc, fail


@pytest.mark.parametrize("existing", [True, False], ids=["existing", "new"])
@pytest.mark.parametrize(
    ("function", "err"),
    [("write", errno.ENOSPC), ("fsync", errno.EIO), ("replace", errno.EACCES)],
)
def test_failure_keeps_target_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool, function: str, err: int
) -> None:
    target = tmp_path / "target.bin"
    if existing:
        target.write_bytes(OLD)
    exc, fail = _failing(err)
    with monkeypatch.context() as patch, pytest.raises(OSError) as exc_info:
        patch.setattr(os, function, fail)
        atomic_write(target, NEW)
    assert exc_info.value is exc
    assert exc_info.value.errno == err
    assert _temp_files(tmp_path) == []
    if existing:
        assert target.read_bytes() == OLD
        assert _listing(tmp_path) == ["target.bin"]
    else:
        assert _listing(tmp_path) == []


def test_failure_partway_through_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "target.bin"
    target.write_bytes(OLD)
    real_write = os.write
    calls = 0

    def write_then_fail(fd: int, data: bytes) -> int:
        nonlocal calls
        calls += 1
        if calls > 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, bytes(data)[:5])

    with monkeypatch.context() as patch, pytest.raises(OSError) as exc_info:
        patch.setattr(os, "write", write_then_fail)
        atomic_write(target, NEW)
    assert exc_info.value.errno == errno.ENOSPC
    assert calls == 3
    assert target.read_bytes() == OLD
    assert _listing(tmp_path) == ["target.bin"]


def test_interrupt_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "target.bin"
    target.write_bytes(OLD)

    def interrupted(*_args: object) -> int:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(os, "write", interrupted)
        atomic_write(target, NEW)
    assert target.read_bytes() == OLD
    assert _listing(tmp_path) == ["target.bin"]


def test_short_writes_are_looped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "target.bin"
    target.write_bytes(OLD)
    real_write = os.write
    sizes: list[int] = []

    def short_write(fd: int, data: bytes) -> int:
        written = real_write(fd, bytes(data)[:3])
        sizes.append(written)
        return written

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", short_write)
        atomic_write(target, NEW)
    assert target.read_bytes() == NEW
    assert sum(sizes) == len(NEW)
    assert len(sizes) == -(-len(NEW) // 3)
    assert _listing(tmp_path) == ["target.bin"]


# --- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("durable", [True, False])
def test_atomic_write_json(tmp_path: Path, durable: bool) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(OLD)
    obj = {"schema": "opsguard.result/1", "n": [1, 2.5, None, True], "text": "ü ✓", "nested": {}}
    atomic_write_json(target, obj, durable=durable)
    raw = target.read_bytes()
    assert orjson.loads(raw) == obj
    assert raw.endswith(b"}\n")
    assert b'\n  "schema": ' in raw
    assert _listing(tmp_path) == ["out.json"]


def test_atomic_write_json_refuses_unserializable_without_touching_target(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(OLD)
    with pytest.raises(TypeError):
        atomic_write_json(target, {"x": object()})
    assert target.read_bytes() == OLD
    assert _listing(tmp_path) == ["out.json"]


@pytest.mark.parametrize(("durable", "expected"), [(True, 2), (False, 0)])
def test_durable_fsyncs_file_and_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durable: bool, expected: int
) -> None:
    real_fsync = os.fsync
    synced: list[int] = []

    def counting_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", counting_fsync)
        atomic_write(tmp_path / "t.bin", NEW, durable=durable)
    assert len(synced) == expected
    assert (tmp_path / "t.bin").read_bytes() == NEW


# --- symlinks: the link is followed, the file it points to is replaced, the link stays ---


def test_symlinked_target_is_written_through(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "data.json"
    real.write_bytes(OLD)
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)

    atomic_write(link, NEW)

    assert link.is_symlink()
    assert real.read_bytes() == NEW
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert _temp_files(tmp_path) == [] and _temp_files(real_dir) == []


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "missing.json")

    atomic_write(link, NEW)

    assert link.is_symlink()
    assert (tmp_path / "missing.json").read_bytes() == NEW


# --- atomic_open: streaming, committed only on a clean exit ---


@pytest.mark.parametrize("durable", [True, False])
def test_atomic_open_commits_on_clean_exit(tmp_path: Path, durable: bool) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(OLD)

    with atomic_open(target, durable=durable) as fh:
        fh.write(b"line 1\n")
        assert target.read_bytes() == OLD  # nothing visible before the commit
        fh.write(b"line 2\n")

    assert target.read_bytes() == b"line 1\nline 2\n"
    assert _listing(tmp_path) == ["out.jsonl"]


def test_atomic_open_text_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"

    with atomic_open(target, "w", encoding="utf-8") as fh:
        fh.write("héllo\r\n")

    assert target.read_bytes() == "héllo\r\n".encode()


def test_atomic_open_abort_leaves_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(OLD)

    with pytest.raises(RuntimeError, match="boom"), atomic_open(target) as fh:
        fh.write(b"partial")
        raise RuntimeError("boom")

    assert target.read_bytes() == OLD
    assert _listing(tmp_path) == ["out.jsonl"]


def test_atomic_open_rejects_other_modes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="modes"):
        atomic_open(tmp_path / "x", "ab")  # type: ignore[call-overload]


# --- atomic_write_many: stage everything, then replace, one fsync per directory ---


def test_batch_writes_every_file_and_fsyncs_each_directory_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    items = [(tmp_path / d / f"{i}.json", f"{d}{i}".encode()) for d in "ab" for i in range(5)]
    directory_fsyncs: list[str] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            directory_fsyncs.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    atomic_write_many(items)

    for path, data in items:
        assert path.read_bytes() == data
    assert sorted(directory_fsyncs) == [str(tmp_path / "a"), str(tmp_path / "b")]


def test_batch_staging_failure_changes_no_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = [tmp_path / f"{i}.txt" for i in range(3)]
    for target in targets:
        target.write_bytes(OLD)
    real_write = os.write
    calls = {"n": 0}

    def failing_third_write(fd: int, data: bytes | memoryview) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", failing_third_write)
    with pytest.raises(OSError) as caught:
        atomic_write_many((t, NEW) for t in targets)

    assert caught.value.errno == errno.ENOSPC
    assert [t.read_bytes() for t in targets] == [OLD, OLD, OLD]
    assert _temp_files(tmp_path) == []


def test_batch_refuses_a_target_named_twice(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    with pytest.raises(ValueError, match="twice"):
        atomic_write_many([(target, b"1"), (tmp_path / "." / "x.txt", b"2")])
    assert not target.exists()
    assert _temp_files(tmp_path) == []


# --- sweep_orphans: move, never delete ---


def _orphan(directory: Path, name: str, data: bytes, age_s: float, now: float) -> Path:
    path = directory / f".{name}.0123456789ab{TEMP_SUFFIX}"
    path.write_bytes(data)
    os.utime(path, (now - age_s, now - age_s))
    return path


def test_sweep_moves_old_orphans_into_quarantine(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "sub").mkdir(parents=True)
    quarantine = tmp_path / "quarantine"
    now = 1_760_000_000.0
    old = _orphan(data_dir / "sub", "2025-08-01.json", b"only copy", 7200, now)
    fresh = _orphan(data_dir, "live.json", b"being written", 5, now)
    lookalike = data_dir / ".notes.tmp"
    lookalike.write_bytes(b"not ours")
    os.utime(lookalike, (now - 7200, now - 7200))

    swept = sweep_orphans(data_dir, 3600, quarantine, now=now)

    assert [s.original for s in swept] == [old]
    moved = swept[0].moved_to
    assert moved.read_bytes() == b"only copy"
    assert moved.is_relative_to(quarantine / "orphans")
    assert moved.name == old.name and moved.parent.name == "sub"
    sidecar = orjson.loads(moved.with_name(moved.name + ".why.json").read_bytes())
    assert sidecar["original"] == str(old) and sidecar["size"] == len(b"only copy")
    assert not old.exists()
    assert fresh.exists() and lookalike.exists()
    assert sweep_orphans(data_dir, 3600, quarantine, now=now) == []


def test_sweep_skips_symlinks_and_the_quarantine_inside_the_tree(tmp_path: Path) -> None:
    now = 1_760_000_000.0
    quarantine = tmp_path / "quarantine"
    quarantine.mkdir()
    inside = _orphan(quarantine, "kept.json", b"already quarantined", 9999, now)
    link = tmp_path / ".link.json.0123456789ab.tmp"
    link.symlink_to(inside)

    assert sweep_orphans(tmp_path, 60, quarantine, now=now) == []
    assert inside.exists() and link.is_symlink()


def test_make_dirs_durable_creates_and_fsyncs_each_new_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    make_dirs_durable(tmp_path / "a" / "b" / "c")
    make_dirs_durable(tmp_path / "a" / "b" / "c")  # existing: nothing to do

    assert (tmp_path / "a" / "b" / "c").is_dir()
    assert synced == [str(tmp_path), str(tmp_path / "a"), str(tmp_path / "a" / "b")]


def test_a_name_at_the_filesystem_limit_can_be_written(tmp_path: Path) -> None:
    target = tmp_path / ("n" * 250)

    atomic_write(target, NEW)

    assert target.read_bytes() == NEW
    assert _listing(tmp_path) == [target.name]


def test_setuid_and_setgid_bits_are_not_copied(tmp_path: Path) -> None:
    target = tmp_path / "tool"
    target.write_bytes(OLD)
    target.chmod(0o6755)

    atomic_write(target, NEW)

    assert stat.S_IMODE(target.stat().st_mode) == 0o755


def test_a_failing_cleanup_does_not_hide_the_original_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_replace(src: object, dst: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    def failing_unlink(path: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "replace", failing_replace)
    monkeypatch.setattr(os, "unlink", failing_unlink)
    with pytest.raises(OSError) as caught:
        atomic_write(tmp_path / "x", NEW)

    assert caught.value.errno == errno.EXDEV


def test_batch_renames_that_happened_are_fsynced_when_a_later_one_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = [tmp_path / f"{i}.txt" for i in range(3)]
    real_replace, real_fsync = os.replace, os.fsync
    calls = {"replace": 0}
    directory_fsyncs: list[int] = []

    def second_replace_fails(src: str, dst: str) -> None:
        calls["replace"] += 1
        if calls["replace"] == 2:
            raise OSError(errno.EIO, "Input/output error")
        real_replace(src, dst)

    def recording_fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            directory_fsyncs.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "replace", second_replace_fails)
    monkeypatch.setattr(os, "fsync", recording_fsync)
    with pytest.raises(OSError):
        atomic_write_many((t, NEW) for t in targets)

    assert targets[0].read_bytes() == NEW
    assert not targets[1].exists() and not targets[2].exists()
    assert len(directory_fsyncs) == 1
    assert _temp_files(tmp_path) == []


def test_sweep_skips_an_orphan_that_vanishes_mid_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = 1_760_000_000.0
    vanishing = _orphan(tmp_path, "a.json", b"renamed by its writer", 7200, now)
    staying = _orphan(tmp_path, "b.json", b"orphan", 7200, now)
    real_lstat = Path.lstat

    def lstat_then_vanish(self: Path) -> os.stat_result:
        if self == vanishing:
            raise FileNotFoundError(errno.ENOENT, "gone", str(self))
        return real_lstat(self)

    monkeypatch.setattr(Path, "lstat", lstat_then_vanish)
    swept = sweep_orphans(tmp_path, 60, tmp_path / "quarantine", now=now)

    assert [s.original for s in swept] == [staying]


def test_sweep_goes_on_past_an_orphan_renamed_between_finding_and_moving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import opsguard.core.quarantine as quarantine_module

    now = 1_760_000_000.0
    vanishing = _orphan(tmp_path, "a.json", b"renamed by its writer", 7200, now)
    staying = _orphan(tmp_path, "b.json", b"orphan", 7200, now)
    real_move = quarantine_module.quarantine_file

    def move_or_vanish(path: Path, *args: Any, **kwargs: Any) -> Any:
        if path == vanishing:  # found as an orphan, then renamed by its writer
            raise FileNotFoundError(errno.ENOENT, "gone", str(path))
        return real_move(path, *args, **kwargs)

    monkeypatch.setattr(quarantine_module, "quarantine_file", move_or_vanish)
    swept = sweep_orphans(tmp_path, 60, tmp_path / "quarantine", now=now)

    assert [s.original for s in swept] == [staying]
    assert vanishing.exists()
