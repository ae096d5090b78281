"""The integrity gate: exact results on the fixtures and each rule on a focused case."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opsguard import load_config
from opsguard.core.config import Config
from opsguard.core.errors import ConfigError
from opsguard.core.result import CheckResult, Finding
from opsguard.integrity.check import check_integrity

AS_OF = date(2025, 8, 14)
# A fixed "now" so that no test depends on the real clock.
NOW = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)


def _config(tmp_path: Path, **overrides: Any) -> Config:
    return load_config(cwd=tmp_path, environ={}, overrides=overrides)


def _record(
    day: object = "2025-08-10",
    version: object = "1.0.0",
    score: object = 72.0,
    band: object = "good",
) -> dict[str, object]:
    return {"date": day, "schema_version": version, "score": score, "band": band}


def _clean(n: int, *, start: date = date(2025, 8, 1), days: int = 14) -> list[dict[str, object]]:
    """n clean records spread over `days` days, each with its own schema version."""
    return [
        _record((start + timedelta(days=i % days)).isoformat(), f"1.{i}.0", 72.0, "good")
        for i in range(n)
    ]


def _jsonl(path: Path, records: Iterable[object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _json(path: Path, value: object, *, indent: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=indent), encoding="utf-8")
    return path


def _run(
    tmp_path: Path,
    paths: Iterable[Path] | None = None,
    *,
    config: Config | None = None,
    as_of: date | None = AS_OF,
    now: datetime = NOW,
    overrides: Mapping[str, Any] | None = None,
) -> CheckResult:
    return check_integrity(
        list(paths) if paths is not None else [tmp_path / "records"],
        config or _config(tmp_path, **(overrides or {})),
        as_of=as_of,
        cwd=tmp_path,
        now=now,
    )


def _codes(result: CheckResult) -> list[str]:
    return [f.code for f in result.findings]


def _by_code(result: CheckResult, code: str) -> list[Finding]:
    return [f for f in result.findings if f.code == code]


# --- the defect fixtures -----------------------------------------------------------------------


@pytest.fixture
def defects_result(repo: Path, tmp_path: Path) -> CheckResult:
    return check_integrity(
        [repo / "fixtures" / "defects"],
        _config(tmp_path),
        cwd=repo / "fixtures" / "defects",
        now=NOW,
    )


def test_defects_summary_is_exact(defects_result: CheckResult) -> None:
    summary = defects_result.summary

    assert defects_result.status == "fail"
    assert summary["records"] == 30
    assert summary["records_in_window"] == 28
    assert summary["failed_records"] == 12
    assert summary["failure_rate"] == 12 / 28
    assert summary["threshold"] == 0.01
    assert summary["window"] == {"start": "2025-08-01", "end": "2025-08-14", "days": 14}
    assert summary["counts"] == {
        "corrupt-json": 2,
        "missing-field": 1,
        "wrong-type": 3,
        "invalid-date": 1,
        "future-date": 1,
        "invalid-schema-version": 2,
        "score-out-of-range": 2,
        "band-mismatch": 1,
        "duplicate": 1,
    }
    assert summary["outside_window"] == {
        "records": 2,
        "failed_records": 1,
        "counts": {"band-mismatch": 1},
    }
    assert summary["files"] == 13
    assert summary["skipped_files"] == 1


def test_defects_findings_match_the_counts(defects_result: CheckResult) -> None:
    errors = [f for f in defects_result.findings if f.severity == "error"]
    warnings = [f for f in defects_result.findings if f.severity == "warning"]

    assert len(errors) == sum(defects_result.summary["counts"].values())
    assert len(warnings) == 1
    assert "no-records" not in _codes(defects_result)


def test_defects_duplicate_names_the_first_occurrence(defects_result: CheckResult) -> None:
    (duplicate,) = _by_code(defects_result, "duplicate")

    assert duplicate.path == "duplicate.json"
    assert duplicate.line == 1
    assert duplicate.severity == "error"
    assert "clean.jsonl:4" in duplicate.message


def test_defects_out_of_window_finding_is_a_warning(defects_result: CheckResult) -> None:
    (old,) = [f for f in defects_result.findings if f.path == "old.json"]

    assert old.severity == "warning"
    assert old.code == "band-mismatch"
    assert old.line == 2
    assert old.pointer == "/0/band"
    in_window = [f for f in _by_code(defects_result, "band-mismatch") if f.path != "old.json"]
    assert [f.severity for f in in_window] == ["error"]


def test_defects_three_defects_count_once_but_report_three(defects_result: CheckResult) -> None:
    three = [f for f in defects_result.findings if f.path == "three-defects.json"]

    assert sorted(f.code for f in three) == [
        "invalid-schema-version",
        "score-out-of-range",
        "wrong-type",
    ]
    assert {f.line for f in three} == {1}


def test_defects_locations_and_pointers(defects_result: CheckResult) -> None:
    located = {(f.path, f.line, f.code, f.pointer) for f in defects_result.findings}

    assert ("wrong-type.json", 2, "wrong-type", "/0") in located
    assert ("wrong-type.json", 3, "wrong-type", "/1/score") in located
    assert ("corrupt.jsonl", 2, "corrupt-json", "") in located
    assert ("band-mismatch.json", 1, "band-mismatch", "/band") in located
    assert ("missing-field.json", 1, "missing-field", "/band") in located
    assert ("future-date.json", 1, "future-date", "/date") in located


def test_defects_findings_are_deterministic_and_sorted(repo: Path, tmp_path: Path) -> None:
    defects = repo / "fixtures" / "defects"
    config = _config(tmp_path)

    first = check_integrity([defects], config, cwd=defects, now=NOW)
    second = check_integrity([defects], config, cwd=defects, now=NOW)

    assert first.findings == second.findings
    assert first.summary == second.summary
    assert list(first.findings) == sorted(first.findings, key=lambda f: (f.path, f.line or 0))


def test_defects_result_round_trips_through_json(defects_result: CheckResult) -> None:
    again = CheckResult.from_json(defects_result.to_json())

    assert again.findings == defects_result.findings
    assert again.status == "fail"


# --- the clean sample --------------------------------------------------------------------------


def test_sample_passes(repo: Path, tmp_path: Path) -> None:
    records = repo / "fixtures" / "sample" / "records"

    result = check_integrity([records], _config(tmp_path), cwd=repo, now=NOW)

    assert result.status == "pass"
    assert result.findings == ()
    assert result.summary["counts"] == {}
    assert "band-mismatch" not in result.summary["counts"]
    assert result.summary["records"] == 60
    assert result.summary["records_in_window"] == 14
    assert result.summary["failed_records"] == 0
    assert result.summary["failure_rate"] == 0.0
    assert result.summary["window"] == {"start": "2025-08-01", "end": "2025-08-14", "days": 14}
    assert result.summary["reasons"] == []


# --- failure rate and threshold ----------------------------------------------------------------


def test_a_record_with_three_defects_counts_once(tmp_path: Path) -> None:
    _jsonl(
        tmp_path / "records" / "r.jsonl",
        [*_clean(9), _record("2025-08-10", "v1.0.0.0", -5, 7)],
    )

    result = _run(tmp_path)

    assert result.summary["failed_records"] == 1
    assert result.summary["records_in_window"] == 10
    assert result.summary["failure_rate"] == 1 / 10
    assert sorted(_codes(result)) == ["invalid-schema-version", "score-out-of-range", "wrong-type"]
    assert {f.line for f in result.findings} == {10}


def test_rate_equal_to_threshold_fails(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", [*_clean(99), _record(score=140.0)])

    result = _run(tmp_path, overrides={"integrity.threshold": 0.01, "integrity.zero_tolerance": []})

    assert result.summary["records_in_window"] == 100
    assert result.summary["failed_records"] == 1
    assert result.summary["failure_rate"] == 0.01
    assert result.status == "fail"
    assert any("threshold" in reason for reason in result.summary["reasons"])


def test_rate_just_below_threshold_passes(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", [*_clean(100), _record(score=140.0)])

    result = _run(tmp_path, overrides={"integrity.threshold": 0.01, "integrity.zero_tolerance": []})

    assert result.summary["records_in_window"] == 101
    assert result.summary["failed_records"] == 1
    assert result.summary["failure_rate"] < 0.01
    assert result.status == "pass"
    assert _codes(result) == ["score-out-of-range"]


def test_threshold_override_changes_the_verdict(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", [*_clean(9), _record(score=140.0)])

    assert _run(tmp_path, overrides={"integrity.threshold": 0.1}).status == "fail"
    assert _run(tmp_path, overrides={"integrity.threshold": 0.11}).status == "pass"


# --- zero tolerance ----------------------------------------------------------------------------


def test_single_band_mismatch_fails_by_default(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", [*_clean(1000), _record(score=38.0, band="good")])

    result = _run(tmp_path)

    assert result.summary["failure_rate"] < 0.01
    assert result.status == "fail"
    assert result.summary["counts"] == {"band-mismatch": 1}
    assert any("band-mismatch" in reason for reason in result.summary["reasons"])


def test_single_band_mismatch_passes_without_zero_tolerance(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", [*_clean(1000), _record(score=38.0, band="good")])

    result = _run(tmp_path, overrides={"integrity.zero_tolerance": []})

    assert result.status == "pass"
    assert _codes(result) == ["band-mismatch"]
    assert result.findings[0].severity == "error"


def test_single_duplicate_fails_by_default(tmp_path: Path) -> None:
    records = _clean(200)
    _jsonl(tmp_path / "records" / "r.jsonl", [*records, records[0]])

    result = _run(tmp_path)

    assert result.summary["counts"] == {"duplicate": 1}
    assert result.status == "fail"


# --- no records and min_records ----------------------------------------------------------------


def test_empty_directory_fails_with_one_no_records_finding(tmp_path: Path) -> None:
    (tmp_path / "records").mkdir()

    result = _run(tmp_path)

    assert result.status == "fail"
    (finding,) = result.findings
    assert finding.code == "no-records"
    assert finding.severity == "error"
    assert finding.path == "records"
    assert finding.line is None
    assert result.summary["counts"] == {"no-records": 1}
    assert result.summary["records"] == 0
    assert result.summary["failure_rate"] == 0.0
    assert result.summary["files"] == 0


def test_min_records_override(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", _clean(5))

    assert _run(tmp_path, overrides={"integrity.min_records": 5}).status == "pass"
    short = _run(tmp_path, overrides={"integrity.min_records": 6})
    assert short.status == "fail"
    assert _codes(short) == ["no-records"]
    assert "5 records" in short.findings[0].message


def test_min_records_zero_still_needs_one_record(tmp_path: Path) -> None:
    (tmp_path / "records").mkdir()

    result = _run(tmp_path, overrides={"integrity.min_records": 0})

    assert result.status == "fail"
    assert _codes(result) == ["no-records"]


# --- the window --------------------------------------------------------------------------------


def test_old_records_are_counted_but_not_gated(tmp_path: Path) -> None:
    old_bad = [_record("2025-07-01", "1.0.0", 38.0, "good"), _record("2025-07-02", "latest")]
    _jsonl(tmp_path / "records" / "old.jsonl", [*old_bad, *_clean(3, start=date(2025, 7, 3))])
    _jsonl(tmp_path / "records" / "new.jsonl", _clean(7, start=date(2025, 8, 8), days=7))

    result = _run(tmp_path, overrides={"integrity.window_days": 7})

    assert result.summary["window"] == {"start": "2025-08-08", "end": "2025-08-14", "days": 7}
    assert result.summary["records"] == 12
    assert result.summary["records_in_window"] == 7
    assert result.summary["failed_records"] == 0
    assert result.summary["counts"] == {}
    assert result.summary["outside_window"] == {
        "records": 5,
        "failed_records": 2,
        "counts": {"invalid-schema-version": 1, "band-mismatch": 1},
    }
    assert {f.severity for f in result.findings} == {"warning"}
    assert result.status == "pass"


def test_window_boundary_day_is_inside(tmp_path: Path) -> None:
    _jsonl(
        tmp_path / "records" / "r.jsonl",
        [
            _record("2025-08-14", "1.0.0"),
            _record("2025-08-01", "1.0.0", 38.0, "good"),  # first day of the window
            _record("2025-07-31", "1.0.0", 38.0, "good"),  # the day before
        ],
    )

    result = _run(tmp_path, as_of=None)

    assert result.summary["window"]["start"] == "2025-08-01"
    severities = {f.line: f.severity for f in result.findings}
    assert severities == {2: "error", 3: "warning"}


def test_window_ends_at_newest_record_without_as_of(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", _clean(3, start=date(2025, 3, 1), days=3))

    result = _run(tmp_path, as_of=None)

    assert result.summary["window"]["end"] == "2025-03-03"
    assert result.summary["records_in_window"] == 3


def test_as_of_moves_the_window_end_and_makes_later_records_future(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", _clean(14))

    result = _run(tmp_path, as_of=date(2025, 8, 10))

    assert result.summary["window"] == {"start": "2025-07-28", "end": "2025-08-10", "days": 14}
    future = _by_code(result, "future-date")
    assert len(future) == 4
    assert {f.severity for f in future} == {"error"}
    assert {f.pointer for f in future} == {"/date"}
    assert result.summary["records_in_window"] == 14
    assert result.summary["failed_records"] == 4
    assert result.status == "fail"


def test_record_after_now_is_future_and_does_not_move_the_window(tmp_path: Path) -> None:
    now = datetime(2025, 8, 14, 12, 0, tzinfo=UTC)
    _jsonl(
        tmp_path / "records" / "r.jsonl",
        [*_clean(14), _record("2025-09-30", "9.0.0")],
    )

    result = _run(tmp_path, as_of=None, now=now)

    assert result.summary["window"]["end"] == "2025-08-14"
    (future,) = _by_code(result, "future-date")
    assert future.line == 15
    assert future.severity == "error"
    assert result.summary["records_in_window"] == 15


def test_tomorrow_in_utc_is_not_future_where_it_is_already_today(tmp_path: Path) -> None:
    # At 12:00 UTC it is already the next day in UTC+14.
    now = datetime(2025, 8, 14, 12, 0, tzinfo=UTC)
    _jsonl(tmp_path / "records" / "r.jsonl", [_record("2025-08-15"), _record("2025-08-16")])

    result = _run(tmp_path, as_of=None, now=now)

    assert [f.line for f in _by_code(result, "future-date")] == [2]
    assert result.summary["window"]["end"] == "2025-08-15"


def test_invalid_dates_are_inside_the_window(tmp_path: Path) -> None:
    _jsonl(
        tmp_path / "records" / "r.jsonl",
        [
            *_clean(5, start=date(2025, 8, 10), days=5),
            _record("2025-02-30", "5.0.0"),
            _record("01/08/2025", "5.1.0"),
            _record(20250801, "5.2.0"),
        ],
    )

    result = _run(tmp_path)

    assert result.summary["records_in_window"] == 8
    assert result.summary["failed_records"] == 3
    assert result.summary["outside_window"]["records"] == 0
    assert _codes(result) == ["invalid-date", "invalid-date", "wrong-type"]
    assert {f.severity for f in result.findings} == {"error"}
    assert {f.pointer for f in result.findings} == {"/date"}


# --- duplicate scopes --------------------------------------------------------------------------


def _pair(tmp_path: Path, first: str, second: str) -> None:
    _jsonl(
        tmp_path / "records" / "r.jsonl",
        [_record("2025-08-10", first), _record("2025-08-10", second)],
    )


def test_default_scope_treats_spellings_of_one_version_as_duplicates(tmp_path: Path) -> None:
    _pair(tmp_path, "v1.0.0", "1")

    result = _run(tmp_path)

    (duplicate,) = _by_code(result, "duplicate")
    assert duplicate.line == 2
    assert "r.jsonl:1" in duplicate.message
    assert result.summary["duplicate_scope"] == "version"


def test_scope_date_flags_different_versions_on_one_day(tmp_path: Path) -> None:
    _pair(tmp_path, "1.0.0", "2.0.0")

    result = _run(tmp_path, overrides={"integrity.duplicate_scope": "date"})

    assert len(_by_code(result, "duplicate")) == 1
    assert result.summary["duplicate_scope"] == "date"


def test_scope_version_keeps_different_versions_apart(tmp_path: Path) -> None:
    _pair(tmp_path, "1.0.0", "2.0.0")

    result = _run(tmp_path, overrides={"integrity.duplicate_scope": "version"})

    assert _by_code(result, "duplicate") == []
    assert result.status == "pass"


def test_scope_major(tmp_path: Path) -> None:
    _pair(tmp_path, "1.0.0", "1.4.0")
    assert (
        len(_by_code(_run(tmp_path, overrides={"integrity.duplicate_scope": "major"}), "duplicate"))
        == 1
    )

    _pair(tmp_path, "1.0.0", "2.0.0")
    assert (
        _by_code(_run(tmp_path, overrides={"integrity.duplicate_scope": "major"}), "duplicate")
        == []
    )


def test_different_days_are_never_duplicates(tmp_path: Path) -> None:
    _jsonl(
        tmp_path / "records" / "r.jsonl",
        [_record("2025-08-10", "1.0.0"), _record("2025-08-11", "1.0.0")],
    )

    assert (
        _by_code(_run(tmp_path, overrides={"integrity.duplicate_scope": "date"}), "duplicate") == []
    )


def test_migration_spellings_across_files_are_all_duplicates_of_the_first(tmp_path: Path) -> None:
    records = tmp_path / "records"
    _json(records / "a.json", _record("2025-08-10", "v1.0.0"))
    _json(records / "b.json", _record("2025-08-10", "1.0.0"))
    _jsonl(records / "c.jsonl", [_record("2025-08-10", "1.0")])
    _json(records / "d.json", _record("2025-08-10", "1"))
    _json(records / "e.json", _record("2025-08-10", " V1.0.0 "))

    result = _run(tmp_path)

    duplicates = _by_code(result, "duplicate")
    assert [f.path for f in duplicates] == [
        "records/b.json",
        "records/c.jsonl",
        "records/d.json",
        "records/e.json",
    ]
    assert all("records/a.json:1" in f.message for f in duplicates)
    assert result.summary["counts"] == {"duplicate": 4}
    assert result.status == "fail"


# --- pointers and types ------------------------------------------------------------------------


def test_custom_field_names_are_used_in_pointers_and_messages(tmp_path: Path) -> None:
    _jsonl(
        tmp_path / "records" / "r.jsonl",
        [
            {"day": "2025-08-10", "ver": "1.0.0", "readiness": 38.0, "level": "good"},
            {"day": "2025-08-11", "ver": "1.0.0", "readiness": 70.0},
            {"date": "2025-08-12", "ver": "1.0.0", "readiness": 70.0, "level": "good"},
        ],
    )

    result = _run(
        tmp_path,
        overrides={
            "fields.date": "day",
            "fields.schema_version": "ver",
            "fields.score": "readiness",
            "fields.band": "level",
        },
    )

    found = [(f.line, f.code, f.pointer) for f in result.findings]
    assert found == [
        (1, "band-mismatch", "/level"),
        (2, "missing-field", "/level"),
        (3, "missing-field", "/day"),
    ]
    assert "'level'" in result.findings[1].message
    assert "'day'" in result.findings[2].message


def test_array_of_non_objects_gives_wrong_type_per_element(tmp_path: Path) -> None:
    _json(tmp_path / "records" / "r.json", [1, "two", None, [3]], indent=2)

    result = _run(tmp_path)

    assert _codes(result) == ["wrong-type"] * 4
    assert [f.pointer for f in result.findings] == ["/0", "/1", "/2", "/3"]
    assert [f.line for f in result.findings] == [2, 3, 4, 5]
    assert result.summary["failed_records"] == 4
    assert result.summary["records"] == 4


def test_array_element_field_pointers_include_the_index(tmp_path: Path) -> None:
    _json(
        tmp_path / "records" / "r.json",
        [_record("2025-08-10", "1.0.0"), _record("2025-08-11", "1.0.0", 38.0, "good")],
        indent=2,
    )

    result = _run(tmp_path)

    (mismatch,) = result.findings
    assert mismatch.pointer == "/1/band"
    assert mismatch.code == "band-mismatch"


@pytest.mark.parametrize(
    ("field", "pointer"),
    [("a/b", "/a~1b"), ("a~b", "/a~0b"), ("~/", "/~0~1"), ("x~1", "/x~01")],
)
def test_field_names_are_escaped_in_pointers(tmp_path: Path, field: str, pointer: str) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", [_record()])
    _json(
        tmp_path / "records" / "s.json",
        [{**_record(version="2.0.0"), field: 1}, _record("2025-08-11")],
    )

    result = _run(tmp_path, overrides={"fields.band": field})

    assert [(f.path, f.code, f.pointer) for f in result.findings] == [
        ("records/r.jsonl", "missing-field", pointer),
        ("records/s.json", "wrong-type", f"/0{pointer}"),
        ("records/s.json", "missing-field", f"/1{pointer}"),
    ]


def test_bool_score_is_wrong_type_and_nan_like_values_do_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "records" / "r.jsonl"
    path.parent.mkdir()
    path.write_text(
        json.dumps(_record(score=True))
        + "\n"
        + '{"date": "2025-08-10", "schema_version": "2.0.0", "score": 1e999, "band": "good"}\n',
        encoding="utf-8",
    )

    result = _run(tmp_path)

    assert result.status == "fail"
    assert result.summary["failed_records"] == 2
    assert _codes(result)[0] == "wrong-type"


def test_paths_are_shown_relative_to_cwd(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "sub" / "r.jsonl", [_record(score=38.0)])

    result = _run(tmp_path)

    (finding,) = result.findings
    assert finding.path == "records/sub/r.jsonl"
    assert finding.location() == "records/sub/r.jsonl:1"


def test_summary_has_the_documented_keys(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", _clean(3))

    result = _run(tmp_path)

    assert {
        "records",
        "records_in_window",
        "failed_records",
        "failure_rate",
        "threshold",
        "window",
        "counts",
        "outside_window",
        "files",
        "skipped_files",
    } <= set(result.summary)
    assert result.check == "integrity"


def test_record_dated_year_one_is_checked_without_crashing(tmp_path: Path) -> None:
    # "0001-01-01" is a real calendar date (a common placeholder); a window reaching back
    # before it must not make the check fail with an exception.
    _jsonl(tmp_path / "records" / "r.jsonl", [_record("0001-01-01")])

    result = _run(tmp_path, as_of=None)

    assert result.status == "pass"
    assert result.summary["records_in_window"] == 1
    assert result.summary["window"]["end"] == "0001-01-01"


def test_the_longest_window_reaches_before_the_calendar_without_crashing(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", _clean(3))

    result = _run(tmp_path, overrides={"integrity.window_days": 36_500})

    assert result.status == "pass"
    assert result.summary["records_in_window"] == 3


def test_a_window_past_its_range_is_a_one_line_config_error(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", _clean(3))

    with pytest.raises(ConfigError, match=r"must be a positive integer \(at most 36500\)"):
        _run(tmp_path, overrides={"integrity.window_days": 10**8})


def test_unknown_band_name_is_a_band_mismatch(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "r.jsonl", [_record(score=70.0, band="superb")])

    result = _run(tmp_path)

    assert [(f.code, f.pointer) for f in result.findings] == [("band-mismatch", "/band")]


def test_invalid_versions_are_keyed_only_in_scope_date(tmp_path: Path) -> None:
    _pair(tmp_path, "latest", "latest")

    by_version = _run(tmp_path)
    by_date = _run(tmp_path, overrides={"integrity.duplicate_scope": "date"})

    assert _codes(by_version) == ["invalid-schema-version", "invalid-schema-version"]
    assert _codes(by_date) == ["invalid-schema-version", "invalid-schema-version", "duplicate"]


def test_in_scope_date_a_valid_and_an_invalid_version_share_the_day(tmp_path: Path) -> None:
    _pair(tmp_path, "1.0.0", "latest")

    by_date = _run(tmp_path, overrides={"integrity.duplicate_scope": "date"})

    assert _codes(by_date) == ["invalid-schema-version", "duplicate"]


@pytest.mark.parametrize(
    "version",
    [1, 1.0, True, None, [1, 0, 0], {"major": 1}, "", "v 1", "1!2.0", "vv1", "1.0.0.0", "x" * 100],
)
def test_bad_schema_versions_are_findings_not_crashes(tmp_path: Path, version: object) -> None:
    # Twice, so that a cached outcome is exercised as well as a fresh one.
    _jsonl(
        tmp_path / "records" / "r.jsonl",
        [_record("2025-08-10", version), _record("2025-08-11", version)],
    )

    result = _run(tmp_path)

    assert _codes(result) == ["invalid-schema-version", "invalid-schema-version"]
    assert {f.pointer for f in result.findings} == {"/schema_version"}
    assert result.summary["failed_records"] == 2


def test_the_quarantine_folder_is_never_read_as_records(tmp_path: Path) -> None:
    _jsonl(tmp_path / "records" / "clean.jsonl", _clean(14))
    quarantined = tmp_path / "records" / "quarantine" / "records" / "20250812T120000Z"
    _json(quarantined / "dup.json", _record("2025-08-01", "1.0.0"))
    (quarantined / "dup.json.why.json").write_text('{"reason": "duplicate"}', encoding="utf-8")

    result = _run(tmp_path, overrides={"paths.quarantine": tmp_path / "records" / "quarantine"})

    assert result.status == "pass"
    assert result.summary["records"] == 14
    assert result.summary["files"] == 1
