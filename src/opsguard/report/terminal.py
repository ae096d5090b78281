"""Plain-text rendering for a terminal: verdicts, key figures, failing findings.

Colour only when asked for (`use_color`: a TTY and no `NO_COLOR`), so logs
and pipes get plain text.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from ..catalog import key_figure
from ..core.result import CheckResult, overall_status
from .escape import visible

__all__ = ["TERMINAL_FINDINGS", "render_check", "render_report", "use_color"]

# Failing findings shown on a terminal unless --max-findings says otherwise.
TERMINAL_FINDINGS = 20

_VERDICT = {"pass": "PASS", "fail": "FAIL", "error": "ERROR"}
_COLOR = {"pass": "\033[32m", "fail": "\033[31m", "error": "\033[33m"}
_RESET = "\033[0m"


def use_color(stream: TextIO) -> bool:
    """Colour for a terminal that wants it: a TTY, and `NO_COLOR` unset or empty."""
    return not os.environ.get("NO_COLOR") and stream.isatty()


def _verdict(status: str, color: bool) -> str:
    word = _VERDICT[status]
    return f"{_COLOR[status]}{word}{_RESET}" if color else word


def render_report(
    results: Sequence[CheckResult], *, max_findings: int = TERMINAL_FINDINGS, color: bool = False
) -> str:
    """The compact table of every check (verdict, key figure) and the failing findings."""
    if not results:
        return "opsguard report: no results\n"
    width = max(len(r.check) for r in results)
    lines = ["opsguard report", ""]
    lines += [
        f"  {_one_line(r.check):<{width}}  {_verdict(r.status, color)}"
        f"{' ' * (6 - len(r.status))}{_one_line(key_figure(r))}"
        for r in results
    ]
    failing = [(r.check, f) for r in results for f in r.findings if f.severity == "error"]
    if failing:
        lines += ["", f"  failing findings ({len(failing)}):"]
        for check, finding in failing[:max_findings]:
            pointer = f" {finding.pointer}" if finding.pointer else ""
            lines.append(
                _one_line(
                    f"  {check}: {finding.location()}: {finding.code}{pointer}: {finding.message}"
                )
            )
        if len(failing) > max_findings:
            lines.append(f"  ... and {len(failing) - max_findings} more (see summary.md)")
    status = overall_status(tuple(results))
    passed = sum(1 for r in results if r.passed)
    lines += ["", f"verdict: {_verdict(status, color)} ({passed} of {len(results)} checks passed)"]
    return "\n".join(lines) + "\n"


def render_check(
    result: CheckResult, *, max_findings: int = TERMINAL_FINDINGS, color: bool = False
) -> str:
    """Render one check: header with the key figure, counts, findings, reasons, verdict."""
    lines = [_one_line(f"opsguard {result.check}: {key_figure(result)}")]
    counts = result.summary.get("counts")
    if isinstance(counts, dict) and counts:
        width = max(len(code) for code in counts)
        lines.append("")
        lines.append(f"  {'code':<{width}}  count")
        lines.extend(f"  {visible(str(code)):<{width}}  {n:>5}" for code, n in counts.items())

    errors = [f for f in result.findings if f.severity == "error"]
    if errors:
        lines.append("")
        lines.append(f"  findings ({len(errors)}):")
        shown = errors[:max_findings]
        for finding in shown:
            pointer = f" {finding.pointer}" if finding.pointer else ""
            lines.append(
                _one_line(f"  {finding.location()}: {finding.code}{pointer}: {finding.message}")
            )
        if len(errors) > len(shown):
            lines.append(f"  ... and {len(errors) - len(shown)} more (all are in the result JSON)")

    warnings = Counter(f.code for f in result.findings if f.severity == "warning")
    if warnings:
        listed = visible(", ".join(f"{code} {n}" for code, n in sorted(warnings.items())))
        lines.append("")
        lines.append(f"  not gated (warnings): {listed}")

    reasons = result.summary.get("reasons")
    lines.append("")
    verdict = f"verdict: {_verdict(result.status, color)}"
    if result.status != "pass" and isinstance(reasons, list) and reasons:
        verdict += " - " + _one_line("; ".join(str(r) for r in reasons))
    lines.append(verdict)
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    """Fold every whitespace run (newlines included) so one finding is one line.

    Keeps the leading indentation, so no line can start with `::` and be taken
    for a workflow command when stdout is a GitHub Actions log.
    """
    indent = text[: len(text) - len(text.lstrip(" "))]
    return indent + visible(" ".join(text.split()))
