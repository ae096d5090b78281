"""`opsguard gate`: fail the job, after every view has been written, if any check failed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..config import load_config
from ..errors import OpsguardError
from ..report.collect import collect_results, overall_status
from . import EXIT_FAIL, EXIT_PASS


def register(commands: Any) -> None:
    gate = commands.add_parser(
        "gate",
        help="exit 1 if any collected check failed (0 if all passed, 2 if there are none)",
        description="Read the result files and turn them into one exit code, so that a "
        "workflow can render every view first and fail last.",
    )
    gate.add_argument("--config", type=Path, metavar="FILE", help="configuration file")
    gate.add_argument(
        "--results-dir",
        type=Path,
        metavar="DIR",
        help="where the result files are (default .opsguard/results)",
    )
    gate.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config, overrides={"results_dir": args.results_dir})
    results = collect_results(config.results_dir)
    if not results:
        raise OpsguardError(f"no result files in {config.results_dir}: nothing to gate")
    status = overall_status(results)
    failed = [r.check for r in results if not r.passed]
    if status == "pass":
        sys.stdout.write(f"opsguard gate: PASS ({len(results)} checks)\n")
        return EXIT_PASS
    sys.stdout.write(f"opsguard gate: FAIL ({', '.join(failed)})\n")
    return EXIT_FAIL
