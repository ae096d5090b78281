"""`opsguard retention`: prune telemetry and quarantine by age; dry-run unless `--apply`."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..checks.retention import check_retention, describe
from ..checks.retention_plan import read_plan, write_log, write_plan
from ..config import RETENTION_AGE_BASES, Config, RetentionRoot
from ..errors import OpsguardError
from ..result import CheckResult
from . import add_common, positive_int, run_check

_UNIX = re.compile(r"-?\d+(?:\.\d+)?")


def timestamp(text: str) -> datetime:
    """argparse type for `--now`: an ISO 8601 timestamp with a zone, or Unix seconds."""
    stripped = text.strip()
    try:
        if _UNIX.fullmatch(stripped):
            micros = int(Decimal(stripped) * 1_000_000)
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
        moment = datetime.fromisoformat(stripped.replace("Z", "+00:00"))
    except (ValueError, OverflowError, InvalidOperation):
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 timestamp with a zone or Unix seconds, got {text!r}"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"the timestamp needs a time zone (e.g. Z or +00:00), got {text!r}"
        )
    return moment


def register(commands: Any) -> None:
    retention = commands.add_parser(
        "retention",
        help="prune telemetry and quarantine files past their retention (dry-run unless --apply)",
        description="Delete files whose age is strictly greater than DAYS x 86400 seconds. "
        "Without ROOTs: the configured telemetry and quarantine folders and extra roots, each "
        "with its own days; ROOTs given here use --days (or retention.days). Dry-run unless "
        "--apply. See docs/retention.md.",
    )
    retention.add_argument("roots", nargs="*", type=Path, metavar="ROOT")
    add_common(retention)
    retention.add_argument(
        "--days",
        type=positive_int,
        metavar="N",
        help="retention in days (retention.days; RETENTION_DAYS; default 30)",
    )
    retention.add_argument(
        "--age-from",
        choices=RETENTION_AGE_BASES,
        help="age by mtime (default) or by a date in the file name",
    )
    retention.add_argument(
        "--now",
        type=timestamp,
        metavar="TS",
        help="the clock: ISO 8601 with a zone (2025-08-15T00:00:00Z) or Unix seconds "
        "(default: retention.now, else the real time)",
    )
    retention.add_argument("--apply", action="store_true", help="delete (default: dry-run)")
    retention.add_argument(
        "--force",
        action="store_true",
        help="delete even where the blast-radius cap (max_delete, max_delete_fraction) is exceeded",
    )
    plans = retention.add_mutually_exclusive_group()
    plans.add_argument(
        "--plan-out", type=Path, metavar="FILE", help="write the dry-run's candidates as a plan"
    )
    plans.add_argument(
        "--plan",
        type=Path,
        metavar="FILE",
        help="act on a plan: delete only its files whose device, inode, size and mtime are "
        "unchanged (with --apply)",
    )
    retention.add_argument(
        "--log", type=Path, metavar="FILE", help="write one JSON line per decision to FILE"
    )
    retention.add_argument("--verbose", action="store_true", help="list kept and skipped files too")
    retention.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.plan_out is not None and args.apply:
        raise OpsguardError("--plan-out writes a dry-run's plan; run it without --apply")
    if args.plan is not None and (args.roots or args.days or args.age_from or args.now):
        raise OpsguardError(
            "--plan fixes the roots, days, ages and candidates; drop ROOTs, --days, "
            "--age-from and --now"
        )
    overrides = {
        "results_dir": args.results_dir,
        "retention.days": args.days,
        "retention.age_from": args.age_from,
        "retention.now": args.now,
    }
    return run_check("retention", args, overrides, lambda config: _check(config, args))


def _check(config: Config, args: argparse.Namespace) -> CheckResult:
    plan = read_plan(args.plan) if args.plan is not None else None
    roots = None
    if args.roots:
        retention = config.retention
        roots = [RetentionRoot(path, retention.days, retention.age_from) for path in args.roots]
    report = check_retention(
        roots,
        config,
        apply=args.apply,
        force=args.force,
        plan=plan,
        record_kept=args.verbose or args.log is not None,
    )
    listing = describe(report.roots, report.mode, report.now, verbose=args.verbose)
    sys.stdout.write("\n".join(listing) + "\n\n")
    if args.plan_out is not None:
        write_plan(report, args.plan_out)
        sys.stdout.write(f"plan written to {args.plan_out}\n\n")
    if args.log is not None:
        write_log(report, args.log)
    return report.result
