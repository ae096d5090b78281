"""The integrity check's figures as metric samples (the catalog's `metrics` for this check).

Every figure is of the gated window, as the gate judged it: the failure
ratio beside its threshold (a panel draws both), the records and failed
records behind the ratio, failing findings per code (every code, 0 when
absent) and the band-score mismatches on their own, because zero tolerance
fails the gate on one of them whatever the ratio.
"""

from __future__ import annotations

from ..core.metrics import Sample, by_label, sample
from .codes import INTEGRITY_CODES
from .summary import IntegritySummary

__all__ = ["samples"]


def samples(summary: IntegritySummary) -> list[Sample]:
    return [
        sample(
            "opsguard_integrity_failure_ratio",
            "Share of records in the integrity window that failed validation (0-1).",
            summary.failure_rate,
        ),
        sample(
            "opsguard_integrity_threshold_ratio",
            "The integrity gate fails when the failure ratio reaches this share (0-1).",
            summary.threshold,
        ),
        sample(
            "opsguard_integrity_window_records",
            "Records in the integrity window.",
            summary.records_in_window,
        ),
        sample(
            "opsguard_integrity_window_failed_records",
            "Records in the integrity window with at least one failing finding.",
            summary.failed_records,
        ),
        *by_label(
            "opsguard_integrity_findings",
            "Failing integrity findings in the window, by finding code.",
            "code",
            INTEGRITY_CODES,
            summary.counts,
        ),
        sample(
            "opsguard_integrity_band_mismatches",
            "Records in the integrity window whose band differs from the band of their score.",
            summary.counts.get("band-mismatch", 0),
        ),
    ]
