"""Integrity on input that is broken, hostile or unreadable: issue #11, rule by rule.

Each test is one condition of docs/input-rules.md for the integrity column,
in-process (the whole-process corpus is tests/test_hostile_input.py).
"""

from __future__ import annotations

import errno
import json
import os
import socket
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from opsguard import load_config
from opsguard.core import files as core_files
from opsguard.core.config import Config
from opsguard.core.errors import OpsguardError
from opsguard.core.files import printable
from opsguard.core.result import CheckResult
from opsguard.integrity import records as records_module
from opsguard.integrity.check import check_integrity
from opsguard.integrity.fix import (
    PLAN_SCHEMA,
    apply_remediation,
    describe_plan,
    describe_report,
    plan_document,
    plan_remediation,
)

AS_OF = date(2025, 8, 14)
NOW = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)
CLEAN = {"date": "2025-08-10", "schema_version": "1.0.0", "score": 72.0, "band": "good"}
PII = "jane.leak@example.org"


def _config(tmp_path: Path) -> Config:
    (tmp_path / "opsguard.toml").write_text(
        '[paths]\nrecords = ["records"]\nquarantine = "quarantine"\n', encoding="utf-8"
    )
    return load_config(cwd=tmp_path, environ={})


def _clean_days(records: Path, days: int = 14) -> None:
    records.mkdir(parents=True, exist_ok=True)
    for day in range(1, days + 1):
        record = {**CLEAN, "date": f"2025-08-{day:02d}"}
        (records / f"2025-08-{day:02d}.json").write_text(json.dumps(record), encoding="utf-8")


def _run(tmp_path: Path, *paths: Path) -> CheckResult:
    return check_integrity(
        list(paths) or [tmp_path / "records"],
        _config(tmp_path),
        as_of=AS_OF,
        cwd=tmp_path,
        now=NOW,
    )


def _findings(result: CheckResult, code: str) -> list[tuple[str, int | None, str, str, str]]:
    return [
        (f.path, f.line, f.pointer, f.severity, f.message)
        for f in result.findings
        if f.code == code
    ]


# --- duplicate keys ------------------------------------------------------------------------------


def test_a_duplicated_key_is_a_failing_zero_tolerance_finding(tmp_path: Path) -> None:
    records = tmp_path / "records"
    _clean_days(records)
    (records / "dup.jsonl").write_text(
        '{"date":"2025-08-09","schema_version":"2.0.0","score":10,"score":90,"band":"excellent"}\n',
        encoding="utf-8",
    )

    result = _run(tmp_path)

    assert _findings(result, "duplicate-key") == [
        (
            "records/dup.jsonl",
            1,
            "/score",
            "error",
            "the key appears 2 times in one object: readers disagree on which value counts "
            "(orjson keeps the last), so a value can hide",
        )
    ]
    assert result.status == "fail"
    assert "duplicate-key: 1 (zero tolerance)" in result.summary["reasons"]


def test_duplicate_keys_in_an_array_file_point_into_their_element(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    second = '{"date":"2025-08-11","schema_version":"1","score":72,"band":"good","band":"x"}'
    (records / "days.json").write_text(f"[\n{json.dumps(CLEAN)},\n{second}\n]\n", "utf-8")

    result = _run(tmp_path)

    assert [(f[1], f[2]) for f in _findings(result, "duplicate-key")] == [(3, "/1/band")]


def test_a_colon_inside_a_string_is_not_a_duplicate(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    record = {**CLEAN, "note": "at 06:00:00 a:b", "nested": {"k": "v:w", "list": [{"a": 1}]}}
    (records / "r.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")

    assert _findings(_run(tmp_path), "duplicate-key") == []


def test_a_plain_record_never_reaches_the_precise_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cheap test (colons <= keys) settles the common record: the token scan never runs.
    records = tmp_path / "records"
    _clean_days(records)
    nested = {**CLEAN, "date": "2025-08-11", "components": {"sleep": 0.5, "hrv": [{"a": 1}]}}
    (records / "r.jsonl").write_text(f"{json.dumps(CLEAN)}\n{json.dumps(nested)}\n", "utf-8")
    scanned: list[bytes] = []

    def scan(data: bytes) -> list[tuple[str, int]]:
        scanned.append(data)
        return []

    monkeypatch.setattr(records_module, "duplicate_keys", scan)

    _run(tmp_path)

    assert scanned == []


# --- special and unreadable files ----------------------------------------------------------------


def test_a_fifo_or_socket_in_a_records_directory_is_a_warning_never_opened(
    tmp_path: Path,
) -> None:
    records = tmp_path / "records"
    _clean_days(records)
    os.mkfifo(records / "pipe.jsonl")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(records / "s.json"))
    try:
        result = _run(tmp_path)  # would block forever in open() on the FIFO
    finally:
        server.close()

    assert _findings(result, "special-file") == [
        (
            "records/pipe.jsonl",
            None,
            "",
            "warning",
            "a FIFO, not a record file: never opened, not checked",
        ),
        (
            "records/s.json",
            None,
            "",
            "warning",
            "a socket, not a record file: never opened, not checked",
        ),
    ]
    assert result.summary["special_files"] == 2
    assert result.status == "pass"


def test_a_named_fifo_is_exit_2(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jsonl")
    with pytest.raises(OpsguardError, match=r"not a regular file \(FIFO\): .*pipe\.jsonl"):
        _run(tmp_path, tmp_path / "pipe.jsonl")


def test_an_unreadable_file_fails_the_gate_whatever_the_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = tmp_path / "records"
    _clean_days(records)
    (records / "locked.jsonl").write_text(json.dumps(CLEAN) + "\n", encoding="utf-8")
    real_open = core_files.open_regular

    def denied(path: Path) -> Any:
        if path.name == "locked.jsonl":  # root reads anything: the refusal is simulated
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path)

    monkeypatch.setattr(records_module, "open_regular", denied)
    result = _run(tmp_path)

    assert _findings(result, "unreadable") == [
        ("records/locked.jsonl", None, "", "error", "cannot read file: Permission denied")
    ]
    assert result.summary["failure_rate"] == 0.0  # not a record: the rate cannot hide it
    assert result.status == "fail"
    assert result.summary["reasons"] == [
        "unreadable: 1 file(s) or directory(ies) could not be read "
        "(a gate that cannot see cannot pass)"
    ]


def test_a_directory_that_cannot_be_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = tmp_path / "records"
    _clean_days(records)
    (records / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path).name in ("locked", "records") and _locked[0] == Path(path).name:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_scandir(path)

    _locked = ["locked"]
    monkeypatch.setattr(os, "scandir", scandir)
    below = _run(tmp_path)
    assert _findings(below, "unreadable") == [
        (
            "records/locked",
            None,
            "",
            "error",
            "cannot list the directory: Permission denied; nothing below it was checked",
        )
    ]
    assert below.status == "fail"

    # The named directory itself: opsguard could not do its job at all.
    _locked[0] = "records"
    with pytest.raises(OpsguardError, match=r"^cannot list directory records: Permission denied$"):
        _run(tmp_path)


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"), (b"\xff\xfe\x00\x00", "UTF-32")],
)
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_utf16_and_utf32_are_unreadable_not_a_pile_of_corrupt_lines(
    tmp_path: Path, bom: bytes, encoding: str, suffix: str
) -> None:
    records = tmp_path / "records"
    _clean_days(records)
    text = (json.dumps(CLEAN) + "\n") * 3
    codec = {"UTF-16": "utf-16-le", "UTF-32": "utf-32-le"}[encoding]
    (records / f"wide{suffix}").write_bytes(bom + text.encode(codec))

    result = _run(tmp_path)

    assert _findings(result, "unreadable") == [
        (
            f"records/wide{suffix}",
            None,
            "",
            "error",
            f"cannot decode: the file is {encoding} (a byte order mark); record files are UTF-8",
        )
    ]
    assert "corrupt-json" not in result.summary["counts"]


def test_a_link_loop_is_unreadable(tmp_path: Path) -> None:
    records = tmp_path / "records"
    _clean_days(records)
    (records / "loop.json").symlink_to("loop.json")

    result = _run(tmp_path)

    (finding,) = _findings(result, "unreadable")
    assert finding[0] == "records/loop.json"
    assert finding[4] == "cannot read file: Too many levels of symbolic links"


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_an_empty_file_is_one_failed_record_whatever_its_suffix(
    tmp_path: Path, suffix: str
) -> None:
    records = tmp_path / "records"
    _clean_days(records)
    (records / f"empty{suffix}").write_bytes(b"")

    result = _run(tmp_path)

    assert _findings(result, "corrupt-json") == [
        (
            f"records/empty{suffix}",
            None,
            "",
            "error",
            "empty file: a record file with no record (a torn or truncated write?)",
        )
    ]
    assert result.summary["failed_records"] == 1


# --- names -----------------------------------------------------------------------------------


def test_hostile_names_are_escaped_in_every_finding_and_the_json_is_utf8(tmp_path: Path) -> None:
    records = tmp_path / "records"
    _clean_days(records)
    names = [
        os.fsdecode(b"2025-08-01-\xff.jsonl"),
        "x\n::warning title=INJECTED::pwned.jsonl",
        "\x1b[2Jclear.json",
    ]
    for name in names:
        (records / name).write_text("{broken\n", encoding="utf-8")

    result = _run(tmp_path)

    paths = sorted(f.path for f in result.findings if f.code == "corrupt-json")
    assert paths == sorted(f"records/{printable(name)}" for name in names)
    document = result.to_json()
    document.decode("utf-8")  # strict: valid UTF-8
    assert b"\n::" not in document and b"\x1b" not in document


def test_fix_finds_a_file_by_its_escaped_name(tmp_path: Path) -> None:
    records = tmp_path / "records"
    _clean_days(records)
    name = os.fsdecode(b"bad\n\xfe.jsonl")
    hostile = records / name
    hostile.write_text(json.dumps({**CLEAN, "date": "2025-08-03"}) + "\n", encoding="utf-8")
    config = _config(tmp_path)
    result = _run(tmp_path)

    plan = plan_remediation(result, config, cwd=tmp_path)
    report = apply_remediation(plan, config, now=NOW.timestamp())

    assert [q.path for q in report.quarantined] == [f"records/{printable(name)}"]
    assert not hostile.exists()
    (sidecar,) = (tmp_path / "quarantine").rglob("*.why.json")
    original = orjson.loads(sidecar.read_bytes())["original"]
    assert original == printable(str(hostile))  # stored escaped: JSON cannot hold the byte


# --- values are shown only in their shape ------------------------------------------------------


def test_record_values_never_reach_the_findings_unless_they_have_their_shape(
    tmp_path: Path,
) -> None:
    records = tmp_path / "records"
    _clean_days(records)
    (records / "pii.jsonl").write_text(
        json.dumps(
            {
                "date": PII,
                "schema_version": "52.5200417,13.4049583",
                "score": 50,
                "band": "restingHeartRate=58.4419",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    result = _run(tmp_path)
    messages = {f.code: f.message for f in result.findings}

    assert messages["invalid-date"] == (
        "date is not a calendar date in YYYY-MM-DD form: a 21-character string"
    )
    assert messages["invalid-schema-version"] == "not a schema version: a 21-character string"
    assert messages["band-mismatch"] == (
        "band is not a band of the table (a 24-character string); score 50 maps to 'fair'"
    )
    document = result.to_json().decode()
    for planted in (PII, "52.5200417", "restingHeartRate", "58.4419"):
        assert planted not in document

    config = _config(tmp_path)
    plan = plan_remediation(result, config, cwd=tmp_path)
    lines = "\n".join(describe_plan(plan))
    assert "fix band records/pii.jsonl:1 /band a 24-character string -> 'fair'" in lines
    assert "restingHeartRate" not in lines
    assert "restingHeartRate" not in json.dumps(plan_document(plan))


def test_a_duplicate_with_a_local_version_part_does_not_show_it(tmp_path: Path) -> None:
    records = tmp_path / "records"
    _clean_days(records)
    for name in ("a.jsonl", "b.jsonl"):
        record = {**CLEAN, "schema_version": "1.0.0+janeleak"}
        (records / name).write_text(json.dumps(record) + "\n", encoding="utf-8")

    (message,) = [f.message for f in _run(tmp_path).findings if f.code == "duplicate"]

    assert message == (
        "duplicate of records/a.jsonl:1 (key 2025-08-10, a 14-character string, scope version)"
    )


# --- the remediation plan is bounded -------------------------------------------------------------


def test_the_plan_is_bounded_and_the_json_plan_has_it_all(tmp_path: Path) -> None:
    records = tmp_path / "records"
    _clean_days(records)
    garbage = b"".join(b"{garbage %d\n" % i for i in range(30))
    # One good line: the corrupt ones are cut out one by one (30 actions), not a file move.
    good = json.dumps({**CLEAN, "schema_version": "9.0.0"}).encode()
    (records / "noise.jsonl").write_bytes(garbage + good + b"\n")
    config = _config(tmp_path)
    plan = plan_remediation(_run(tmp_path), config, cwd=tmp_path)

    lines = describe_plan(plan, limit=5, more="; --plan-out FILE writes them all")

    assert lines == [
        *[
            f"quarantine records/noise.jsonl:{n} (corrupt-json; the line is cut out of the file)"
            for n in range(1, 6)
        ],
        "... and 25 more; --plan-out FILE writes them all",
    ]
    assert describe_plan(plan) == describe_plan(plan, limit=30)
    document = plan_document(plan)
    assert document["schema"] == PLAN_SCHEMA
    assert isinstance(document["actions"], list)
    assert len(document["actions"]) == 30
    assert document["actions"][0] == {
        "path": "records/noise.jsonl",
        "line": 1,
        "action": "quarantine-record",
        "pointer": "",
        "reason": "corrupt-json: invalid JSON: expected a key in double quotes at line 1, "
        "column 2 (byte 1)",
        "codes": ["corrupt-json"],
    }
    report = apply_remediation(plan, config, now=NOW.timestamp())
    assert describe_report(report, limit=2, more="; see the plan")[2:] == [
        "... and 28 more; see the plan",
        "0 band fixes, 30 quarantined, 0 skipped",
    ]
