"""One record's defects, exactly: missing fields, custom bands, dates, versions and messages.

`RecordValidator` is what both the integrity gate and the `RecordStore` run on
every record, so each defect is asserted as the whole `(code, pointer,
message)` a user reads, not only its code.
"""

from __future__ import annotations

import json
import os
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import BANDS_0_TO_10, local_zone

from opsguard import RecordRejected, RecordStore, load_config
from opsguard.core.config import Config
from opsguard.integrity.check import check_integrity
from opsguard.integrity.validation import (
    RecordValidator,
    json_pointer,
    kind_of,
    parse_day,
    reference_day,
)

REFERENCE = date(2025, 8, 20)
NOW = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)


def _config(tmp_path: Path, **overrides: Any) -> Config:
    return load_config(cwd=tmp_path, environ={}, overrides=overrides)


def _validator(tmp_path: Path, **overrides: Any) -> RecordValidator:
    return RecordValidator(_config(tmp_path, **overrides), REFERENCE.toordinal())


def _record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "date": "2025-08-10",
        "schema_version": "1.0.0",
        "score": 72.0,
        "band": "good",
    }
    record.update(changes)
    return record


@pytest.fixture
def validator(tmp_path: Path) -> RecordValidator:
    return _validator(tmp_path)


# --- missing fields ----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["date", "schema_version", "score", "band"])
def test_a_missing_field_is_one_missing_field_defect(
    validator: RecordValidator, field: str
) -> None:
    record = _record()
    del record[field]

    _, _, defects = validator.validate(record)

    # Exactly one defect: never `invalid-schema-version ... got NoneType` or `wrong-type ...
    # got null`, as if the field were present and null, and never nothing at all.
    assert defects == [("missing-field", f"/{field}", f"missing field {field!r}")]


@pytest.mark.parametrize("field", ["date", "schema_version", "score", "band"])
def test_a_field_present_as_null_is_not_missing(validator: RecordValidator, field: str) -> None:
    _, _, defects = validator.validate(_record(**{field: None}))

    assert [code for code, _, _ in defects] != ["missing-field"]
    assert len(defects) == 1
    assert defects[0][1] == f"/{field}"


@pytest.mark.parametrize("field", ["schema_version", "score"])
def test_a_missing_field_inside_an_array_points_at_the_element(
    validator: RecordValidator, field: str
) -> None:
    record = _record()
    del record[field]

    _, _, defects = validator.validate(record, "/3")

    assert defects == [("missing-field", f"/3/{field}", f"missing field {field!r}")]


@pytest.mark.parametrize("field", ["schema_version", "score"])
def test_the_gate_reports_a_missing_field_in_an_array_file(tmp_path: Path, field: str) -> None:
    second = _record(date="2025-08-11")
    del second[field]
    records = tmp_path / "records"
    records.mkdir()
    (records / "days.json").write_text(json.dumps([_record(), second], indent=2), "utf-8")

    result = check_integrity(
        [records], _config(tmp_path), as_of=date(2025, 8, 14), cwd=tmp_path, now=NOW
    )

    assert [(f.code, f.pointer, f.line, f.message) for f in result.findings] == [
        ("missing-field", f"/1/{field}", 8, f"missing field {field!r}")
    ]


def test_a_record_missing_everything_reports_each_field_once(validator: RecordValidator) -> None:
    day, normalized, defects = validator.validate({})

    assert (day, normalized) == (None, None)
    assert defects == [
        ("missing-field", "/date", "missing field 'date'"),
        ("missing-field", "/schema_version", "missing field 'schema_version'"),
        ("missing-field", "/score", "missing field 'score'"),
        ("missing-field", "/band", "missing field 'band'"),
    ]


def test_configured_field_names_are_the_ones_looked_up(tmp_path: Path) -> None:
    validator = _validator(
        tmp_path,
        **{
            "fields.date": "day",
            "fields.schema_version": "ver",
            "fields.score": "readiness",
            "fields.band": "level",
        },
    )
    record = {"day": "2025-08-10", "ver": "v2", "readiness": 72.0, "level": "good"}

    assert validator.validate(record) == (date(2025, 8, 10).toordinal(), "2.0.0", [])
    # The default names mean nothing under this configuration.
    assert [p for _, p, _ in validator.validate(_record())[2]] == [
        "/day",
        "/ver",
        "/readiness",
        "/level",
    ]


# --- the configured band table reaches the validator -------------------------------------------


@pytest.fixture
def custom_bands(tmp_path: Path) -> RecordValidator:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(BANDS_0_TO_10), encoding="utf-8")
    config = load_config(cwd=tmp_path, environ={})
    assert config.bands.names == ("low", "mid", "high")
    return RecordValidator(config, REFERENCE.toordinal())


def test_a_custom_band_table_is_the_one_validated_against(custom_bands: RecordValidator) -> None:
    # Under the default 0-100 table a 5 is "poor"; under low/mid/high over 0-10 it is "mid".
    assert custom_bands.validate(_record(score=5, band="mid"))[2] == []
    assert custom_bands.validate(_record(score=10, band="high"))[2] == []
    assert custom_bands.validate(_record(score=5, band="high"))[2] == [
        ("band-mismatch", "/band", "band 'high' but score 5 maps to 'mid'")
    ]
    # "poor" is no band of this table: like any value of no expected shape, only described.
    assert custom_bands.validate(_record(score=5, band="poor"))[2] == [
        (
            "band-mismatch",
            "/band",
            "band is not a band of the table (a 4-character string); score 5 maps to 'mid'",
        )
    ]


def test_a_custom_score_range_is_the_one_enforced(custom_bands: RecordValidator) -> None:
    assert custom_bands.validate(_record(score=72.0, band="high"))[2] == [
        ("score-out-of-range", "/score", "score 72 is outside the range [0, 10]")
    ]


def test_the_gate_validates_against_the_custom_band_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(BANDS_0_TO_10), encoding="utf-8")
    records = tmp_path / "records"
    records.mkdir()
    (records / "r.jsonl").write_text(
        json.dumps(_record(score=5, band="mid")) + "\n", encoding="utf-8"
    )

    result = check_integrity(
        [records],
        load_config(cwd=tmp_path, environ={}),
        as_of=date(2025, 8, 14),
        cwd=tmp_path,
        now=NOW,
    )

    assert result.findings == ()
    assert result.status == "pass"


# --- types and their messages ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ({}, "object"),
        ([], "array"),
        ("x", "string"),
        (True, "boolean"),
        (None, "null"),
        (1, "number"),
        (1.5, "number"),
        (b"x", "bytes"),
    ],
)
def test_kind_of_names_json_types(value: object, kind: str) -> None:
    assert kind_of(value) == kind


@pytest.mark.parametrize(("value", "kind"), [([], "array"), ("x", "string"), (None, "null")])
def test_a_record_that_is_not_an_object(
    validator: RecordValidator, value: object, kind: str
) -> None:
    assert validator.validate(value, "/2") == (
        None,
        None,
        [("wrong-type", "/2", f"record must be a JSON object, got {kind}")],
    )


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("date", 20250810, ("wrong-type", "date must be a string, got number")),
        ("date", None, ("wrong-type", "date must be a string, got null")),
        ("score", "72", ("wrong-type", "score must be a number, got string")),
        ("score", [72], ("wrong-type", "score must be a number, got array")),
        ("score", True, ("wrong-type", "score must be a number, got boolean")),
        ("score", None, ("wrong-type", "score must be a number, got null")),
        ("score", 101, ("score-out-of-range", "score 101 is outside the range [0, 100]")),
        ("score", -0.5, ("score-out-of-range", "score -0.5 is outside the range [0, 100]")),
        ("band", 3, ("wrong-type", "band must be a string, got number")),
        ("band", None, ("wrong-type", "band must be a string, got null")),
        ("band", "fair", ("band-mismatch", "band 'fair' but score 72.0 maps to 'good'")),
        (
            "schema_version",
            [1, 0, 0],
            ("invalid-schema-version", "schema_version must be a string, got array"),
        ),
        (
            "schema_version",
            {"major": 1},
            ("invalid-schema-version", "schema_version must be a string, got object"),
        ),
        (
            "schema_version",
            None,
            ("invalid-schema-version", "schema_version must be a string, got NoneType"),
        ),
        (
            "schema_version",
            "latest",
            ("invalid-schema-version", "not a schema version: a 6-character string"),
        ),
    ],
)
def test_each_defect_has_its_code_pointer_and_message(
    validator: RecordValidator, field: str, value: object, expected: tuple[str, str]
) -> None:
    code, message = expected

    _, _, defects = validator.validate(_record(**{field: value}), "/0")

    assert defects == [(code, f"/0/{field}", message)]


def test_a_score_that_is_not_a_number_does_not_also_flag_the_band(
    validator: RecordValidator,
) -> None:
    # Without a mapped band there is nothing to compare the band with.
    assert [c for c, _, _ in validator.validate(_record(score="x", band="nonsense"))[2]] == [
        "wrong-type"
    ]


def test_valid_record_returns_its_day_and_normalized_version(validator: RecordValidator) -> None:
    assert validator.validate(_record(schema_version=" V1.2 ")) == (
        date(2025, 8, 10).toordinal(),
        "1.2.0",
        [],
    )


# --- caches: a repeated value gets the same verdict --------------------------------------------


def test_repeated_versions_keep_their_verdicts(validator: RecordValidator) -> None:
    for _ in range(2):
        assert validator.validate(_record(schema_version="v1"))[1] == "1.0.0"
        assert validator.validate(_record(schema_version="latest"))[2] == [
            (
                "invalid-schema-version",
                "/schema_version",
                "not a schema version: a 6-character string",
            )
        ]
        # 1, 1.0 and True are equal as dict keys; each keeps its own message.
        for value, name in ((1, "int"), (1.0, "float"), (True, "bool")):
            assert validator.validate(_record(schema_version=value))[2] == [
                (
                    "invalid-schema-version",
                    "/schema_version",
                    f"schema_version must be a string, got {name}",
                )
            ]


def test_repeated_dates_keep_their_verdicts(validator: RecordValidator) -> None:
    for _ in range(2):
        assert validator.validate(_record(date="2025-08-10"))[0] == date(2025, 8, 10).toordinal()
        assert [c for c, _, _ in validator.validate(_record(date="2025-02-30"))[2]] == [
            "invalid-date"
        ]
        assert [c for c, _, _ in validator.validate(_record(date="2025-08-21"))[2]] == [
            "future-date"
        ]


# --- dates -------------------------------------------------------------------------------------


def test_the_reference_day_itself_is_not_future(validator: RecordValidator) -> None:
    assert validator.validate(_record(date="2025-08-20"))[2] == []
    assert validator.validate(_record(date="2025-08-21"))[2] == [
        ("future-date", "/date", "date 2025-08-21 is after the reference day 2025-08-20")
    ]


def test_an_invalid_date_is_shown_only_when_date_shaped(validator: RecordValidator) -> None:
    assert validator.validate(_record(date="2025-02-30"))[2] == [
        (
            "invalid-date",
            "/date",
            "date '2025-02-30' is not a calendar date in YYYY-MM-DD form",
        )
    ]
    long = "2025-08-01" + "x" * 100
    (defect,) = validator.validate(_record(date=long))[2]
    assert defect[2] == "date is not a calendar date in YYYY-MM-DD form: a 110-character string"


@pytest.mark.parametrize(
    "raw",
    [
        "2025-W31-5",  # an ISO week date: Python 3.11's fromisoformat accepts it
        "20250801  ",  # the basic format, padded to ten characters: accepted by it too
        "2025-08-1 ",
        " 2025-08-01"[:10],
        "2025/08/01",
        "2025-8-01x",
        "\u0662\u0660\u0662\u0665-\u0660\u0668-\u0660\u0661",  # Arabic-Indic digits match \d
        "2025-02-29",
        "2025-13-01",
        "2025-00-10",
        "0000-01-01",
        "",
        "2025-08-01T00:00",
    ],
)
def test_parse_day_accepts_only_strict_calendar_dates(raw: str) -> None:
    assert parse_day(raw) is None


@given(st.dates())
def test_parse_day_reads_every_calendar_date(day: date) -> None:
    assert parse_day(day.isoformat()) == day.toordinal()


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2025, 8, 20, 9, 59, 59, tzinfo=UTC), date(2025, 8, 20)),
        (datetime(2025, 8, 20, 10, 0, tzinfo=UTC), date(2025, 8, 21)),
        (datetime(2025, 8, 20, 0, 0, tzinfo=UTC), date(2025, 8, 20)),
        (datetime(2025, 12, 31, 10, 0, tzinfo=UTC), date(2026, 1, 1)),
    ],
)
def test_the_reference_day_changes_when_utc_plus_14_reaches_midnight(
    now: datetime, expected: date
) -> None:
    assert reference_day(None, now) == expected


def test_as_of_wins_over_the_clock() -> None:
    assert reference_day(date(2020, 1, 1), NOW) == date(2020, 1, 1)
    assert reference_day(date(2020, 1, 1)) == date(2020, 1, 1)


@pytest.fixture
def far_zone() -> Iterator[None]:
    """A local zone 12 hours from UTC, on the side where its day differs from UTC+14's.

    Local time must never leak into "today": if it did, the reference day would be
    one day off here.
    """
    hour = (datetime.now(UTC) + timedelta(hours=14)).hour
    # Etc/GMT+12 is UTC-12 (POSIX signs): before noon at UTC+14 it is still yesterday there
    # (+14); from noon on, UTC+12 plus 14 hours is already tomorrow.
    with local_zone("Etc/GMT+12" if hour < 12 else "Etc/GMT-12"):
        yield


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset")
@pytest.mark.usefixtures("far_zone")
def test_the_reference_day_does_not_depend_on_the_local_zone() -> None:
    assert os.environ["TZ"].startswith("Etc/GMT")
    before = (datetime.now(UTC) + timedelta(hours=14)).date()
    today = reference_day()
    after = (datetime.now(UTC) + timedelta(hours=14)).date()
    assert today in (before, after)


# --- pointers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "pointer"),
    [("score", "/score"), ("a/b", "/a~1b"), ("a~b", "/a~0b"), ("~1", "/~01"), ("", "/")],
)
def test_json_pointer_escapes_per_rfc_6901(field: str, pointer: str) -> None:
    assert json_pointer(field) == pointer


def test_record_store_defects_point_at_the_field(tmp_path: Path) -> None:
    directory = tmp_path / "records"
    directory.mkdir()
    store = RecordStore(directory, _config(tmp_path), now=NOW)
    record = _record(score="72")
    del record["band"]

    with pytest.raises(RecordRejected) as caught:
        store.write(record)

    assert caught.value.defects == (
        ("wrong-type", "/score", "score must be a number, got string"),
        ("missing-field", "/band", "missing field 'band'"),
    )
    assert str(caught.value) == (
        "wrong-type /score: score must be a number, got string; "
        "missing-field /band: missing field 'band'"
    )


@pytest.mark.parametrize(
    ("version", "message"),
    [
        # Version-shaped values are shown: they are what the field expects.
        ("v1.2.3.4", "schema version has more than 3 release parts: 'v1.2.3.4'"),
        ("2.0.0.0-rc1", "schema version has more than 3 release parts: '2.0.0.0-rc1'"),
        # Anything else is described, never shown (issue #11: a coordinate pair, a word).
        ("1!2.0", "epochs are not allowed in a schema version: a 5-character string"),
        ("52.5200417,13.4049583", "not a schema version: a 21-character string"),
        ("", "not a schema version: an empty string"),
    ],
)
def test_a_schema_version_is_shown_only_when_it_looks_like_one(
    validator: RecordValidator, version: str, message: str
) -> None:
    assert validator.validate(_record(schema_version=version))[2] == [
        ("invalid-schema-version", "/schema_version", message)
    ]


# --- scores from Python callers (RecordStore): numpy and other real numbers ------------------


class _Float64(float):
    """A float subclass, as numpy.float64 is."""


@pytest.mark.parametrize(
    ("score", "defects"),
    [
        (_Float64(57.3), []),
        (Fraction(573, 10), []),  # a numbers.Real that is no float
        (
            _Float64(150.0),
            [("score-out-of-range", "/score", "score 150 is outside the range [0, 100]")],
        ),
        (
            Fraction(150),
            [("score-out-of-range", "/score", "score 150 is outside the range [0, 100]")],
        ),
        (10**400, [("score-out-of-range", "/score", "score is too large to be a number")]),
        (True, [("wrong-type", "/score", "score must be a number, got boolean")]),
    ],
)
def test_every_real_number_is_a_score_and_a_refusal_says_why(
    validator: RecordValidator, score: object, defects: list[tuple[str, str, str]]
) -> None:
    assert validator.validate(_record(score=score, band="fair"))[2] == defects


def test_numpy_scores_are_accepted_and_refused_for_the_true_reason(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    validator = _validator(tmp_path)
    for score in (np.float64(57.3), np.float32(57.3), np.int64(57)):
        assert validator.validate(_record(score=score, band="fair"))[2] == []
    out_of_range = ("score-out-of-range", "/score", "score 150 is outside the range [0, 100]")
    for score in (np.float64(150), np.float32(150), np.int64(150)):
        assert validator.validate(_record(score=score, band="fair"))[2] == [out_of_range]
    store_dir = tmp_path / "records"
    store_dir.mkdir()
    written = RecordStore(store_dir, _config(tmp_path), now=NOW).write(
        _record(score=np.float64(57.3), band="fair")
    )
    assert json.loads(written.read_text())["score"] == 57.3
