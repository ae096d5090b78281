"""Writing the Prometheus textfile: durably, atomically, keeping the last successes.

node_exporter's textfile collector reads every `*.prom` file in its
directory at each scrape, so the file must be replaced whole: it is written
with `opsguard.core.atomic.atomic_write` (a hidden temp beside it, fsync,
rename, directory fsync). prometheus_client's own `write_to_textfile` also
renames, but never fsyncs, so a power cut can leave an empty file.

A last-success timestamp must survive a run that did not succeed: for the
families in `CARRIED`, every series of the previous file (read back with
prometheus_client's parser) is kept unless this run exports a newer value —
a last success never moves backwards. Every other family is this run's
alone.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from ..catalog import AUTORUN
from ..core.atomic import atomic_write, make_dirs_durable
from ..core.config import Config
from ..core.errors import OpsguardError
from ..core.files import NotRegularFile, open_regular, printable
from ..core.metrics import Sample
from ..core.result import CheckResult
from ..report import prometheus
from . import autorun

__all__ = [
    "CARRIED",
    "MetricsOutcome",
    "Previous",
    "deliver_metrics",
    "merge_previous",
    "read_previous",
    "result_times",
    "run_samples",
    "write_textfile",
]

# Family -> (its help, its label names): the families whose series outlive a run.
CARRIED: Mapping[str, tuple[str, tuple[str, ...]]] = {
    prometheus.LAST_SUCCESS: (prometheus.LAST_SUCCESS_HELP, ("check",)),
    autorun.LAST_SUCCESS: (autorun.LAST_SUCCESS_HELP, ("source",)),
}
# A textfile is a few kilobytes; anything far larger is not one of ours.
_MAX_PREVIOUS = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Previous:
    """What the previous file holds: carried series and comment lines (None: no file)."""

    series: Mapping[tuple[str, tuple[tuple[str, str], ...]], float] = field(default_factory=dict)
    comments: tuple[str, ...] = ()
    # Why the previous file could not be read back ("" when it could, or did not exist).
    problem: str = ""


@dataclass(frozen=True, slots=True)
class MetricsOutcome:
    """What was written, and warnings to print (never a value from the data)."""

    path: Path | None
    text: str
    series: int
    warnings: tuple[str, ...] = ()


def _read_regular(path: Path) -> bytes | None:
    """The file's bytes; None when it does not exist. A special file is an `OpsguardError`."""
    try:
        with open_regular(path) as fh:
            return fh.read(_MAX_PREVIOUS + 1)
    except FileNotFoundError:
        return None
    except NotRegularFile:
        raise OpsguardError(f"not a regular file: {printable(str(path))}") from None
    except OSError as exc:
        raise OpsguardError(f"cannot read {printable(str(path))}: {exc.strerror}") from None


def read_previous(path: Path) -> Previous:
    """The carried series and the comment lines of the textfile at `path`, if any.

    A file that does not parse (written by something else, or truncated by
    hand) is not an error: the new file replaces it, and `problem` says that
    the last successes it may have held were lost.
    """
    raw = _read_regular(path)
    if raw is None:
        return Previous()
    if len(raw) > _MAX_PREVIOUS:
        return Previous(problem="the previous file is too large to be a textfile")
    try:
        text = raw.decode("utf-8")
        families = list(text_string_to_metric_families(text))
    except Exception:  # the parser raises several types on bad input; the file is replaced anyway
        return Previous(problem="the previous file is not in the Prometheus text format")
    series: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in families:
        for item in family.samples:
            shape = CARRIED.get(item.name)
            if shape is None or tuple(item.labels) != shape[1]:
                continue
            value = float(item.value)
            labels = tuple((k, item.labels[k]) for k in shape[1])
            # Only what opsguard itself could have written: printable labels, a real time.
            if math.isfinite(value) and value >= 0 and all(v.isprintable() for _, v in labels):
                series[(item.name, labels)] = value
    comments = tuple(
        line for line in text.splitlines() if line.startswith("# ") and not _is_meta(line)
    )
    return Previous(series, comments)


def _is_meta(line: str) -> bool:
    return line.startswith(("# HELP ", "# TYPE "))


def merge_previous(samples: Sequence[Sample], previous: Previous) -> list[Sample]:
    """`samples` with the carried families' previous series kept (the newer value wins)."""
    out: list[Sample] = []
    fresh = {s.key for s in samples if s.name in CARRIED}
    for item in samples:
        old = previous.series.get(item.key)
        out.append(
            Sample(item.name, item.help, old, item.labels)
            if old is not None and old > item.value
            else item
        )
    for (name, labels), value in previous.series.items():
        if (name, labels) not in fresh:
            out.append(Sample(name, CARRIED[name][0], value, labels))
    return _grouped(out)


def _grouped(samples: Sequence[Sample]) -> list[Sample]:
    """Samples with each family's series together (the text format wants a family once)."""
    order: dict[str, list[Sample]] = {}
    for item in samples:
        order.setdefault(item.name, []).append(item)
    return [item for family in order.values() for item in family]


def write_textfile(
    path: Path,
    samples: Sequence[Sample],
    *,
    comments: Iterable[str] = (),
    previous: Previous | None = None,
) -> MetricsOutcome:
    """Write `samples` (merged with the previous file's carried series) to `path`, durably.

    `comments` are extra `# ...` lines appended after the families (state a
    writer keeps for its next run; Prometheus ignores comments). `previous`
    is the file as the caller already read it (default: read it now).
    """
    previous = read_previous(path) if previous is None else previous
    merged = merge_previous(samples, previous)
    text = prometheus.render(merged)
    extra = [line for line in comments if line.startswith("# ") and "\n" not in line]
    if extra:
        text += "".join(f"{line}\n" for line in extra)
    try:
        make_dirs_durable(path.parent)
        atomic_write(path, text)
    except OSError as exc:
        shown = printable(str(path))
        raise OpsguardError(f"cannot write {shown}: {exc.strerror or exc}") from None
    warnings = [previous.problem + "; last-success times start over"] if previous.problem else []
    if not path.name.endswith(".prom"):
        warnings.append("node_exporter's textfile collector reads only files named *.prom")
    return MetricsOutcome(path, text, len(merged), tuple(warnings))


def result_times(
    results_dir: Path,
    results: Sequence[CheckResult],
    missing: Sequence[str] = (),
    *,
    now: float | None = None,
) -> dict[str, float]:
    """When each result was written: its result file's mtime (now for one with no file)."""
    moment = time.time() if now is None else now
    times: dict[str, float] = {}
    for result in results:
        times[result.check] = moment
        if result.check not in missing:
            with contextlib.suppress(OSError):
                times[result.check] = (results_dir / f"{result.check}.json").stat().st_mtime
    return times


def run_samples(
    results: Sequence[CheckResult],
    times: Mapping[str, float],
    telemetry: autorun.Telemetry | None,
    config: autorun.AutorunConfig,
) -> list[Sample]:
    """Every sample of a run: build info, the checks' families, the auto-run's from telemetry."""
    out = [prometheus.build_info(), *prometheus.check_samples(results, times)]
    if telemetry is not None:
        found = autorun.figures(telemetry.events, config.window_s)
        if found is not None:
            out += autorun.samples(found, "telemetry")
    return out


def deliver_metrics(
    results: Sequence[CheckResult],
    config: Config,
    *,
    telemetry: Sequence[Path] | None = None,
    textfile: Path | None = None,
    missing: Sequence[str] = (),
) -> MetricsOutcome:
    """The metrics of `results` (and of the auto-run's telemetry), written to `textfile`.

    `telemetry` defaults to the configured telemetry paths. Without a
    textfile the exposition is only rendered (`text`), with no previous file
    to carry last successes from.
    """
    settings = AUTORUN.of(config)
    paths = list(config.paths.telemetry if telemetry is None else telemetry)
    found = autorun.read_events(paths, settings) if paths else None
    warnings: list[str] = []
    if found is not None:
        if found.invalid:
            warnings.append(
                f"{found.invalid} auto-run event(s) without a usable "
                f"{settings.time_field} or {settings.status_field} were left out"
            )
        warnings += [f"telemetry not read: {name} ({why})" for name, why in found.unread]
    times = result_times(config.results_dir, results, missing)
    samples = run_samples(results, times, found, settings)
    if textfile is None:
        text = prometheus.render(samples)
        return MetricsOutcome(None, text, len(samples), tuple(warnings))
    written = write_textfile(textfile, samples)
    return MetricsOutcome(
        written.path, written.text, written.series, (*warnings, *written.warnings)
    )
