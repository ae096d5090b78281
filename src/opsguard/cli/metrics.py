"""`opsguard metrics`: a run's results and the auto-run's telemetry as a Prometheus textfile.

A view, like `report`: it never fails a build (exit 0 whatever the checks
said; 2 only when it cannot do its job: no results, a telemetry path that
does not exist, a textfile it cannot write). Without `--textfile` the
exposition goes to stdout (for `promtool check metrics`, or a quick look).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..catalog import checks_of
from ..core.files import printable
from ..core.result import EXIT_PASS
from ..core.runs import current_run_id
from ..deliver.metrics import MetricsOutcome, deliver_metrics
from ..deliver.results import collect_run
from . import COMMANDS
from .common import add_assignments, add_run_options, load


def register(commands: Any) -> None:
    command = commands.add_parser(
        "metrics",
        help=COMMANDS["metrics"],
        description="Render this run's results (the newest run in --results-dir unless --run-id) "
        "and the pipeline's auto-run events (--telemetry, default: the configured telemetry "
        "paths) as gauges in the Prometheus text format, for node_exporter's textfile "
        "collector. A configured check (`checks`) with no result from this run shows as an "
        "error. The last-success timestamps of the previous --textfile are kept over a run "
        "that did not pass. Exit 0 whatever the checks said; 2 when it cannot do its job. "
        "See docs/metrics.md.",
    )
    add_run_options(command)
    command.add_argument(
        "--telemetry",
        nargs="+",
        action="extend",
        type=Path,
        metavar="PATH",
        help="telemetry files or directories with the auto-run's JSON events "
        "(default: the configured paths.telemetry)",
    )
    add_textfile(command)
    add_assignments(command)
    command.set_defaults(run=run)


def add_textfile(command: argparse.ArgumentParser) -> None:
    """`--textfile PATH`, shared with `opsguard run`."""
    command.add_argument(
        "--textfile",
        type=Path,
        metavar="PATH",
        help="write the metrics to PATH atomically and durably (name it *.prom inside "
        "node_exporter's --collector.textfile.directory)",
    )


def say(command: str, outcome: MetricsOutcome) -> None:
    """The warnings on stderr, and where the metrics went on stdout."""
    for warning in outcome.warnings:
        sys.stderr.write(f"opsguard {command}: warning: {warning}\n")
    if outcome.path is not None:
        shown = printable(str(outcome.path))
        sys.stdout.write(f"opsguard {command}: wrote {outcome.series} series to {shown}\n")


def run(args: argparse.Namespace) -> int:
    config = load(args)
    # A configured check with no result from this run shows as an error, as in `gate`.
    expect = checks_of(config.checks) if config.checks else ()
    collected = collect_run(config.results_dir, current_run_id(args.run_id), expect)
    outcome = deliver_metrics(
        collected.results,
        config,
        telemetry=args.telemetry,
        textfile=args.textfile,
        missing=collected.missing,
    )
    if args.textfile is None:
        sys.stdout.write(outcome.text)
    say("metrics", outcome)
    return EXIT_PASS
