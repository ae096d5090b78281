"""The integrity gate: valid records, no duplicates, bands that match scores.

One pass over the records (files in sorted path order) validates each record
and feeds the duplicate guard; verdicts wait until the pass is over, because
the window ends at the newest record date, known only then.

Rules (documented in docs/integrity.md):

- failure_rate = records in the window with at least one error / records in
  the window. A record with three defects counts once and yields three
  findings. A corrupt file or line stands for one failed record.
- The window is the last `window_days` days ending at `--as-of`, or at the
  newest valid, non-future record date. Records before it are counted and
  reported as warnings, not gated. Records without a usable date and
  future-dated records are always inside it: a defect cannot hide by
  breaking its own date.
- A date is in the future when it is after `--as-of`, or, without it, after
  today in the earliest time zone (UTC+14), so no pipeline east of UTC is
  flagged for writing today's record.
- The gate fails when the window has fewer than `min_records` records
  (`no-records`), when failure_rate >= threshold, when any finding in the
  window has a zero-tolerance code (default: band-mismatch, duplicate,
  duplicate-key), or when any input could not be read (`unreadable`: a guard
  that cannot see cannot pass, whatever the rate).
- Special files (FIFOs, sockets, devices) in a directory are never opened:
  each is a `special-file` warning. docs/input-rules.md has the rule for
  every condition of the input.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..core import values
from ..core.config import Config
from ..core.errors import OpsguardError
from ..core.files import discover_files, display_path, printable
from ..core.gcpause import gc_paused
from ..core.result import CheckResult, Finding, Status
from ..core.runs import RunOptions
from .codes import INTEGRITY_CODES
from .duplicates import DuplicateGuard, Origin
from .records import RECORD_SUFFIXES, CorruptItem, read_records
from .settings import INTEGRITY
from .summary import IntegritySummary, OutsideWindow, Window
from .validation import Defect, RecordValidator, reference_day

__all__ = ["check_integrity", "reference_day"]

CHECK = "integrity"


@dataclass(frozen=True, slots=True)
class _FailedRecord:
    day: int | None  # date ordinal; None when the record has no usable date
    path: str
    line: int | None
    defects: tuple[Defect, ...]


def check_integrity(
    paths: Sequence[Path],
    config: Config,
    *,
    as_of: date | None = None,
    cwd: Path | None = None,
    now: datetime | None = None,
) -> CheckResult:
    """Run the integrity gate over record files and directories."""
    started = time.perf_counter()
    cwd = (cwd or Path.cwd()).resolve()
    # Quarantined records (and their sidecars) are out of the gate by definition.
    discovery = discover_files(
        paths, RECORD_SUFFIXES, exclude=(config.paths.quarantine,), report_unlisted=True
    )
    scan = _Scan(config, reference_day(as_of, now).toordinal())
    named = {Path(os.path.abspath(path)) for path in paths}
    for directory, why in discovery.unlisted:
        if directory in named:
            # A directory the user named and opsguard cannot list: it could not do its job.
            raise OpsguardError(f"cannot list directory {display_path(directory, cwd)}: {why}")
        scan.unreadable.append(
            Finding(
                "unreadable",
                "error",
                display_path(directory, cwd),
                None,
                "",
                f"cannot list the directory: {why}; nothing below it was checked",
            )
        )
    with gc_paused():
        for file in discovery.files:
            scan.read_file(file, display_path(file, cwd))

    end = as_of or scan.newest_valid_day() or reference_day(None, now)
    # Clamped to 0001-01-01: a window reaching past the calendar's start starts there.
    window_start = max(end.toordinal() - INTEGRITY.of(config).window_days + 1, 1)
    shown_root = display_path(Path(paths[0]).resolve(), cwd) if paths else "."
    result = scan.verdict(window_start, end, shown_root)
    special = tuple(
        Finding(
            "special-file",
            "warning",
            display_path(path, cwd),
            None,
            "",
            f"a {kind}, not a record file: never opened, not checked",
        )
        for path, kind in discovery.special
    )
    return CheckResult(
        check=CHECK,
        status=result.status,
        summary=dataclasses.replace(
            result.summary,
            files=len(discovery.files),
            skipped_files=discovery.skipped,
            special_files=len(special),
        ),
        findings=result.findings + special,
        duration_s=round(time.perf_counter() - started, 6),
    )


class _Scan:
    """Accumulates per-day record counts and failed records over one pass."""

    def __init__(self, config: Config, reference: int) -> None:
        self.config = config
        self.validator = RecordValidator(config, reference)
        self.date_field = INTEGRITY.of(config).fields.date
        self.reference = reference
        self.guard = DuplicateGuard(INTEGRITY.of(config).duplicate_scope)
        self.clean_by_day: Counter[int] = Counter()
        self.failed: list[_FailedRecord] = []
        # Inputs that could not be read at all: each fails the gate, whatever the rate.
        self.unreadable: list[Finding] = []

    def read_file(self, file: Path, shown: str) -> None:
        for item in read_records(file, shown):
            if isinstance(item, CorruptItem):
                if item.code == "unreadable":
                    self.unreadable.append(
                        Finding("unreadable", "error", item.path, item.line, "", item.message)
                    )
                    continue
                self.failed.append(
                    _FailedRecord(None, item.path, item.line, ((item.code, "", item.message),))
                )
                continue
            day, defects = self._validate(item.value, item.pointer, Origin(item.path, item.line))
            for pointer, occurrences in item.duplicate_keys:
                defects.append(
                    (
                        "duplicate-key",
                        printable(pointer),
                        f"the key appears {occurrences} times in one object: readers disagree "
                        "on which value counts (orjson keeps the last), so a value can hide",
                    )
                )
            if defects:
                self.failed.append(_FailedRecord(day, item.path, item.line, tuple(defects)))
            elif day is not None:
                self.clean_by_day[day] += 1

    def _validate(self, record: Any, at: str, origin: Origin) -> tuple[int | None, list[Defect]]:
        day, normalized, defects = self.validator.validate(record, at)
        if day is not None and (normalized is not None or self.guard.scope == "date"):
            raw_date = record[self.date_field]
            key = self.guard.key_of_normalized(raw_date, normalized)
            first = self.guard.add_key(key, origin)
            if first is not None:
                # The date is valid here; a version is shown only while it looks like one
                # (a normalized local part, `+anything`, may hold free text).
                version = None if key[1] is None else str(key[1])
                if version is not None and values.shown(version, "version") is None:
                    version = values.describe(version)
                shown_key = raw_date if version is None else f"{raw_date}, {version}"
                defects.append(
                    (
                        "duplicate",
                        at,
                        f"duplicate of {first} (key {shown_key}, scope {self.guard.scope})",
                    )
                )
        return day, defects

    def newest_valid_day(self) -> date | None:
        days = [d for d in self.clean_by_day if d <= self.reference]
        days += [r.day for r in self.failed if r.day is not None and r.day <= self.reference]
        return date.fromordinal(max(days)) if days else None

    def verdict(self, window_start: int, end: date, shown_root: str) -> _Verdict:
        settings = INTEGRITY.of(self.config)
        in_window_clean = sum(n for d, n in self.clean_by_day.items() if d >= window_start)
        outside_clean = sum(self.clean_by_day.values()) - in_window_clean
        counts: Counter[str] = Counter()
        outside_counts: Counter[str] = Counter()
        findings: list[Finding] = []
        failed_in_window = failed_outside = 0
        for record in self.failed:
            inside = record.day is None or record.day >= window_start
            if inside:
                failed_in_window += 1
            else:
                failed_outside += 1
            for code, pointer, message in record.defects:
                (counts if inside else outside_counts)[code] += 1
                findings.append(
                    Finding(
                        code,
                        "error" if inside else "warning",
                        record.path,
                        record.line,
                        pointer,
                        message,
                    )
                )
        records_in_window = in_window_clean + failed_in_window
        rate = failed_in_window / records_in_window if records_in_window else 0.0

        reasons: list[str] = []
        if self.unreadable:
            counts["unreadable"] += len(self.unreadable)
            findings.extend(self.unreadable)
            reasons.append(
                f"unreadable: {len(self.unreadable)} file(s) or directory(ies) could not be read "
                "(a gate that cannot see cannot pass)"
            )
        if records_in_window < max(settings.min_records, 1):
            counts["no-records"] += 1
            message = (
                f"{records_in_window} records in the window "
                f"{date.fromordinal(window_start)}..{end}; at least "
                f"{max(settings.min_records, 1)} needed to gate"
            )
            findings.append(Finding("no-records", "error", shown_root, None, "", message))
            reasons.append(message)
        if records_in_window and rate >= settings.threshold:
            reasons.append(
                f"failure rate {rate:.2%} ({failed_in_window}/{records_in_window}) "
                f">= threshold {settings.threshold:.2%}"
            )
        for code in settings.zero_tolerance:
            if counts[code]:
                reasons.append(f"{code}: {counts[code]} (zero tolerance)")

        summary = IntegritySummary(
            records=records_in_window + outside_clean + failed_outside,
            records_in_window=records_in_window,
            failed_records=failed_in_window,
            failure_rate=rate,
            threshold=settings.threshold,
            window=Window(
                date.fromordinal(window_start).isoformat(), end.isoformat(), settings.window_days
            ),
            counts=_ordered(counts),
            outside_window=OutsideWindow(
                outside_clean + failed_outside, failed_outside, _ordered(outside_counts)
            ),
            duplicate_scope=self.guard.scope,
            reasons=reasons,
        )
        return _Verdict("fail" if reasons else "pass", summary, tuple(findings))


@dataclass(frozen=True, slots=True)
class _Verdict:
    status: Status
    summary: IntegritySummary
    findings: tuple[Finding, ...]


def _ordered(counts: Counter[str]) -> dict[str, int]:
    return {code: counts[code] for code in INTEGRITY_CODES if counts[code]}


def run_configured(config: Config, options: RunOptions) -> CheckResult:
    """The check as a whole run does it: the configured records, no extras."""
    return check_integrity(list(config.paths.records), config, cwd=Path.cwd())
