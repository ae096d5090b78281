"""Collecting the result files of one run: the input of every report view and of the gate.

Each check writes `<results_dir>/<check>.json`, tagged with its run id (see
`opsguard.core.runs`). Collection keeps only the current run's results — a result
left from an earlier run is never read as this run's — and, for each check,
the newest file (by mtime), since a directory can also hold copies (a `--json`
copy, a download). A check that was expected but has no result from this run
becomes an `error` result, so every view shows it and the gate fails on it.
A file that is not an `opsguard.result/1` document is refused with one line
naming it: a report built on a half-read result would be a report that lies.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..catalog import CHECK_ORDER
from ..core.atomic import atomic_write, make_dirs_durable
from ..core.errors import OpsguardError
from ..core.files import open_regular, printable
from ..core.result import CheckResult, ResultFileError

__all__ = [
    "DID_NOT_FINISH",
    "MISSING_REASON",
    "RunResults",
    "collect_results",
    "collect_run",
    "execute",
    "write_result",
]

MISSING_REASON = "no result from this run: the check did not run, or stopped before writing one"
DID_NOT_FINISH = "did not finish: the check was interrupted or crashed before writing its result"


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
    exists = results_dir.is_dir()
    if not exists and not expect:
        raise OpsguardError(f"results directory not found: {printable(str(results_dir))}")
    # With the expected checks known, a run that wrote nothing at all is still reported:
    # every expected check is then "no result from this run".
    found = _read_all(results_dir) if exists else []
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
        shown = printable(str(results_dir))
        if not found:
            raise OpsguardError(f"no result files in {shown}: run a check first")
        raise OpsguardError(
            f"no results from run {printable(str(run_id))} in {shown} "
            f"({stale} from other runs ignored)"
        )
    ordered = tuple(results[name] for name in sorted(results, key=_order))
    return RunResults(run_id, ordered, missing, stale)


def collect_results(results_dir: Path) -> tuple[CheckResult, ...]:
    """The newest result of every check of the newest run in `results_dir`, in report order."""
    return collect_run(results_dir).results


def _read_all(results_dir: Path) -> list[tuple[float, CheckResult]]:
    found: list[tuple[float, CheckResult]] = []
    for path in sorted(results_dir.glob("*.json")):
        if not path.is_file():
            continue
        try:
            with open_regular(path) as handle:
                raw = handle.read()
                mtime = os.fstat(handle.fileno()).st_mtime
        except OSError as exc:
            raise OpsguardError(f"{printable(str(path))}: cannot read: {exc.strerror}") from None
        try:
            found.append((mtime, CheckResult.from_json(raw, source=printable(str(path)))))
        except ResultFileError as exc:
            raise OpsguardError(str(exc)) from None
    return found


def _order(check: str) -> tuple[int, str]:
    return (CHECK_ORDER.index(check) if check in CHECK_ORDER else len(CHECK_ORDER), check)


def write_result(
    result: CheckResult, results_dir: Path, json_out: Path | None = None, *, quiet: bool = False
) -> None:
    """`<results_dir>/<check>.json`, and a copy at `json_out`, both atomically.

    `quiet`: a failure to write is ignored — for the error result of a run that
    could not even read its configuration, whose own message is what matters.
    """
    payload = result.to_json()
    outputs = [results_dir / f"{result.check}.json"]
    if json_out is not None:
        outputs.append(json_out)
    for output in outputs:
        try:
            make_dirs_durable(output.parent)
            atomic_write(output, payload)
        except OSError as exc:
            if not quiet:
                raise OpsguardError(
                    f"cannot write {printable(str(output))}: {exc.strerror or exc}"
                ) from None


def execute(
    check: str,
    body: Callable[[], CheckResult],
    *,
    results_dir: Path,
    run_id: str | None,
    json_out: Path | None = None,
) -> CheckResult:
    """Run one check the one way: "did not finish" first, then its result or its error.

    The provisional `error` result means a crash or a kill never leaves an older
    pass behind. An `OpsguardError` from the check (it could not do its job) is
    written as an `error` result with its one-line reason, then re-raised.
    """
    write_result(CheckResult.could_not_run(check, DID_NOT_FINISH, run_id=run_id), results_dir)
    try:
        result = dataclasses.replace(body(), run_id=run_id)
    except OpsguardError as exc:
        write_result(
            CheckResult.could_not_run(check, str(exc), run_id=run_id), results_dir, json_out
        )
        raise
    write_result(result, results_dir, json_out)
    return result
