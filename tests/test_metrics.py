"""Delivering the metrics: the textfile of a run, carried last successes, the auto-run.

Real `opsguard` processes in a project made from the sample fixtures, as an
operator runs them from cron; the file is read back with prometheus_client's
parser and, where the Debian `prometheus` package is installed (`.ci/run`
installs it), checked with `promtool check metrics`.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families
from support import SAMPLE_PATHS, run_opsguard, sample_project

from opsguard.catalog import load_config
from opsguard.core import atomic
from opsguard.core.errors import OpsguardError
from opsguard.core.metrics import Sample
from opsguard.core.result import CheckResult
from opsguard.deliver import autorun
from opsguard.deliver.metrics import (
    deliver_metrics,
    read_previous,
    result_times,
    run_samples,
    write_textfile,
)
from opsguard.metrics import FAILURES_COMMENT, track_autorun

Series = dict[str, dict[tuple[tuple[str, str], ...], float]]
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not installed (Debian package `prometheus`; .ci/run installs it)",
)
# Every family the issue asks for (and the ones opsguard adds beside them).
FAMILIES = {
    "opsguard_build_info",
    "opsguard_check_passed",
    "opsguard_check_status",
    "opsguard_check_last_run_timestamp_seconds",
    "opsguard_check_last_success_timestamp_seconds",
    "opsguard_check_duration_seconds",
    "opsguard_integrity_failure_ratio",
    "opsguard_integrity_threshold_ratio",
    "opsguard_integrity_window_records",
    "opsguard_integrity_window_failed_records",
    "opsguard_integrity_findings",
    "opsguard_integrity_band_mismatches",
    "opsguard_privacy_violations",
    "opsguard_privacy_findings",
    "opsguard_privacy_scanned_files",
    "opsguard_privacy_scanned_lines",
    "opsguard_retention_candidate_files",
    "opsguard_retention_candidate_bytes",
    "opsguard_retention_deleted_files",
    "opsguard_retention_deleted_bytes",
    "opsguard_retention_oldest_kept_file_age_seconds",
    "opsguard_retention_oldest_kept_file_timestamp_seconds",
    "opsguard_retention_max_age_seconds",
    "opsguard_fault_trials",
    "opsguard_fault_corrupt_trials",
    "opsguard_autorun_last_success_timestamp_seconds",
    "opsguard_autorun_last_run_timestamp_seconds",
    "opsguard_autorun_last_duration_seconds",
    "opsguard_autorun_records_written",
    "opsguard_autorun_failures",
}


def parse(text: str) -> Series:
    out: Series = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "gauge" and family.name not in out
        out[family.name] = {}
        for item in family.samples:
            assert item.timestamp is None
            out[family.name][tuple(sorted(item.labels.items()))] = item.value
    return out


def read(path: Path) -> Series:
    return parse(path.read_text(encoding="utf-8"))


def promtool_check(path: Path) -> None:
    assert PROMTOOL is not None
    with path.open("rb") as fh:
        proc = subprocess.run(
            [PROMTOOL, "check", "metrics"], stdin=fh, capture_output=True, timeout=60, check=False
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def one(series: Series, name: str, **labels: str) -> float:
    return series[name][tuple(sorted(labels.items()))]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A project with the clean sample records and telemetry, and its opsguard.toml."""
    return sample_project(tmp_path)


# --- opsguard run --textfile on the sample --------------------------------------------------


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`opsguard run --textfile out/opsguard.prom` in the repository (results elsewhere)."""
    repo = Path(__file__).resolve().parent.parent
    out = tmp_path_factory.mktemp("metrics")
    textfile = out / "out" / "opsguard.prom"
    proc = run_opsguard(
        [
            "run",
            "--results-dir",
            str(out / "results"),
            "--set",
            "fault.trials=3",
            "--textfile",
            str(textfile),
        ],
        repo,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return textfile, proc.stdout


def test_run_writes_every_family_on_the_sample(sample_run: tuple[Path, str]) -> None:
    textfile, stdout = sample_run
    metrics = read(textfile)

    assert set(metrics) == FAMILIES
    assert stdout.rstrip("\n").splitlines()[-1] == (
        f"opsguard run: wrote {sum(map(len, metrics.values()))} series to {textfile}"
    )
    checks = ("integrity", "privacy-self-test", "privacy", "retention", "atomic-write-fault")
    for check in checks:
        assert one(metrics, "opsguard_check_passed", check=check) == 1.0
        assert one(metrics, "opsguard_check_status", check=check, status="pass") == 1.0
        written = (textfile.parent.parent / "results" / f"{check}.json").stat().st_mtime
        assert one(metrics, "opsguard_check_last_run_timestamp_seconds", check=check) == written
        assert one(metrics, "opsguard_check_last_success_timestamp_seconds", check=check) == written
    assert one(metrics, "opsguard_fault_trials") == 3.0
    # The sample's telemetry: 60 successful auto-runs, the last on 2025-08-14 06:00:53Z.
    newest = one(metrics, "opsguard_autorun_last_run_timestamp_seconds", source="telemetry")
    assert newest == one(
        metrics, "opsguard_autorun_last_success_timestamp_seconds", source="telemetry"
    )
    assert newest == autorun.event_time("2025-08-14T06:00:53Z")
    assert one(metrics, "opsguard_autorun_failures", source="telemetry") == 0.0
    assert one(metrics, "opsguard_autorun_records_written", source="telemetry") == 1.0
    assert 0 < one(metrics, "opsguard_autorun_last_duration_seconds", source="telemetry") < 10


@needs_promtool
def test_promtool_accepts_the_sample_textfile(sample_run: tuple[Path, str]) -> None:
    promtool_check(sample_run[0])


def test_the_textfile_is_the_exposition_metrics_prints(work: Path) -> None:
    assert run_opsguard(["run", "--checks", "integrity"], work).returncode == 0
    printed = run_opsguard(["metrics"], work)
    written = run_opsguard(["metrics", "--textfile", "m.prom"], work)

    assert printed.returncode == written.returncode == 0, printed.stderr + written.stderr
    assert parse(printed.stdout) == read(work / "m.prom")
    assert written.stdout.startswith("opsguard metrics: wrote ")


# --- last success survives a failing run --------------------------------------------------------


def test_the_last_success_survives_a_failing_run(work: Path, repo: Path) -> None:
    textfile = work / "textfile" / "opsguard.prom"
    assert run_opsguard(["integrity"], work).returncode == 0
    assert run_opsguard(["metrics", "--textfile", str(textfile)], work).returncode == 0
    passed = read(textfile)
    success = one(passed, "opsguard_check_last_success_timestamp_seconds", check="integrity")

    # A defect inside the window: the check fails, later.
    shutil.copy(repo / "fixtures" / "defects" / "band-mismatch.json", work / "records")
    proc = run_opsguard(["integrity", "--window-days", "60"], work)
    assert proc.returncode == 1
    assert run_opsguard(["metrics", "--textfile", str(textfile)], work).returncode == 0
    failed = read(textfile)

    assert one(failed, "opsguard_check_passed", check="integrity") == 0.0
    assert one(failed, "opsguard_check_status", check="integrity", status="fail") == 1.0
    assert one(failed, "opsguard_integrity_band_mismatches") == 1.0
    assert one(failed, "opsguard_check_last_success_timestamp_seconds", check="integrity") == (
        success
    )
    last_run = one(failed, "opsguard_check_last_run_timestamp_seconds", check="integrity")
    assert last_run == (work / ".opsguard" / "results" / "integrity.json").stat().st_mtime


def test_a_check_not_in_this_run_keeps_only_its_last_success(tmp_path: Path) -> None:
    textfile = tmp_path / "o.prom"
    write_textfile(
        textfile,
        run_samples(
            [CheckResult("privacy", "pass", {})], {"privacy": 5.0}, None, autorun.AutorunConfig()
        ),
    )
    write_textfile(
        textfile,
        run_samples(
            [CheckResult("retention", "fail", {})],
            {"retention": 9.0},
            None,
            autorun.AutorunConfig(),
        ),
    )
    metrics = read(textfile)

    assert metrics["opsguard_check_last_success_timestamp_seconds"] == {
        (("check", "privacy"),): 5.0
    }
    assert set(metrics["opsguard_check_passed"]) == {(("check", "retention"),)}


def test_a_last_success_never_moves_backwards(tmp_path: Path) -> None:
    textfile = tmp_path / "o.prom"
    for moment in (100.0, 50.0):
        samples = run_samples(
            [CheckResult("privacy", "pass", {})], {"privacy": moment}, None, autorun.AutorunConfig()
        )
        write_textfile(textfile, samples)
    metrics = read(textfile)
    assert one(metrics, "opsguard_check_last_success_timestamp_seconds", check="privacy") == 100.0
    assert one(metrics, "opsguard_check_last_run_timestamp_seconds", check="privacy") == 50.0


def test_an_odd_check_name_is_carried_under_the_same_label(tmp_path: Path) -> None:
    textfile = tmp_path / "o.prom"
    odd = 'new\\check\n"x"'
    config = autorun.AutorunConfig()
    write_textfile(textfile, run_samples([CheckResult(odd, "pass", {})], {odd: 5.0}, None, config))
    write_textfile(textfile, run_samples([CheckResult(odd, "fail", {})], {odd: 9.0}, None, config))

    assert read(textfile)["opsguard_check_last_success_timestamp_seconds"] == {
        (("check", 'new\\\\check\\x0a"x"'),): 5.0
    }


def test_a_previous_file_that_does_not_parse_is_replaced_with_a_warning(work: Path) -> None:
    assert run_opsguard(["run", "--checks", "integrity"], work).returncode == 0
    (work / "m.prom").write_text("this is { not prometheus\n", encoding="utf-8")

    proc = run_opsguard(["metrics", "--textfile", "m.prom"], work)

    assert proc.returncode == 0
    assert proc.stderr == (
        "opsguard metrics: warning: the previous file is not in the Prometheus text format; "
        "last-success times start over\n"
    )
    assert "opsguard_check_passed" in read(work / "m.prom")


# --- errors are shown ------------------------------------------------------------------------


def test_a_run_with_an_error_check_shows_it(work: Path) -> None:
    proc = run_opsguard(
        [
            "run",
            "--checks",
            "integrity,privacy",
            "--set",
            "paths.records=missing",
            "--textfile",
            "m.prom",
        ],
        work,
    )

    assert proc.returncode == 2
    metrics = read(work / "m.prom")
    assert one(metrics, "opsguard_check_status", check="integrity", status="error") == 1.0
    assert one(metrics, "opsguard_check_status", check="integrity", status="pass") == 0.0
    assert one(metrics, "opsguard_check_passed", check="integrity") == 0.0
    assert ("check", "integrity") not in {
        k[0] for k in metrics["opsguard_check_last_success_timestamp_seconds"]
    }
    assert "opsguard_integrity_failure_ratio" not in metrics  # no figures from a blind check
    assert one(metrics, "opsguard_check_passed", check="privacy") == 1.0


def test_a_configured_check_without_a_result_is_an_error(work: Path) -> None:
    assert run_opsguard(["run", "--checks", "integrity"], work).returncode == 0
    (work / "opsguard.toml").write_text(
        'checks = ["integrity", "retention"]\n' + SAMPLE_PATHS, encoding="utf-8"
    )

    proc = run_opsguard(["metrics"], work)

    assert proc.returncode == 0, proc.stderr
    metrics = parse(proc.stdout)
    assert one(metrics, "opsguard_check_status", check="retention", status="error") == 1.0


def test_no_results_is_exit_2_in_one_line(tmp_path: Path) -> None:
    proc = run_opsguard(["metrics", "--textfile", "m.prom"], tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("opsguard: error: results directory not found")
    assert proc.stderr.count("\n") == 1
    assert not (tmp_path / "m.prom").exists()


def test_run_with_a_textfile_it_cannot_write_is_exit_2_after_the_checks(work: Path) -> None:
    (work / "blocker").write_text("a file, not a directory", encoding="utf-8")

    proc = run_opsguard(["run", "--checks", "integrity", "--textfile", "blocker/m.prom"], work)

    assert proc.returncode == 2
    assert proc.stderr.startswith("opsguard run: error: metrics not written: cannot ")
    assert proc.stderr.count("\n") == 1
    assert "PASS (1 checks)" in proc.stdout  # the checks ran and their results stand


def test_a_textfile_that_is_a_fifo_is_refused_without_hanging(work: Path) -> None:
    assert run_opsguard(["run", "--checks", "integrity"], work).returncode == 0
    os.mkfifo(work / "m.prom")

    proc = run_opsguard(["metrics", "--textfile", "m.prom"], work, timeout=30)

    assert proc.returncode == 2
    assert proc.stderr == "opsguard: error: not a regular file: m.prom\n"
    assert stat.S_ISFIFO((work / "m.prom").stat().st_mode)


# --- the file is replaced atomically and durably --------------------------------------------------


def _samples(check: str = "privacy", status: str = "pass") -> list[Sample]:
    result = CheckResult(check, status, {})  # type: ignore[arg-type]
    return run_samples([result], {check: 1.0}, None, autorun.AutorunConfig())


def test_the_file_is_replaced_by_a_durable_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    textfile = tmp_path / "o.prom"
    textfile.write_text("# old\n", encoding="utf-8")
    inode = textfile.stat().st_ino
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append("fsync")
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append(f"replace {Path(src).name} -> {Path(dst).name}")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_textfile(textfile, _samples())

    assert textfile.stat().st_ino != inode  # a new file took the name: never rewritten in place
    temp = calls[1].split()[1]
    assert calls == ["fsync", f"replace {temp} -> o.prom", "fsync"]
    # The temp is hidden and not *.prom: the textfile collector never reads a half file.
    assert temp.startswith(".o.prom.") and not temp.endswith(".prom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.prom"]


def test_a_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    textfile = tmp_path / "o.prom"
    write_textfile(textfile, _samples())
    before = textfile.read_bytes()

    def full(fd: int, payload: bytes, durable: bool) -> None:
        os.write(fd, payload[:10])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "_write_all", full)
    with pytest.raises(OpsguardError, match="No space left on device"):
        write_textfile(textfile, _samples("retention", "fail"))

    assert textfile.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.prom"]


def test_result_times_are_the_result_files_mtimes(tmp_path: Path) -> None:
    (tmp_path / "privacy.json").write_text("{}", encoding="utf-8")
    os.utime(tmp_path / "privacy.json", (1234.5, 1234.5))
    results = [CheckResult("privacy", "pass", {}), CheckResult("retention", "error", {})]

    times = result_times(tmp_path, results, missing=["retention"], now=99.0)

    assert times == {"privacy": 1234.5, "retention": 99.0}


# --- the auto-run from telemetry -----------------------------------------------------------------


def _events(directory: Path, *lines: object, name: str = "t.jsonl") -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def _run(ts: str, status: str = "ok", **extra: object) -> dict[str, object]:
    return {"ts": ts, "event": "auto_run", "status": status, **extra}


def test_autorun_figures_from_events(tmp_path: Path) -> None:
    _events(
        tmp_path / "t",
        _run("2025-08-01T06:00:00Z", duration_ms=1000, records_written=1),
        _run("2025-08-02T06:00:00Z", "error", duration_ms=500, records_written=0),
        _run("2025-07-01T06:00:00Z", "error"),  # a failure outside the 14-day window
        {"event": "fetch", "status": "error", "ts": "2025-08-03T06:00:00Z"},  # another event
        _run("2025-08-03T06:00:00+02:00", "failed", duration_ms=2500, records_written=0),
        "not json at all, auto_run",
    )
    config = autorun.AutorunConfig()
    found = autorun.read_events([tmp_path / "t"], config)
    figures = autorun.figures(found.events, config.window_s)

    assert found.invalid == 0 and len(found.events) == 4
    assert figures == autorun.AutorunFigures(
        last_run=autorun.event_time("2025-08-03T04:00:00Z") or 0,
        last_success=autorun.event_time("2025-08-01T06:00:00Z"),
        last_duration_s=2.5,
        last_records=0,
        failures=2,
    )


def test_autorun_events_with_no_usable_time_or_status_are_counted_never_echoed(
    work: Path,
) -> None:
    marker = "hunter2-do-not-print"
    _events(
        work / "telemetry",
        _run("2025-08-01T06:00:00"),  # no zone: refused, never guessed
        _run(marker),
        {"ts": "2025-08-01T06:00:00Z", "event": "auto_run", "status": {"x": marker}},
        name="bad.jsonl",
    )
    assert run_opsguard(["run", "--checks", "integrity"], work).returncode == 0

    proc = run_opsguard(["metrics", "--textfile", "m.prom"], work)

    assert proc.returncode == 0
    assert proc.stderr == (
        "opsguard metrics: warning: 3 auto-run event(s) without a usable ts or status were "
        "left out\n"
    )
    assert marker not in proc.stdout + (work / "m.prom").read_text(encoding="utf-8")


def test_autorun_fields_are_settings(work: Path) -> None:
    _events(
        work / "other",
        {"kind": "nightly", "at": 1_700_000_000, "outcome": "success", "took_s": 3, "n": 2},
        {"kind": "nightly", "at": 1_700_086_400, "outcome": "boom", "took_s": 4, "n": 0},
    )
    (work / "opsguard.toml").write_text(
        SAMPLE_PATHS + '[autorun]\nevent = "nightly"\nevent_field = "kind"\ntime_field = "at"\n'
        'status_field = "outcome"\nok_statuses = ["success"]\nduration_field = "took_s"\n'
        'duration_unit = "s"\nrecords_field = "n"\n',
        encoding="utf-8",
    )
    assert run_opsguard(["run", "--checks", "integrity"], work).returncode == 0

    proc = run_opsguard(["metrics", "--telemetry", "other"], work)

    metrics = parse(proc.stdout)
    assert one(metrics, "opsguard_autorun_last_success_timestamp_seconds", source="telemetry") == (
        1_700_000_000
    )
    assert one(metrics, "opsguard_autorun_last_run_timestamp_seconds", source="telemetry") == (
        1_700_086_400
    )
    assert one(metrics, "opsguard_autorun_last_duration_seconds", source="telemetry") == 4.0
    assert one(metrics, "opsguard_autorun_failures", source="telemetry") == 1.0


def test_the_failure_window_follows_the_integrity_window(work: Path) -> None:
    _events(
        work / "t2",
        _run("2025-08-20T06:00:00Z"),
        _run("2025-08-15T06:00:00Z", "error"),
        _run("2025-08-01T06:00:00Z", "error"),
    )
    config = load_config(cwd=work, environ={}, overrides={"integrity.window_days": 3})
    results = [CheckResult("integrity", "pass", {})]
    narrow = deliver_metrics(results, config, telemetry=[work / "t2"])
    config = load_config(cwd=work, environ={}, overrides={"integrity.window_days": 30})
    wide = deliver_metrics(results, config, telemetry=[work / "t2"])

    assert one(parse(narrow.text), "opsguard_autorun_failures", source="telemetry") == 0.0
    assert one(parse(wide.text), "opsguard_autorun_failures", source="telemetry") == 2.0


def test_no_autorun_event_means_no_autorun_family_but_the_last_success_is_kept(
    work: Path,
) -> None:
    assert (
        run_opsguard(["run", "--checks", "integrity", "--textfile", "m.prom"], work).returncode == 0
    )
    kept = one(
        read(work / "m.prom"), "opsguard_autorun_last_success_timestamp_seconds", source="telemetry"
    )
    empty = work / "empty"
    empty.mkdir()

    assert (
        run_opsguard(["metrics", "--telemetry", "empty", "--textfile", "m.prom"], work).returncode
        == 0
    )

    metrics = read(work / "m.prom")
    assert (
        one(metrics, "opsguard_autorun_last_success_timestamp_seconds", source="telemetry") == kept
    )
    assert "opsguard_autorun_failures" not in metrics


def test_a_fifo_in_the_telemetry_is_never_opened(work: Path) -> None:
    os.mkfifo(work / "telemetry" / "pipe.jsonl")
    assert run_opsguard(["run", "--checks", "integrity"], work).returncode == 0

    proc = run_opsguard(["metrics"], work, timeout=30)

    assert proc.returncode == 0
    assert (
        proc.stderr
        == "opsguard metrics: warning: telemetry not read: "
        + str(work / "telemetry" / "pipe.jsonl")
        + " (FIFO)\n"
    )


def test_a_missing_telemetry_path_is_exit_2(work: Path) -> None:
    assert run_opsguard(["run", "--checks", "integrity"], work).returncode == 0
    proc = run_opsguard(["metrics", "--telemetry", "nowhere"], work)
    assert proc.returncode == 2
    assert proc.stderr == "opsguard: error: path not found: nowhere\n"


@given(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.lists(st.integers())
    )
)
def test_event_time_never_raises(value: object) -> None:
    moment = autorun.event_time(value)
    assert moment is None or moment >= 0


@given(st.lists(st.binary(max_size=80), max_size=10))
def test_reading_any_bytes_never_raises(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes]
) -> None:
    directory = tmp_path_factory.mktemp("fuzz")
    (directory / "x.jsonl").write_bytes(
        b"\n".join(b'{"event":"auto_run",' + line for line in lines)
    )
    (directory / "y.json").write_bytes(b"".join(lines))
    found = autorun.read_events([directory], autorun.AutorunConfig())
    assert found.files == 2


# --- track_autorun -------------------------------------------------------------------------------


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now
        self.mono = 1000.0

    def wall(self) -> float:
        return self.now

    def timer(self) -> float:
        return self.mono


@pytest.fixture
def clock() -> Clock:
    return Clock(1_755_000_000.0)


def _tracked(
    textfile: Path, clock: Clock, *, ok: bool, took: float = 2.0, records: int = 1, **kwargs: int
) -> None:
    with track_autorun(textfile, clock=clock.wall, timer=clock.timer, **kwargs) as run:
        clock.mono += took
        run.records_written = records
        if not ok:
            raise RuntimeError("the data API said no")


def test_track_autorun_writes_the_autorun_families_on_success(tmp_path: Path, clock: Clock) -> None:
    textfile = tmp_path / "pipeline-autorun.prom"
    _tracked(textfile, clock, ok=True, took=1.834, records=1)

    metrics = read(textfile)
    assert metrics == {
        "opsguard_autorun_last_success_timestamp_seconds": {(("source", "tracker"),): clock.now},
        "opsguard_autorun_last_run_timestamp_seconds": {(("source", "tracker"),): clock.now},
        "opsguard_autorun_failures": {(("source", "tracker"),): 0.0},
        "opsguard_autorun_last_duration_seconds": {(("source", "tracker"),): pytest.approx(1.834)},
        "opsguard_autorun_records_written": {(("source", "tracker"),): 1.0},
    }


def test_track_autorun_keeps_the_last_success_over_a_failure(tmp_path: Path, clock: Clock) -> None:
    textfile = tmp_path / "a.prom"
    _tracked(textfile, clock, ok=True)
    success = clock.now
    clock.now += 86_400
    with pytest.raises(RuntimeError, match="the data API said no"):  # never swallowed
        _tracked(textfile, clock, ok=False, records=0)

    metrics = read(textfile)
    assert one(metrics, "opsguard_autorun_last_success_timestamp_seconds", source="tracker") == (
        success
    )
    assert one(metrics, "opsguard_autorun_last_run_timestamp_seconds", source="tracker") == (
        clock.now
    )
    assert one(metrics, "opsguard_autorun_failures", source="tracker") == 1.0
    assert one(metrics, "opsguard_autorun_records_written", source="tracker") == 0.0


def test_track_autorun_counts_failures_over_its_window(tmp_path: Path, clock: Clock) -> None:
    textfile = tmp_path / "a.prom"
    for _ in range(3):
        with pytest.raises(RuntimeError):
            _tracked(textfile, clock, ok=False, window_days=3)
        clock.now += 86_400
    _tracked(textfile, clock, ok=True, window_days=3)

    metrics = read(textfile)
    # Failures on days 0, 1, 2; the success on day 3 counts days 1 and 2 in its 3-day window
    # (day 0 is exactly 3 days old: out, as a file exactly `days` old is kept by retention).
    assert one(metrics, "opsguard_autorun_failures", source="tracker") == 2.0
    state = [
        line for line in textfile.read_text().splitlines() if line.startswith(FAILURES_COMMENT)
    ]
    assert len(state) == 1 and len(state[0].split(":")[1].split()) == 2
    assert one(metrics, "opsguard_autorun_last_success_timestamp_seconds", source="tracker") == (
        clock.now
    )


def test_track_autorun_as_a_decorator(tmp_path: Path, clock: Clock) -> None:
    textfile = tmp_path / "a.prom"

    @track_autorun(textfile, clock=clock.wall, timer=clock.timer)
    def nightly(days: int) -> int:
        clock.mono += 3.0
        return days * 2

    assert nightly(2) == 4
    assert nightly.__name__ == "nightly"
    metrics = read(textfile)
    assert one(metrics, "opsguard_autorun_records_written", source="tracker") == 4.0
    assert one(metrics, "opsguard_autorun_last_duration_seconds", source="tracker") == 3.0


def test_track_autorun_exit_0_is_a_success_and_exit_1_a_failure(
    tmp_path: Path, clock: Clock
) -> None:
    textfile = tmp_path / "a.prom"
    for code, failures in ((0, 0.0), (1, 1.0)):
        with pytest.raises(SystemExit), track_autorun(textfile, clock=clock.wall):
            raise SystemExit(code)
        assert one(read(textfile), "opsguard_autorun_failures", source="tracker") == failures


def test_track_autorun_never_masks_the_run_when_it_cannot_write(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    textfile = blocker / "a.prom"  # its directory is a file: nothing can be written there

    with pytest.raises(RuntimeError, match="the data API said no"):
        _tracked(textfile, clock, ok=False)
    _tracked(textfile, clock, ok=True)  # a success stays a success

    assert [r.levelname for r in caplog.records] == ["ERROR", "ERROR"]
    assert "auto-run metrics not written" in caplog.records[0].getMessage()


def test_track_autorun_ignores_a_records_count_that_is_not_one(
    tmp_path: Path, clock: Clock
) -> None:
    textfile = tmp_path / "a.prom"
    with track_autorun(textfile, clock=clock.wall) as run:
        run.records_written = None  # type: ignore[assignment]

    metrics = read(textfile)
    assert "opsguard_autorun_records_written" not in metrics
    assert one(metrics, "opsguard_autorun_failures", source="tracker") == 0.0


@needs_promtool
def test_promtool_accepts_the_tracker_file(tmp_path: Path, clock: Clock) -> None:
    textfile = tmp_path / "a.prom"
    with pytest.raises(RuntimeError):
        _tracked(textfile, clock, ok=False)
    promtool_check(textfile)


def test_the_tracker_and_opsguard_files_can_share_the_collector_directory(
    sample_run: tuple[Path, str], tmp_path: Path, clock: Clock
) -> None:
    tracker = tmp_path / "pipeline-autorun.prom"
    _tracked(tracker, clock, ok=True)
    ours = sample_run[0].read_text(encoding="utf-8")
    theirs = tracker.read_text(encoding="utf-8")

    # node_exporter merges the families of all files: no series may appear twice, and a
    # family's help must be the same in both (a conflict is logged as an error).
    helps: dict[str, str] = {}
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for text in (ours, theirs):
        for family in text_string_to_metric_families(text):
            assert helps.setdefault(family.name, family.documentation) == family.documentation
            for item in family.samples:
                key = (item.name, tuple(sorted(item.labels.items())))
                assert key not in seen, key
                seen.add(key)
    assert "opsguard_build_info" not in theirs


def test_read_previous_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert read_previous(tmp_path / "none.prom").series == {}


@pytest.fixture(autouse=True)
def _no_stray_files(tmp_path: Path) -> Iterator[None]:
    yield
    leftovers = list(tmp_path.rglob(".*.tmp"))
    assert leftovers == []
