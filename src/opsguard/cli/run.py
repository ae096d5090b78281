"""`opsguard run`: every selected guard in one process, for CI, cron or a systemd timer.

The same work as the default `nox` run, in one process and one run id: each
check writes its result file (every selected check is "did not finish" until
it has run, so a run killed half-way leaves an error for each check it never
reached), the terminal view of each is printed, and the exit code is the
gate's over exactly these results. A check that cannot run does not stop the
others: it becomes an `error` result and the run ends with exit 2.
`--textfile PATH` also writes the run's metrics for node_exporter's textfile
collector (`opsguard metrics`, docs/metrics.md); a textfile that cannot be
written is exit 2.

Environment variables that are set but empty are configuration errors (an
empty `RETENTION_DAYS` must never mean "the default" to a pruning job), so a
wrapper that passes optional inputs must unset the empty ones.
"""

from __future__ import annotations

import argparse
import functools
import sys
from typing import Any

from ..catalog import CHECKS, GUARDS, checks_of, guard_name
from ..core.errors import OpsguardError
from ..core.result import CheckResult
from ..core.runs import RunOptions, current_run_id, new_run_id
from ..deliver.metrics import deliver_metrics
from ..deliver.results import DID_NOT_FINISH, execute, write_result
from ..report.terminal import render_check, use_color
from . import COMMANDS
from .common import (
    EXIT_ERROR,
    add_assignments,
    add_max_findings,
    add_run_options,
    load,
    results_dir_given,
)
from .gate import verdict
from .metrics import add_textfile, say


def register(commands: Any) -> None:
    run_parser = commands.add_parser(
        "run",
        help=COMMANDS["run"],
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
    add_max_findings(run_parser, "per check")
    add_textfile(run_parser)
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
    options = RunOptions(apply=args.apply)
    color = use_color(sys.stdout)
    results = []
    for check in checks:
        try:
            result = execute(
                check,
                functools.partial(CHECKS[check].run, config, options),
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
    if args.textfile is not None:
        try:
            say("run", deliver_metrics(results, config, textfile=args.textfile))
        except OpsguardError as exc:
            # The verdict stands in the results; the metrics that should show it do not.
            sys.stderr.write(f"opsguard run: error: metrics not written: {exc}\n")
            return EXIT_ERROR
    return code if results else EXIT_ERROR
