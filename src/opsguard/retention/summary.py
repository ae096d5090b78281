"""What a retention result's summary says, in one line for every view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.units import human_bytes

__all__ = ["key_figure"]


def key_figure(summary: Mapping[str, Any]) -> str:
    roots = len(summary["roots"])
    found = (
        f"{summary['candidates']} of {summary['files']} files "
        f"({human_bytes(summary['candidate_bytes'])}) past retention in {roots} root(s)"
    )
    if summary["mode"] == "apply":
        return f"{found}; deleted {summary['deleted']} ({human_bytes(summary['deleted_bytes'])})"
    return f"dry-run: {found}; nothing deleted"
