"""Validation of one record against the configuration: the shared core of every record check.

The integrity gate runs it on every record it reads; the record store runs it
on every record before writing it. It finds each defect of a single record
(types, dates, versions, score range, band agreement); the checks that need
more than one record (duplicates, the window) belong to their callers.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..core.config import Config
from ..core.errors import InvalidSchemaVersion, ScoreError
from ..core.files import pointer_segment
from ..core.values import describe, show, shown
from .bands import is_real, map_score_to_band
from .settings import INTEGRITY
from .versioning import normalize_schema_version

__all__ = [
    "Defect",
    "RecordValidator",
    "Validated",
    "json_pointer",
    "kind_of",
    "parse_day",
    "reference_day",
]

# (code, JSON pointer, message) of one defect.
Defect = tuple[str, str, str]
# (date ordinal or None, normalized schema_version or None, defects)
Validated = tuple[int | None, str | None, list[Defect]]

_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MISSING = object()
_EARLIEST_ZONE = timedelta(hours=14)


class RecordValidator:
    """Validates records one by one, caching what repeats across records (dates, versions).

    `reference` is the ordinal of the last day that is not in the future.
    """

    def __init__(self, config: Config, reference: int) -> None:
        settings = INTEGRITY.of(config)
        self.fields = settings.fields
        self.bands = settings.bands
        self.reference = reference
        self.pointers = {
            name: json_pointer(name)
            for name in (
                settings.fields.date,
                settings.fields.schema_version,
                settings.fields.score,
                settings.fields.band,
            )
        }
        self._days: dict[str, int | None] = {}
        self._versions: dict[tuple[type, object], str | InvalidSchemaVersion] = {}

    def validate(self, record: Any, at: str = "") -> Validated:
        """Check one parsed record; `at` is the pointer prefix ("" or "/N" for array elements)."""
        if type(record) is not dict:
            return (
                None,
                None,
                [("wrong-type", at, f"record must be a JSON object, got {kind_of(record)}")],
            )
        fields = self.fields
        ptr = self.pointers
        defects: list[Defect] = []

        raw_date = record.get(fields.date, _MISSING)
        if raw_date is _MISSING:
            defects.append(_missing(at, fields.date))
            day = None
        else:
            day = self._day(raw_date, at + ptr[fields.date], defects)

        raw_version = record.get(fields.schema_version, _MISSING)
        normalized: str | None = None
        if raw_version is _MISSING:
            defects.append(_missing(at, fields.schema_version))
        else:
            normalized = self._version(raw_version, at + ptr[fields.schema_version], defects)

        raw_score = record.get(fields.score, _MISSING)
        raw_band = record.get(fields.band, _MISSING)
        mapped: str | None = None
        if raw_score is _MISSING:
            defects.append(_missing(at, fields.score))
        else:
            try:
                mapped = map_score_to_band(raw_score, self.bands)
            except ScoreError as exc:
                # A real number (numpy's and float subclasses too, from a Python caller
                # such as RecordStore) is out of range; anything else is the wrong type.
                if is_real(raw_score):
                    defects.append(("score-out-of-range", at + ptr[fields.score], str(exc)))
                else:
                    defects.append(
                        (
                            "wrong-type",
                            at + ptr[fields.score],
                            f"score must be a number, got {kind_of(raw_score)}",
                        )
                    )
        if raw_band is _MISSING:
            defects.append(_missing(at, fields.band))
        elif not isinstance(raw_band, str):
            defects.append(
                (
                    "wrong-type",
                    at + ptr[fields.band],
                    f"band must be a string, got {kind_of(raw_band)}",
                )
            )
        elif mapped is not None and raw_band != mapped:
            defects.append(
                (
                    "band-mismatch",
                    at + ptr[fields.band],
                    self._mismatch(raw_band, mapped, raw_score),
                )
            )

        return day, normalized, defects

    def _version(self, raw: object, pointer: str, defects: list[Defect]) -> str | None:
        # Versions repeat on almost every record: cache both outcomes, keyed by type too
        # (1 and 1.0 are equal as dict keys but neither is a valid string version).
        try:
            outcome = self._versions[type(raw), raw]
        except KeyError:
            try:
                outcome = normalize_schema_version(raw)
            except InvalidSchemaVersion as exc:
                outcome = exc
            self._versions[type(raw), raw] = outcome
        except TypeError:  # an unhashable JSON value (array or object)
            outcome = InvalidSchemaVersion(f"schema_version must be a string, got {kind_of(raw)}")
        if isinstance(outcome, InvalidSchemaVersion):
            # The reason without the value; the value only when it looks like a version.
            message = str(outcome)
            if outcome.reason != message:
                message = f"{outcome.reason}: {show(raw, 'version')}"
            defects.append(("invalid-schema-version", pointer, message))
            return None
        return outcome

    def _mismatch(self, band: str, mapped: str, score: object) -> str:
        shown = show(score, "number")
        if band in self.bands.names:
            return f"band {band!r} but score {shown} maps to {mapped!r}"
        return (
            f"band is not a band of the table ({describe(band)}); score {shown} maps to {mapped!r}"
        )

    def _day(self, raw: object, pointer: str, defects: list[Defect]) -> int | None:
        if not isinstance(raw, str):
            defects.append(("wrong-type", pointer, f"date must be a string, got {kind_of(raw)}"))
            return None
        try:
            day = self._days[raw]
        except KeyError:
            day = self._days[raw] = parse_day(raw)
        if day is None:
            # A date-shaped value is shown (`2025-02-30`); anything else only described.
            shaped = shown(raw, "date")
            message = (
                f"date {shaped} is not a calendar date in YYYY-MM-DD form"
                if shaped is not None
                else f"date is not a calendar date in YYYY-MM-DD form: {describe(raw)}"
            )
            defects.append(("invalid-date", pointer, message))
        elif day > self.reference:
            defects.append(
                (
                    "future-date",
                    pointer,
                    f"date {raw} is after the reference day {date.fromordinal(self.reference)}",
                )
            )
        return day


def reference_day(as_of: date | None = None, now: datetime | None = None) -> date:
    """The last day that is not in the future: `as_of`, or today in the earliest time zone.

    UTC+14 is the first zone to reach a new day, so no pipeline anywhere is
    told that today's record is from the future.
    """
    if as_of is not None:
        return as_of
    return ((now or datetime.now(UTC)) + _EARLIEST_ZONE).date()


def parse_day(raw: str) -> int | None:
    """The ordinal of a strict `YYYY-MM-DD` calendar date, or None."""
    if len(raw) != 10 or not _DATE_SHAPE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw).toordinal()
    except ValueError:
        return None


def json_pointer(field: str) -> str:
    """The RFC 6901 pointer to a top-level field."""
    return "/" + pointer_segment(field)


_JSON_KINDS: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    type(None): "null",
    int: "number",
    float: "number",
}


def kind_of(value: object) -> str:
    """The JSON name of a parsed value's type."""
    return _JSON_KINDS.get(type(value), type(value).__name__)


def _missing(at: str, field: str) -> Defect:
    return ("missing-field", at + json_pointer(field), f"missing field {field!r}")
