"""The one-line key figure of each check, shared by every renderer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..result import CheckResult

__all__ = ["key_figure"]


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


_FIGURES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "integrity": _integrity,
    "atomic-write-fault": _fault,
}


def key_figure(result: CheckResult) -> str:
    """A short, human summary of the result's main figure (falls back to counts)."""
    figure = _FIGURES.get(result.check)
    if figure is not None:
        try:
            return figure(result.summary)
        except (KeyError, TypeError, ValueError):
            pass  # a result from another opsguard version: fall back to counts
    errors = sum(1 for f in result.findings if f.severity == "error")
    return f"{errors} error finding(s)"
