"""Crash-safe writes: content, permissions, no leftovers, and the failure paths."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from opsguard import atomic_write, atomic_write_json
from opsguard.atomic import TEMP_SUFFIX

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
