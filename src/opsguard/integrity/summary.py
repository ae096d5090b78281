"""What a integrity result's summary says, in one line for every view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["key_figure"]


def key_figure(summary: Mapping[str, Any]) -> str:
    window = summary.get("window", {})
    return (
        f"failure rate {summary['failure_rate']:.2%} "
        f"({summary['failed_records']}/{summary['records_in_window']} records) "
        f"vs threshold {summary['threshold']:.2%}, "
        f"window {window.get('start')}..{window.get('end')}"
    )
