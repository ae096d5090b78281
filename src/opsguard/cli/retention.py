"""`opsguard retention`: prune telemetry and quarantine by age; dry-run unless `--apply`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..core.config import Config
from ..core.errors import OpsguardError
from ..core.files import printable
from ..core.result import CheckResult
from ..retention.check import check_retention, describe
from ..retention.plan import read_plan, write_log, write_plan
from ..retention.settings import RETENTION, RetentionRoot
from . import COMMANDS
from .common import add_common, add_settings, output_file, run_check, setting_overrides


def register(commands: Any) -> None:
    retention = commands.add_parser(
        "retention",
        help=COMMANDS["retention"],
        description="Delete files whose age is strictly greater than DAYS x 86400 seconds. "
        "Without ROOTs: the configured telemetry and quarantine folders and extra roots, each "
        "with its own days; ROOTs given here use --days (or retention.days). Dry-run unless "
        "--apply. See docs/retention.md.",
    )
    retention.add_argument("roots", nargs="*", type=Path, metavar="ROOT")
    add_common(retention)
    add_settings(retention, *(s for s in RETENTION.settings if s.flag))
    retention.add_argument("--apply", action="store_true", help="delete (default: dry-run)")
    retention.add_argument(
        "--force",
        action="store_true",
        help="delete even where the blast-radius cap (max_delete, max_delete_fraction) is exceeded",
    )
    plans = retention.add_mutually_exclusive_group()
    plans.add_argument(
        "--plan-out",
        type=output_file,
        metavar="FILE",
        help="write the dry-run's candidates as a plan (`-`: stdout)",
    )
    plans.add_argument(
        "--plan",
        type=Path,
        metavar="FILE",
        help="act on a plan: delete only its files whose device, inode, size and mtime are "
        "unchanged (with --apply)",
    )
    retention.add_argument(
        "--log",
        type=output_file,
        metavar="FILE",
        help="write one JSON line per decision to FILE (`-`: stdout)",
    )
    retention.add_argument(
        "--verbose",
        action="store_true",
        help="list kept and skipped files too, and say which configuration file is used",
    )
    retention.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.plan_out is not None and args.apply:
        raise OpsguardError("--plan-out writes a dry-run's plan; run it without --apply")
    flags = setting_overrides(args)
    retention_flags = [v for k, v in flags.items() if k.startswith("retention.")]
    if args.plan is not None and (args.roots or any(v is not None for v in retention_flags)):
        raise OpsguardError(
            "--plan fixes the roots, days, ages and candidates; drop ROOTs, --days, "
            "--age-from and --now"
        )
    return run_check("retention", args, lambda config: _check(config, args))


def _check(config: Config, args: argparse.Namespace) -> CheckResult:
    plan = read_plan(args.plan) if args.plan is not None else None
    roots = None
    if args.roots:
        retention = RETENTION.of(config)
        roots = [RetentionRoot(path, retention.days, retention.age_from) for path in args.roots]
    report = check_retention(
        roots,
        config,
        apply=args.apply,
        force=args.force,
        plan=plan,
        record_kept=args.verbose or args.log is not None,
    )
    # The files first: one that cannot be written is exit 2 with nothing printed before it.
    if args.plan_out is not None:
        write_plan(report, args.plan_out)
    if args.log is not None:
        write_log(report, args.log)
    listing = describe(
        report.roots, report.mode, report.now, verbose=args.verbose, limit=args.max_findings
    )
    sys.stdout.write("\n".join(listing) + "\n\n")
    if args.plan_out is not None:
        sys.stdout.write(f"plan written to {printable(str(args.plan_out))}\n\n")
    return report.result
