"""Where detections go: suppression, counting, and a bounded list of findings.

The scanner hands every detection to a `Collector`, in file and line order.
Counting happens for all of them; only the first `limit` become `Finding`s
kept in memory (the counts stay exact), so a file that leaks on every line
cannot make the scan's memory grow with its size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..core.result import Finding, Severity
from .suppress import Suppressor

__all__ = ["BLIND_CODES", "DEFAULT_LIMIT", "Collector", "Detection"]

DEFAULT_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Detection:
    """One finding before suppression; `key_path` is what key suppressions match."""

    code: str
    severity: Severity
    path: str
    line: int | None
    pointer: str
    key_path: str
    message: str


# Failing codes that say the scan could not see, not that the data leaks: they fail the
# gate but are counted apart from the privacy violations (`Collector.unseen`).
BLIND_CODES = frozenset({"unreadable", "no-files"})


class Collector:
    """Receives detections; keeps counts, suppression uses and the first findings."""

    def __init__(self, suppressor: Suppressor | None = None, limit: int = DEFAULT_LIMIT) -> None:
        self.suppressor = suppressor
        self.limit = limit
        self.findings: list[Finding] = []
        self.counts: Counter[str] = Counter()
        self.suppressed = 0
        self.omitted = 0
        self.violations = 0
        self.violating_files = 0
        self.violating_lines = 0
        self.unseen = 0
        self._last_file: str | None = None
        self._last_line: tuple[str, int | None] | None = None

    def add(self, detection: Detection) -> None:
        suppressor = self.suppressor
        if (
            suppressor is not None
            and suppressor.match(detection.path, detection.key_path) is not None
        ):
            self.suppressed += 1
            return
        self.counts[detection.code] += 1
        if detection.severity == "error" and detection.code in BLIND_CODES:
            self.unseen += 1
        elif detection.severity == "error":
            self.violations += 1
            # Detections arrive in file and line order: counting changes needs no set.
            if detection.path != self._last_file:
                self._last_file = detection.path
                self.violating_files += 1
            where = (detection.path, detection.line)
            if where != self._last_line:
                self._last_line = where
                self.violating_lines += 1
        if len(self.findings) < self.limit:
            self.findings.append(
                Finding(
                    detection.code,
                    detection.severity,
                    detection.path,
                    detection.line,
                    detection.pointer,
                    detection.message,
                )
            )
        else:
            self.omitted += 1
