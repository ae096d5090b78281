"""The fault harness's figures as metric samples (the catalog's `metrics` for this check)."""

from __future__ import annotations

from ..core.metrics import Sample, sample
from .summary import FaultSummary

__all__ = ["samples"]


def samples(summary: FaultSummary) -> list[Sample]:
    return [
        sample(
            "opsguard_fault_trials",
            "Crash trials run against the writer under test (SIGKILL at a random moment).",
            summary.trials,
        ),
        sample(
            "opsguard_fault_corrupt_trials",
            "Crash trials after which the target held neither the old nor the new bytes.",
            summary.corrupt,
        ),
    ]
