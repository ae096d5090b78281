"""Plain-text rendering for a terminal: verdict, counts by code, failing findings."""

from __future__ import annotations

from collections import Counter

from ..result import CheckResult
from .figures import key_figure

__all__ = ["render_check"]

_VERDICT = {"pass": "PASS", "fail": "FAIL", "error": "ERROR"}


def render_check(result: CheckResult, *, max_findings: int = 20) -> str:
    """Render one check: header with the key figure, counts, findings, reasons, verdict."""
    lines = [f"opsguard {result.check}: {key_figure(result)}"]
    counts = result.summary.get("counts")
    if isinstance(counts, dict) and counts:
        width = max(len(code) for code in counts)
        lines.append("")
        lines.append(f"  {'code':<{width}}  count")
        lines.extend(f"  {code:<{width}}  {n:>5}" for code, n in counts.items())

    errors = [f for f in result.findings if f.severity == "error"]
    if errors:
        lines.append("")
        lines.append(f"  findings ({len(errors)}):")
        shown = errors[:max_findings]
        for finding in shown:
            pointer = f" {finding.pointer}" if finding.pointer else ""
            lines.append(
                f"  {finding.location()}: {finding.code}{pointer}: {_one_line(finding.message)}"
            )
        if len(errors) > len(shown):
            lines.append(f"  ... and {len(errors) - len(shown)} more (all are in the result JSON)")

    warnings = Counter(f.code for f in result.findings if f.severity == "warning")
    if warnings:
        listed = ", ".join(f"{code} {n}" for code, n in sorted(warnings.items()))
        lines.append("")
        lines.append(f"  not gated (warnings): {listed}")

    reasons = result.summary.get("reasons")
    lines.append("")
    verdict = f"verdict: {_VERDICT[result.status]}"
    if result.status != "pass" and isinstance(reasons, list) and reasons:
        verdict += " - " + "; ".join(str(r) for r in reasons)
    lines.append(verdict)
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
