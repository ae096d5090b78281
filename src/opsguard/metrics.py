"""Metrics for the pipeline's own code: `track_autorun`, the auto-run's textfile, no server.

The nightly auto-run wraps itself in `track_autorun`, a context manager and
a decorator. On exit — success or failure, an exception included — it
writes the auto-run families to a Prometheus textfile for node_exporter's
textfile collector, durably (`atomic_write`: temp, fsync, rename, directory
fsync), with `source="tracker"`:

    from opsguard.metrics import track_autorun

    with track_autorun("/var/lib/node_exporter/textfile/pipeline-autorun.prom") as run:
        run.records_written = pipeline.run_once()

    @track_autorun("/var/lib/node_exporter/textfile/pipeline-autorun.prom")
    def main() -> int:  # an int returned is the records written
        ...

- `opsguard_autorun_last_success_timestamp_seconds`: now on success; on a
  failure, the previous file's value is kept (0 if there never was one).
- `opsguard_autorun_last_run_timestamp_seconds`, `..._last_duration_seconds`
  (measured with a monotonic clock), `opsguard_autorun_records_written`.
- `opsguard_autorun_failures`: failed runs over the window (the integrity
  window, 14 days, unless `window_days` says otherwise). The failure times
  it needs are kept in the textfile itself, on one comment line that
  Prometheus ignores, so metrics and state are replaced in one atomic step.

The wrapped run's outcome is never changed: its exception propagates as it
was, and a textfile that cannot be written is logged (logger
`opsguard.metrics`), not raised — the freshness alert on the last success
is what tells an operator that the metrics stopped. One tracked run at a
time per textfile: two concurrent runs would each write their own view.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import ParamSpec, TypeVar

from .core.errors import OpsguardError
from .deliver import autorun
from .deliver.metrics import read_previous, write_textfile

__all__ = ["FAILURES_COMMENT", "AutorunTracker", "track_autorun"]

P = ParamSpec("P")
T = TypeVar("T")

# The comment line that keeps the failure times of the window (Unix seconds).
FAILURES_COMMENT = "# opsguard autorun failure times:"
SOURCE = "tracker"
_log = logging.getLogger("opsguard.metrics")


class AutorunTracker:
    """One tracked auto-run (see the module's doc): set `records_written` before it ends."""

    def __init__(
        self,
        textfile: str | Path,
        *,
        window_days: int | None = None,
        clock: Callable[[], float] = time.time,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.textfile = Path(textfile)
        self.window_days = (
            autorun.AutorunConfig().window_days if window_days is None else window_days
        )
        if self.window_days < 1:
            raise ValueError("window_days must be at least 1")
        self.records_written = 0
        self._clock = clock
        self._timer = timer
        self._started: float | None = None

    def __enter__(self) -> AutorunTracker:
        self.records_written = 0
        self._started = self._timer()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # `sys.exit(0)` inside the run is a success; any other exception is a failure.
        ok = exc is None or (isinstance(exc, SystemExit) and exc.code in (0, None))
        self.write(ok)

    def __call__(self, fn: Callable[P, T]) -> Callable[P, T]:
        """As a decorator: each call is one tracked run; an `int` returned is the records."""

        @functools.wraps(fn)
        def tracked(*args: P.args, **kwargs: P.kwargs) -> T:
            with self._fresh() as run:
                result = fn(*args, **kwargs)
                if isinstance(result, int) and not isinstance(result, bool):
                    run.records_written = result
                return result

        return tracked

    def _fresh(self) -> AutorunTracker:
        return AutorunTracker(
            self.textfile, window_days=self.window_days, clock=self._clock, timer=self._timer
        )

    def write(self, ok: bool) -> bool:
        """Write the textfile for a run that succeeded (`ok`) or failed; False if it could not."""
        now = self._clock()
        duration = None if self._started is None else max(0.0, self._timer() - self._started)
        window = self.window_days * 86_400.0
        try:
            previous = read_previous(self.textfile)
            failures = [t for t in _failure_times(previous.comments) if now - window < t <= now]
            if not ok:
                failures.append(now)
            figures = autorun.AutorunFigures(
                last_run=now,
                last_success=now if ok else None,
                last_duration_s=duration,
                last_records=_count(self.records_written),
                failures=len(failures),
            )
            state = f"{FAILURES_COMMENT} {' '.join(f'{t:.3f}' for t in failures)}".rstrip()
            written = write_textfile(
                self.textfile,
                autorun.samples(figures, SOURCE),
                comments=[state],
                previous=previous,
            )
        except OpsguardError as exc:
            _log.error("opsguard: auto-run metrics not written: %s", exc)
            return False
        for warning in written.warnings:
            _log.warning("opsguard: auto-run metrics: %s", warning)
        return True


def _count(value: object) -> int | None:
    # Whatever the caller set, a bad value must not turn into an exception here, in __exit__.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _failure_times(comments: tuple[str, ...]) -> list[float]:
    times: list[float] = []
    for line in comments:
        if not line.startswith(FAILURES_COMMENT):
            continue
        for word in line.removeprefix(FAILURES_COMMENT).split():
            moment = autorun.event_time(_number(word))
            if moment is not None:
                times.append(moment)
    return times


def _number(word: str) -> float | None:
    try:
        return float(word)
    except ValueError:
        return None


def track_autorun(
    textfile: str | Path,
    *,
    window_days: int | None = None,
    clock: Callable[[], float] = time.time,
    timer: Callable[[], float] = time.monotonic,
) -> AutorunTracker:
    """Track one auto-run (`with track_autorun(path) as run:`), or each call of a function.

    `clock` (wall time, for the timestamps) and `timer` (monotonic, for the
    duration) are there for tests.
    """
    return AutorunTracker(textfile, window_days=window_days, clock=clock, timer=timer)
