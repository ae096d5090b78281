"""What a fault-harness result's summary says, in one line for every view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["key_figure"]


def key_figure(summary: Mapping[str, Any]) -> str:
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
