"""Collecting the result files of one run: the input of every report view and of the gate.

Each check writes `<results_dir>/<check>.json`, tagged with its run id (see
`opsguard.runs`). Collection keeps only the current run's results — a result
left from an earlier run is never read as this run's — and, for each check,
the newest file (by mtime), since a directory can also hold copies (a `--json`
copy, a download). A check that was expected but has no result from this run
becomes an `error` result, so every view shows it and the gate fails on it.
A file that is not an `opsguard.result/1` document is refused with one line
naming it: a report built on a half-read result would be a report that lies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from ..catalog import CHECK_ORDER
from ..errors import OpsguardError
from ..result import CheckResult, ResultFileError

__all__ = [
    "CHECK_ORDER",
    "MISSING_REASON",
    "RunResults",
    "collect_results",
    "collect_run",
    "overall_status",
    "report_document",
]

REPORT_SCHEMA = "opsguard.report/1"
MISSING_REASON = "no result from this run: the check did not run, or stopped before writing one"


@dataclass(frozen=True, slots=True)
class RunResults:
    """The results of one run, in report order, with what collection left out."""

    run_id: str | None
    results: tuple[CheckResult, ...]
    # Expected checks with no result from this run (each is also an `error` result above).
    missing: tuple[str, ...] = ()
    # Result files of other runs that were ignored.
    stale: int = 0


def collect_run(
    results_dir: Path, run_id: str | None = None, expect: Sequence[str] = ()
) -> RunResults:
    """The results of run `run_id` (None: the run of the newest result file) in `results_dir`.

    With nothing expected, a missing directory, or one with no result of this
    run, is an `OpsguardError`.
    """
    if not results_dir.is_dir() and not expect:
        raise OpsguardError(f"results directory not found: {results_dir}")
    # With the expected checks known, a run that wrote nothing at all is still reported:
    # every expected check is then "no result from this run".
    found = _read_all(results_dir) if results_dir.is_dir() else []
    if run_id is None and found:
        run_id = max(found, key=lambda item: item[0])[1].run_id
    newest: dict[str, tuple[float, CheckResult]] = {}
    stale = 0
    for mtime, result in found:
        if result.run_id != run_id:
            stale += 1
            continue
        current = newest.get(result.check)
        if current is None or mtime > current[0]:
            newest[result.check] = (mtime, result)
    results = {name: item[1] for name, item in newest.items()}
    missing = tuple(check for check in expect if check not in results)
    for check in missing:
        results[check] = CheckResult.could_not_run(check, MISSING_REASON, run_id=run_id)
    if not results:
        if not found:
            raise OpsguardError(f"no result files in {results_dir}: run a check first")
        raise OpsguardError(
            f"no results from run {run_id} in {results_dir} ({stale} from other runs ignored)"
        )
    ordered = tuple(results[name] for name in sorted(results, key=_order))
    return RunResults(run_id, ordered, missing, stale)


def collect_results(results_dir: Path) -> tuple[CheckResult, ...]:
    """The newest result of every check of the newest run in `results_dir`, in report order."""
    return collect_run(results_dir).results


def overall_status(results: Sequence[CheckResult]) -> str:
    """`error` if any check could not run, else `fail` if any failed, else `pass`.

    An error outranks a failure: the verdict of a run with a blind spot is incomplete.
    """
    statuses = {r.status for r in results}
    if "error" in statuses:
        return "error"
    return "fail" if "fail" in statuses else "pass"


def report_document(results: Sequence[CheckResult]) -> bytes:
    """All results in one JSON document (`--format json`, `report.json`), for other tools."""
    return orjson.dumps(
        {
            "schema": REPORT_SCHEMA,
            "status": overall_status(results),
            "results": [r.to_dict() for r in results],
        },
        option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE,
    )


def _read_all(results_dir: Path) -> list[tuple[float, CheckResult]]:
    found: list[tuple[float, CheckResult]] = []
    for path in sorted(results_dir.glob("*.json")):
        if not path.is_file():
            continue
        try:
            raw = path.read_bytes()
            mtime = path.stat().st_mtime
        except OSError as exc:
            raise OpsguardError(f"{path}: cannot read: {exc.strerror}") from None
        try:
            found.append((mtime, CheckResult.from_json(raw, source=str(path))))
        except ResultFileError as exc:
            raise OpsguardError(str(exc)) from None
    return found


def _order(check: str) -> tuple[int, str]:
    return (CHECK_ORDER.index(check) if check in CHECK_ORDER else len(CHECK_ORDER), check)
