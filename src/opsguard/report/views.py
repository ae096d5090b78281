"""The table of views: each view's name (`--format`), its file, and its renderer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..core.config import COMMENT_FINDINGS
from ..core.result import CheckResult, RunContext
from .annotations import render_annotations
from .json import report_document
from .markdown import render_comment, render_summary
from .sarif import render_sarif
from .terminal import render_report

__all__ = ["VIEWS", "RenderOptions", "View"]


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """What a reader chose: how many failing findings the comment shows, colour on a terminal."""

    max_findings: int = COMMENT_FINDINGS
    color: bool = False


@dataclass(frozen=True, slots=True)
class View:
    """One view: its name (`--format`), its file in the report directory (None: stdout only)."""

    name: str
    file: str | None
    render: Callable[[Sequence[CheckResult], RunContext, RenderOptions], str]


_ALL = (
    View(
        "terminal", None, lambda results, _context, opts: render_report(results, color=opts.color)
    ),
    View(
        "markdown",
        "report.md",
        lambda results, context, opts: render_comment(
            results, context, max_findings=opts.max_findings
        ),
    ),
    View("summary", "summary.md", lambda results, context, _opts: render_summary(results, context)),
    View("sarif", "report.sarif", lambda results, _c, _o: render_sarif(results).decode()),
    View("json", "report.json", lambda results, _c, _o: report_document(results).decode()),
    View("annotations", None, lambda results, _c, _o: render_annotations(results)),
)


# Every view by name, in the order `--format` lists them.
VIEWS: Mapping[str, View] = {v.name: v for v in _ALL}
