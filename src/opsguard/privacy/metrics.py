"""The privacy scan's figures as metric samples (the catalog's `metrics` for the scan).

`opsguard_privacy_violations` is the gate's figure (failing findings, after
suppressions); the per-code family counts every finding the scan reported by
code, every code present (0 when absent), so `unreadable` input shows too.
What was scanned is exported beside it: a scan that read nothing is no
evidence of a clean telemetry.
"""

from __future__ import annotations

from ..core.metrics import Sample, by_label, sample
from .codes import PRIVACY_CODES
from .summary import PrivacySummary

__all__ = ["samples"]


def samples(summary: PrivacySummary) -> list[Sample]:
    return [
        sample(
            "opsguard_privacy_violations",
            "Failing privacy findings (raw health metrics, PII, locations, secrets) in telemetry.",
            summary.violations,
        ),
        *by_label(
            "opsguard_privacy_findings",
            "Privacy findings in telemetry, by finding code.",
            "code",
            PRIVACY_CODES,
            summary.counts,
        ),
        sample("opsguard_privacy_scanned_files", "Telemetry files scanned.", summary.files),
        sample("opsguard_privacy_scanned_lines", "Telemetry lines scanned.", summary.lines),
    ]
