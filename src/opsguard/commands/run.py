"""`opsguard run`: every selected guard in one process, for CI, cron or a systemd timer.

The same work as the default `nox` run, in one process and one run id: each
check writes its result file (a provisional `error` first, replaced when the
check finishes, so a crash can never leave an older pass behind), the
terminal view of each is printed, and the exit code is the gate's over
exactly these results. A check that cannot run does not stop the others: it
becomes an `error` result and the run ends with exit 2.

Environment variables that are set but empty are configuration errors (an
empty `RETENTION_DAYS` must never mean "the default" to a pruning job), so a
wrapper that passes optional inputs must unset the empty ones.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..catalog import GUARDS, checks_of, guard_name
from ..checks.fault import DEFAULT_TRIALS, DEFAULT_WRITER, check_fault
from ..checks.integrity import check_integrity
from ..checks.privacy import check_privacy, check_privacy_self_test
from ..checks.retention import check_retention
from ..config import Config, load_config
from ..errors import OpsguardError
from ..report.terminal import render_check, use_color
from ..result import CheckResult
from ..runs import current_run_id, new_run_id
from . import (
    DEFAULT_MAX_FINDINGS,
    DEFAULT_RESULTS_DIR,
    DID_NOT_FINISH,
    EXIT_ERROR,
    add_run_options,
    non_negative_int,
    write_result_files,
    write_results_to,
)
from .gate import verdict

Step = Callable[[Config, argparse.Namespace], CheckResult]
# Each check of each guard, as `run` computes it: the configured paths, the default options.
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
    "atomic-write-fault": lambda _config, _args: check_fault(DEFAULT_WRITER, trials=DEFAULT_TRIALS),
}


def register(commands: Any) -> None:
    run_parser = commands.add_parser(
        "run",
        help="run every configured guard in one process and exit with the gate's code",
        description="Run the selected guards (default: the configured `checks`, else all: "
        f"{', '.join(GUARDS)}) on the configured paths, write one result file per check, "
        "print each verdict, and exit like `opsguard gate`: 0 all passed, 1 a violation, "
        "2 a check could not run. Retention is a dry-run unless --apply.",
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
        type=non_negative_int,
        default=DEFAULT_MAX_FINDINGS,
        metavar="N",
        help=f"findings shown per check (default {DEFAULT_MAX_FINDINGS}; all are in the JSON)",
    )
    run_parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="assignments",
        help="override a configuration key with a TOML value; repeatable",
    )
    run_parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    named = [guard_name(n) for item in args.checks for n in item.replace(",", " ").split()]
    run_id = current_run_id(args.run_id) or new_run_id()
    try:
        config = load_config(
            args.config, overrides={"results_dir": args.results_dir}, assignments=args.assignments
        )
    except OpsguardError as exc:
        # Nothing can run; say so in every selected check's result, then exit 2.
        for check in checks_of(named or GUARDS):
            write_results_to(
                CheckResult.could_not_run(check, str(exc), run_id=run_id),
                args.results_dir or DEFAULT_RESULTS_DIR,
                quiet=True,
            )
        raise
    checks = checks_of(named or config.checks or GUARDS)
    # Every selected check is "did not finish" until it has run: a run killed half-way
    # leaves an error for each check it never reached, not a gap the gate could miss.
    for check in checks:
        write_result_files(
            CheckResult.could_not_run(check, DID_NOT_FINISH, run_id=run_id), config, None
        )
    color = use_color(sys.stdout)
    results = []
    for check in checks:
        try:
            result = _STEPS[check](config, args)
        except OpsguardError as exc:
            sys.stderr.write(f"opsguard {check}: error: {exc}\n")
            result = CheckResult.could_not_run(check, str(exc))
        result = dataclasses.replace(result, run_id=run_id)
        write_result_files(result, config, None)
        sys.stdout.write(render_check(result, max_findings=args.max_findings, color=color) + "\n")
        results.append(result)
    code, text = verdict(results)
    sys.stdout.write(f"opsguard run {run_id}: {text}\n")
    return code if results else EXIT_ERROR
