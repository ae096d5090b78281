"""What a privacy scan or canary result says: typed summaries, and one line each for every view."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.summary import Summary

__all__ = ["PrivacySummary", "SelfTestSummary", "key_figure", "self_test_key_figure"]


@dataclass(frozen=True, eq=False, slots=True)
class PrivacySummary(Summary):
    """The privacy scan's figures (the `summary` of its result file)."""

    mode: str
    # Telemetry files and lines read; files passed over (other suffixes, hidden).
    files: int
    lines: int
    skipped_files: int
    # Failing findings, and the files and lines they are on.
    violations: int
    violating_files: int
    violating_lines: int
    counts: dict[str, int]
    # Findings a reviewed suppression covered; configured, used and expired suppressions.
    suppressed: int
    suppressions: int
    suppressions_used: int
    expired_suppressions: int
    # Findings counted but not kept in the result (it keeps the first ones).
    findings_omitted: int
    reasons: list[str]


@dataclass(frozen=True, eq=False, slots=True)
class SelfTestSummary(Summary):
    """The canary's figures: planted leaks caught, clean lines left alone."""

    leaks: int
    caught: int
    missed: int
    clean_lines: int
    false_positives: int
    counts: dict[str, int]
    reasons: list[str]


def key_figure(summary: PrivacySummary) -> str:
    scanned = f"{summary.files} files / {summary.lines} lines scanned ({summary.mode})"
    suppressed = f", {summary.suppressed} suppressed" if summary.suppressed else ""
    return (
        f"{summary.violations} violations in {summary.violating_files} files / "
        f"{summary.violating_lines} lines; {scanned}{suppressed}"
    )


def self_test_key_figure(summary: SelfTestSummary) -> str:
    return (
        f"{summary.caught}/{summary.leaks} planted leaks caught, "
        f"{summary.false_positives} false positives on {summary.clean_lines} clean lines"
    )
