"""Markdown views: the PR comment (read in ten seconds) and the job summary (everything).

The PR comment starts with a hidden state marker, `<!-- opsguard:v1 {json} -->`,
carrying the head SHA, the run id and each check's status, so that a comment
client can find its own comment, skip a stale run, and tell what changed.

GitHub refuses a comment over 65,536 characters, so the comment has a budget
and degrades in a fixed order until it fits, saying that it was shortened:
fewer findings per check, then passing checks folded into one line, then
counts only with a pointer to the job summary. The job summary (1 MiB per
step) lists every finding and is cut, with a note, only past that limit.
Every user-controlled string goes through `escape`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import orjson

from ..catalog import key_figure
from ..core.config import COMMENT_FINDINGS
from ..core.result import CheckResult, Finding, RunContext, overall_status
from ..core.units import plural
from .escape import md_code, md_text

__all__ = [
    "COMMENT_LIMIT",
    "MARKER_PREFIX",
    "SUMMARY_LIMIT",
    "render_comment",
    "render_summary",
]

COMMENT_LIMIT = 65_536  # characters: GitHub's maximum comment body
SUMMARY_LIMIT = 1_048_576  # bytes: GitHub's maximum step summary
MARKER_PREFIX = "<!-- opsguard:v1 "
NO_CONTEXT = RunContext()
_ICON = {"pass": "✅", "fail": "❌", "error": "⚠️"}
_SHORTENED = (
    "_This comment was shortened to fit GitHub's size limit; every finding is in the "
    "job summary{link}._"
)


def render_comment(
    results: Sequence[CheckResult],
    context: RunContext = NO_CONTEXT,
    *,
    max_findings: int = COMMENT_FINDINGS,
    limit: int = COMMENT_LIMIT,
) -> str:
    """The sticky PR comment: verdict, one row per check, failing findings folded away."""
    attempts: list[Callable[[], str]] = []
    per_check = max(max_findings, 0)
    while True:
        attempts.append(_comment_builder(results, context, per_check, fold_passing=False))
        if per_check == 0:
            break
        per_check //= 2
    attempts.append(_comment_builder(results, context, 0, fold_passing=True))
    attempts.append(lambda: _counts_only(results, context))
    for index, build in enumerate(attempts):
        body = build()
        if index > 0:
            body = _with_note(body, context)
        if len(body) <= limit:
            return body
    return _hard_cut(body, limit, context)


def render_summary(
    results: Sequence[CheckResult],
    context: RunContext = NO_CONTEXT,
    *,
    limit: int = SUMMARY_LIMIT,
) -> str:
    """The job summary: every check, every finding (errors and warnings), within `limit` bytes."""
    head = [_headline(results), "", *_check_table(results, fold_passing=False), ""]
    size = len("\n".join(head).encode())
    sections: list[str] = []
    for result in results:
        if not result.findings:
            continue
        lines = [f"### {_ICON[result.status]} {md_text(result.check)}", "", *_finding_header()]
        size += len("\n".join(lines).encode()) + 1
        for position, finding in enumerate(result.findings):
            row = _finding_row(finding)
            size += len(row.encode()) + 1
            rest = len(result.findings) - position
            note = (
                f"\n_The summary reached GitHub's 1 MiB limit: {rest} more finding(s) of "
                f"{md_text(result.check)} are in the result file._"
            )
            if size + len(note.encode()) + 2 > limit:
                lines.append(note)
                sections.append("\n".join(lines))
                return "\n".join([*head, *sections]) + "\n"
            lines.append(row)
        sections.append("\n".join([*lines, ""]))
    if context.run_url:
        sections.append(f"[Workflow run]({_url(context.run_url)})")
    return "\n".join([*head, *sections]) + "\n"


def marker(results: Sequence[CheckResult], context: RunContext) -> str:
    """The hidden first line: versioned machine state that no user string can close."""
    state = {
        "head_sha": context.head_sha,
        "run_id": context.run_id,
        "run_attempt": context.run_attempt,
        "status": overall_status(tuple(results)),
        "checks": {r.check: r.status for r in results},
    }
    payload = orjson.dumps(state).decode()
    # `<` and `>` only occur inside JSON strings, where \u escapes mean the same.
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("--", "-\\u002d")
    return f"{MARKER_PREFIX}{payload} -->"


def _comment_builder(
    results: Sequence[CheckResult], context: RunContext, per_check: int, *, fold_passing: bool
) -> Callable[[], str]:
    def build() -> str:
        lines = [marker(results, context), _headline(results), ""]
        lines += _check_table(results, fold_passing=fold_passing)
        for result in results:
            errors = [f for f in result.findings if f.severity == "error"]
            if result.passed or not errors:
                continue
            lines.append("")
            lines.append(
                f"<details><summary>{_ICON[result.status]} {md_text(result.check)}: "
                f"{plural(len(errors), 'failing finding')}</summary>"
            )
            lines.append("")
            shown = errors[:per_check]
            if shown:
                lines += _finding_header()
                lines += [_finding_row(f) for f in shown]
                lines.append("")
            if len(errors) > len(shown):
                more = len(errors) - len(shown)
                lines.append(f"… and {more} more in the job summary.")
                lines.append("")
            lines.append("</details>")
        lines += _footer(context)
        return "\n".join(lines) + "\n"

    return build


def _counts_only(results: Sequence[CheckResult], context: RunContext) -> str:
    lines = [marker(results, context), _headline(results), ""]
    lines += _check_table(results, fold_passing=True)
    for result in results:
        counts = Counter(f.code for f in result.findings if f.severity == "error")
        if counts:
            listed = ", ".join(f"{md_text(code)} {n}" for code, n in sorted(counts.items()))
            lines.append("")
            lines.append(f"{_ICON[result.status]} {md_text(result.check)}: {listed}")
    lines += _footer(context)
    return "\n".join(lines) + "\n"


def _headline(results: Sequence[CheckResult]) -> str:
    status = overall_status(tuple(results))
    failed = [r.check for r in results if r.status == "fail"]
    errored = [r.check for r in results if r.status == "error"]
    if not results:
        return "### ⚠️ opsguard: no results"
    if status == "pass":
        return f"### ✅ opsguard: all {len(results)} checks passed"
    parts = []
    if failed:
        parts.append(
            f"{len(failed)} of {len(results)} checks failed ({md_text(', '.join(failed))})"
        )
    if errored:
        parts.append(f"{len(errored)} could not run ({md_text(', '.join(errored))})")
    return f"### {_ICON[status]} opsguard: {'; '.join(parts)}"


def _check_table(results: Sequence[CheckResult], *, fold_passing: bool) -> list[str]:
    shown = [r for r in results if not (fold_passing and r.passed)]
    folded = [r for r in results if fold_passing and r.passed]
    lines = []
    if shown:
        lines += ["| | check | verdict | key figure |", "|---|---|---|---|"]
        for result in shown:
            warnings = sum(1 for f in result.findings if f.severity == "warning")
            verdict = result.status + (f" ({plural(warnings, 'warning')})" if warnings else "")
            lines.append(
                f"| {_ICON[result.status]} | {md_text(result.check)} | {verdict} | "
                f"{md_text(key_figure(result))} |"
            )
    if folded:
        names = ", ".join(r.check for r in folded)
        lines += ["", f"✅ {len(folded)} passing check(s): {md_text(names)}"]
    return lines


def _finding_header() -> list[str]:
    return ["| location | code | message |", "|---|---|---|"]


def _finding_row(finding: Finding) -> str:
    # A finding about the run itself (a check that could not run) has no file.
    where = md_code(finding.location()) if finding.path else "—"
    if finding.pointer:
        where += f" {md_code(finding.pointer)}"
    severity = "" if finding.severity == "error" else " (warning)"
    return f"| {where} | {md_text(finding.code)}{severity} | {md_text(finding.message)} |"


def _footer(context: RunContext) -> list[str]:
    if not context.run_url:
        return []
    return ["", f"[Full report in the job summary]({_url(context.run_url)})"]


def _with_note(body: str, context: RunContext) -> str:
    link = f" ([workflow run]({_url(context.run_url)}))" if context.run_url else ""
    return body + "\n" + _SHORTENED.format(link=link) + "\n"


def _hard_cut(body: str, limit: int, context: RunContext) -> str:
    note = "\n" + _SHORTENED.format(link="") + "\n"
    return body[: limit - len(note)] + note


def _url(url: str) -> str:
    # A URL comes from the runner's environment, but ( ) < > and spaces would still end it early.
    return "".join(c if c not in "()<> \n" else f"%{ord(c):02X}" for c in url)
