"""The Prometheus view: a run's results as gauges in the text format node_exporter reads.

One more view of the same results. The per-check families every check
shares come from the result itself (verdict, status, duration) and the
time it was written; each check's own families come from its catalog entry
(`CheckSpec.metrics`, a function of its typed summary). `render` turns
samples into the text exposition format 0.0.4 with `prometheus_client`, on
a private `CollectorRegistry` (so no process or platform metrics leak in),
with gauges only and no client-side timestamps (node_exporter's textfile
collector drops a whole file that carries one).

A renderer never decides: a check's last-success time is exported here only
when this result passed; carrying the previous one over a failing run is
the delivery's job (`opsguard.deliver.metrics`), which has the previous file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .._version import __version__
from ..catalog import check_spec
from ..core.files import printable
from ..core.metrics import Sample, sample
from ..core.result import CheckResult, Status

__all__ = [
    "LAST_SUCCESS",
    "LAST_SUCCESS_HELP",
    "STATUSES",
    "build_info",
    "check_samples",
    "render",
]

LAST_SUCCESS = "opsguard_check_last_success_timestamp_seconds"
LAST_SUCCESS_HELP = "When the check last passed, as a Unix time (kept over failing runs)."
# Every status a result can have: each check exports one series per status, 1 for its own.
STATUSES: tuple[Status, ...] = ("pass", "fail", "error")


def build_info(version: str = __version__) -> Sample:
    """`opsguard_build_info{version}` 1: which opsguard wrote the file."""
    return sample(
        "opsguard_build_info", "The opsguard version that wrote these metrics.", 1, version=version
    )


def check_samples(results: Sequence[CheckResult], last_run: Mapping[str, float]) -> list[Sample]:
    """The samples of `results`: the families every check shares, then each check's own.

    `last_run` maps a check to when its result was written (Unix seconds). A
    result that is an `error`, or a check this version does not know, has only
    the shared families: its summary holds no figures to read.
    """
    out: list[Sample] = []
    for result in results:
        check = printable(result.check)
        out += _shared(result, check, last_run.get(result.check))
    for result in results:
        spec = check_spec(result.check)
        if spec is None or result.status == "error":
            continue
        summary = spec.summary_of(result)
        if summary is not None:
            out += spec.samples(summary)
    return out


def _shared(result: CheckResult, check: str, written: float | None) -> Iterator[Sample]:
    yield sample(
        "opsguard_check_passed",
        "Whether the check's last result passed (1) or not (0).",
        result.passed,
        check=check,
    )
    for status in STATUSES:
        yield sample(
            "opsguard_check_status",
            "The check's last result: 1 for its status (pass, fail or error), 0 for the others.",
            result.status == status,
            check=check,
            status=status,
        )
    yield sample(
        "opsguard_check_duration_seconds",
        "How long the check's last run took.",
        result.duration_s,
        check=check,
    )
    if written is not None:
        yield sample(
            "opsguard_check_last_run_timestamp_seconds",
            "When the check's last result was written, as a Unix time.",
            written,
            check=check,
        )
        if result.passed:
            yield sample(LAST_SUCCESS, LAST_SUCCESS_HELP, written, check=check)


class _Families(Collector):
    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self._families = families

    def collect(self) -> Iterable[GaugeMetricFamily]:
        return self._families


def render(samples: Iterable[Sample]) -> str:
    """The text exposition (format 0.0.4) of `samples`, one gauge family per name.

    Families come in the order their first sample does. Samples of one name
    must share their help and label names, and a series may appear once: a
    mismatch is a programming error (`ValueError`), caught by the tests.
    """
    families: dict[str, tuple[Sample, GaugeMetricFamily]] = {}
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for item in samples:
        if item.key in seen:
            raise ValueError(f"{item.name}: series {dict(item.labels)} given twice")
        seen.add(item.key)
        first = families.get(item.name)
        if first is None:
            family = GaugeMetricFamily(item.name, item.help, labels=list(item.label_names))
            first = families[item.name] = (item, family)
        elif first[0].help != item.help or first[0].label_names != item.label_names:
            raise ValueError(f"{item.name}: samples disagree on help or label names")
        first[1].add_metric([value for _, value in item.labels], item.value)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families([family for _, family in families.values()]))
    return generate_latest(registry).decode("utf-8")
