"""`opsguard integrity`: the record gate, and `--fix` for what a machine can repair."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from ..core.atomic import atomic_write, make_dirs_durable
from ..core.config import Config
from ..core.errors import OpsguardError
from ..core.files import printable
from ..core.result import CheckResult
from ..integrity.check import scan_integrity
from ..integrity.fix import (
    RemediationPlan,
    apply_remediation,
    describe_plan,
    describe_report,
    plan_document,
    plan_remediation,
)
from ..integrity.settings import INTEGRITY
from . import COMMANDS
from .common import AS_OF, add_common, add_settings, output_file, run_check

_FLAGS = ("threshold", "window_days", "min_records", "duplicate_scope", "expect")


def register(commands: Any) -> None:
    integrity = commands.add_parser(
        "integrity",
        help=COMMANDS["integrity"],
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
    integrity.add_argument(
        "--plan-out",
        type=output_file,
        metavar="FILE",
        help="write the whole remediation plan as JSON to FILE (`-`: stdout); the terminal "
        "shows at most --max-findings of its lines",
    )
    integrity.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return run_check("integrity", args, lambda config: _check(config, args))


def _check(config: Config, args: argparse.Namespace) -> CheckResult:
    cwd = Path.cwd()
    paths = list(args.paths) or list(config.paths.records)
    scan = scan_integrity(paths, config, as_of=args.as_of, cwd=cwd)
    result = scan.result
    # Hashing each file is needed only to apply the plan or to hand it on.
    digest = args.fix or args.plan_out is not None
    plan = plan_remediation(result, config, cwd=cwd, reads=scan.reads, digest=digest)
    # Written before anything is printed or changed: a plan file that cannot be written is
    # exit 2 with nothing done.
    if args.plan_out is not None:
        _write_plan(plan, args.plan_out)
    limit = args.max_findings
    more = "" if args.plan_out is not None else "; --plan-out FILE writes them all"
    # The remediation lines come first so that the verdict stays the last line.
    if args.fix:
        report = apply_remediation(plan, config)
        lines = describe_report(report, limit=limit, more=more)
        _section("remediation applied (the check below ran after it)", lines)
        if report.changed:
            result = scan_integrity(paths, config, as_of=args.as_of, cwd=cwd).result
    elif not plan.empty:
        lines = describe_plan(plan, limit=limit, more=more)
        _section("remediation available: `opsguard integrity --fix` would", lines)
    return result


def _write_plan(plan: RemediationPlan, path: Path) -> None:
    payload = orjson.dumps(
        plan_document(plan), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
    )
    try:
        make_dirs_durable(path.parent)
        atomic_write(path, payload)
    except OSError as exc:
        raise OpsguardError(f"cannot write {printable(str(path))}: {exc.strerror or exc}") from None


def _section(title: str, lines: list[str]) -> None:
    sys.stdout.write(f"{title}:\n" + "".join(f"  {line}\n" for line in lines) + "\n")
