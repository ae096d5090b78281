"""The integrity gate: valid records, no duplicates, bands that match scores.

One pass over the records (files in sorted path order) validates each record
and feeds the duplicate index; verdicts wait until the pass is over, because
the window ends at the newest record date, known only then. JSONL blocks go
through the fast path first (`integrity.fastpath`, `_Scan.settle`); the
result is the same as the exact path's alone (`exact=True`).

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
- With `integrity.expect = "daily"`, each day of the window (from the first
  record on) without a record is a `missing-day` and counts as a failed record.
- A writer's temp file beside the records is an `orphan-temp`: a warning
  while young, a failure once older than `integrity.orphan_temp_hours`.
- Special files (FIFOs, sockets, devices) in a directory are never opened:
  each is a `special-file` warning. docs/input-rules.md has the rule for
  every condition of the input.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from itertools import accumulate, compress
from operator import add, and_, eq
from pathlib import Path
from typing import Any

from ..core import values
from ..core.atomic import TEMP_PATTERN
from ..core.config import Config
from ..core.errors import InvalidSchemaVersion, OpsguardError
from ..core.files import discover_files, display_path, printable
from ..core.gcpause import gc_paused
from ..core.result import CheckResult, Finding, Status
from ..core.runs import RunOptions
from .codes import INTEGRITY_CODES
from .duplicates import PackedIndex
from .fastpath import FastPath, fast_path
from .records import RECORD_SUFFIXES, CorruptItem, RecordItem, parse_jsonl_line, read_records
from .settings import INTEGRITY
from .summary import IntegritySummary, OutsideWindow, Window
from .validation import Defect, RecordValidator, parse_day, reference_day
from .versioning import normalize_schema_version

__all__ = [
    "FileRead",
    "IntegrityScan",
    "check_integrity",
    "reference_day",
    "scan_integrity",
    "stamp_of",
]

CHECK = "integrity"

# A record's position in the duplicate index: file number and line packed in one integer.
_LINE_BITS = 40
_LINE_MASK = (1 << _LINE_BITS) - 1
_NOT_NEGATIVE = (-1).__lt__


@dataclass(frozen=True, slots=True)
class FileRead:
    """What the check read of one file, for remediation to act on without reading it again.

    `path` is the file itself (never rebuilt from its shown name); for a JSONL
    file, `records` counts its records (lines that are not blank) and `spans`
    holds the byte span (newline included) of every line with a finding.
    """

    path: Path
    shown: str
    stamp: Stamp  # the file as read: its spans hold only while it is unchanged
    records: int
    spans: dict[int, tuple[int, int]]


# What identifies one version of a file cheaply: size, modification time (ns), inode.
Stamp = tuple[int, int, int]


def stamp_of(status: os.stat_result) -> Stamp:
    return (status.st_size, status.st_mtime_ns, status.st_ino)


def _stamp(file: Path) -> Stamp | None:
    try:
        return stamp_of(os.stat(file))
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class IntegrityScan:
    """The result, and what was read to reach it (`opsguard integrity --fix` plans from it)."""

    result: CheckResult
    reads: tuple[FileRead, ...]


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
    exact: bool = False,
) -> CheckResult:
    """Run the integrity gate over record files and directories.

    `exact=True` sends every record through the validator, skipping the fast
    path: the same result, slower (the reference the fast path is tested against).
    """
    return scan_integrity(paths, config, as_of=as_of, cwd=cwd, now=now, exact=exact).result


def scan_integrity(
    paths: Sequence[Path],
    config: Config,
    *,
    as_of: date | None = None,
    cwd: Path | None = None,
    now: datetime | None = None,
    exact: bool = False,
) -> IntegrityScan:
    """`check_integrity`, with what it read of each file (see `FileRead`)."""
    started = time.perf_counter()
    cwd = (cwd or Path.cwd()).resolve()
    # Quarantined records (and their sidecars) are out of the gate by definition.
    discovery = discover_files(
        paths, RECORD_SUFFIXES, exclude=(config.paths.quarantine,), report_unlisted=True
    )
    scan = _Scan(config, reference_day(as_of, now).toordinal(), fast=not exact)
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
    scan.orphans = _orphan_temps(discovery.hidden, config, cwd, now)
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
    checked = CheckResult(
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
    return IntegrityScan(checked, tuple(scan.reads))


class _Scan:
    """Accumulates per-day record counts and failed records over one pass.

    JSONL blocks go to the fast path first (`integrity.fastpath`): what it proves
    clean is counted here per block (`settle`); every other record goes to
    `RecordValidator`, which finds and words each defect. Both feed one duplicate
    index, and records reach it in line order, so "first" is the same record
    either way (`tests/test_integrity_fast_path.py` holds the two paths equal).
    """

    def __init__(self, config: Config, reference: int, *, fast: bool = True) -> None:
        settings = INTEGRITY.of(config)
        self.config = config
        self.validator = RecordValidator(config, reference)
        self.fields = settings.fields
        self.reference = reference
        self.index = PackedIndex(settings.duplicate_scope)
        self.clean_by_day: Counter[int] = Counter()
        self.failed: list[_FailedRecord] = []
        # Inputs that could not be read at all: each fails the gate, whatever the rate.
        self.unreadable: list[Finding] = []
        # Writers' temp files beside the records (`_orphan_temps`): errors once old.
        self.orphans: list[Finding] = []
        self.reads: list[FileRead] = []
        self._files: list[str] = []
        self._fast = fast_path(settings.fields, settings.bands) if fast else None
        self._settled = 0  # records the fast path counted
        # The fast path's caches: a raw date -> its ordinal (-1: invalid or in the future);
        # a raw version -> its key part (-1: not a version).
        self._days: dict[str, int] = {}
        self._parts: dict[str, int] = {}

    def read_file(self, file: Path, shown: str) -> None:
        self._files.append(shown)
        spans: dict[int, tuple[int, int]] = {}
        settled = self._settled
        yielded = 0
        stamp = _stamp(file)
        fast = self._fast
        settle = None if fast is None else partial(self.settle, fast)
        for item in read_records(file, shown, settle):
            if isinstance(item, CorruptItem):
                if item.code == "unreadable":
                    stamp = None  # not read whole: no account of it to act on
                    self.unreadable.append(
                        Finding("unreadable", "error", item.path, item.line, "", item.message)
                    )
                    continue
                yielded += item.line is not None  # not a whole-file item (an empty file)
                day, defects = None, [(item.code, "", item.message)]
            else:
                yielded += 1
                day, defects = self._validate(item)
                if not defects:
                    if day is not None:
                        self.clean_by_day[day] += 1
                        if fast is not None and fast.wants_shape and item.span is not None:
                            fast.learn(item.value)  # type: ignore[arg-type]  # a clean record
                    continue
            if item.span is not None and item.line is not None:
                spans[item.line] = item.span
            self.failed.append(_FailedRecord(day, item.path, item.line, tuple(defects)))
        if stamp is not None:
            records = self._settled - settled + yielded
            self.reads.append(FileRead(file, shown, stamp, records, spans))

    def settle(
        self, fast: FastPath, block: list[bytes], lineno: int, offset: int
    ) -> list[RecordItem | CorruptItem]:
        """Count the records of `block` the fast path proves clean and not duplicates;
        return the items of the other lines, in line order, for the exact path."""
        records, indices, declined = fast.decode(block)
        shown = self._files[-1]
        starts = list(accumulate(map(len, block), initial=offset))
        items = {i: parse_jsonl_line(block[i], lineno + i, starts[i], shown) for i in declined}
        if records:
            demoted = self._count_clean(fast, records, indices, lineno, items)
            if demoted:
                for i in demoted:
                    items[i] = parse_jsonl_line(block[i], lineno + i, starts[i], shown)
                declined = sorted([*declined, *demoted])
        return [item for i in declined if (item := items[i]) is not None]

    def _count_clean(
        self,
        fast: FastPath,
        records: list[Any],
        indices: list[int],
        lineno: int,
        declined: dict[int, RecordItem | CorruptItem | None],
    ) -> list[int]:
        """Count the decoded `records` that are clean and first of their key; return the
        indices of the others, for the exact path.

        Clean: a valid date that is not in the future and a valid version (the
        rest `FastPath.decode` proved). Every step is one C-level pass over the
        block (`map`, `set`, `dict.setdefault`), not Python code per record.
        """
        days, parts = self._days, self._parts
        dates = list(map(fast.date_of, records))
        versions = list(map(fast.version_of, records))
        for raw in set(dates).difference(days):
            day = parse_day(raw)
            days[raw] = -1 if day is None or day > self.reference else day
        for raw in set(versions).difference(parts):
            parts[raw] = self._part_of_raw(raw)
        ords = list(map(days.__getitem__, dates))
        part_ids = list(map(parts.__getitem__, versions))
        base = (len(self._files) - 1) << _LINE_BITS | lineno
        positions = list(map(base.__add__, indices))
        if min(ords) < 0 or min(part_ids) < 0:
            valid = list(map(and_, map(_NOT_NEGATIVE, ords), map(_NOT_NEGATIVE, part_ids)))
            ords, part_ids = list(compress(ords, valid)), list(compress(part_ids, valid))
            positions = list(compress(positions, valid))
        keys = list(map(add, map(PackedIndex.DAYS.__mul__, part_ids), ords))
        first = self.index.first
        # Each key is remembered with its first record. A record whose key is already
        # there (from before, or from earlier in the block) is a duplicate the exact path
        # words, after the first.
        held = list(map(first.setdefault, keys, positions))
        took: list[bool] | None = None if held == positions else list(map(eq, held, positions))
        # A declined line holding a key this block took is the first of it if it comes
        # before the record that took it: that record goes to the exact path, after it.
        for item in declined.values():
            key = self._key_of(item)
            if key is None:
                continue
            taker = first.get(key)
            if taker is not None and base <= taker and _line_of(item) < taker & _LINE_MASK:
                del first[key]
                took = took or [True] * len(positions)
                took[positions.index(taker)] = False
        if took is not None:
            ords = list(compress(ords, took))
        self.clean_by_day.update(ords)
        self._settled += len(ords)
        if len(ords) == len(records):
            return []
        counted = set(positions if took is None else compress(positions, took))
        return [i for i in indices if base + i not in counted]

    def _key_of(self, item: RecordItem | CorruptItem | None) -> int | None:
        """The duplicate key the exact path will give this item, if any (validating is pure)."""
        if not isinstance(item, RecordItem):
            return None
        day, normalized, _ = self.validator.validate(item.value)
        return self._key(day, normalized)

    def _key(self, day: int | None, normalized: str | None) -> int | None:
        """A record's duplicate key, or None when it has none (no valid date, or no valid
        version where the scope needs one)."""
        index = self.index
        if day is None or (normalized is None and index.scope != "date"):
            return None
        return index.key(day, 0 if normalized is None else index.part_of(normalized))

    def _part_of_raw(self, raw: str) -> int:
        try:
            normalized = normalize_schema_version(raw)
        except InvalidSchemaVersion:
            return -1
        return self.index.part_of(normalized)

    def _validate(self, item: RecordItem) -> tuple[int | None, list[Defect]]:
        """The record's day and defects: the validator's, a duplicate, doubled keys."""
        record: Any = item.value
        at = item.pointer
        day, normalized, defects = self.validator.validate(record, at)
        key = self._key(day, normalized)
        if key is not None:
            index = self.index
            first = index.add(key, (len(self._files) - 1) << _LINE_BITS | item.line)
            if first is not None:
                raw_date = record[self.fields.date]
                # The date is valid here; a version is shown only while it looks like one
                # (a normalized local part, `+anything`, may hold free text).
                version = None if normalized is None else index.shown_version(normalized)
                if version is not None and values.shown(version, "version") is None:
                    version = values.describe(version)
                shown_key = raw_date if version is None else f"{raw_date}, {version}"
                origin = f"{self._files[first >> _LINE_BITS]}:{first & _LINE_MASK}"
                defects.append(
                    (
                        "duplicate",
                        at,
                        f"duplicate of {origin} (key {shown_key}, scope {index.scope})",
                    )
                )
        for pointer, occurrences in item.duplicate_keys:
            defects.append(
                (
                    "duplicate-key",
                    printable(pointer),
                    f"the key appears {occurrences} times in one object: readers disagree "
                    "on which value counts (orjson keeps the last), so a value can hide",
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
        missing_days = 0
        if settings.expect == "daily":
            for first, last in self._gaps(window_start, end.toordinal()):
                days = last - first + 1
                missing_days += days
                counts["missing-day"] += days
                findings.append(_missing_day(first, last, shown_root))
        failed_in_window += missing_days
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
        old_orphans = [f for f in self.orphans if f.severity == "error"]
        findings.extend(self.orphans)
        if old_orphans:
            counts["orphan-temp"] += len(old_orphans)
            reasons.append(
                f"orphan-temp: {len(old_orphans)} temp file(s) of writes that did not finish, "
                f"older than {settings.orphan_temp_hours:g} h (`opsguard sweep` moves them)"
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
            duplicate_scope=self.index.scope,
            reasons=reasons,
            missing_days=missing_days,
            orphan_temps=len(self.orphans),
        )
        return _Verdict("fail" if reasons else "pass", summary, tuple(findings))

    def _gaps(self, window_start: int, end: int) -> list[tuple[int, int]]:
        """Runs of days without a record (clean or failed), from the window's start or the
        first record, whichever is later, to `end`: a pipeline is not missing the days
        before it began."""
        days = set(self.clean_by_day)
        days.update(r.day for r in self.failed if r.day is not None)
        if not days:
            return []
        gaps: list[tuple[int, int]] = []
        start: int | None = None
        for day in range(max(window_start, min(days)), end + 1):
            if day not in days:
                start = day if start is None else start
            elif start is not None:
                gaps.append((start, day - 1))
                start = None
        if start is not None:
            gaps.append((start, end))
        return gaps


def _missing_day(first: int, last: int, shown_root: str) -> Finding:
    if first == last:
        when = f"no record for {date.fromordinal(first)}"
    else:
        when = (
            f"no record for {last - first + 1} days, "
            f"{date.fromordinal(first)}..{date.fromordinal(last)}"
        )
    message = f"{when} (integrity.expect = daily; each day counts as a failed record)"
    return Finding("missing-day", "error", shown_root, None, "", message)


def _orphan_temps(
    hidden: Sequence[Path], config: Config, cwd: Path, now: datetime | None
) -> list[Finding]:
    """A finding for each writer's temp file among the hidden files beside the records: an
    error once older than `integrity.orphan_temp_hours`, a warning before (a write may be
    in progress)."""
    limit = INTEGRITY.of(config).orphan_temp_hours * 3600
    clock = (now or datetime.now(UTC)).timestamp()
    findings: list[Finding] = []
    for path in hidden:
        if not TEMP_PATTERN.match(path.name):
            continue
        try:
            info = path.lstat()
        except OSError:
            continue  # gone since the listing: the write finished or was swept
        if not stat.S_ISREG(info.st_mode):
            continue
        age = max(clock - info.st_mtime, 0.0)
        old = age >= limit
        message = f"temp file of a write that did not finish, {_hours(age)} old" + (
            "; the record it carried may be lost (`opsguard sweep` moves it to the quarantine)"
            if old
            else f"; a failure once {_hours(limit)} old (a write may be in progress)"
        )
        findings.append(
            Finding(
                "orphan-temp",
                "error" if old else "warning",
                display_path(path, cwd),
                None,
                "",
                message,
            )
        )
    return findings


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 360 else f"{seconds:.0f} s"


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


def _line_of(item: RecordItem | CorruptItem | None) -> int:
    return 0 if item is None or item.line is None else item.line
