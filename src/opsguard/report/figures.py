"""The one-line key figure of each check, shared by every renderer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..result import COULD_NOT_RUN, CheckResult

__all__ = ["human_bytes", "key_figure"]


def _integrity(summary: Mapping[str, Any]) -> str:
    window = summary.get("window", {})
    return (
        f"failure rate {summary['failure_rate']:.2%} "
        f"({summary['failed_records']}/{summary['records_in_window']} records) "
        f"vs threshold {summary['threshold']:.2%}, "
        f"window {window.get('start')}..{window.get('end')}"
    )


def _fault(summary: Mapping[str, Any]) -> str:
    if summary["syscall_order_ok"] is None:
        syscalls = f"syscall kills skipped ({summary.get('skipped') or 'not run'})"
    else:
        order = "order ok" if summary["syscall_order_ok"] else "order VIOLATED"
        syscalls = f"{summary['syscall_kill_points']} syscall kill points, {order}"
    return (
        f"{summary['trials']} crash trials, {summary['corrupt']} corrupt, "
        f"{summary['bad_reads']} bad reads; "
        f"matrix {summary['matrix_failures']}/{summary['matrix_cases']} cases failed; "
        f"{syscalls}; writer {summary['writer']}"
    )


def _retention(summary: Mapping[str, Any]) -> str:
    roots = len(summary["roots"])
    found = (
        f"{summary['candidates']} of {summary['files']} files "
        f"({human_bytes(summary['candidate_bytes'])}) past retention in {roots} root(s)"
    )
    if summary["mode"] == "apply":
        return f"{found}; deleted {summary['deleted']} ({human_bytes(summary['deleted_bytes'])})"
    return f"dry-run: {found}; nothing deleted"


def human_bytes(size: int) -> str:
    """A byte count for people: `512 B`, `7.8 KiB`, `1.2 GiB`."""
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def _privacy(summary: Mapping[str, Any]) -> str:
    scanned = f"{summary['files']} files / {summary['lines']} lines scanned ({summary['mode']})"
    suppressed = f", {summary['suppressed']} suppressed" if summary["suppressed"] else ""
    return (
        f"{summary['violations']} violations in {summary['violating_files']} files / "
        f"{summary['violating_lines']} lines; {scanned}{suppressed}"
    )


def _privacy_self_test(summary: Mapping[str, Any]) -> str:
    return (
        f"{summary['caught']}/{summary['leaks']} planted leaks caught, "
        f"{summary['false_positives']} false positives on {summary['clean_lines']} clean lines"
    )


_FIGURES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "integrity": _integrity,
    "atomic-write-fault": _fault,
    "privacy": _privacy,
    "privacy-self-test": _privacy_self_test,
    "retention": _retention,
}


def key_figure(result: CheckResult) -> str:
    """A short, human summary of the result's main figure (falls back to counts)."""
    if result.status == "error":
        # The reason the check itself gave, else its first error finding's message.
        reasons = [f.message for f in result.findings if f.code == COULD_NOT_RUN] or [
            f.message for f in result.findings if f.severity == "error"
        ]
        return f"could not run: {reasons[0]}" if reasons else "could not run"
    figure = _FIGURES.get(result.check)
    if figure is not None:
        try:
            return figure(result.summary)
        except (KeyError, TypeError, ValueError):
            pass  # a result from another opsguard version: fall back to counts
    errors = sum(1 for f in result.findings if f.severity == "error")
    return f"{errors} error finding(s)"
