"""`opsguard run`: every selected guard in one process, for CI, cron or a systemd timer.

The same work as the default `nox` run, in one process and one run id: each
check writes its result file (every selected check is "did not finish" until
it has run, so a run killed half-way leaves an error for each check it never
reached), the terminal view of each is printed, and the exit code is the
gate's over exactly these results. A check that cannot run does not stop the
others: it becomes an `error` result and the run ends with exit 2.

Environment variables that are set but empty are configuration errors (an
empty `RETENTION_DAYS` must never mean "the default" to a pruning job), so a
wrapper that passes optional inputs must unset the empty ones.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..catalog import GUARDS, checks_of, guard_name
from ..core.config import Config, Count
from ..core.errors import OpsguardError
from ..core.result import CheckResult
from ..core.runs import current_run_id, new_run_id
from ..deliver.results import DID_NOT_FINISH, execute, write_result
from ..fault.check import check_fault
from ..fault.settings import FAULT
from ..integrity.check import check_integrity
from ..privacy.check import check_privacy, check_privacy_self_test
from ..report.terminal import render_check, use_color
from ..retention.check import check_retention
from .common import (
    DEFAULT_MAX_FINDINGS,
    EXIT_ERROR,
    add_assignments,
    add_run_options,
    kind_type,
    load,
    results_dir_given,
)
from .gate import verdict

Step = Callable[[Config, argparse.Namespace], CheckResult]
# Each check as `run` computes it: the configured paths and settings, no command-line extras.
_STEPS: dict[str, Step] = {
    "integrity": lambda config, _args: check_integrity(
        list(config.paths.records), config, cwd=Path.cwd()
    ),
    "privacy-self-test": lambda config, _args: check_privacy_self_test(config),
    "privacy": lambda config, _args: check_privacy(
        list(config.paths.telemetry), config, cwd=Path.cwd()
    ),
    "retention": lambda config, args: (
        check_retention(
            None, config, apply=args.apply, force=False, plan=None, record_kept=False
        ).result
    ),
    "atomic-write-fault": lambda config, _args: check_fault(
        FAULT.of(config).writer, trials=FAULT.of(config).trials, seed=FAULT.of(config).seed
    ),
}


def register(commands: Any) -> None:
    run_parser = commands.add_parser(
        "run",
        help="run every configured guard in one process and exit with the gate's code",
        description="Run the selected guards (default: the configured `checks`, else all: "
        f"{', '.join(GUARDS)}) on the configured paths, write one result file per check, "
        "print each verdict, and exit like `opsguard gate`. Exit codes: 0 every check passed; "
        "1 a check found a violation; 2 a check could not run. Retention is a dry-run "
        "unless --apply.",
    )
    run_parser.add_argument(
        "--checks",
        action="append",
        default=[],
        metavar="LIST",
        help=f"guards to run, comma-separated ({', '.join(GUARDS)}; `fault` for short)",
    )
    add_run_options(run_parser)
    run_parser.add_argument(
        "--apply", action="store_true", help="retention deletes (default: a dry-run)"
    )
    run_parser.add_argument(
        "--max-findings",
        type=kind_type(Count(0, 10**6), "--max-findings"),
        default=DEFAULT_MAX_FINDINGS,
        metavar="N",
        help=f"findings shown per check (default {DEFAULT_MAX_FINDINGS}; all are in the JSON)",
    )
    add_assignments(run_parser)
    run_parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    named = [guard_name(n) for item in args.checks for n in item.replace(",", " ").split()]
    run_id = current_run_id(args.run_id) or new_run_id()
    try:
        config = load(args)
    except OpsguardError as exc:
        # Nothing can run; say so in every selected check's result, then exit 2.
        for check in checks_of(named or GUARDS):
            error = CheckResult.could_not_run(check, str(exc), run_id=run_id)
            write_result(error, results_dir_given(args), quiet=True)
        raise
    checks = checks_of(named or config.checks or GUARDS)
    for check in checks:
        write_result(
            CheckResult.could_not_run(check, DID_NOT_FINISH, run_id=run_id), config.results_dir
        )
    color = use_color(sys.stdout)
    results = []
    for check in checks:
        try:
            result = execute(
                check,
                functools.partial(_STEPS[check], config, args),
                results_dir=config.results_dir,
                run_id=run_id,
            )
        except OpsguardError as exc:
            sys.stderr.write(f"opsguard {check}: error: {exc}\n")
            result = CheckResult.could_not_run(check, str(exc), run_id=run_id)
        sys.stdout.write(render_check(result, max_findings=args.max_findings, color=color) + "\n")
        results.append(result)
    code, text = verdict(results)
    sys.stdout.write(f"opsguard run {run_id}: {text}\n")
    return code if results else EXIT_ERROR
