"""`opsguard privacy`: the telemetry privacy gate, and `--self-test`, its canary."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.config import Config
from ..core.errors import OpsguardError
from ..core.result import CheckResult
from ..privacy.check import check_privacy, check_privacy_self_test
from ..privacy.settings import PRIVACY
from .common import AS_OF, add_common, add_settings, run_check


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
    add_settings(privacy, *(s for s in PRIVACY.settings if s.flag))
    privacy.add_argument(
        "--as-of",
        type=AS_OF,
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
    if args.self_test:
        if args.paths:
            raise OpsguardError("--self-test scans its own planted files: give no PATH")
        return run_check("privacy-self-test", args, check_privacy_self_test)

    def scan(config: Config) -> CheckResult:
        paths = list(args.paths) or list(config.paths.telemetry)
        return check_privacy(paths, config, as_of=args.as_of, cwd=Path.cwd())

    return run_check("privacy", args, scan)
