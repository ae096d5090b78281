"""Metric samples: what a check's figures look like to Prometheus, before any exposition.

A guard package turns its typed summary into `Sample`s (its `metrics.py`);
`opsguard.report.prometheus` turns samples into gauges of the text format,
and `opsguard.deliver.metrics` writes them. This module knows nothing of
`prometheus_client`, so a guard package keeps importing only `core`.

Conventions every sample follows (Prometheus' naming and instrumentation
practices): one `opsguard_` prefix; base units in the name (`_seconds`,
`_bytes`, `_ratio`); gauges only (a run's figures are a snapshot, not a
count since the process started), so no name ends in `_total`; a label value
is one of a bounded set (a finding code, a check, a root's name), never a
path, a SHA or a PR number; and a series that will exist is exported as 0
rather than left absent, so that `sum()` and alerts see it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["METRIC_NAME", "PREFIX", "Sample", "by_label", "sample"]

PREFIX = "opsguard_"
# Prometheus' metric name syntax, restricted to opsguard's prefix and without colons
# (colons are reserved for recording rules).
METRIC_NAME = re.compile(r"^opsguard_[a-z0-9_]*[a-z0-9]$")
_LABEL_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Sample:
    """One gauge sample: its metric name, help text, labels and value.

    Samples of one name must share the help text and the label names: the
    renderer groups them into one family and refuses a mismatch.
    """

    name: str
    help: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # Programming errors, caught by the tests of each guard's metrics.
        if not METRIC_NAME.match(self.name):
            raise ValueError(f"bad metric name {self.name!r}")
        if self.name.endswith("_total"):
            raise ValueError(f"{self.name}: a gauge never ends in _total")
        for key, _ in self.labels:
            if not _LABEL_NAME.match(key) or key.startswith("__"):
                raise ValueError(f"{self.name}: bad label name {key!r}")
        if math.isnan(self.value):
            raise ValueError(f"{self.name}: NaN is not a figure (leave the sample out)")

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.labels)

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The series this sample belongs to: its name and labels."""
        return (self.name, self.labels)


def sample(name: str, help: str, value: float, **labels: str) -> Sample:
    """A `Sample`, labels given as keywords (in the order given)."""
    return Sample(name, help, float(value), tuple(labels.items()))


def by_label(
    name: str, help: str, label: str, known: Iterable[str], counts: Mapping[str, int]
) -> list[Sample]:
    """One sample per known label value (0 where `counts` has none), in the order of `known`.

    Values `counts` holds beyond `known` (a result of another opsguard version)
    are left out: a label's values stay a fixed, documented set.
    """
    return [Sample(name, help, float(counts.get(value, 0)), ((label, value),)) for value in known]
