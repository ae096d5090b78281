"""`opsguard integrity`: the record gate, and `--fix` for what a machine can repair."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..core.config import Config
from ..core.result import CheckResult
from ..integrity.check import check_integrity
from ..integrity.fix import apply_remediation, describe_plan, describe_report, plan_remediation
from ..integrity.settings import INTEGRITY
from .common import AS_OF, add_common, add_settings, run_check

_FLAGS = ("threshold", "window_days", "min_records", "duplicate_scope")


def register(commands: Any) -> None:
    integrity = commands.add_parser(
        "integrity",
        help="gate record files on validity, duplicates and band-score agreement",
        description="Check record files (.json, .jsonl) and gate on the failure rate in the "
        "rolling window. Paths default to the configured records paths.",
    )
    integrity.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    add_common(integrity)
    settings = {s.key: s for s in INTEGRITY.settings}
    add_settings(
        integrity,
        *(settings[f"integrity.{key}"] for key in _FLAGS),
    )
    integrity.add_argument(
        "--as-of",
        type=AS_OF,
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
    return run_check("integrity", args, lambda config: _check(config, args))


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
