"""`opsguard gate`: the one exit code of a run, after every view has been written.

It never passes on what did not run: a check that errored, or an expected
check with no result from this run, is exit 2; a violation is exit 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from ..core.result import CheckResult
from ..core.runs import current_run_id
from ..deliver.github import under_actions
from ..deliver.results import collect_run
from ..report.escape import workflow_data
from . import COMMANDS
from .common import (
    EXIT_ERROR,
    EXIT_FAIL,
    EXIT_PASS,
    add_expect,
    add_run_options,
    expected_checks,
    load,
)


def register(commands: Any) -> None:
    gate = commands.add_parser(
        "gate",
        help=COMMANDS["gate"],
        description="Read this run's result files and turn them into one exit code, so that a "
        "workflow can render every view first and fail last. Exit codes: 0 every check passed; "
        "1 a check found a violation; 2 a check could not run, an expected check has no "
        "result from this run, or there are no results at all.",
    )
    add_run_options(gate)
    add_expect(gate)
    gate.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    collected = collect_run(
        config.results_dir, current_run_id(args.run_id), expected_checks(args, config)
    )
    if collected.stale:
        sys.stdout.write(
            f"opsguard gate: ignored {collected.stale} result file(s) from other runs\n"
        )
    code, text = verdict(collected.results, collected.missing)
    sys.stdout.write(f"opsguard gate: {text}\n")
    if code != EXIT_PASS and under_actions():
        sys.stdout.write(f"::error title=opsguard gate::{workflow_data(text)}\n")
    return code


def verdict(results: Sequence[CheckResult], missing: Sequence[str] = ()) -> tuple[int, str]:
    """The exit code and the one-line verdict of a run's results.

    `missing` are expected checks with no result (they are also `error` results).
    """
    errored = [r.check for r in results if r.status == "error" and r.check not in missing]
    failed = [r.check for r in results if r.status == "fail"]
    if errored or missing:
        parts = []
        if errored:
            parts.append(f"could not run: {', '.join(errored)}")
        if missing:
            parts.append(f"no result from this run: {', '.join(missing)}")
        if failed:
            parts.append(f"failed: {', '.join(failed)}")
        return EXIT_ERROR, f"ERROR ({'; '.join(parts)})"
    if failed:
        return EXIT_FAIL, f"FAIL ({', '.join(failed)})"
    return EXIT_PASS, f"PASS ({len(results)} checks)"
