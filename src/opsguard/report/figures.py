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


_FIGURES: dict[str, Callable[[Mapping[str, Any]], str]] = {"integrity": _integrity}


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
