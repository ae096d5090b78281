"""Retention's settings: days per root, age basis, blast-radius cap, protected names, clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core.config import (
    Choice,
    Count,
    Kind,
    PathKind,
    Paths,
    Ratio,
    SectionSpec,
    Setting,
    Timestamp,
    Values,
    Words,
    table_items,
)

__all__ = ["RETENTION", "RETENTION_AGE_BASES", "RetentionConfig", "RetentionRoot"]

RETENTION_AGE_BASES: tuple[str, ...] = ("mtime", "name")
# A century: any longer retention is a typo, and every age in days must fit a timedelta.
MAX_DAYS = 36_500


@dataclass(frozen=True, slots=True)
class RetentionRoot:
    path: Path
    days: int
    # Where a file's age comes from: its mtime, or a date in its name (see docs/retention.md).
    age_from: str = "mtime"


@dataclass(frozen=True, slots=True)
class RetentionConfig:
    days: int = 30
    telemetry_days: int | None = None
    quarantine_days: int | None = None
    extra_roots: tuple[RetentionRoot, ...] = ()
    age_from: str = "mtime"
    # The quarantine's own basis: entry names carry the data's date, not the quarantine
    # time; quarantine.py sets each entry's mtime to the moment it was quarantined.
    quarantine_age_from: str = "mtime"
    max_delete_fraction: float = 0.9
    max_delete: int = 10_000
    protect: tuple[str, ...] = (".gitkeep", "README*")
    # A pinned clock (for demos and fixtures); None means the real time.
    now: datetime | None = None

    def roots(self, paths: Paths) -> tuple[RetentionRoot, ...]:
        """Every root to prune with its days and age basis: telemetry, quarantine, extra roots."""
        telemetry = tuple(
            RetentionRoot(p, self.telemetry_days or self.days, self.age_from)
            for p in paths.telemetry
        )
        quarantine = RetentionRoot(
            paths.quarantine, self.quarantine_days or self.days, self.quarantine_age_from
        )
        return (*telemetry, quarantine, *self.extra_roots)


class _ExtraRoots(Kind):
    """`extra_roots = [{ path, days, age_from }]` (file only; days and age_from optional)."""

    text = False
    description = "a list of {path, days, age_from} tables"

    def from_value(
        self, value: Any, where: str, base: Path
    ) -> tuple[tuple[Path, int | None, str | None], ...]:
        roots = []
        for index, item in enumerate(table_items(value, where, ("path", "days", "age_from"))):
            here = f"{where}[{index}]"
            path = PathKind().from_value(item.get("path"), f"{here}.path", base)
            days = item.get("days")
            if days is not None:
                days = _DAYS.from_value(days, f"{here}.days", base)
            age_from = item.get("age_from")
            if age_from is not None:
                age_from = Choice(RETENTION_AGE_BASES).from_value(
                    age_from, f"{here}.age_from", base
                )
            roots.append((path, days, age_from))
        return tuple(roots)


def _build(values: Values) -> RetentionConfig:
    days = values["retention.days"]
    age_from = values["retention.age_from"]
    return RetentionConfig(
        days=days,
        telemetry_days=values["retention.telemetry_days"],
        quarantine_days=values["retention.quarantine_days"],
        extra_roots=tuple(
            RetentionRoot(path, root_days or days, root_age_from or age_from)
            for path, root_days, root_age_from in values["retention.extra_roots"]
        ),
        age_from=age_from,
        quarantine_age_from=values["retention.quarantine_age_from"],
        max_delete_fraction=values["retention.max_delete_fraction"],
        max_delete=values["retention.max_delete"],
        protect=values["retention.protect"],
        now=values["retention.now"],
    )


_DEFAULT = RetentionConfig()
_DAYS = Count(1, MAX_DAYS)

RETENTION: SectionSpec[RetentionConfig] = SectionSpec(
    "retention",
    (
        Setting(
            "retention.days",
            _DAYS,
            _DEFAULT.days,
            "retention in days",
            flag="--days",
            env_aliases=("RETENTION_DAYS",),
        ),
        Setting("retention.telemetry_days", _DAYS, None, "days for the telemetry roots"),
        Setting("retention.quarantine_days", _DAYS, None, "days for the quarantine"),
        Setting("retention.extra_roots", _ExtraRoots(), [], "more roots to prune"),
        Setting(
            "retention.age_from",
            Choice(RETENTION_AGE_BASES),
            _DEFAULT.age_from,
            "age by mtime or by a date in the file name",
            flag="--age-from",
        ),
        Setting(
            "retention.quarantine_age_from",
            Choice(RETENTION_AGE_BASES),
            _DEFAULT.quarantine_age_from,
            "the quarantine's age basis",
        ),
        Setting(
            "retention.max_delete_fraction",
            Ratio(),
            _DEFAULT.max_delete_fraction,
            "an apply deletes nothing in a root where it would remove more than this share",
        ),
        Setting(
            "retention.max_delete",
            Count(1, 10**9),
            _DEFAULT.max_delete,
            "an apply deletes nothing in a root where it would remove more files than this",
        ),
        Setting(
            "retention.protect",
            Words(what="name glob"),
            list(_DEFAULT.protect),
            "name globs never deleted",
        ),
        Setting(
            "retention.now",
            Timestamp(),
            None,
            "the clock (default: the real time)",
            flag="--now",
        ),
    ),
    _build,
)
