"""What a privacy scan or self-test result's summary says, in one line for every view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["key_figure", "self_test_key_figure"]


def key_figure(summary: Mapping[str, Any]) -> str:
    scanned = f"{summary['files']} files / {summary['lines']} lines scanned ({summary['mode']})"
    suppressed = f", {summary['suppressed']} suppressed" if summary["suppressed"] else ""
    return (
        f"{summary['violations']} violations in {summary['violating_files']} files / "
        f"{summary['violating_lines']} lines; {scanned}{suppressed}"
    )


def self_test_key_figure(summary: Mapping[str, Any]) -> str:
    return (
        f"{summary['caught']}/{summary['leaks']} planted leaks caught, "
        f"{summary['false_positives']} false positives on {summary['clean_lines']} clean lines"
    )
