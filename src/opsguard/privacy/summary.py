"""What a privacy scan or canary result says: typed summaries, and one line each for every view."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.summary import Summary
from ..core.units import plural

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
    # Denied keys whose value did not confirm them (a slug under `full_name`): not reported.
    look_alikes: int = 0
    # Failing findings about what could not be seen (unreadable input, no files).
    unseen: int = 0


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
    # Look-alike values planted under denied keys, and how many of them were flagged.
    look_alikes: int = 0
    look_alikes_flagged: int = 0


def key_figure(summary: PrivacySummary) -> str:
    scanned = (
        f"{plural(summary.files, 'file')} / {plural(summary.lines, 'line')} scanned "
        f"({summary.mode})"
    )
    found = (
        f"{plural(summary.violations, 'violation')} in {plural(summary.violating_files, 'file')}"
        f" / {plural(summary.violating_lines, 'line')}"
        if summary.violations
        else "no violations"
    )
    unseen = f", {summary.unseen} unseen" if summary.unseen else ""
    suppressed = f", {summary.suppressed} suppressed" if summary.suppressed else ""
    return f"{found}{unseen}; {scanned}{suppressed}"


def self_test_key_figure(summary: SelfTestSummary) -> str:
    return (
        f"{summary.caught}/{summary.leaks} leaks caught, "
        f"{summary.look_alikes_flagged}/{summary.look_alikes} look-alikes flagged, "
        f"{summary.false_positives}/{summary.clean_lines} clean lines flagged"
    )
