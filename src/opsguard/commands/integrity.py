"""`opsguard integrity`: the record gate, and `--fix` for what a machine can repair."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..checks.integrity import check_integrity
from ..config import Config
from ..duplicates import DUPLICATE_SCOPES
from ..remediate import apply_remediation, describe_plan, describe_report, plan_remediation
from ..result import CheckResult
from . import add_common, iso_date, run_check


def register(commands: Any) -> None:
    integrity = commands.add_parser(
        "integrity",
        help="gate record files on validity, duplicates and band-score agreement",
        description="Check record files (.json, .jsonl) and gate on the failure rate in the "
        "rolling window. Paths default to the configured records paths.",
    )
    integrity.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    add_common(integrity)
    integrity.add_argument(
        "--threshold", type=float, metavar="X", help="fail when failure_rate >= X (default 0.01)"
    )
    integrity.add_argument(
        "--window-days", type=int, metavar="N", help="gate the last N days of data (default 14)"
    )
    integrity.add_argument(
        "--min-records",
        type=int,
        metavar="N",
        help="fail when the window holds fewer than N records (default 1)",
    )
    integrity.add_argument(
        "--duplicate-scope",
        choices=DUPLICATE_SCOPES,
        help="duplicate key: date + version (default), + major, or date only",
    )
    integrity.add_argument(
        "--as-of",
        type=iso_date,
        metavar="DATE",
        help="treat DATE as today: the window ends there (default: newest record date)",
    )
    integrity.add_argument(
        "--fix",
        action="store_true",
        help="rewrite mismatched bands and move corrupt and duplicate records to the "
        "quarantine, then check again (without it, the plan is only printed)",
    )
    integrity.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    overrides = {
        "results_dir": args.results_dir,
        "integrity.threshold": args.threshold,
        "integrity.window_days": args.window_days,
        "integrity.min_records": args.min_records,
        "integrity.duplicate_scope": args.duplicate_scope,
    }
    return run_check("integrity", args, overrides, lambda config: _check(config, args))


def _check(config: Config, args: argparse.Namespace) -> CheckResult:
    cwd = Path.cwd()
    paths = list(args.paths) or list(config.paths.records)
    result = check_integrity(paths, config, as_of=args.as_of, cwd=cwd)
    plan = plan_remediation(result, config, cwd=cwd)
    # The remediation lines come first so that the verdict stays the last line.
    if args.fix:
        report = apply_remediation(plan, config)
        _section("remediation applied (the check below ran after it)", describe_report(report))
        if report.changed:
            result = check_integrity(paths, config, as_of=args.as_of, cwd=cwd)
    elif not plan.empty:
        _section("remediation available: `opsguard integrity --fix` would", describe_plan(plan))
    return result


def _section(title: str, lines: list[str]) -> None:
    sys.stdout.write(f"{title}:\n" + "".join(f"  {line}\n" for line in lines) + "\n")
