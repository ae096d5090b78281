"""What a crash or a lost day leaves behind is seen: `missing-day`, `orphan-temp`, `opsguard sweep`.

A daily pipeline (`integrity.expect = "daily"`) must have a record for every
day of the window from its first record on; each day without one is a failed
record. A writer killed mid-write leaves `.NAME.<hex>.tmp` beside the records:
a warning while young (a write may be in progress), a failure once older than
`integrity.orphan_temp_hours`. `opsguard sweep` lists such files, and with
`--apply` moves them into the quarantine, never deleting one.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from support import run_nox, run_opsguard

from opsguard import load_config
from opsguard.core.result import CheckResult
from opsguard.integrity.check import check_integrity

AS_OF = date(2025, 8, 20)
NOW = datetime(2025, 8, 20, 12, 0, tzinfo=UTC)
TEMP = ".2025-08-19.json.0123456789ab.tmp"


def _write_days(folder: Path, days: list[int]) -> None:
    folder.mkdir(exist_ok=True)
    for day in days:
        record = {"date": f"2025-08-{day:02d}", "schema_version": "1", "score": 50, "band": "fair"}
        (folder / f"2025-08-{day:02d}.json").write_bytes(orjson.dumps(record))


def _check(tmp_path: Path, **overrides: Any) -> CheckResult:
    config = load_config(cwd=tmp_path, environ={}, overrides=overrides)
    return check_integrity([tmp_path / "records"], config, as_of=AS_OF, cwd=tmp_path, now=NOW)


def _summary(result: CheckResult) -> dict[str, Any]:
    return dict(orjson.loads(result.to_json())["summary"])


# --- missing-day ----------------------------------------------------------------------------


def test_each_day_without_a_record_is_a_failed_record(tmp_path: Path) -> None:
    _write_days(tmp_path / "records", [d for d in range(7, 21) if d not in (10, 15, 16)])
    result = _check(tmp_path, **{"integrity.expect": "daily"})
    assert result.status == "fail"
    summary = _summary(result)
    assert summary["missing_days"] == 3
    assert summary["counts"] == {"missing-day": 3}
    assert (summary["failed_records"], summary["records_in_window"]) == (3, 14)
    messages = [f.message for f in result.findings if f.code == "missing-day"]
    assert messages == [
        "no record for 2025-08-10 (integrity.expect = daily; each day counts as a failed record)",
        "no record for 2 days, 2025-08-15..2025-08-16 (integrity.expect = daily; each day "
        "counts as a failed record)",
    ]


def test_without_the_setting_a_missing_day_passes(tmp_path: Path) -> None:
    _write_days(tmp_path / "records", [d for d in range(7, 21) if d != 10])
    result = _check(tmp_path)
    assert result.status == "pass"
    assert _summary(result)["missing_days"] == 0


def test_days_before_the_first_record_are_not_missing(tmp_path: Path) -> None:
    """A pipeline that began on the 17th is not missing the ten days of the window before."""
    _write_days(tmp_path / "records", [17, 18, 19, 20])
    result = _check(tmp_path, **{"integrity.expect": "daily"})
    assert result.status == "pass"
    assert _summary(result)["missing_days"] == 0


def test_a_day_whose_only_record_is_quarantined_is_missing(tmp_path: Path) -> None:
    """The crash case: the day's torn file went to the quarantine, and the day is gone."""
    _write_days(tmp_path / "records", list(range(7, 21)))
    config = load_config(cwd=tmp_path, environ={}, overrides={"integrity.expect": "daily"})
    quarantine = Path(config.paths.quarantine)
    quarantine.mkdir(parents=True)
    (tmp_path / "records" / "2025-08-12.json").rename(quarantine / "2025-08-12.json")
    result = check_integrity([tmp_path / "records"], config, as_of=AS_OF, cwd=tmp_path, now=NOW)
    assert _summary(result)["counts"] == {"missing-day": 1}


def test_a_day_with_only_a_defective_record_is_a_failure_but_not_missing(tmp_path: Path) -> None:
    _write_days(tmp_path / "records", [d for d in range(7, 21) if d != 12])
    bad = {"date": "2025-08-12", "schema_version": "1", "score": 50, "band": "good"}
    (tmp_path / "records" / "2025-08-12.json").write_bytes(orjson.dumps(bad))
    summary = _summary(_check(tmp_path, **{"integrity.expect": "daily"}))
    assert summary["counts"] == {"band-mismatch": 1}


# --- orphan-temp ----------------------------------------------------------------------------


def _orphan(folder: Path, hours_old: float, name: str = TEMP) -> Path:
    path = folder / name
    path.write_bytes(b'{"date": "2025-08-19", "sco')
    stamp = NOW.timestamp() - hours_old * 3600
    os.utime(path, (stamp, stamp))
    return path


def test_a_young_temp_file_is_a_warning(tmp_path: Path) -> None:
    _write_days(tmp_path / "records", list(range(7, 21)))
    _orphan(tmp_path / "records", 0.25)
    result = _check(tmp_path)
    assert result.status == "pass"
    [finding] = result.findings
    assert (finding.code, finding.severity, finding.path) == (
        "orphan-temp",
        "warning",
        f"records/{TEMP}",
    )
    assert "a failure once 1.0 h old" in finding.message
    assert _summary(result)["orphan_temps"] == 1


def test_an_old_temp_file_fails_the_gate(tmp_path: Path) -> None:
    _write_days(tmp_path / "records", list(range(7, 21)))
    _orphan(tmp_path / "records", 3)
    _orphan(tmp_path / "records", 3, ".notes.txt")  # hidden, but not a writer's temp file
    result = _check(tmp_path)
    assert result.status == "fail"
    assert [(f.code, f.severity) for f in result.findings] == [("orphan-temp", "error")]
    assert _summary(result)["reasons"] == [
        "orphan-temp: 1 temp file(s) of writes that did not finish, older than 1 h "
        "(`opsguard sweep` moves them)"
    ]


def test_the_age_limit_is_a_setting(tmp_path: Path) -> None:
    _write_days(tmp_path / "records", list(range(7, 21)))
    _orphan(tmp_path / "records", 3)
    assert _check(tmp_path, **{"integrity.orphan_temp_hours": 6}).status == "pass"


# --- opsguard sweep -------------------------------------------------------------------------


def _project(tmp_path: Path) -> Path:
    (tmp_path / "opsguard.toml").write_text(
        '[paths]\nrecords = ["records"]\ntelemetry = ["telemetry"]\nquarantine = "quarantine"\n'
    )
    _write_days(tmp_path / "records", [19, 20])
    (tmp_path / "telemetry").mkdir()
    return tmp_path


def _age(path: Path, hours: float) -> None:
    stamp = datetime.now(UTC).timestamp() - hours * 3600
    os.utime(path, (stamp, stamp))


def test_sweep_lists_first_and_moves_only_with_apply(tmp_path: Path) -> None:
    project = _project(tmp_path)
    old = project / "records" / TEMP
    old.write_bytes(b"the only copy")
    _age(old, 5)
    young = project / "records" / ".2025-08-20.json.aaaaaaaaaaaa.tmp"
    young.write_bytes(b"in progress")

    dry = run_opsguard(["sweep"], project)
    assert dry.returncode == 0, dry.stderr
    assert f"would move records/{TEMP} (5.0 h old, 13 bytes)" in dry.stdout
    assert "young" not in dry.stdout and young.name not in dry.stdout
    assert old.exists()

    applied = run_opsguard(["sweep", "--apply"], project)
    assert applied.returncode == 0, applied.stderr
    assert "moved 1 temp file(s) to quarantine/orphans" in applied.stdout
    assert not old.exists() and young.exists()
    [stored] = list((project / "quarantine").rglob(TEMP))
    assert stored.read_bytes() == b"the only copy"
    assert (stored.parent / (TEMP + ".why.json")).exists()


def test_sweep_older_than_and_a_missing_path(tmp_path: Path) -> None:
    project = _project(tmp_path)
    old = project / "records" / TEMP
    old.write_bytes(b"x")
    _age(old, 5)
    assert "0 temp file(s)" in run_opsguard(["sweep", "--older-than", "6"], project).stdout
    missing = run_opsguard(["sweep", "nowhere"], project)
    assert missing.returncode == 2
    assert missing.stderr.strip().endswith("not a directory: nowhere")


def test_the_sweep_session_is_not_in_a_plain_run(tmp_path: Path) -> None:
    noxfile = tmp_path / "noxfile.py"
    noxfile.write_text("import opsguard.sessions  # noqa: F401\n")
    listed = run_nox(noxfile, ["--list"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    sweep = next(line for line in listed.stdout.splitlines() if " sweep" in line)
    assert sweep.lstrip().startswith("-")  # nox marks sessions a plain run skips with "-"


@pytest.mark.parametrize("apply", [False, True])
def test_the_sweep_session_runs_the_command(tmp_path: Path, apply: bool) -> None:
    project = _project(tmp_path)
    old = project / "records" / TEMP
    old.write_bytes(b"x")
    _age(old, 5)
    noxfile = project / "noxfile.py"
    noxfile.write_text("import opsguard.sessions  # noqa: F401\n")
    ran = run_nox(noxfile, ["-s", "sweep", *(["--", "--apply"] if apply else [])], project)
    assert ran.returncode == 0, ran.stderr
    assert old.exists() is not apply
