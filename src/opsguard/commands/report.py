"""`opsguard report`: every view of the collected results, written at once.

It never fails the build (exit 0 whatever the verdicts; 2 when it cannot
read the results): `opsguard gate` does that, after every view exists.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..atomic import atomic_write, make_dirs_durable
from ..config import load_config
from ..errors import OpsguardError
from ..github import append_step_summary, run_context, write_outputs
from ..records import display_path
from ..report.annotations import render_annotations
from ..report.collect import collect_run, overall_status, report_document
from ..report.markdown import RunContext, render_comment, render_summary
from ..report.sarif import render_sarif
from ..report.terminal import render_report, use_color
from ..result import CheckResult
from ..runs import current_run_id
from . import EXIT_PASS, add_expect, add_run_options, expected_checks, non_negative_int

FORMATS = ("terminal", "markdown", "summary", "annotations", "sarif", "json")
FILES = {
    "markdown": "report.md",
    "summary": "summary.md",
    "sarif": "report.sarif",
    "json": "report.json",
}


def register(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="render every view of the results: terminal, PR comment, summary, SARIF, JSON",
        description="Collect the result files and write report.md (PR comment), summary.md "
        "(job summary), report.sarif and report.json to the report directory; print one "
        "format. Under GitHub Actions also write the job summary, step outputs and "
        "annotations. Always exits 0 when it could render: use `opsguard gate` to fail.",
    )
    add_run_options(report)
    add_expect(report)
    report.add_argument(
        "--out-dir",
        type=Path,
        metavar="DIR",
        help="where the views are written (default .opsguard)",
    )
    report.add_argument(
        "--format",
        choices=FORMATS,
        default="terminal",
        help="what to print on stdout (default terminal)",
    )
    report.add_argument(
        "--max-findings",
        type=non_negative_int,
        metavar="N",
        help="failing findings per check in the PR comment (default 10)",
    )
    report.add_argument("--head-sha", metavar="SHA", help="for the comment marker")
    report.add_argument("--run-url", metavar="URL", help="link to the full run")
    report.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(
        args.config,
        overrides={
            "results_dir": args.results_dir,
            "report.dir": args.out_dir,
            "report.max_findings": args.max_findings,
        },
    )
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
    views = {
        "markdown": render_comment(results, context, max_findings=config.report.max_findings),
        "summary": render_summary(results, context),
        "sarif": render_sarif(results).decode(),
        "json": report_document(results).decode(),
        "annotations": render_annotations(results),
    }
    out_dir = config.report.dir
    try:
        make_dirs_durable(out_dir)
        for view, name in FILES.items():
            atomic_write(out_dir / name, views[view])
    except OSError as exc:
        raise OpsguardError(f"cannot write the report to {out_dir}: {exc.strerror}") from None

    if args.format == "terminal":
        sys.stdout.write(render_report(results, color=use_color(sys.stdout)))
        shown = display_path(out_dir.resolve(), Path.cwd().resolve())
        sys.stdout.write(f"views written to {shown}/: {', '.join(FILES.values())}\n")
    else:
        sys.stdout.write(views[args.format])
    if os.environ.get("GITHUB_ACTIONS") == "true":
        append_step_summary(views["summary"])
        write_outputs(_outputs(results, out_dir))
        if args.format != "annotations":
            sys.stdout.write(views["annotations"])
    return EXIT_PASS


def _outputs(results: tuple[CheckResult, ...], out_dir: Path) -> dict[str, str]:
    by_check = {r.check: r.summary for r in results}
    status = overall_status(results)
    return {
        "passed": "true" if status == "pass" else "false",
        "status": status,
        "integrity-failure-rate": _figure(by_check, "integrity", "failure_rate"),
        "privacy-violations": _figure(by_check, "privacy", "violations"),
        "retention-candidates": _figure(by_check, "retention", "candidates"),
        "report-path": str(out_dir / FILES["markdown"]),
        "sarif-path": str(out_dir / FILES["sarif"]),
    }


def _figure(by_check: dict[str, Any], check: str, key: str) -> str:
    value = by_check.get(check, {}).get(key)
    return "" if value is None else str(value)
