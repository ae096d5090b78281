"""The quarantine: data moved aside byte for byte, never overwritten, with a sidecar saying why.

Every entry is compared whole: where it is stored (kind, UTC stamp, original
relative path, a free name), its bytes and mtime, the sidecar's every field,
and the `QuarantineEntry` returned; plus the move across filesystems and
the refusal of anything but a regular file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from support import local_zone

from opsguard.core.quarantine import QuarantineEntry, quarantine_bytes, quarantine_file

NOW = 1_755_000_000.0  # 2025-08-12T12:00:00Z
STAMP = "20250812T120000Z"
ORIGINAL_MTIME = 1_754_000_000.0  # 2025-07-31T22:13:20Z


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "sub" / "day.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"a": 1}\n')
    os.utime(path, (ORIGINAL_MTIME, ORIGINAL_MTIME))
    return path


def _sidecar(entry: QuarantineEntry) -> dict[str, Any]:
    data = orjson.loads(entry.sidecar.read_bytes())
    assert isinstance(data, dict)
    return data


def test_quarantine_file_moves_the_file_and_describes_it(tmp_path: Path, source: Path) -> None:
    root = tmp_path / "q"

    entry = quarantine_file(
        source,
        root,
        kind="records",
        reason="corrupt-json: line 1",
        codes=("corrupt-json",),
        base=tmp_path / "data",
        now=NOW,
    )

    stored = root / "records" / STAMP / "sub" / "day.json"
    assert entry == QuarantineEntry(
        str(source),
        stored,
        stored.with_name("day.json.why.json"),
        "corrupt-json: line 1",
        ("corrupt-json",),
    )
    assert not source.exists()
    assert stored.read_bytes() == b'{"a": 1}\n'
    assert _sidecar(entry) == {
        "schema": "opsguard.quarantine/1",
        "original": str(source),
        "reason": "corrupt-json: line 1",
        "codes": ["corrupt-json"],
        "quarantined_at": "2025-08-12T12:00:00Z",
        "original_mtime": "2025-07-31T22:13:20Z",
        "size": 9,
        "sha256": hashlib.sha256(b'{"a": 1}\n').hexdigest(),
    }
    # Retention ages an entry from its quarantine time, not from its data's.
    assert stored.stat().st_mtime == NOW
    assert entry.sidecar.stat().st_mtime == NOW


def test_without_a_base_only_the_name_is_kept(tmp_path: Path, source: Path) -> None:
    entry = quarantine_file(source, tmp_path / "q", kind="orphans", reason="r", now=NOW)

    assert entry.stored == tmp_path / "q" / "orphans" / STAMP / "day.json"
    assert entry.codes == ()


def test_quarantine_bytes_stores_a_record_cut_out_of_a_file(tmp_path: Path) -> None:
    root = tmp_path / "q"

    entry = quarantine_bytes(
        b'{"b": 2}',
        root,
        kind="records",
        name="r.jsonl.line2.jsonl",
        origin="/data/r.jsonl:2",
        reason="duplicate: of r.jsonl:1",
        codes=("duplicate",),
        now=NOW,
    )

    stored = root / "records" / STAMP / "r.jsonl.line2.jsonl"
    assert entry == QuarantineEntry(
        "/data/r.jsonl:2",
        stored,
        stored.with_name("r.jsonl.line2.jsonl.why.json"),
        "duplicate: of r.jsonl:1",
        ("duplicate",),
    )
    assert stored.read_bytes() == b'{"b": 2}'
    assert stored.stat().st_mtime == NOW
    assert _sidecar(entry) == {
        "schema": "opsguard.quarantine/1",
        "original": "/data/r.jsonl:2",
        "reason": "duplicate: of r.jsonl:1",
        "codes": ["duplicate"],
        "quarantined_at": "2025-08-12T12:00:00Z",
        "original_mtime": None,
        "size": 8,
        "sha256": hashlib.sha256(b'{"b": 2}').hexdigest(),
    }


def test_the_real_clock_is_used_by_default(tmp_path: Path, source: Path) -> None:
    before = time.time()

    moved = quarantine_file(source, tmp_path / "q", kind="k", reason="r")
    stored = quarantine_bytes(b"x", tmp_path / "q", kind="k", name="n", origin="o", reason="r")

    for entry in (moved, stored):
        assert before - 1 <= entry.stored.stat().st_mtime <= time.time() + 1
        assert before - 1 <= entry.sidecar.stat().st_mtime <= time.time() + 1


# --- names are never reused ----------------------------------------------------------------------


def test_a_taken_name_gets_the_next_free_number(tmp_path: Path) -> None:
    root = tmp_path / "q"
    names = []
    for _ in range(3):
        entry = quarantine_bytes(
            b"x", root, kind="k", name="n.json", origin="o", reason="r", now=NOW
        )
        names.append(entry.stored.name)

    assert names == ["n.json", "n.json.1", "n.json.2"]
    assert sorted(p.name for p in (root / "k" / STAMP).iterdir()) == [
        "n.json",
        "n.json.1",
        "n.json.1.why.json",
        "n.json.2",
        "n.json.2.why.json",
        "n.json.why.json",
    ]


def test_a_leftover_sidecar_also_takes_the_name(tmp_path: Path) -> None:
    folder = tmp_path / "q" / "k" / STAMP
    folder.mkdir(parents=True)
    (folder / "n.json.why.json").write_bytes(b"{}")

    entry = quarantine_bytes(
        b"x", tmp_path / "q", kind="k", name="n.json", origin="o", reason="r", now=NOW
    )

    assert entry.stored.name == "n.json.1"
    assert (folder / "n.json.why.json").read_bytes() == b"{}"


def test_after_ten_thousand_names_it_gives_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_exists = Path.exists

    def exists(self: Path) -> bool:
        # n.json and n.json.1 ... n.json.9999 are taken; n.json.10000 would not be.
        if self.name.startswith("n.json") and not self.name.endswith(".10000"):
            return True
        return real_exists(self)

    monkeypatch.setattr(Path, "exists", exists)
    with pytest.raises(FileExistsError) as caught:
        quarantine_bytes(
            b"x", tmp_path / "q", kind="k", name="n.json", origin="o", reason="r", now=NOW
        )

    assert caught.value.errno == errno.EEXIST
    assert caught.value.strerror == "no free quarantine name"
    assert caught.value.filename == str(tmp_path / "q" / "k" / STAMP / "n.json")


# --- the stamp is UTC --------------------------------------------------------------------------


@pytest.fixture
def eastern_zone() -> Iterator[None]:
    with local_zone("Etc/GMT-5"):  # UTC+5 (POSIX signs)
        yield


@pytest.mark.usefixtures("eastern_zone")
def test_the_stamp_is_utc_whatever_the_local_zone(tmp_path: Path, source: Path) -> None:
    entry = quarantine_file(source, tmp_path / "q", kind="k", reason="r", now=NOW)

    assert entry.stored.parent.name == STAMP
    assert _sidecar(entry)["quarantined_at"] == "2025-08-12T12:00:00Z"


# --- moving --------------------------------------------------------------------------------------


def test_a_move_across_filesystems_copies_then_removes(
    tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace
    replaced: list[tuple[str, str]] = []

    def replace(src: Any, dst: Any) -> None:
        if Path(src) == source:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        replaced.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    entry = quarantine_file(source, tmp_path / "q", kind="k", reason="r", now=NOW)

    assert not source.exists()
    assert entry.stored.read_bytes() == b'{"a": 1}\n'
    # The copy went through an atomic write of the stored file.
    assert any(Path(dst) == entry.stored for _, dst in replaced)
    assert _sidecar(entry)["size"] == 9


def test_any_other_move_error_leaves_the_source(
    tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def replace(src: Any, dst: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(PermissionError):
        quarantine_file(source, tmp_path / "q", kind="k", reason="r", now=NOW)

    assert source.read_bytes() == b'{"a": 1}\n'


@pytest.mark.parametrize("what", ["symlink", "directory"])
def test_only_regular_files_are_quarantined(tmp_path: Path, source: Path, what: str) -> None:
    odd = tmp_path / "odd"
    if what == "symlink":
        odd.symlink_to(source)
    else:
        odd.mkdir()

    with pytest.raises(ValueError) as caught:
        quarantine_file(odd, tmp_path / "q", kind="k", reason="r", now=NOW)

    assert str(caught.value) == f"only regular files are quarantined, not {odd}"
    assert source.exists()
    assert not (tmp_path / "q").exists()
