"""`opsguard privacy`: the telemetry privacy gate, and `--self-test`, its canary."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..checks.privacy import check_privacy, check_privacy_self_test
from ..config import PRIVACY_MODES, Config
from ..errors import OpsguardError
from ..result import CheckResult
from . import add_common, iso_date, run_check


def register(commands: Any) -> None:
    privacy = commands.add_parser(
        "privacy",
        help="gate telemetry on raw health metrics, PII, locations and secrets",
        description="Scan telemetry (.jsonl, .json, .log, .txt; directories recursively) for "
        "raw health metrics, PII, locations and secrets, by key name and by value, and fail "
        "on any match. Values are never printed. Paths default to the configured telemetry "
        "paths. See docs/privacy.md.",
    )
    privacy.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    add_common(privacy)
    privacy.add_argument(
        "--mode",
        choices=PRIVACY_MODES,
        help="denylist (default): flag known metric, PII, location and secret names; "
        "allowlist: also flag every key not declared in privacy.allow",
    )
    privacy.add_argument(
        "--as-of",
        type=iso_date,
        metavar="DATE",
        help="treat DATE as today for suppression expiry (default: today)",
    )
    privacy.add_argument(
        "--self-test",
        action="store_true",
        help="plant synthetic leaks of every kind in a temporary directory, scan them, and "
        "fail unless every one is caught and every clean line passes",
    )
    privacy.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    overrides = {"results_dir": args.results_dir, "privacy.mode": args.mode}
    if args.self_test:
        if args.paths:
            raise OpsguardError("--self-test scans its own planted files: give no PATH")
        return run_check("privacy-self-test", args, overrides, check_privacy_self_test)

    def scan(config: Config) -> CheckResult:
        paths = list(args.paths) or list(config.paths.telemetry)
        return check_privacy(paths, config, as_of=args.as_of, cwd=Path.cwd())

    return run_check("privacy", args, overrides, scan)
