"""Collecting the result files of a run: the input of every report view.

Each check writes `<results_dir>/<check>.json`. A results directory can also
hold copies (a `--json` copy, an older download); for each check the newest
file (by mtime) wins. A file that is not an `opsguard.result/1` document is
refused with one line naming it: a report built on a half-read result would
be a report that lies.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from ..errors import OpsguardError
from ..result import CheckResult, ResultFileError

__all__ = ["CHECK_ORDER", "collect_results", "overall_status", "report_document"]

# How checks are listed in every view; checks this version does not know come after, by name.
CHECK_ORDER = ("integrity", "privacy", "privacy-self-test", "retention", "atomic-write-fault")
REPORT_SCHEMA = "opsguard.report/1"


def collect_results(results_dir: Path) -> tuple[CheckResult, ...]:
    """Every check's newest result in `results_dir`, in report order.

    A missing directory is an `OpsguardError`; an empty one gives `()`.
    """
    if not results_dir.is_dir():
        raise OpsguardError(f"results directory not found: {results_dir}")
    newest: dict[str, tuple[float, CheckResult]] = {}
    for path in sorted(results_dir.glob("*.json")):
        if not path.is_file():
            continue
        try:
            raw = path.read_bytes()
            mtime = path.stat().st_mtime
        except OSError as exc:
            raise OpsguardError(f"{path}: cannot read: {exc.strerror}") from None
        try:
            result = CheckResult.from_json(raw, source=str(path))
        except ResultFileError as exc:
            raise OpsguardError(str(exc)) from None
        current = newest.get(result.check)
        if current is None or mtime > current[0]:
            newest[result.check] = (mtime, result)
    return tuple(newest[name][1] for name in sorted(newest, key=_order))


def overall_status(results: tuple[CheckResult, ...]) -> str:
    """`fail` if any check failed, else `error` if any could not run, else `pass`."""
    statuses = {r.status for r in results}
    if "fail" in statuses:
        return "fail"
    return "error" if "error" in statuses else "pass"


def report_document(results: tuple[CheckResult, ...]) -> bytes:
    """All results in one JSON document (`--format json`, `report.json`), for other tools."""
    return orjson.dumps(
        {
            "schema": REPORT_SCHEMA,
            "status": overall_status(results),
            "results": [r.to_dict() for r in results],
        },
        option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE,
    )


def _order(check: str) -> tuple[int, str]:
    return (CHECK_ORDER.index(check) if check in CHECK_ORDER else len(CHECK_ORDER), check)
