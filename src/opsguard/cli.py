"""The `opsguard` command line: a thin shell over config, checks and renderers.

Exit codes: 0 every check passed, 1 a gate failed, 2 opsguard could not do
its job (usage, configuration, a missing path); exit 2 prints one line on
stderr and never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from . import __version__
from .atomic import atomic_write
from .checks.integrity import check_integrity
from .config import DEBUG_ENV, Config, load_config
from .duplicates import DUPLICATE_SCOPES
from .errors import OpsguardError
from .report.terminal import render_check
from .result import CheckResult

__all__ = ["main"]

EXIT_PASS, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see --help)\n")


def _iso_date(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="opsguard", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"opsguard {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    integrity = commands.add_parser(
        "integrity",
        help="gate record files on validity, duplicates and band-score agreement",
        description="Check record files (.json, .jsonl) and gate on the failure rate in the "
        "rolling window. Paths default to the configured records paths.",
    )
    integrity.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_common(integrity)
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
        type=_iso_date,
        metavar="DATE",
        help="treat DATE as today: the window ends there (default: newest record date)",
    )
    integrity.set_defaults(run=_run_integrity)
    return parser


def _add_common(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: nearest opsguard.toml or "
        "pyproject.toml with [tool.opsguard])",
    )
    command.add_argument(
        "--json",
        type=Path,
        metavar="OUT",
        dest="json_out",
        help="also write the result JSON to OUT",
    )
    command.add_argument(
        "--results-dir",
        type=Path,
        metavar="DIR",
        help="directory for one result file per check (default .opsguard/results)",
    )
    command.add_argument(
        "--max-findings",
        type=int,
        default=20,
        metavar="N",
        help="findings shown on the terminal (default 20; all are in the JSON)",
    )


def _run_integrity(args: argparse.Namespace) -> int:
    config = load_config(
        args.config,
        overrides={
            "results_dir": args.results_dir,
            "integrity.threshold": args.threshold,
            "integrity.window_days": args.window_days,
            "integrity.min_records": args.min_records,
            "integrity.duplicate_scope": args.duplicate_scope,
        },
    )
    paths = list(args.paths) or list(config.paths.records)
    result = check_integrity(paths, config, as_of=args.as_of)
    return _deliver(result, config, args)


def _deliver(result: CheckResult, config: Config, args: argparse.Namespace) -> int:
    """Write the result file(s), print the terminal view, and turn the status into an exit code."""
    payload = result.to_json()
    outputs = [config.results_dir / f"{result.check}.json"]
    if args.json_out is not None:
        outputs.append(args.json_out)
    for output in outputs:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(output, payload)
        except OSError as exc:
            raise OpsguardError(f"cannot write {output}: {exc.strerror or exc}") from None
    sys.stdout.write(render_check(result, max_findings=args.max_findings))
    return EXIT_PASS if result.passed else (EXIT_ERROR if result.status == "error" else EXIT_FAIL)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except OpsguardError as exc:
        sys.stderr.write(f"opsguard: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("opsguard: interrupted\n")
        return 130
    except Exception as exc:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        sys.stderr.write(
            f"opsguard: internal error: {type(exc).__name__}: {exc} "
            f"(set {DEBUG_ENV}=1 for a traceback, and please report it)\n"
        )
        return EXIT_ERROR
    return code
