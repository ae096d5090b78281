"""Applying a remediation plan: each report entry whole, one quarantine stamp, every skip's words.

`test_remediate.py` shows that `--fix` repairs and never loses a record; this
module pins what the report says about each file (a user decides from it
whether to look into the quarantine), including when the file moved,
changed or failed halfway, and where a file outside the working directory
ends up.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from opsguard import load_config
from opsguard.core import quarantine as quarantine_module
from opsguard.core.config import Config
from opsguard.core.quarantine import quarantine_bytes
from opsguard.integrity import fix as remediate
from opsguard.integrity.check import check_integrity
from opsguard.integrity.fix import (
    Quarantined,
    RemediationPlan,
    Skipped,
    apply_remediation,
    describe_report,
    plan_remediation,
)

NOW = 1_755_000_000.0  # 2025-08-12T12:00:00Z
STAMP = "20250812T120000Z"


def _line(day: str, version: str = "1.0.0", score: float = 72.0, band: str = "good") -> bytes:
    record = {"date": day, "schema_version": version, "score": score, "band": band}
    return json.dumps(record).encode() + b"\n"


def _config(tmp_path: Path) -> Config:
    return load_config(
        cwd=tmp_path, environ={}, overrides={"paths.quarantine": tmp_path / "quarantine"}
    )


def _plan(tmp_path: Path, target: Path, *, cwd: Path | None = None) -> RemediationPlan:
    config = _config(tmp_path)
    cwd = cwd or tmp_path
    result = check_integrity([target], config, as_of=None, cwd=cwd)
    return plan_remediation(result, config, cwd=cwd)


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """a.jsonl: two clean days; b.jsonl: a clean day and two duplicates of a.jsonl's (cut out);
    c.json: corrupt (moved whole)."""
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(_line("2025-08-01") + _line("2025-08-02"))
    (folder / "b.jsonl").write_bytes(
        _line("2025-08-03") + _line("2025-08-01", "1") + _line("2025-08-02", "v1.0")
    )
    (folder / "c.json").write_bytes(b'{"date": "2025-08-04", ')
    return folder


def test_the_report_names_every_entry_whole(tmp_path: Path, records: Path) -> None:
    report = apply_remediation(_plan(tmp_path, records), _config(tmp_path), now=NOW)

    stored = tmp_path / "quarantine" / "records" / STAMP / "records"
    assert [
        (q.path, q.line, q.pointer, q.codes, q.stored, q.sidecar, q.whole_file)
        for q in report.quarantined
    ] == [
        (
            "records/b.jsonl",
            2,
            "",
            ("duplicate",),
            stored / "b.jsonl.line2.jsonl",
            stored / "b.jsonl.line2.jsonl.why.json",
            False,
        ),
        (
            "records/b.jsonl",
            3,
            "",
            ("duplicate",),
            stored / "b.jsonl.line3.jsonl",
            stored / "b.jsonl.line3.jsonl.why.json",
            False,
        ),
        (
            "records/c.json",
            None,
            "",
            ("corrupt-json",),
            stored / "c.json",
            stored / "c.json.why.json",
            True,
        ),
    ]
    assert describe_report(report)[:3] == [
        f"quarantined records/b.jsonl:2 (duplicate) -> quarantine/records/{STAMP}/records/"
        "b.jsonl.line2.jsonl",
        f"quarantined records/b.jsonl:3 (duplicate) -> quarantine/records/{STAMP}/records/"
        "b.jsonl.line3.jsonl",
        f"quarantined records/c.json (corrupt-json) -> quarantine/records/{STAMP}/records/c.json",
    ]
    sidecar = json.loads((stored / "b.jsonl.line2.jsonl.why.json").read_bytes())
    assert sidecar["original"] == f"{records / 'b.jsonl'}:2"
    assert (records / "b.jsonl").read_bytes() == _line("2025-08-03")


def test_an_array_element_records_its_origin_and_pointer(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "a.json").write_bytes(b"[" + _line("2025-08-01") + b"]")
    (folder / "b.json").write_bytes(
        b"[" + _line("2025-08-02") + b"," + _line("2025-08-01", "1") + b"]"
    )

    report = apply_remediation(_plan(tmp_path, folder), _config(tmp_path), now=NOW)

    (entry,) = report.quarantined
    assert (entry.path, entry.pointer, entry.whole_file) == ("records/b.json", "/1", False)
    assert entry.stored.name == "b.json.element1.json"
    sidecar = json.loads(entry.sidecar.read_bytes())
    assert sidecar["original"] == f"{folder / 'b.json'}#/1"


def test_one_apply_files_every_entry_under_one_stamp(
    tmp_path: Path, records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter(range(1_755_000_000, 1_755_000_100))
    monkeypatch.setattr("time.time", lambda: float(next(ticks)))

    report = apply_remediation(_plan(tmp_path, records), _config(tmp_path))

    assert len(report.quarantined) == 3
    assert {q.stored.relative_to(tmp_path / "quarantine").parts[1] for q in report.quarantined} == {
        STAMP
    }


def test_files_outside_the_working_directory(tmp_path: Path, records: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    plan = _plan(tmp_path, records, cwd=elsewhere)
    assert next(a.path for a in plan.actions) == str(records / "b.jsonl")

    report = apply_remediation(plan, _config(tmp_path), now=NOW)

    # Absolute paths keep only the file's name in the quarantine.
    folder = tmp_path / "quarantine" / "records" / STAMP
    assert [q.stored for q in report.quarantined] == [
        folder / "b.jsonl.line2.jsonl",
        folder / "b.jsonl.line3.jsonl",
        folder / "c.json",
    ]
    assert not (records / "c.json").exists()


# --- skips ---------------------------------------------------------------------------------------


def _skips(report: remediate.RemediationReport) -> list[tuple[str, int | None, str]]:
    return [(s.path, s.line, s.reason) for s in report.skipped]


@pytest.mark.parametrize("how", ["removed", "symlink"])
def test_a_file_gone_since_the_plan(tmp_path: Path, records: Path, how: str) -> None:
    plan = _plan(tmp_path, records)
    original = (records / "b.jsonl").read_bytes()
    (records / "b.jsonl").unlink()
    if how == "symlink":  # the same bytes, behind a link: not the planned file
        (tmp_path / "copy.jsonl").write_bytes(original)
        (records / "b.jsonl").symlink_to(tmp_path / "copy.jsonl")

    report = apply_remediation(plan, _config(tmp_path), now=NOW)

    gone = "the file no longer exists (already remediated?)"
    assert _skips(report) == [("records/b.jsonl", 2, gone), ("records/b.jsonl", 3, gone)]
    if how == "symlink":
        assert (tmp_path / "copy.jsonl").read_bytes() == original


def test_a_file_changed_since_the_plan(tmp_path: Path, records: Path) -> None:
    plan = _plan(tmp_path, records)
    (records / "c.json").write_bytes(b"{}")

    report = apply_remediation(plan, _config(tmp_path), now=NOW)

    assert ("records/c.json", None, "the file changed since the plan; not touched") in _skips(
        report
    )
    assert (records / "c.json").read_bytes() == b"{}"


def test_a_file_changed_while_its_records_were_quarantined(
    tmp_path: Path, records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = quarantine_bytes

    def store_then_meddle(data: bytes, root: Path, **kwargs: Any) -> Any:
        entry = real(data, root, **kwargs)
        with (records / "b.jsonl").open("ab") as handle:
            handle.write(_line("2025-08-09"))
        return entry

    monkeypatch.setattr(remediate, "quarantine_bytes", store_then_meddle)
    report = apply_remediation(_plan(tmp_path, records), _config(tmp_path), now=NOW)

    kept = (
        f"quarantine/records/{STAMP}/records/b.jsonl.line2.jsonl, "
        f"quarantine/records/{STAMP}/records/b.jsonl.line3.jsonl"
    )
    reason = (
        f"the file changed while quarantining; copies already in the quarantine, "
        f"source not rewritten: {kept}"
    )
    assert _skips(report) == [("records/b.jsonl", 2, reason), ("records/b.jsonl", 3, reason)]
    assert [q.path for q in report.quarantined] == ["records/c.json"]


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
        (OSError("disk on fire"), "disk on fire"),
    ],
)
def test_an_error_while_rewriting_keeps_the_copies_and_says_so(
    tmp_path: Path,
    records: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: OSError,
    shown: str,
) -> None:
    def atomic_write(path: Any, data: Any) -> None:
        raise error

    monkeypatch.setattr(remediate, "atomic_write", atomic_write)
    report = apply_remediation(_plan(tmp_path, records), _config(tmp_path), now=NOW)

    kept = f"quarantine/records/{STAMP}/records/b.jsonl.line2.jsonl, " + (
        f"quarantine/records/{STAMP}/records/b.jsonl.line3.jsonl"
    )
    reason = f"error: {shown}; copies already in the quarantine, source not rewritten: {kept}"
    assert _skips(report) == [("records/b.jsonl", 2, reason), ("records/b.jsonl", 3, reason)]


def test_a_move_that_failed_after_the_file_left_says_where_it_went(
    tmp_path: Path, records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_sidecar(*args: Any, **kwargs: Any) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(quarantine_module, "_write_sidecar", no_sidecar)
    report = apply_remediation(_plan(tmp_path, records), _config(tmp_path), now=NOW)

    assert (
        "records/c.json",
        None,
        "error: No space left on device; the file was moved into quarantine",
    ) in _skips(report)
    assert not (records / "c.json").exists()
    assert (tmp_path / "quarantine" / "records" / STAMP / "records" / "c.json").exists()


def test_a_move_that_failed_before_the_file_left_says_only_why(
    tmp_path: Path, records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_directory(directory: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(quarantine_module, "make_dirs_durable", no_directory)
    report = apply_remediation(_plan(tmp_path, records), _config(tmp_path), now=NOW)

    assert (
        Skipped("records/c.json", None, ("corrupt-json",), "error: No space left on device")
        in report.skipped
    )
    assert (records / "c.json").exists()


def test_a_report_entry_for_a_whole_file_has_no_pointer(tmp_path: Path, records: Path) -> None:
    report = apply_remediation(_plan(tmp_path, records), _config(tmp_path), now=NOW)

    whole = [q for q in report.quarantined if q.whole_file]
    assert whole == [
        Quarantined(
            "records/c.json",
            None,
            "",
            ("corrupt-json",),
            whole[0].stored,
            whole[0].sidecar,
            True,
        )
    ]
    assert os.path.exists(whole[0].sidecar)
