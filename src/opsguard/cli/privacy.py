"""`opsguard privacy`: the telemetry privacy gate, and `--self-test`, its canary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..core.config import Config
from ..core.errors import OpsguardError
from ..core.files import display_path
from ..core.result import CheckResult
from ..privacy.check import check_privacy, check_privacy_self_test
from ..privacy.fix import redact_file
from ..privacy.policy import build_policy
from ..privacy.scan import discover_telemetry
from ..privacy.settings import PRIVACY
from . import COMMANDS
from .common import AS_OF, add_common, add_settings, run_check


def register(commands: Any) -> None:
    privacy = commands.add_parser(
        "privacy",
        help=COMMANDS["privacy"],
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
        "--fix",
        action="store_true",
        help='redact what the scan flags, in place: each flagged value becomes "[redacted]", '
        "each file is replaced atomically and gets a hidden .NAME.why.json note (never the "
        "value); then scan again",
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
        if args.paths or args.fix:
            raise OpsguardError("--self-test scans its own planted files: give no PATH or --fix")
        return run_check("privacy-self-test", args, check_privacy_self_test)

    def scan(config: Config) -> CheckResult:
        paths = list(args.paths) or list(config.paths.telemetry)
        if args.fix:
            _fix(paths, config, args)
        return check_privacy(paths, config, as_of=args.as_of, cwd=Path.cwd())

    return run_check("privacy", args, scan)


def _fix(paths: list[Path], config: Config, args: argparse.Namespace) -> None:
    """Redact each file's failing findings (a scan per file, so nothing is left unsaid)."""
    cwd = Path.cwd()
    classifier = build_policy(PRIVACY.of(config)).classifier
    lines: list[str] = []
    for file in discover_telemetry(paths).files:
        # The scan reports repeats of a key on one line once: scan and mask again until
        # nothing is left (or nothing more can be masked).
        places, rewritten = 0, set[int]()
        left: tuple[str, ...] = ()
        for _ in range(_ROUNDS):
            found = check_privacy([file], config, as_of=args.as_of, cwd=cwd, limit=_ALL)
            done = redact_file(file, found.findings, classifier)
            places, left = places + done.places, done.left
            rewritten.update(done.lines)
            if not done.places:
                break
        shown = display_path(file, cwd)
        if places:
            where = ", ".join(map(str, sorted(rewritten)))
            lines.append(f"{shown}: {places} place(s) redacted on line(s) {where}")
        lines += [f"{shown}: {why}" for why in left]
    sys.stdout.write(
        "redaction applied (the scan below ran after it):\n"
        + "".join(f"  {line}\n" for line in lines or ["nothing to redact"])
        + "\n"
    )


# Every finding of a file, not the first thousand: each one is a place to mask.
_ALL = 10**9
_ROUNDS = 8
