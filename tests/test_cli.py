"""The command line: exit codes, result files, terminal output, and no tracebacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support import load_json, run_opsguard

import opsguard
from opsguard.cli import main

FINDING_KEYS = {"code", "severity", "path", "line", "pointer", "message"}
SUMMARY_KEYS = {
    "records",
    "records_in_window",
    "failed_records",
    "failure_rate",
    "threshold",
    "window",
    "counts",
}


def _record(day: str = "2025-08-10", version: str = "1.0.0") -> dict[str, object]:
    return {"date": day, "schema_version": version, "score": 72.0, "band": "good"}


def _clean_records(directory: Path, n: int = 3) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(_record(f"2025-08-{10 + i:02d}")) for i in range(n)]
    (directory / "clean.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def _assert_one_line_error(stderr: str) -> None:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("opsguard")
    assert "error" in lines[0]


@pytest.fixture
def defects(repo: Path) -> Path:
    return repo / "fixtures" / "defects"


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- result files ------------------------------------------------------------------------------


def test_defects_exit_1_and_json_follows_the_contract(
    in_tmp: Path, defects: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["integrity", str(defects), "--json", "out.json"])

    assert code == 1
    data = load_json(in_tmp / "out.json")
    assert set(data) == {
        "schema",
        "check",
        "status",
        "run_id",
        "summary",
        "findings",
        "duration_s",
    }
    assert data["run_id"] is None  # a plain command line names no run
    assert data["schema"] == "opsguard.result/1"
    assert data["check"] == "integrity"
    assert data["status"] == "fail"
    assert set(data["summary"]) >= SUMMARY_KEYS
    assert data["summary"]["records"] == 30
    assert data["summary"]["failed_records"] == 12
    assert isinstance(data["duration_s"], int | float)
    assert data["findings"]
    for finding in data["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["severity"] in {"error", "warning"}
        assert finding["line"] is None or isinstance(finding["line"], int)
    assert capsys.readouterr().err == ""


def test_results_dir_file_is_written_too(in_tmp: Path, defects: Path) -> None:
    assert main(["integrity", str(defects), "--json", "out.json"]) == 1

    results_file = in_tmp / ".opsguard" / "results" / "integrity.json"
    assert results_file.is_file()
    assert results_file.read_bytes() == (in_tmp / "out.json").read_bytes()


def test_results_dir_flag_is_honoured(in_tmp: Path, defects: Path) -> None:
    assert main(["integrity", str(defects), "--results-dir", "custom/dir"]) == 1

    assert load_json(in_tmp / "custom" / "dir" / "integrity.json")["status"] == "fail"
    assert not (in_tmp / ".opsguard").exists()


def test_results_dir_is_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "opsguard.toml").write_text(
        '[paths]\nrecords = ["data"]\n[integrity]\nthreshold = 0.5\n', encoding="utf-8"
    )
    _clean_records(tmp_path / "data")
    work = tmp_path / "sub" / "dir"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)

    assert main(["integrity", "--as-of", "2025-08-14"]) == 0

    data = load_json(tmp_path / ".opsguard" / "results" / "integrity.json")
    assert data["summary"]["threshold"] == 0.5
    assert data["summary"]["records"] == 3
    assert not (work / ".opsguard").exists()


def test_clean_records_pass_with_exit_0(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _clean_records(in_tmp / "records")

    assert main(["integrity", "records", "--as-of", "2025-08-14"]) == 0

    assert "verdict: PASS" in capsys.readouterr().out


# --- exit 2: one line, no traceback ------------------------------------------------------------


def test_missing_path_exits_2_in_process(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["integrity", "no/such/path"]) == 2

    captured = capsys.readouterr()
    _assert_one_line_error(captured.err)
    assert "no/such/path" in captured.err
    assert captured.out == ""
    # The check could not run, and its result says so with the same line: never a stale pass.
    result = load_json(in_tmp / ".opsguard" / "results" / "integrity.json")
    assert result["status"] == "error"
    assert [(f["code"], f["severity"]) for f in result["findings"]] == [("could-not-run", "error")]
    assert captured.err == f"opsguard: error: {result['findings'][0]['message']}\n"


def test_bad_threshold_exits_2_in_process(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _clean_records(in_tmp / "records")

    # The flag's range is the setting's: refused as a usage error, before anything runs.
    with pytest.raises(SystemExit) as excinfo:
        main(["integrity", "records", "--threshold", "5"])

    assert excinfo.value.code == 2
    assert capsys.readouterr().err == (
        "opsguard integrity: error: argument --threshold: must be a fraction in (0, 1], "
        "got 5 (see --help)\n"
    )


def test_usage_error_in_process_is_system_exit_2(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["integrity", "--threshold", "abc"])

    assert excinfo.value.code == 2
    _assert_one_line_error(capsys.readouterr().err)


def _exit_2_case(name: str, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """Arguments and extra environment for one exit-2 scenario, set up in tmp_path."""
    _clean_records(tmp_path / "records")
    if name == "missing-path":
        return ["integrity", "no/such/path"], {}
    if name == "threshold-5":
        return ["integrity", "records", "--threshold", "5"], {}
    if name == "threshold-abc":
        return ["integrity", "records", "--threshold", "abc"], {}
    if name == "threshold-nan":
        return ["integrity", "records", "--threshold", "nan"], {}
    if name == "window-days-0":
        return ["integrity", "records", "--window-days", "0"], {}
    if name == "bad-as-of":
        return ["integrity", "records", "--as-of", "2025-13-01"], {}
    if name == "unknown-flag":
        return ["integrity", "records", "--no-such-flag"], {}
    if name == "unknown-command":
        return ["integrityy"], {}
    if name == "no-command":
        return [], {}
    if name == "bad-scope":
        return ["integrity", "records", "--duplicate-scope", "week"], {}
    if name == "csv-file":
        (tmp_path / "foo.csv").write_text("a,b\n", encoding="utf-8")
        return ["integrity", "foo.csv"], {}
    if name == "config-unknown-key":
        (tmp_path / "bad.toml").write_text("[integrity]\nthreshhold = 0.02\n", encoding="utf-8")
        return ["integrity", "records", "--config", "bad.toml"], {}
    if name == "config-invalid-toml":
        (tmp_path / "bad.toml").write_text("[integrity\n", encoding="utf-8")
        return ["integrity", "records", "--config", "bad.toml"], {}
    if name == "config-missing":
        return ["integrity", "records", "--config", "nope.toml"], {}
    if name == "unknown-env":
        return ["integrity", "records"], {"OPSGUARD_THRESHOLD": "0.5"}
    if name == "bad-env-value":
        return ["integrity", "records"], {"OPSGUARD_INTEGRITY_THRESHOLD": "lots"}
    if name == "json-parent-is-file":
        (tmp_path / "blocker").write_text("", encoding="utf-8")
        return ["integrity", "records", "--json", "blocker/out.json"], {}
    if name == "results-dir-is-file":
        (tmp_path / "blocker").write_text("", encoding="utf-8")
        return ["integrity", "records", "--results-dir", "blocker"], {}
    raise AssertionError(name)


EXIT_2_CASES = [
    "missing-path",
    "threshold-5",
    "threshold-abc",
    "threshold-nan",
    "window-days-0",
    "bad-as-of",
    "unknown-flag",
    "unknown-command",
    "no-command",
    "bad-scope",
    "csv-file",
    "config-unknown-key",
    "config-invalid-toml",
    "config-missing",
    "unknown-env",
    "bad-env-value",
    "json-parent-is-file",
    "results-dir-is-file",
]


@pytest.mark.parametrize("case", EXIT_2_CASES)
def test_exit_2_is_one_line_without_traceback(tmp_path: Path, case: str) -> None:
    args, env = _exit_2_case(case, tmp_path)

    proc = run_opsguard(args, tmp_path, env)

    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    _assert_one_line_error(proc.stderr)
    assert "Traceback" not in proc.stdout


def test_config_typo_names_the_closest_key(tmp_path: Path) -> None:
    args, env = _exit_2_case("config-unknown-key", tmp_path)

    proc = run_opsguard(args, tmp_path, env)

    assert "threshhold" in proc.stderr
    assert "'threshold'" in proc.stderr


def test_unknown_env_var_is_named(tmp_path: Path) -> None:
    args, env = _exit_2_case("unknown-env", tmp_path)

    proc = run_opsguard(args, tmp_path, env)

    assert "OPSGUARD_THRESHOLD" in proc.stderr


# --- bad input: findings, never a traceback ----------------------------------------------------


def _bad_input(name: str, records: Path) -> None:
    """Put one kind of bad input into the records directory (next to clean records)."""
    if name == "empty-file":
        (records / "x.json").write_bytes(b"")
    elif name == "non-utf8":
        (records / "x.json").write_bytes(b'{"date": "\xff\xfe", "score": 1}')
    elif name == "non-utf8-jsonl":
        (records / "x.jsonl").write_bytes(b'{"date": "\xc3\x28"}\n')
    elif name == "array-of-non-objects":
        (records / "x.json").write_text('[1, "two", null]', encoding="utf-8")
    elif name == "deeply-nested":
        (records / "x.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    elif name == "deeply-nested-jsonl":
        (records / "x.jsonl").write_text("{" * 100_000 + "\n", encoding="utf-8")
    elif name == "broken-symlink":
        (records / "gone.json").symlink_to(records / "missing-target.json")
    else:
        raise AssertionError(name)


BAD_INPUT_CODES = {
    "empty-file": "corrupt-json",
    "non-utf8": "corrupt-json",
    "non-utf8-jsonl": "corrupt-json",
    "array-of-non-objects": "wrong-type",
    "deeply-nested": "corrupt-json",
    "deeply-nested-jsonl": "corrupt-json",
    # A link whose target is gone cannot be read: the gate fails whatever the rate.
    "broken-symlink": "unreadable",
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT_CODES))
def test_bad_input_is_a_finding_not_a_traceback(tmp_path: Path, case: str) -> None:
    records = _clean_records(tmp_path / "records")
    _bad_input(case, records)

    proc = run_opsguard(
        ["integrity", "records", "--as-of", "2025-08-14", "--json", "out.json"], tmp_path
    )

    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr == ""
    data = load_json(tmp_path / "out.json")
    assert BAD_INPUT_CODES[case] in data["summary"]["counts"]
    assert "verdict: FAIL" in proc.stdout


def test_empty_directory_is_no_records(tmp_path: Path) -> None:
    (tmp_path / "records").mkdir()

    proc = run_opsguard(["integrity", "records", "--json", "out.json"], tmp_path)

    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    data = load_json(tmp_path / "out.json")
    assert [f["code"] for f in data["findings"]] == ["no-records"]
    assert data["summary"]["counts"] == {"no-records": 1}


def test_directory_named_like_a_record_file_is_walked(tmp_path: Path) -> None:
    _clean_records(tmp_path / "records" / "x.json")

    proc = run_opsguard(
        ["integrity", "records/x.json", "--as-of", "2025-08-14", "--json", "out.json"], tmp_path
    )

    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    data = load_json(tmp_path / "out.json")
    assert data["summary"]["files"] == 1
    assert data["summary"]["records"] == 3


def test_other_files_in_the_directory_are_skipped(tmp_path: Path) -> None:
    records = _clean_records(tmp_path / "records")
    (records / "notes.txt").write_text("not a record\n", encoding="utf-8")
    (records / "dump.csv").write_bytes(b"\xff\xfe garbage")

    proc = run_opsguard(
        ["integrity", "records", "--as-of", "2025-08-14", "--json", "out.json"], tmp_path
    )

    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    data = load_json(tmp_path / "out.json")
    assert data["summary"]["skipped_files"] == 2
    assert data["summary"]["files"] == 1


# --- terminal output ---------------------------------------------------------------------------


def test_defects_terminal_output(
    in_tmp: Path, defects: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["integrity", str(defects)]) == 1

    out = capsys.readouterr().out
    lines = out.splitlines()
    verdicts = [line for line in lines if line.startswith("verdict:")]
    assert len(verdicts) == 1
    assert verdicts[0].startswith("verdict: FAIL")
    assert lines[-1] == verdicts[0]
    assert any(line.split() == ["code", "count"] for line in lines)
    assert any(line.split() == ["wrong-type", "3"] for line in lines)
    assert any(line.split() == ["corrupt-json", "2"] for line in lines)
    assert "band-mismatch.json:1" in out
    assert "duplicate.json:1" in out
    assert "wrong-type.json:3" in out
    assert "not gated (warnings): band-mismatch 1" in out


def test_max_findings_truncates_with_a_count(
    in_tmp: Path, defects: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["integrity", str(defects), "--max-findings", "2", "--json", "out.json"]) == 1

    out = capsys.readouterr().out
    errors = [f for f in load_json(in_tmp / "out.json")["findings"] if f["severity"] == "error"]
    assert f"... and {len(errors) - 2} more" in out
    shown = [line for line in out.splitlines() if line.startswith(f"  {defects}/")]
    assert len(shown) == 2


def test_sample_passes_from_the_repo_root_with_configured_records(
    repo: Path, tmp_path: Path
) -> None:
    results = tmp_path / "results"

    proc = run_opsguard(["integrity", "--results-dir", str(results)], repo)

    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert "verdict: PASS" in proc.stdout
    assert proc.stderr == ""
    data = load_json(results / "integrity.json")
    assert data["status"] == "pass"
    assert data["summary"]["records"] == 60
    assert data["findings"] == []


def test_defects_subprocess_exit_1(repo: Path, tmp_path: Path) -> None:
    proc = run_opsguard(["integrity", str(repo / "fixtures" / "defects")], tmp_path)

    assert proc.returncode == 1
    assert proc.stderr == ""
    assert "verdict: FAIL" in proc.stdout
    assert (tmp_path / ".opsguard" / "results" / "integrity.json").is_file()


def test_version(tmp_path: Path) -> None:
    proc = run_opsguard(["--version"], tmp_path)

    assert proc.returncode == 0
    assert proc.stdout.strip() == f"opsguard {opsguard.__version__}"


def test_year_one_record_is_not_an_internal_error(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    (records / "r.jsonl").write_text(json.dumps(_record("0001-01-01")) + "\n", encoding="utf-8")

    proc = run_opsguard(["integrity", "records"], tmp_path)

    assert "internal error" not in proc.stderr
    assert proc.returncode == 0, proc.stderr


# --- --fix ---------------------------------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".opsguard" not in p.parts
    }


def test_without_fix_the_plan_is_printed_and_nothing_changes(
    in_tmp: Path, defects: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(defects, in_tmp / "records")
    before = _snapshot(in_tmp)

    assert main(["integrity", "records"]) == 1

    out = capsys.readouterr().out
    assert "`opsguard integrity --fix` would" in out
    assert "fix band records/band-mismatch.json:1 /band 'good' -> 'poor'" in out
    assert "quarantine records/duplicate.json (duplicate)" in out
    assert out.splitlines()[-1].startswith("verdict: FAIL")
    assert _snapshot(in_tmp) == before


def test_fix_repairs_then_checks_again_and_is_idempotent(
    in_tmp: Path, defects: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(defects, in_tmp / "records")

    assert main(["integrity", "records", "--fix"]) == 1  # defects needing a human remain
    first = capsys.readouterr().out
    assert "2 band fixes, 3 quarantined, 0 skipped" in first
    result = json.loads((in_tmp / ".opsguard/results/integrity.json").read_text())
    counts = result["summary"]["counts"]
    assert "band-mismatch" not in counts and "duplicate" not in counts
    assert "corrupt-json" not in counts
    assert (in_tmp / "data" / "quarantine" / "records").is_dir()
    after_first = _snapshot(in_tmp)

    assert main(["integrity", "records", "--fix"]) == 1
    second = capsys.readouterr().out
    assert "0 band fixes, 0 quarantined, 0 skipped" in second
    assert _snapshot(in_tmp) == after_first
