"""The integrity check's settings: record field names, the band table, the gate's rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from ..core.config import (
    Choice,
    Count,
    Kind,
    Number,
    Ratio,
    SectionSpec,
    Setting,
    Text,
    Values,
    Words,
    suggest,
)
from ..core.errors import BandTableError, ConfigError
from .bands import DEFAULT_BANDS, Band, BandTable
from .codes import INTEGRITY_CODES
from .duplicates import DUPLICATE_SCOPES, DuplicateScope

__all__ = ["EXPECT", "INTEGRITY", "Fields", "IntegrityConfig"]

# The cadence records are expected at: "off" (none), or "daily" (one record a day).
EXPECT = ("off", "daily")


@dataclass(frozen=True, slots=True)
class Fields:
    """Names of the record fields the integrity check reads."""

    date: str = "date"
    schema_version: str = "schema_version"
    score: str = "score"
    band: str = "band"


@dataclass(frozen=True, slots=True)
class IntegrityConfig:
    threshold: float = 0.01
    window_days: int = 14
    min_records: int = 1
    duplicate_scope: DuplicateScope = "version"
    zero_tolerance: tuple[str, ...] = ("band-mismatch", "duplicate", "duplicate-key")
    # "daily": every day of the window (from the first record on) must have a record.
    expect: str = "off"
    # A writer's temp file older than this is a crashed write and fails the gate.
    orphan_temp_hours: float = 1.0
    fields: Fields = field(default_factory=Fields)
    bands: BandTable = DEFAULT_BANDS


class _Bands(Kind):
    """`[[score.bands]]`: a list of `{name, min, max}` tables (file only)."""

    text = False
    description = "a list of {name, min, max} tables"

    def from_value(self, value: Any, where: str, base: Path) -> list[Band]:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list of {{name, min, max}} tables")
        bands: list[Band] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise ConfigError(f"{where}[{index}]: expected a table with name, min and max")
            for key in item:
                if key not in ("name", "min", "max"):
                    raise ConfigError(
                        f"{where}[{index}]: unknown key {key!r}"
                        f"{suggest(key, ['name', 'min', 'max'])}"
                    )
            missing = [k for k in ("name", "min", "max") if k not in item]
            if missing:
                raise ConfigError(f"{where}[{index}]: missing {', '.join(missing)}")
            name, low, high = item["name"], item["min"], item["max"]
            if not isinstance(name, str):
                raise ConfigError(f"{where}[{index}].name: expected a string, got {name!r}")
            for key, bound in (("min", low), ("max", high)):
                if not isinstance(bound, int | float) or isinstance(bound, bool):
                    raise ConfigError(f"{where}[{index}].{key}: expected a number, got {bound!r}")
            bands.append(Band(name, float(low), float(high)))
        return bands


_FIELD_KEYS = ("date", "schema_version", "score", "band")


def _build(values: Values) -> IntegrityConfig:
    names = [values[f"fields.{key}"] for key in _FIELD_KEYS]
    fields = Fields(*names)
    if len(set(names)) != len(names):
        given = sorted({values.origin(f"fields.{k}") for k in _FIELD_KEYS} - {"default"})
        raise ConfigError(
            f"{', '.join(given) or 'fields'}: date, schema_version, score and band must name "
            "different fields"
        )
    try:
        bands = BandTable.build(values["score.bands"], values["score.min"], values["score.max"])
    except BandTableError as exc:
        where = next(
            (
                values.origin(f"score.{k}")
                for k in ("bands", "min", "max")
                if values.given(f"score.{k}")
            ),
            "default",
        )
        raise ConfigError(f"{where}: {exc}") from None
    return IntegrityConfig(
        threshold=values["integrity.threshold"],
        window_days=values["integrity.window_days"],
        min_records=values["integrity.min_records"],
        duplicate_scope=cast(DuplicateScope, values["integrity.duplicate_scope"]),
        zero_tolerance=values["integrity.zero_tolerance"],
        expect=values["integrity.expect"],
        orphan_temp_hours=values["integrity.orphan_temp_hours"],
        fields=fields,
        bands=bands,
    )


_DEFAULT = IntegrityConfig()

INTEGRITY: SectionSpec[IntegrityConfig] = SectionSpec(
    "integrity",
    (
        *(
            Setting(f"fields.{key}", Text(), getattr(Fields(), key), f"the record's {key} field")
            for key in _FIELD_KEYS
        ),
        Setting("score.min", Number(), DEFAULT_BANDS.score_min, "the lowest valid score"),
        Setting("score.max", Number(), DEFAULT_BANDS.score_max, "the highest valid score"),
        Setting(
            "score.bands",
            _Bands(),
            [{"name": b.name, "min": b.min, "max": b.max} for b in DEFAULT_BANDS.bands],
            "the band table: [[score.bands]] with name, min (inclusive), max (exclusive)",
        ),
        Setting(
            "integrity.threshold",
            Ratio(),
            _DEFAULT.threshold,
            "fail when failure_rate >= X",
            flag="--threshold",
        ),
        Setting(
            "integrity.window_days",
            Count(1, 36_500),
            _DEFAULT.window_days,
            "gate the last N days of data",
            flag="--window-days",
        ),
        Setting(
            "integrity.min_records",
            Count(0, 10**9),
            _DEFAULT.min_records,
            "fail when the window holds fewer than N records",
            flag="--min-records",
        ),
        Setting(
            "integrity.duplicate_scope",
            Choice(DUPLICATE_SCOPES),
            _DEFAULT.duplicate_scope,
            "duplicate key: date + version, + major, or date only",
            flag="--duplicate-scope",
        ),
        Setting(
            "integrity.zero_tolerance",
            Words(tuple(INTEGRITY_CODES), what="finding code"),
            list(_DEFAULT.zero_tolerance),
            "codes that fail the gate on one finding, whatever the rate",
        ),
        Setting(
            "integrity.expect",
            Choice(EXPECT),
            _DEFAULT.expect,
            "daily: each day of the window without a record is a missing-day failure",
            flag="--expect-records",
        ),
        Setting(
            "integrity.orphan_temp_hours",
            Number(0, 24 * 365),
            _DEFAULT.orphan_temp_hours,
            "a writer's temp file older than N hours fails the gate (younger: a warning)",
        ),
    ),
    _build,
    exports=("fields", "bands"),
)
