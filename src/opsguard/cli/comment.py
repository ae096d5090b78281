"""`opsguard comment`: post `report.md` as the one sticky PR comment, or update it.

Exit codes: 0 when the comment was posted or updated, when there was nothing
to comment on (no PR, a fork, a stale run), and when posting failed with a
warning; 2 for bad usage (no `report.md`) and, with `--fail-on-report-error`,
for a posting problem. Violations never fail this step: `opsguard gate` does.
Under GitHub Actions it writes the step outputs `comment-url`, `comment-id` and
`delivery` (`comment`, `skipped` or `failed`), and warnings and notices as
workflow commands. The token is never printed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from ..catalog import load_config
from ..core.errors import OpsguardError
from ..core.files import display_path, open_regular
from ..deliver.comment import Level, Say, context_from_env, deliver_comment, fit_body
from ..deliver.github import under_actions, write_outputs
from ..report.escape import workflow_data
from ..report.markdown import COMMENT_LIMIT, MARKER_PREFIX
from ..report.views import VIEWS
from . import COMMANDS
from .common import EXIT_ERROR, EXIT_PASS

# The comment body is the markdown view's file.
REPORT_FILE = VIEWS["markdown"].file or "report.md"


def register(commands: Any) -> None:
    comment = commands.add_parser(
        "comment",
        help=COMMANDS["comment"],
        description="Find opsguard's comment on the run's pull request (marker and author), "
        "update the oldest, delete duplicates, or create one; never overwrite a report of a "
        "newer commit or run. Reads the GitHub Actions environment and GITHUB_TOKEN. Exits 0 "
        "even when posting fails (with a warning) unless --fail-on-report-error.",
    )
    comment.add_argument("--config", type=Path, metavar="FILE", help="configuration file")
    comment.add_argument(
        "--report-dir",
        type=Path,
        metavar="DIR",
        help=f"where {REPORT_FILE} is (default: report.dir, .opsguard)",
    )
    comment.add_argument(
        "--dry-run",
        action="store_true",
        help="print the body and the API calls it would make; read-only calls only, with a token",
    )
    comment.add_argument(
        "--fail-on-report-error",
        action="store_true",
        help="exit 2 when the comment cannot be posted (default: warn and exit 0)",
    )
    comment.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config, overrides={"report.dir": args.report_dir}, warn=False)
    path = config.report.dir / REPORT_FILE
    shown = display_path(path.resolve(), Path.cwd().resolve())
    try:
        with open_regular(path) as handle:  # a FIFO in its place must not hang the step
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        raise OpsguardError(f"no {shown}: run `opsguard report` first") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise OpsguardError(f"cannot read {shown}: {reason}") from None
    if not text.startswith(MARKER_PREFIX):
        # Without the marker the comment could never be found again: every run would add one.
        raise OpsguardError(f"{shown} has no opsguard marker: write it with `opsguard report`")

    environ = os.environ
    context = context_from_env(environ)
    say = _printer(actions=under_actions(environ), secret=context.token)
    # stamina logs each retry through `logging`; the client says the same in one clean line.
    stamina_logger = logging.getLogger("stamina")
    if not stamina_logger.handlers:
        stamina_logger.addHandler(logging.NullHandler())

    body, cut = fit_body(text)
    if cut:
        say("notice", f"{shown} has {len(text)} characters; the comment is cut to {COMMENT_LIMIT}")
    if args.dry_run:
        sys.stdout.write(body if body.endswith("\n") else body + "\n")
        sys.stdout.write("-- end of comment body --\n")
        token = "GITHUB_TOKEN is set (not shown)" if context.token else "GITHUB_TOKEN is not set"
        say("info", f"dry run: {token}; no comment is written")

    outcome = deliver_comment(body, context, say=say, dry_run=args.dry_run)
    write_outputs(
        {
            "comment-url": outcome.comment_url or "",
            "comment-id": "" if outcome.comment_id is None else str(outcome.comment_id),
            "delivery": outcome.delivery,
        }
    )
    if outcome.comment_url and outcome.delivery == "comment":
        say("info", f"the comment: {outcome.comment_url}")
    if outcome.delivery == "failed" and args.fail_on_report_error:
        return EXIT_ERROR
    return EXIT_PASS


def _printer(*, actions: bool, secret: str | None) -> Say:
    """Lines for people: workflow commands under Actions, plain lines elsewhere."""

    def say(level: Level, text: str) -> None:
        if secret:
            # Belt and braces: nothing said should hold the token, but nothing may print it.
            text = text.replace(secret, "***")
        if actions and level != "info":
            sys.stdout.write(f"::{level} title=opsguard comment::{workflow_data(text)}\n")
        elif level == "warning":
            sys.stderr.write(f"opsguard comment: warning: {text}\n")
        else:
            sys.stdout.write(f"opsguard comment: {text}\n")
        sys.stdout.flush()

    return say
