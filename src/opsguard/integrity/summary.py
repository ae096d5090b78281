"""What an integrity result says: its typed summary, and its one line for every view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ..core.summary import Summary

__all__ = ["IntegritySummary", "OutsideWindow", "Window", "key_figure"]


@dataclass(frozen=True, eq=False, slots=True)
class Window(Summary):
    """The gated window: first and last day (ISO dates) and its length in days."""

    start: str
    end: str
    days: int


@dataclass(frozen=True, eq=False, slots=True)
class OutsideWindow(Summary):
    """Records before the window: reported as warnings, never gated."""

    records: int
    failed_records: int
    counts: dict[str, int]


@dataclass(frozen=True, eq=False, slots=True)
class IntegritySummary(Summary):
    """The integrity check's figures (the `summary` of its result file)."""

    nested: ClassVar[Mapping[str, type[Summary]]] = {
        "window": Window,
        "outside_window": OutsideWindow,
    }

    # Records read (in and before the window, failed or not).
    records: int
    records_in_window: int
    failed_records: int
    # failed_records / records_in_window (0.0 for an empty window).
    failure_rate: float
    threshold: float
    window: Window
    # Failing findings per code, in the window, in code order.
    counts: dict[str, int]
    outside_window: OutsideWindow
    duplicate_scope: str
    # Why the gate failed (empty when it passed).
    reasons: list[str]
    # Record files read, and files passed over (other suffixes, hidden, symlinked dirs).
    files: int = 0
    skipped_files: int = 0
    # FIFOs, sockets and devices found in the record directories: never opened.
    special_files: int = 0
    # Days of the window without a record (integrity.expect = "daily"); each is also
    # counted in failed_records and records_in_window.
    missing_days: int = 0
    # Writers' temp files beside the records (crashed writes), young and old.
    orphan_temps: int = 0


def key_figure(summary: IntegritySummary) -> str:
    return (
        f"failure rate {summary.failure_rate:.2%} "
        f"({summary.failed_records}/{summary.records_in_window} records) "
        f"vs threshold {summary.threshold:.2%}, "
        f"window {summary.window.start}..{summary.window.end}"
    )
