"""The Prometheus view: samples from results, rendered with prometheus_client, parsed back.

Each guard's own families come from its catalog entry and its typed summary;
every check shares the verdict, status, duration and time families. The text
is read back with prometheus_client's parser, as node_exporter would read it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from opsguard.catalog import CHECKS, load_config
from opsguard.core.metrics import Sample, by_label, sample
from opsguard.core.result import CheckResult
from opsguard.core.runs import RunOptions
from opsguard.fault.summary import FaultSummary, NegativeControl
from opsguard.integrity.summary import IntegritySummary
from opsguard.report.prometheus import LAST_SUCCESS, build_info, check_samples, render
from opsguard.retention.metrics import root_names
from opsguard.retention.summary import RetentionSummary, RootSummary

T0 = 1_755_000_000.0
REPO = Path(__file__).resolve().parent.parent


def parse(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Family name -> {sorted labels: value}, asserting what node_exporter needs."""
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "gauge", family.name
        assert family.documentation, family.name
        assert family.name not in out, f"{family.name} twice"
        series = out.setdefault(family.name, {})
        for item in family.samples:
            assert item.timestamp is None  # a timestamp makes the collector drop the file
            assert item.name == family.name  # no _created, _total, _info suffix series
            key = tuple(sorted(item.labels.items()))
            assert key not in series, f"{family.name}{dict(key)} twice"
            series[key] = item.value
    return out


@pytest.fixture(scope="module")
def sample_results() -> tuple[CheckResult, ...]:
    """The sample's real results (fault: a hand-made summary, the harness is slow)."""
    config = load_config(cwd=REPO, environ={})
    results = [
        dataclasses.replace(CHECKS[name].run(config, RunOptions()), duration_s=0.25)
        for name in ("integrity", "privacy-self-test", "privacy", "retention")
    ]
    fault = FaultSummary(
        writer="opsguard:atomic_write", seed=1, trials=200, corrupt=0, bad_reads=0, reads=10,
        orphans_swept=0, leftovers_removed=0, writer_errors=0, matrix_cases=20,
        matrix_failures=0, syscall_kill_points=8, syscall_kill_missed=0, syscall_order_ok=True,
        negative_control_detected=True,
        negative_control=NegativeControl(trials=50, corrupt=40, bad_reads=5, reads=60),
        skipped=None, counts={}, reasons=[],
    )  # fmt: skip
    results.append(CheckResult("atomic-write-fault", "pass", fault, duration_s=4.5))
    return tuple(results)


def _times(results: tuple[CheckResult, ...]) -> dict[str, float]:
    return {r.check: T0 + i for i, r in enumerate(results)}


def test_the_sample_renders_every_family_with_its_values(
    sample_results: tuple[CheckResult, ...],
) -> None:
    text = render([build_info("9.9.9"), *check_samples(sample_results, _times(sample_results))])
    metrics = parse(text)

    assert metrics["opsguard_build_info"] == {(("version", "9.9.9"),): 1.0}
    checks = [r.check for r in sample_results]
    assert metrics["opsguard_check_passed"] == {(("check", c),): 1.0 for c in checks}
    assert len(metrics["opsguard_check_status"]) == 3 * len(checks)
    assert metrics["opsguard_check_status"][(("check", "privacy"), ("status", "pass"))] == 1.0
    assert metrics["opsguard_check_status"][(("check", "privacy"), ("status", "error"))] == 0.0
    assert metrics["opsguard_check_duration_seconds"][(("check", "atomic-write-fault"),)] == 4.5
    assert metrics["opsguard_check_last_run_timestamp_seconds"][(("check", "integrity"),)] == T0
    assert metrics[LAST_SUCCESS] == metrics["opsguard_check_last_run_timestamp_seconds"]

    # integrity: the sample's 14-day window holds 14 clean records.
    assert metrics["opsguard_integrity_failure_ratio"] == {(): 0.0}
    assert metrics["opsguard_integrity_threshold_ratio"] == {(): 0.01}
    assert metrics["opsguard_integrity_window_records"] == {(): 14.0}
    assert metrics["opsguard_integrity_window_failed_records"] == {(): 0.0}
    assert metrics["opsguard_integrity_band_mismatches"] == {(): 0.0}
    assert len(metrics["opsguard_integrity_findings"]) == len(CHECKS["integrity"].codes)
    # privacy: nothing found in 69 files / 120 lines.
    assert metrics["opsguard_privacy_violations"] == {(): 0.0}
    assert set(metrics["opsguard_privacy_findings"].values()) == {0.0}
    assert metrics["opsguard_privacy_scanned_files"] == {(): 69.0}
    assert metrics["opsguard_privacy_scanned_lines"] == {(): 120.0}
    # retention: a dry-run over two roots, clock pinned at 2025-08-15, 30 days.
    telemetry = (("root", "telemetry"),)
    assert metrics["opsguard_retention_candidate_files"] == {
        telemetry: 35.0,
        (("root", "quarantine"),): 0.0,
    }
    assert metrics["opsguard_retention_deleted_files"][telemetry] == 0.0
    assert metrics["opsguard_retention_deleted_bytes"][telemetry] == 0.0
    assert metrics["opsguard_retention_max_age_seconds"][telemetry] == 30 * 86400
    assert metrics["opsguard_retention_oldest_kept_file_age_seconds"] == {telemetry: 30 * 86400}
    # The quarantine keeps nothing (only .gitkeep, protected): it has no oldest-file series.
    oldest = metrics["opsguard_retention_oldest_kept_file_timestamp_seconds"]
    assert oldest == {telemetry: 1_752_624_000.0}  # 2025-07-16T00:00:00Z, the file's name
    # fault
    assert metrics["opsguard_fault_trials"] == {(): 200.0}
    assert metrics["opsguard_fault_corrupt_trials"] == {(): 0.0}


def test_a_failing_result_has_figures_but_no_last_success(repo: Path) -> None:
    config = load_config(
        cwd=repo, environ={}, overrides={"paths.records": [repo / "fixtures" / "defects"]}
    )
    result = CHECKS["integrity"].run(config, RunOptions())
    assert result.status == "fail"

    metrics = parse(render(check_samples([result], {"integrity": T0})))

    assert metrics["opsguard_check_passed"] == {(("check", "integrity"),): 0.0}
    assert metrics["opsguard_check_status"][(("check", "integrity"), ("status", "fail"))] == 1.0
    assert LAST_SUCCESS not in metrics  # the delivery carries the previous one over
    summary = CHECKS["integrity"].summary_of(result)
    assert isinstance(summary, IntegritySummary)
    assert metrics["opsguard_integrity_failure_ratio"] == {(): summary.failure_rate}
    assert metrics["opsguard_integrity_band_mismatches"] == {(): summary.counts["band-mismatch"]}
    findings = metrics["opsguard_integrity_findings"]
    assert {dict(k)["code"]: v for k, v in findings.items() if v} == summary.counts


def test_an_error_result_shows_as_error_with_no_figures() -> None:
    error = CheckResult.could_not_run("privacy", "path not found: data/telemetry")

    metrics = parse(render(check_samples([error], {"privacy": T0})))

    status = metrics["opsguard_check_status"]
    assert status[(("check", "privacy"), ("status", "error"))] == 1.0
    assert status[(("check", "privacy"), ("status", "pass"))] == 0.0
    assert metrics["opsguard_check_passed"] == {(("check", "privacy"),): 0.0}
    assert not any(name.startswith("opsguard_privacy_") for name in metrics)
    assert LAST_SUCCESS not in metrics


def test_a_check_this_version_does_not_know_gets_the_shared_families_printably() -> None:
    odd = CheckResult('new"check\n::warning::x', "pass", {"anything": 1})

    metrics = parse(render(check_samples([odd], {odd.check: T0})))

    # The label value is the printable name; the exposition escapes it, the parser undoes it.
    assert metrics["opsguard_check_passed"] == {(("check", 'new"check\\x0a::warning::x'),): 1.0}
    assert set(metrics) == {
        "opsguard_check_passed",
        "opsguard_check_status",
        "opsguard_check_duration_seconds",
        "opsguard_check_last_run_timestamp_seconds",
        LAST_SUCCESS,
    }


def test_labels_are_bounded_and_never_a_path_sha_or_pr(
    sample_results: tuple[CheckResult, ...],
) -> None:
    metrics = parse(render([build_info(), *check_samples(sample_results, _times(sample_results))]))
    allowed = {"check", "status", "code", "root", "version", "source"}
    for name, series in metrics.items():
        assert len(series) <= 3 * len(CHECKS), name  # one per check and status at most
        for labels in series:
            for key, value in labels:
                assert key in allowed, (name, key)
                assert "/" not in value, (name, value)


def test_each_guard_samples_follow_the_naming_rules(
    sample_results: tuple[CheckResult, ...],
) -> None:
    for result in sample_results:
        spec = CHECKS[result.check]
        summary = spec.summary_of(result)
        assert summary is not None
        for item in spec.samples(summary):
            assert item.name.startswith("opsguard_")
            unit = item.name.rsplit("_", 1)[-1]
            if "timestamp" in item.name or "duration" in item.name or "age" in item.name:
                assert unit == "seconds", item.name
            assert not item.name.endswith(("_total", "_count", "_sum", "_bucket")), item.name


def _retention(roots: list[RootSummary], now: str = "2025-08-15T00:00:00Z") -> RetentionSummary:
    return RetentionSummary(
        mode="apply", now=now, roots=roots, days={}, files=0, candidates=0, candidate_bytes=0,
        deleted=0, deleted_bytes=0, kept=0, skipped={}, dirs_removed=0, oldest_kept_age_s={},
        counts={}, reasons=[],
    )  # fmt: skip


def _root(path: str, age: float | None = 10.0, days: int = 7) -> RootSummary:
    return RootSummary(
        path=path, days=days, age_from="mtime", files=3, candidates=2, candidate_bytes=20,
        deleted=2, deleted_bytes=20, kept=1, skipped={}, dirs_removed=0,
        oldest_kept_age_s=age, capped=False,
    )  # fmt: skip


def test_retention_roots_are_named_not_pathed_and_unique() -> None:
    roots = [_root("/srv/a/telemetry"), _root("b/telemetry"), _root("data/quarantine"), _root(".")]
    assert root_names(roots) == ["telemetry", "telemetry-2", "quarantine", "."]

    samples = CHECKS["retention"].samples(_retention(roots))
    metrics = parse(render(samples))
    assert set(metrics["opsguard_retention_deleted_files"]) == {
        (("root", name),) for name in ("telemetry", "telemetry-2", "quarantine", ".")
    }


def test_retention_oldest_file_timestamp_is_the_clock_minus_the_age() -> None:
    summary = _retention([_root("t", age=86_400.0), _root("q", age=None)])
    metrics = parse(render(CHECKS["retention"].samples(summary)))

    clock = 1_755_216_000.0  # 2025-08-15T00:00:00Z
    assert metrics["opsguard_retention_oldest_kept_file_timestamp_seconds"] == {
        (("root", "t"),): clock - 86_400
    }
    assert metrics["opsguard_retention_oldest_kept_file_age_seconds"] == {(("root", "t"),): 86_400}
    assert metrics["opsguard_retention_max_age_seconds"][(("root", "q"),)] == 7 * 86_400


def test_a_retention_clock_that_does_not_parse_drops_only_the_timestamp() -> None:
    summary = _retention([_root("t")], now="not a time")
    metrics = parse(render(CHECKS["retention"].samples(summary)))
    assert "opsguard_retention_oldest_kept_file_timestamp_seconds" not in metrics
    assert "opsguard_retention_oldest_kept_file_age_seconds" in metrics


# --- the renderer's own rules --------------------------------------------------------------


def test_a_series_given_twice_is_a_programming_error() -> None:
    item = sample("opsguard_x", "help", 1, check="a")
    with pytest.raises(ValueError, match="twice"):
        render([item, item])


def test_samples_of_one_name_must_agree() -> None:
    with pytest.raises(ValueError, match="disagree"):
        render([sample("opsguard_x", "one", 1), sample("opsguard_x", "two", 1, check="a")])


@pytest.mark.parametrize(
    "bad",
    [
        lambda: Sample("process_cpu_seconds", "h", 1.0),  # not opsguard's prefix
        lambda: Sample("opsguard_runs_total", "h", 1.0),  # a gauge is not a counter
        lambda: Sample("opsguard_x", "h", float("nan")),
        lambda: Sample("opsguard_x", "h", 1.0, (("__name__", "y"),)),
        lambda: Sample("opsguard_x", "h", 1.0, (("Bad-Label", "y"),)),
    ],
)
def test_a_sample_that_breaks_the_conventions_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        bad()


def test_by_label_exports_every_known_value_and_only_those() -> None:
    items = by_label("opsguard_x", "h", "code", ["a", "b"], {"b": 2, "zzz": 9})
    assert [(i.labels, i.value) for i in items] == [
        ((("code", "a"),), 0.0),
        ((("code", "b"),), 2.0),
    ]


label_text = st.text(st.characters(codec="utf-8"), max_size=30)


@given(st.dictionaries(label_text, st.floats(allow_nan=False), max_size=8))
def test_any_label_value_and_float_round_trips(values: Mapping[str, float]) -> None:
    items = [sample("opsguard_x", "help\\ with \n odd text", v, check=k) for k, v in values.items()]
    metrics = parse(render(items)) if items else {}
    assert metrics.get("opsguard_x", {}) == {(("check", k),): v for k, v in values.items()}
