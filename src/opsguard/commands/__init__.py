"""One module per `opsguard` subcommand, each with `register(subparsers)`.

What every command shares lives here: the common options, argument types, and
`run_check`, the one way a check command runs. It loads the configuration,
writes a provisional `error` result before the check starts (so a check that
crashes or is killed leaves "did not finish" behind, never an older pass),
runs the check, and delivers: the result files, the terminal view, the exit
code. A check that could not do its job (bad configuration, a missing path)
writes an `error` result with the same one-line reason that its exit code 2
prints. A command parses, calls its check, and delivers; it never decides a
verdict itself.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from ..atomic import atomic_write, make_dirs_durable
from ..catalog import checks_of, expand_checks
from ..config import Config, load_config
from ..errors import OpsguardError
from ..report.terminal import render_check, use_color
from ..result import CheckResult
from ..runs import current_run_id

__all__ = [
    "DEFAULT_MAX_FINDINGS",
    "DEFAULT_RESULTS_DIR",
    "DID_NOT_FINISH",
    "EXIT_ERROR",
    "EXIT_FAIL",
    "EXIT_PASS",
    "add_common",
    "add_expect",
    "add_run_options",
    "deliver",
    "exit_code",
    "expected_checks",
    "iso_date",
    "non_negative_int",
    "positive_int",
    "run_check",
    "write_result_files",
    "write_results_to",
]

EXIT_PASS, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
DEFAULT_RESULTS_DIR = Path(".opsguard/results")
DEFAULT_MAX_FINDINGS = 20
DID_NOT_FINISH = "did not finish: the check was interrupted or crashed before writing its result"


def iso_date(text: str) -> date:
    """argparse type: a strict YYYY-MM-DD date."""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _int_at_least(text: str, lowest: int, kind: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = lowest - 1
    if value < lowest:
        raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    return _int_at_least(text, 1, "a positive integer")


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    return _int_at_least(text, 0, "an integer >= 0")


def add_run_options(command: argparse.ArgumentParser) -> None:
    """Options of every command that reads or writes a run's results."""
    command.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: nearest opsguard.toml or "
        "pyproject.toml with [tool.opsguard])",
    )
    command.add_argument(
        "--results-dir",
        type=Path,
        metavar="DIR",
        help=f"directory for one result file per check (default {DEFAULT_RESULTS_DIR})",
    )
    command.add_argument(
        "--run-id",
        metavar="ID",
        help="the run the results belong to (default: OPSGUARD_RUN_ID, or the GitHub "
        "Actions run and attempt)",
    )


def add_expect(command: argparse.ArgumentParser) -> None:
    """`--expect`: the checks this run must have results for."""
    command.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="CHECKS",
        help="checks that must have a result from this run, comma-separated (default: the "
        "configured `checks`, else whatever ran); a missing one is exit 2",
    )


def expected_checks(args: argparse.Namespace, config: Config) -> tuple[str, ...]:
    """The checks a run must have results for: `--expect`, else the configured guards' checks."""
    names = [name for item in args.expect for name in item.replace(",", " ").split()]
    if names:
        return expand_checks(names)
    return checks_of(config.checks) if config.checks else ()


def add_common(command: argparse.ArgumentParser) -> None:
    """The options every check command takes."""
    add_run_options(command)
    command.add_argument(
        "--json",
        type=Path,
        metavar="OUT",
        dest="json_out",
        help="also write the result JSON to OUT",
    )
    command.add_argument(
        "--max-findings",
        type=non_negative_int,
        default=DEFAULT_MAX_FINDINGS,
        metavar="N",
        help=f"findings shown on the terminal (default {DEFAULT_MAX_FINDINGS}; "
        "all are in the JSON)",
    )
    command.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="assignments",
        help="override a configuration key with a TOML value "
        "(e.g. --set integrity.threshold=0.05); repeatable",
    )


def run_check(
    check: str,
    args: argparse.Namespace,
    overrides: Mapping[str, Any],
    body: Callable[[Config], CheckResult],
) -> int:
    """Load the configuration, run `body`, and deliver its result — or an `error` result.

    An `OpsguardError` (from the configuration or the check) is written as the
    check's `error` result and then re-raised for the CLI's one-line exit 2.
    """
    run_id = current_run_id(args.run_id)
    try:
        config = load_config(args.config, overrides=overrides, assignments=args.assignments)
    except OpsguardError as exc:
        write_results_to(
            CheckResult.could_not_run(check, str(exc), run_id=run_id),
            args.results_dir or DEFAULT_RESULTS_DIR,
            args.json_out,
            quiet=True,
        )
        raise
    write_result_files(
        CheckResult.could_not_run(check, DID_NOT_FINISH, run_id=run_id), config, None
    )
    try:
        result = body(config)
    except OpsguardError as exc:
        write_result_files(
            CheckResult.could_not_run(check, str(exc), run_id=run_id), config, args.json_out
        )
        raise
    return deliver(dataclasses.replace(result, run_id=run_id), config, args)


def write_result_files(result: CheckResult, config: Config, json_out: Path | None) -> None:
    """`<results_dir>/<check>.json`, and a copy at `json_out`, both atomically."""
    write_results_to(result, config.results_dir, json_out)


def write_results_to(
    result: CheckResult, results_dir: Path, json_out: Path | None = None, *, quiet: bool = False
) -> None:
    """Write `result` into `results_dir` (and `json_out`).

    `quiet`: a failure to write is ignored — for the error result of a run that
    could not even read its configuration, whose own message is what matters.
    """
    try:
        _write(result, results_dir, json_out)
    except OpsguardError:
        if not quiet:
            raise


def _write(result: CheckResult, results_dir: Path, json_out: Path | None) -> None:
    payload = result.to_json()
    outputs = [results_dir / f"{result.check}.json"]
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
