"""The pipeline's auto-run, seen through its telemetry events: figures and samples.

The nightly auto-run logs one event per run, e.g.
`{"ts": "2025-08-01T06:00:03Z", "event": "auto_run", "status": "ok",
"duration_ms": 1834, "records_written": 1}`. Which event and which fields
are settings (`[tool.opsguard.autorun]`, defaults: that shape, in
`autorun_settings`); from the
events this module derives the figures operators alert on — the last
success, the last run's duration and records, and the failures over the
integrity window — and the samples that export them.

Values read from telemetry are never echoed: a malformed event is counted,
never shown, and file names go through `printable`. Telemetry is found with
`discover_files` (which never opens a FIFO or a device) and each file is
opened non-blocking and checked to be a regular file before it is read.

Two producers export the same families, told apart by the `source` label:
`telemetry` (opsguard reading the events, `opsguard metrics`/`run
--textfile`) and `tracker` (the pipeline's own code, `opsguard.metrics.
track_autorun`). They can share node_exporter's textfile directory without
a duplicate series; alert on `max without (source)`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from ..core.files import BOM, discover_files, open_regular, printable
from ..core.metrics import Sample, sample
from .autorun_settings import DURATION_UNITS, AutorunConfig, autorun_section

__all__ = [
    "AUTORUN_SUFFIXES",
    "LAST_SUCCESS",
    "AutorunConfig",
    "AutorunEvent",
    "AutorunFigures",
    "Telemetry",
    "autorun_section",
    "event_time",
    "figures",
    "read_events",
    "samples",
]

# Telemetry files that hold JSON events (a `.log` line is free text: not read here).
AUTORUN_SUFFIXES = (".jsonl", ".json")
LAST_SUCCESS = "opsguard_autorun_last_success_timestamp_seconds"
LAST_SUCCESS_HELP = "When the pipeline's auto-run last succeeded, as a Unix time (0: never seen)."


@dataclass(frozen=True, slots=True)
class AutorunEvent:
    """One auto-run as its event tells it."""

    time: float  # Unix seconds
    ok: bool
    duration_s: float | None = None
    records: int | None = None


@dataclass(frozen=True, slots=True)
class Telemetry:
    """The auto-run events found, and what could not be read (counts and names only)."""

    events: tuple[AutorunEvent, ...]
    # Events of the auto-run's name without a usable time or status.
    invalid: int = 0
    files: int = 0
    # (printable name, why) of files that were refused or could not be read.
    unread: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class AutorunFigures:
    """What the exported families say."""

    last_run: float
    # None: no successful run in what was seen.
    last_success: float | None
    last_duration_s: float | None
    last_records: int | None
    failures: int


def event_time(value: Any) -> float | None:
    """An event time as Unix seconds: ISO 8601 with a zone, or a number; None otherwise.

    A time without a zone is refused, as everywhere in opsguard's configuration:
    guessing UTC would shift a pipeline that logs local time by hours.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) and number >= 0 else None
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        seconds = moment.timestamp() if moment.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None
    return seconds if seconds is not None and seconds >= 0 else None


def _is_autorun(item: Any, config: AutorunConfig) -> bool:
    return isinstance(item, dict) and item.get(config.event_field) == config.event


def _event(item: dict[str, Any], config: AutorunConfig) -> AutorunEvent | None:
    """The auto-run event `item` tells of; None when its time or status is unusable."""
    time = event_time(item.get(config.time_field))
    status = item.get(config.status_field)
    if time is None or not isinstance(status, str):
        return None
    duration = item.get(config.duration_field)
    duration_s = None
    if isinstance(duration, int | float) and not isinstance(duration, bool):
        seconds = float(duration) * DURATION_UNITS[config.duration_unit]
        duration_s = seconds if math.isfinite(seconds) and seconds >= 0 else None
    records = item.get(config.records_field)
    if not isinstance(records, int) or isinstance(records, bool) or records < 0:
        records = None
    return AutorunEvent(time, status in config.ok_statuses, duration_s, records)


def _items(data: bytes, suffix: str, needle: bytes) -> Iterator[Any]:
    """The JSON values of a telemetry file: one per line (`.jsonl`), or the document's."""
    data = data.removeprefix(BOM)
    if suffix == ".jsonl":
        for line in data.splitlines():
            # Most lines are other events: skip them without parsing.
            if needle in line:
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
        return
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        return
    yield from document if isinstance(document, list) else [document]


def read_events(paths: Sequence[Path], config: AutorunConfig) -> Telemetry:
    """Every auto-run event in the telemetry files under `paths`.

    A named path that does not exist is an `OpsguardError` (exit 2), as in
    every command; a file that cannot be read is reported in `unread`.
    """
    found = discover_files(paths, AUTORUN_SUFFIXES, kind="telemetry", report_unlisted=True)
    unread = [(printable(str(p)), why) for p, why in found.unlisted]
    unread += [(printable(str(p)), kind) for p, kind in found.special]
    needle = orjson.dumps(config.event)[1:-1]
    events: list[AutorunEvent] = []
    invalid = 0
    for path in found.files:
        try:
            # Opened non-blocking, so a file swapped for a FIFO never hangs.
            with open_regular(path) as handle:
                data = handle.read()
        except OSError as exc:
            unread.append((printable(str(path)), exc.strerror or type(exc).__name__))
            continue
        suffix = ".jsonl" if path.name.lower().endswith(".jsonl") else ".json"
        for item in _items(data, suffix, needle):
            if not _is_autorun(item, config):
                continue
            event = _event(item, config)
            if event is None:
                invalid += 1
            else:
                events.append(event)
    return Telemetry(tuple(events), invalid, len(found.files), tuple(sorted(unread)))


def figures(
    events: Sequence[AutorunEvent], window_s: float, *, now: float | None = None
) -> AutorunFigures | None:
    """The figures of `events` (None when there are none).

    The last run is the newest event; failures are counted over the window
    that ends at `now`, or, for telemetry read after the fact, at the newest
    event (as the integrity window ends at the newest record), so that the
    same telemetry gives the same figures on any day.
    """
    if not events:
        return None
    newest = max(events, key=lambda e: e.time)
    successes = [e.time for e in events if e.ok]
    end = newest.time if now is None else now
    failures = sum(1 for e in events if not e.ok and end - window_s < e.time <= end)
    return AutorunFigures(
        last_run=newest.time,
        last_success=max(successes) if successes else None,
        last_duration_s=newest.duration_s,
        last_records=newest.records,
        failures=failures,
    )


def samples(found: AutorunFigures, source: str) -> list[Sample]:
    """The auto-run families, labelled with their producer (`telemetry` or `tracker`)."""
    out = [
        # 0 when no success was seen: the freshness alert then fires, as it should.
        sample(LAST_SUCCESS, LAST_SUCCESS_HELP, found.last_success or 0.0, source=source),
        sample(
            "opsguard_autorun_last_run_timestamp_seconds",
            "When the pipeline's auto-run last ran, successful or not, as a Unix time.",
            found.last_run,
            source=source,
        ),
        sample(
            "opsguard_autorun_failures",
            "Failed auto-runs over the integrity window.",
            found.failures,
            source=source,
        ),
    ]
    if found.last_duration_s is not None:
        out.append(
            sample(
                "opsguard_autorun_last_duration_seconds",
                "How long the last auto-run took.",
                found.last_duration_s,
                source=source,
            )
        )
    if found.last_records is not None:
        out.append(
            sample(
                "opsguard_autorun_records_written",
                "Records the last auto-run wrote.",
                found.last_records,
                source=source,
            )
        )
    return out
