"""A gate never passes on a check that did not run: stale, errored and missing checks.

Every scenario is run as a user runs it — real `opsguard` processes one after
another in one working directory, and `nox` over a consumer noxfile — and
judged by exit codes, printed verdicts and the result files left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import SAMPLE_PATHS, clean_env, load_json, run_nox, run_opsguard, sample_project


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A project with the clean sample records and telemetry, and its opsguard.toml."""
    return sample_project(tmp_path)


def _result(work: Path, check: str) -> dict[str, object]:
    return load_json(work / ".opsguard" / "results" / f"{check}.json")


def _gate(work: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = run_opsguard(["gate", *args], work, env)
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout


# --- the reported hole: a check that could not run left an older pass behind ---------------------


def test_a_check_that_could_not_run_replaces_its_earlier_pass(work: Path) -> None:
    assert run_opsguard(["integrity"], work).returncode == 0
    assert _gate(work) == (0, "opsguard gate: PASS (1 checks)\n")

    proc = run_opsguard(["integrity", "does/not/exist"], work)

    assert proc.returncode == 2
    result = _result(work, "integrity")
    assert result["status"] == "error"
    findings = result["findings"]
    assert isinstance(findings, list)
    assert [f["code"] for f in findings] == ["could-not-run"]
    assert "does/not/exist" in findings[0]["message"]
    # The result says exactly what the exit 2 said.
    assert proc.stderr == f"opsguard: error: {findings[0]['message']}\n"
    assert _gate(work) == (2, "opsguard gate: ERROR (could not run: integrity)\n")


def test_a_bad_configuration_is_an_error_result_too(work: Path) -> None:
    assert run_opsguard(["privacy"], work).returncode == 0

    proc = run_opsguard(["privacy", "--set", "privacy.mode=sometimes"], work)

    assert proc.returncode == 2
    assert _result(work, "privacy")["status"] == "error"
    code, out = _gate(work)
    assert code == 2
    assert "could not run: privacy" in out


def test_every_view_shows_an_errored_check(work: Path) -> None:
    run_opsguard(["integrity", "does/not/exist"], work)

    proc = run_opsguard(["report"], work)

    assert proc.returncode == 0, proc.stderr
    assert "integrity  ERROR could not run: path not found: does/not/exist" in proc.stdout
    comment = (work / ".opsguard" / "report.md").read_text(encoding="utf-8")
    assert "| ⚠️ | integrity | error | could not run: path not found" in comment
    summary = (work / ".opsguard" / "summary.md").read_text(encoding="utf-8")
    assert "| — | could-not-run | path not found: does/not/exist |" in summary
    sarif = json.loads((work / ".opsguard" / "report.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["could-not-run"]
    document = json.loads((work / ".opsguard" / "report.json").read_text(encoding="utf-8"))
    assert document["status"] == "error"


def test_a_check_killed_mid_run_leaves_did_not_finish(work: Path) -> None:
    (work / "slow_writer.py").write_text(
        "import time\n\n\ndef write(path, data):\n    time.sleep(30)\n", encoding="utf-8"
    )
    assert run_opsguard(["fault", "--trials", "20", "--seed", "1"], work).returncode == 0
    assert _result(work, "atomic-write-fault")["status"] == "pass"

    proc = subprocess.Popen(
        [sys.executable, "-m", "opsguard", "fault", "--writer", "slow_writer:write"],
        cwd=work,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _result(work, "atomic-write-fault")["status"] == "pass":
            assert time.monotonic() < deadline, "the provisional result never appeared"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    result = _result(work, "atomic-write-fault")
    assert result["status"] == "error"
    assert "did not finish" in json.dumps(result["findings"])
    assert _gate(work) == (2, "opsguard gate: ERROR (could not run: atomic-write-fault)\n")


# --- stale results: a result from an earlier run is never read as this run's ----------------------


def test_a_result_from_another_run_is_ignored(work: Path) -> None:
    assert run_opsguard(["privacy"], work, {"OPSGUARD_RUN_ID": "yesterday"}).returncode == 0
    assert run_opsguard(["integrity"], work, {"OPSGUARD_RUN_ID": "today"}).returncode == 0
    assert _result(work, "integrity")["run_id"] == "today"

    code, out = _gate(work, "--expect", "integrity,privacy", env={"OPSGUARD_RUN_ID": "today"})

    assert code == 2
    assert out == (
        "opsguard gate: ignored 1 result file(s) from other runs\n"
        "opsguard gate: ERROR (no result from this run: privacy)\n"
    )
    # Without an id, the gate judges the newest run in the directory: today's, without privacy.
    assert _gate(work) == (
        0,
        "opsguard gate: ignored 1 result file(s) from other runs\nopsguard gate: PASS (1 checks)\n",
    )


def test_a_stale_pass_does_not_hide_in_the_report(work: Path) -> None:
    run_opsguard(["privacy"], work, {"OPSGUARD_RUN_ID": "old"})
    run_opsguard(["integrity"], work, {"OPSGUARD_RUN_ID": "new"})

    proc = run_opsguard(
        ["report", "--expect", "integrity,privacy"], work, {"OPSGUARD_RUN_ID": "new"}
    )

    assert proc.returncode == 0
    assert proc.stderr == "opsguard report: ignored 1 result file(s) from other runs\n"
    comment = (work / ".opsguard" / "report.md").read_text(encoding="utf-8")
    assert "| ⚠️ | privacy | error | could not run: no result from this run" in comment
    assert '"checks":{"integrity":"pass","privacy":"error"}' in comment


def test_a_github_rerun_never_reads_the_failed_attempt(work: Path) -> None:
    (work / "records" / "2025-08-10.json").write_text('{"date": "2025-08-10"', encoding="utf-8")
    runner = {"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "777", "GITHUB_RUN_ATTEMPT": "1"}
    assert run_opsguard(["integrity"], work, runner).returncode == 1
    assert _result(work, "integrity")["run_id"] == "777-1"

    rerun = {**runner, "GITHUB_RUN_ATTEMPT": "2"}
    code, out = _gate(work, "--expect", "integrity", env=rerun)

    assert code == 2
    assert "no result from this run: integrity" in out
    assert "::error title=opsguard gate::ERROR" in out


# --- missing checks: an expected check with no result is exit 2 ----------------------------------


@pytest.mark.parametrize("how", ["flag", "config", "environment"])
def test_an_expected_check_without_a_result_is_exit_2(work: Path, how: str) -> None:
    assert run_opsguard(["integrity"], work).returncode == 0
    args: list[str] = []
    env: dict[str, str] = {}
    if how == "flag":
        args = ["--expect", "integrity", "--expect", "retention"]
    elif how == "config":
        with (work / "opsguard.toml").open("a", encoding="utf-8") as fh:
            fh.write('checks = ["integrity", "retention"]\n')
        # A top-level key after a table would belong to the table: rewrite the file.
        text = (
            (work / "opsguard.toml")
            .read_text(encoding="utf-8")
            .replace('checks = ["integrity", "retention"]\n', "")
        )
        (work / "opsguard.toml").write_text(
            'checks = ["integrity", "retention"]\n' + text, encoding="utf-8"
        )
    else:
        env = {"OPSGUARD_CHECKS": "integrity retention"}

    assert _gate(work, *args, env=env) == (
        2,
        "opsguard gate: ERROR (no result from this run: retention)\n",
    )


def test_the_privacy_guard_expects_its_canary_too(work: Path) -> None:
    assert run_opsguard(["privacy"], work).returncode == 0

    code, out = _gate(work, env={"OPSGUARD_CHECKS": "privacy"})

    assert code == 2
    assert "no result from this run: privacy-self-test" in out


def test_an_unknown_expected_check_is_a_usage_error(work: Path) -> None:
    run_opsguard(["integrity"], work)

    proc = run_opsguard(["gate", "--expect", "integrty"], work)

    assert proc.returncode == 2
    assert proc.stderr == (
        "opsguard: error: unknown check 'integrty' (did you mean 'integrity'?); choose from "
        "integrity, privacy, retention, atomic-write-fault\n"
    )


# --- opsguard run: every check in one process, one run ----------------------------------------


def test_run_executes_every_guard_under_one_run_id(work: Path) -> None:
    proc = run_opsguard(["run", "--checks", "integrity,privacy,retention"], work)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.rstrip("\n").splitlines()[-1]
    assert last.startswith("opsguard run local-") and last.endswith(": PASS (4 checks)")
    checks = ("integrity", "privacy-self-test", "privacy", "retention")
    run_ids = {_result(work, check)["run_id"] for check in checks}
    assert len(run_ids) == 1 and None not in run_ids
    assert _gate(work) == (0, "opsguard gate: PASS (4 checks)\n")


def test_run_keeps_going_past_a_check_that_cannot_run(work: Path) -> None:
    proc = run_opsguard(
        ["run", "--checks", "integrity,privacy", "--set", "paths.records=missing"], work
    )

    assert proc.returncode == 2
    assert proc.stderr.startswith("opsguard integrity: error: path not found")
    assert _result(work, "integrity")["status"] == "error"
    assert _result(work, "privacy")["status"] == "pass"
    assert proc.stdout.rstrip("\n").endswith(": ERROR (could not run: integrity)")


def test_run_with_a_broken_configuration_errors_every_selected_check(work: Path) -> None:
    (work / "opsguard.toml").write_text("[integrity]\nthreshold = 2\n", encoding="utf-8")

    proc = run_opsguard(["run", "--checks", "integrity,privacy"], work)

    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "threshold" in proc.stderr
    for check in ("integrity", "privacy-self-test", "privacy"):
        assert _result(work, check)["status"] == "error", check


def test_run_reports_a_violation_with_exit_1(work: Path, repo: Path) -> None:
    shutil.copy(repo / "fixtures" / "defects" / "band-mismatch.json", work / "records")

    proc = run_opsguard(["run", "--checks", "integrity", "--set", "integrity.window_days=60"], work)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.rstrip("\n").endswith(": FAIL (integrity)")


# --- through nox ---------------------------------------------------------------------------------


@pytest.fixture
def noxfile(tmp_path: Path) -> Path:
    project = tmp_path / "noxproject"
    project.mkdir()
    path = project / "noxfile.py"
    path.write_text("import opsguard.sessions  # noqa: F401\n", encoding="utf-8")
    return path


def test_nox_run_passes_and_shares_one_run_id(work: Path, noxfile: Path) -> None:
    proc = run_nox(noxfile, ["-s", "integrity", "privacy", "report", "gate"], work)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "opsguard gate: PASS (3 checks)" in proc.stdout + proc.stderr
    ids = {_result(work, c)["run_id"] for c in ("integrity", "privacy", "privacy-self-test")}
    assert len(ids) == 1 and None not in ids


def test_nox_gate_ignores_a_stale_result_from_an_earlier_nox_run(work: Path, noxfile: Path) -> None:
    assert run_nox(noxfile, ["-s", "privacy"], work).returncode == 0

    proc = run_nox(noxfile, ["-s", "integrity", "gate"], work)

    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "ignored 2 result file(s) from other runs" in output
    assert "opsguard gate: PASS (1 checks)" in output


def test_nox_gate_fails_on_an_errored_check(work: Path, noxfile: Path) -> None:
    (work / "opsguard.toml").write_text(
        SAMPLE_PATHS.replace('["records"]', '["gone"]'), encoding="utf-8"
    )

    proc = run_nox(noxfile, ["-s", "integrity", "report", "gate"], work)

    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "opsguard gate: ERROR (could not run: integrity)" in output
    assert "Session gate failed" in output


def test_nox_gate_fails_on_a_guard_that_wrote_no_result(work: Path, noxfile: Path) -> None:
    # The guard cannot write its result at all (its path is taken by a directory).
    (work / ".opsguard" / "results" / "integrity.json").mkdir(parents=True)

    proc = run_nox(noxfile, ["-s", "integrity", "privacy", "gate"], work)

    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "opsguard gate: ERROR (no result from this run: integrity)" in output


def test_a_run_that_wrote_nothing_is_still_reported_when_checks_are_expected(
    tmp_path: Path,
) -> None:
    env = {"OPSGUARD_CHECKS": "integrity"}
    proc = run_opsguard(["report"], tmp_path, env)

    assert proc.returncode == 0, proc.stderr
    comment = (tmp_path / ".opsguard" / "report.md").read_text(encoding="utf-8")
    assert "| ⚠️ | integrity | error | could not run: no result from this run" in comment
    assert _gate(tmp_path, env=env) == (
        2,
        "opsguard gate: ERROR (no result from this run: integrity)\n",
    )
    # With nothing expected there is nothing to judge: exit 2, one line.
    (tmp_path / "other").mkdir()
    proc = run_opsguard(["gate"], tmp_path / "other")
    assert proc.returncode == 2
    assert proc.stderr.startswith("opsguard: error: results directory not found")
