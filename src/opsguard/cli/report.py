"""`opsguard report`: every view of this run's results, written at once.

It never fails the build (exit 0 whatever the verdicts; 2 when it cannot
read the results): `opsguard gate` does that, after every view exists.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..core.files import display_path
from ..core.result import RunContext
from ..core.runs import current_run_id
from ..deliver.github import (
    append_step_summary,
    run_context,
    step_outputs,
    under_actions,
    write_outputs,
)
from ..deliver.results import collect_run
from ..deliver.views import render_views, write_views
from ..report.terminal import use_color
from ..report.views import VIEWS, RenderOptions
from . import COMMANDS
from .common import (
    CORE,
    EXIT_PASS,
    add_expect,
    add_run_options,
    add_settings,
    expected_checks,
    load,
)


def register(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help=COMMANDS["report"],
        description="Collect this run's result files and write report.md (PR comment), "
        "summary.md (job summary), report.sarif and report.json to the report directory; "
        "print one format. Under GitHub Actions also write the job summary, step outputs "
        "and annotations. Exit codes: 0 whenever it could render; 2 when it cannot read the "
        "results. Use `opsguard gate` to fail a build.",
    )
    add_run_options(report)
    add_expect(report)
    add_settings(report, CORE["report.dir"], CORE["report.max_findings"])
    report.add_argument(
        "--format",
        choices=tuple(VIEWS),
        default="terminal",
        help="what to print on stdout (default terminal)",
    )
    report.add_argument("--head-sha", metavar="SHA", help="for the comment marker")
    report.add_argument("--run-url", metavar="URL", help="link to the full run")
    report.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    collected = collect_run(
        config.results_dir, current_run_id(args.run_id), expected_checks(args, config)
    )
    results = collected.results
    if collected.stale:
        sys.stderr.write(
            f"opsguard report: ignored {collected.stale} result file(s) from other runs\n"
        )
    github = run_context()
    context = RunContext(
        head_sha=args.head_sha or github.head_sha,
        run_id=github.run_id,
        run_url=args.run_url or github.run_url,
        run_attempt=github.run_attempt,
    )
    options = RenderOptions(max_findings=config.report.max_findings, color=use_color(sys.stdout))
    rendered = render_views(results, context, options)
    out_dir = config.report.dir
    files = write_views(rendered, out_dir)

    if args.format == "terminal":
        sys.stdout.write(rendered["terminal"])
        shown = display_path(out_dir.resolve(), Path.cwd().resolve())
        names = ", ".join(path.name for path in files.values())
        sys.stdout.write(f"views written to {shown}/: {names}\n")
    else:
        sys.stdout.write(rendered[args.format])
    if under_actions():
        append_step_summary(rendered["summary"])
        write_outputs(step_outputs(results, files))
        if args.format != "annotations":
            sys.stdout.write(rendered["annotations"])
    return EXIT_PASS
