"""One module per `opsguard` subcommand, each with `register(subparsers)`.

What every command shares lives here: the common options, argument types,
and `deliver`, which writes the result files, prints the terminal view and
turns the status into the exit code. A command parses, loads the config,
calls its check, and delivers; it never decides a verdict itself.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from ..atomic import atomic_write, make_dirs_durable
from ..config import Config
from ..errors import OpsguardError
from ..report.terminal import render_check, use_color
from ..result import CheckResult

__all__ = [
    "EXIT_ERROR",
    "EXIT_FAIL",
    "EXIT_PASS",
    "add_common",
    "deliver",
    "iso_date",
    "positive_int",
    "write_result_files",
]

EXIT_PASS, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


def iso_date(text: str) -> date:
    """argparse type: a strict YYYY-MM-DD date."""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def add_common(command: argparse.ArgumentParser) -> None:
    """The options every check command takes."""
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


def write_result_files(result: CheckResult, config: Config, json_out: Path | None) -> None:
    """`<results_dir>/<check>.json`, and a copy at `json_out`, both atomically."""
    payload = result.to_json()
    outputs = [config.results_dir / f"{result.check}.json"]
    if json_out is not None:
        outputs.append(json_out)
    for output in outputs:
        try:
            make_dirs_durable(output.parent)
            atomic_write(output, payload)
        except OSError as exc:
            raise OpsguardError(f"cannot write {output}: {exc.strerror or exc}") from None


def deliver(result: CheckResult, config: Config, args: argparse.Namespace) -> int:
    """Write the result file(s), print the terminal view, and turn the status into an exit code."""
    write_result_files(result, config, args.json_out)
    sys.stdout.write(
        render_check(result, max_findings=args.max_findings, color=use_color(sys.stdout))
    )
    return exit_code(result)


def exit_code(result: CheckResult) -> int:
    if result.passed:
        return EXIT_PASS
    return EXIT_ERROR if result.status == "error" else EXIT_FAIL
