"""`opsguard retention` on the command line: exit codes, refusals, plans, logs, the repo demo."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from support import load_json, run_opsguard

from opsguard.cli import main

DAY = 86_400
NOW = "2025-08-15T00:00:00Z"
NOW_S = 1_755_216_000  # NOW as Unix seconds


def opsguard(
    args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_opsguard(["retention", *args], cwd, env)


def one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("opsguard") and "error" in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def touch(path: Path, age_s: float, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    mtime = NOW_S * 10**9 - round(age_s * 10**9)
    os.utime(path, ns=(mtime, mtime))
    return path


def tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory with a telemetry root of 3 old and 2 young files, and a pinned clock."""
    (tmp_path / "opsguard.toml").write_text(
        f'[paths]\ntelemetry = ["telemetry"]\nquarantine = "quarantine"\n'
        f'[retention]\nnow = "{NOW}"\n',
        encoding="utf-8",
    )
    for name in ("a.log", "b.log", "sub/c.log"):
        touch(tmp_path / "telemetry" / name, 40 * DAY)
    for name in ("d.log", "e.log"):
        touch(tmp_path / "telemetry" / name, DAY)
    touch(tmp_path / "quarantine" / ".gitkeep", 0)
    return tmp_path


# --------------------------------------------------------------------------- dry-run and apply


def test_dry_run_lists_candidates_and_exits_0(project: Path) -> None:
    before = tree(project / "telemetry")
    proc = opsguard(["--results-dir", "results"], project)
    assert proc.returncode == 0, proc.stderr
    assert tree(project / "telemetry") == before
    out = proc.stdout
    assert "would-delete telemetry/a.log  age 40d 00:00:00  1 B  [age > 30d by mtime]" in out
    assert "telemetry/sub/c.log" in out
    assert "would-remove telemetry/sub/" in out
    assert "d.log" not in out  # kept files are listed with --verbose only
    assert "total: 3 candidate(s) (3 B), nothing deleted, 2 kept" in out
    assert "opsguard retention: dry-run: 3 of 6 files (3 B) past retention in 2 root(s)" in out
    assert out.rstrip().endswith("verdict: PASS")
    result = load_json(project / "results" / "retention.json")
    assert result["check"] == "retention" and result["status"] == "pass"
    assert result["summary"]["mode"] == "dry-run"
    assert result["summary"]["days"] == {"telemetry": 30, "quarantine": 30}


def test_apply_deletes_the_candidates_and_exits_0(project: Path) -> None:
    proc = opsguard(["--apply", "--json", "out.json"], project)
    assert proc.returncode == 0, proc.stderr
    assert tree(project / "telemetry") == {"d.log", "e.log"}
    assert not (project / "telemetry" / "sub").exists()
    assert "deleted      telemetry/a.log" in proc.stdout
    assert "removed      telemetry/sub/" in proc.stdout
    summary = load_json(project / "out.json")["summary"]
    assert (summary["mode"], summary["deleted"], summary["deleted_bytes"]) == ("apply", 3, 3)
    assert summary["dirs_removed"] == 1


def test_days_and_roots_on_the_command_line(project: Path) -> None:
    proc = opsguard(["telemetry", "--days", "50", "--json", "out.json"], project)
    assert proc.returncode == 0, proc.stderr
    summary = load_json(project / "out.json")["summary"]
    assert summary["days"] == {"telemetry": 50}
    assert summary["candidates"] == 0


def test_retention_days_environment_variable(project: Path) -> None:
    proc = opsguard(["--json", "out.json"], project, env={"RETENTION_DAYS": "45"})
    assert proc.returncode == 0, proc.stderr
    assert load_json(project / "out.json")["summary"]["days"] == {"telemetry": 45, "quarantine": 45}
    proc = opsguard(["--days", "10", "--json", "out.json"], project, env={"RETENTION_DAYS": "45"})
    assert load_json(project / "out.json")["summary"]["days"] == {"telemetry": 10, "quarantine": 10}


@pytest.mark.parametrize("raw", ["abc", "0", "-3", "1.5", ""])
def test_retention_days_must_be_a_positive_integer(project: Path, raw: str) -> None:
    before = tree(project / "telemetry")
    proc = opsguard(["--apply"], project, env={"RETENTION_DAYS": raw})
    one_line_error(proc, "RETENTION_DAYS")
    assert tree(project / "telemetry") == before


@pytest.mark.parametrize("raw", ["0", "abc", "-1"])
def test_days_flag_must_be_a_positive_integer(project: Path, raw: str) -> None:
    one_line_error(opsguard(["--days", raw], project), "--days")


@pytest.mark.parametrize(
    ("now", "candidates"),
    [
        ("2025-08-15T00:00:00Z", 3),
        ("2025-08-15T02:00:00+02:00", 3),  # the same instant
        (str(NOW_S), 3),
        (f"{NOW_S}.5", 3),
        ("2025-07-01T00:00:00Z", 0),  # the old files are from the future then
        (str(NOW_S + 60 * DAY), 5),
    ],
)
def test_now_accepts_iso_with_a_zone_or_unix_seconds(
    project: Path, now: str, candidates: int
) -> None:
    proc = opsguard(["--now", now, "--json", "out.json"], project)
    assert proc.returncode == 0, proc.stderr
    assert load_json(project / "out.json")["summary"]["candidates"] == candidates


@pytest.mark.parametrize("now", ["2025-08-15T00:00:00", "yesterday", "1e9", "2025-13-01T00:00Z"])
def test_now_must_be_a_timestamp_with_a_zone(project: Path, now: str) -> None:
    one_line_error(opsguard(["--now", now], project), "--now")


def test_age_from_name_on_the_command_line(project: Path) -> None:
    touch(project / "telemetry" / "2025-07-01.jsonl", 0)
    proc = opsguard(["--age-from", "name", "--json", "out.json"], project)
    assert proc.returncode == 0, proc.stderr
    summary = load_json(project / "out.json")["summary"]
    assert summary["candidates"] == 4  # the dated file by its name, the rest by mtime (fallback)
    assert summary["counts"] == {"no-date-in-name": 1}


# --------------------------------------------------------------------------- exit codes


def test_cap_exit_codes(project: Path) -> None:
    for name in ("d.log", "e.log"):
        (project / "telemetry" / name).unlink()  # 3 of 3 files old: over 90%
    dry = opsguard(["--json", "out.json"], project)
    assert dry.returncode == 0
    assert "not gated (warnings): cap-exceeded 1" in dry.stdout
    blocked = opsguard(["--apply", "--json", "out.json"], project)
    assert blocked.returncode == 1
    assert len(tree(project / "telemetry")) == 3
    assert "cap-exceeded" in blocked.stdout
    assert (
        "verdict: FAIL - the blast-radius cap stopped the deletion in 1 root(s)" in blocked.stdout
    )
    forced = opsguard(["--apply", "--force"], project)
    assert forced.returncode == 0, forced.stdout
    assert tree(project / "telemetry") == set()


def test_remove_failure_exits_1_and_the_run_goes_on(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_unlink = os.unlink

    def unlink(path: Any, *args: Any, **kwargs: Any) -> None:
        if path == "a.log":
            raise PermissionError(errno.EPERM, "Operation not permitted", path)
        real_unlink(path, *args, **kwargs)

    monkeypatch.chdir(project)
    monkeypatch.setattr(os, "unlink", unlink)
    code = main(["retention", "--apply", "--results-dir", "results"])
    out = capsys.readouterr().out
    assert code == 1
    assert tree(project / "telemetry") == {"a.log", "d.log", "e.log"}
    assert "telemetry/a.log: remove-failed: cannot remove: Operation not permitted" in out
    assert "verdict: FAIL - 1 file(s) could not be removed" in out


# --------------------------------------------------------------------------- plans and logs


def test_plan_out_then_apply_the_plan(project: Path) -> None:
    proc = opsguard(["--plan-out", "plan.json"], project)
    assert proc.returncode == 0, proc.stderr
    plan = load_json(project / "plan.json")
    assert plan["schema"] == "opsguard.retention-plan/1"
    assert plan["now"] == NOW
    (telemetry, quarantine) = plan["roots"]
    assert quarantine["entries"] == []
    entries = {e["path"]: e for e in telemetry["entries"]}
    assert set(entries) == {"a.log", "b.log", "sub/c.log"}
    assert set(entries["a.log"]) >= {"path", "device", "inode", "size", "mtime_ns", "ctime_ns"}
    touch(project / "telemetry" / "b.log", 40 * DAY, b"changed")
    touch(project / "telemetry" / "f.log", 40 * DAY)  # new since the plan: not in it
    proc = opsguard(["--apply", "--plan", "plan.json", "--json", "out.json"], project)
    assert proc.returncode == 0, proc.stdout
    assert tree(project / "telemetry") == {"b.log", "d.log", "e.log", "f.log"}
    summary = load_json(project / "out.json")["summary"]
    assert summary["skipped"] == {"changed-since-plan": 1, "protected": 1}
    assert summary["counts"] == {"changed-since-plan": 1}


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("not json", "not a retention plan"),
        ("[]", "expected a JSON object"),
        ('{"schema": "other/1"}', "schema"),
        ('{"schema": "opsguard.retention-plan/1", "now": "x", "roots": []}', "roots"),
        (
            '{"schema": "opsguard.retention-plan/1", "now": "x", "roots": [{"path": "t", '
            '"device": 1, "inode": 2, "days": 30, "age_from": "mtime", "entries": '
            '[{"path": "../etc/passwd", "device": 1, "inode": 1, "size": 1, "mtime_ns": 1, '
            '"ctime_ns": 1}]}]}',
            "relative path",
        ),
        (
            '{"schema": "opsguard.retention-plan/1", "now": "x", "roots": [{"path": "t", '
            '"device": 1, "inode": 2, "days": 0, "age_from": "mtime", "entries": []}]}',
            "days",
        ),
        (
            '{"schema": "opsguard.retention-plan/1", "now": "x", "roots": [{"path": "t", '
            '"device": 1, "inode": 2, "days": 3, "age_from": "mtime", "entries": '
            '[{"path": "a", "device": true, "inode": 1, "size": 1, "mtime_ns": 1, '
            '"ctime_ns": 1}]}]}',
            "device",
        ),
    ],
)
def test_a_malformed_plan_is_exit_2(project: Path, content: str, fragment: str) -> None:
    (project / "plan.json").write_text(content, encoding="utf-8")
    before = tree(project / "telemetry")
    one_line_error(opsguard(["--apply", "--plan", "plan.json"], project), "plan", fragment)
    assert tree(project / "telemetry") == before


def test_a_missing_plan_is_exit_2(project: Path) -> None:
    one_line_error(opsguard(["--apply", "--plan", "nope.json"], project), "nope.json")


def test_a_plan_whose_root_was_replaced_is_exit_2(project: Path) -> None:
    assert opsguard(["--plan-out", "plan.json"], project).returncode == 0
    (project / "telemetry").rename(project / "old-telemetry")
    shutil.copytree(project / "old-telemetry", project / "telemetry")
    one_line_error(opsguard(["--apply", "--plan", "plan.json"], project), "no longer the directory")
    assert len(tree(project / "telemetry")) == 5


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--apply", "--plan-out", "p.json"], "--plan-out"),
        (["--plan", "p.json", "telemetry"], "--plan fixes"),
        (["--plan", "p.json", "--days", "3"], "--plan fixes"),
        (["--plan", "p.json", "--plan-out", "q.json"], "not allowed with"),
    ],
)
def test_plan_option_conflicts(project: Path, args: list[str], fragment: str) -> None:
    one_line_error(opsguard(args, project), fragment)


def test_log_has_one_json_line_per_decision(project: Path) -> None:
    touch(project / "quarantine" / "README.md", 99 * DAY)
    proc = opsguard(["--apply", "--log", "logs/decisions.jsonl"], project)
    assert proc.returncode == 0, proc.stderr
    lines = (project / "logs" / "decisions.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    by_path = {r["path"]: r for r in records}
    assert by_path["telemetry/a.log"]["action"] == "deleted"
    assert by_path["telemetry/a.log"]["reason"] == "old"
    assert by_path["telemetry/a.log"]["age_s"] == 40 * DAY
    assert by_path["telemetry/d.log"]["action"] == "keep"
    assert by_path["quarantine/.gitkeep"]["reason"] == "protected"
    assert by_path["quarantine/README.md"]["action"] == "skip"
    assert by_path["telemetry/sub"]["action"] == "rmdir"
    assert len(records) == 8  # 5 telemetry files, 2 quarantine files, 1 directory
    assert {r["mode"] for r in records} == {"apply"}


def test_verbose_lists_kept_and_skipped_files(project: Path) -> None:
    proc = opsguard(["--verbose"], project)
    assert "keep         telemetry/d.log  age 1d 00:00:00  1 B  [young]" in proc.stdout
    assert "skip         quarantine/.gitkeep" in proc.stdout


# --------------------------------------------------------------------------- refused roots


def test_the_filesystem_root_is_refused(tmp_path: Path) -> None:
    one_line_error(opsguard(["/", "--apply"], tmp_path), "retention root /", "filesystem root")


def test_the_home_directory_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home" / "user"
    old = touch(home / "precious.txt", 999 * DAY)
    env = {"HOME": str(home)}
    one_line_error(opsguard([str(home), "--apply"], tmp_path, env), "home directory")
    one_line_error(
        opsguard([str(tmp_path / "home"), "--apply"], tmp_path, env), "contains the home"
    )
    assert old.exists()


def test_a_repository_root_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    old = touch(repo / "src" / "old.py", 999 * DAY)
    one_line_error(opsguard([".", "--apply"], repo), "repository root")
    one_line_error(opsguard(["..", "--apply"], repo / "src"), "repository root")
    # A directory that contains the repository around the working directory.
    one_line_error(opsguard([str(tmp_path), "--apply"], repo / "src"), "contains the repository")
    assert old.exists()


def test_this_repository_is_refused(repo: Path) -> None:
    one_line_error(opsguard([".", "--apply"], repo), "repository root")


def test_the_configuration_directory_is_refused(project: Path) -> None:
    one_line_error(opsguard([".", "--apply"], project), "configuration's directory")
    assert len(tree(project / "telemetry")) == 5


def test_a_root_holding_the_records_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    touch(data / "records" / "2025-01-01.json", 999 * DAY)
    proc = opsguard(["data", "--apply"], tmp_path)
    one_line_error(proc, "records")
    assert (data / "records" / "2025-01-01.json").exists()


@pytest.mark.parametrize("kind", ["missing", "symlink", "file"])
def test_missing_symlinked_and_file_roots_are_refused(project: Path, kind: str) -> None:
    root = project / "root"
    if kind == "symlink":
        root.symlink_to(project / "telemetry", target_is_directory=True)
    elif kind == "file":
        root.write_text("x", encoding="utf-8")
    fragment = {"missing": "does not exist", "symlink": "symlink", "file": "not a directory"}
    one_line_error(opsguard(["root", "--apply"], project), "retention root root", fragment[kind])
    assert len(tree(project / "telemetry")) == 5


def test_a_missing_configured_root_is_refused(project: Path) -> None:
    shutil.rmtree(project / "quarantine")
    one_line_error(opsguard(["--apply"], project), "retention root quarantine", "does not exist")
    assert len(tree(project / "telemetry")) == 5  # checked before anything is scanned


# --------------------------------------------------------------------------- the repository demo


def _state(root: Path) -> dict[str, tuple[int, int, bytes]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes())
        for p in root.rglob("*")
        if p.is_file()
    }


def test_the_repository_demo_lists_pruned_and_kept_without_deleting(
    repo: Path, tmp_path: Path
) -> None:
    sample = repo / "fixtures" / "sample"
    before = _state(sample)
    args = ["--results-dir", str(tmp_path), "--json", str(tmp_path / "out.json")]
    proc = opsguard([*args, "--max-findings", "100"], repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _state(sample) == before
    summary = load_json(tmp_path / "out.json")["summary"]
    assert summary["mode"] == "dry-run"
    assert [r["path"] for r in summary["roots"]] == [
        "fixtures/sample/telemetry",
        "fixtures/sample/quarantine",
    ]
    telemetry = summary["roots"][0]
    assert telemetry["age_from"] == "name"
    assert (telemetry["candidates"], telemetry["kept"]) == (35, 34)
    assert telemetry["oldest_kept_age_s"] == 30 * DAY  # 2025-07-16: exactly at the cutoff
    assert summary["now"] == "2025-08-15T00:00:00Z"
    out = proc.stdout
    assert "would-delete fixtures/sample/telemetry/2025-07-15.jsonl" in out
    assert "2025-07-16.jsonl" not in out
    assert "would-delete fixtures/sample/telemetry/pipeline-20250714T0600Z.log" in out
    assert "pipeline-20250721T0600Z.log" not in out
    assert "records" not in out


def test_the_listing_is_bounded_and_says_how_many_more(repo: Path, tmp_path: Path) -> None:
    """35 candidates, 20 lines by default (--max-findings): the rest is a count."""
    proc = opsguard(["--results-dir", str(tmp_path)], repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    listed = [line for line in proc.stdout.splitlines() if "would-delete" in line]
    assert len(listed) == 20
    assert (
        "  ... and 15 more (--max-findings N shows more; --plan-out FILE lists them all)"
        in proc.stdout.splitlines()
    )


def test_the_repository_demo_applied_to_a_copy_deletes_exactly_the_candidates(
    repo: Path, tmp_path: Path
) -> None:
    shutil.copy(repo / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(repo / "fixtures" / "sample", tmp_path / "fixtures" / "sample")
    sample = tmp_path / "fixtures" / "sample"
    before = tree(sample)
    dry = opsguard(["--plan-out", "plan.json"], tmp_path)
    assert dry.returncode == 0, dry.stderr
    planned = {
        f"{Path(root['path']).name}/{entry['path']}"
        for root in load_json(tmp_path / "plan.json")["roots"]
        for entry in root["entries"]
    }
    assert len(planned) == 35
    assert tree(sample) == before
    wet = opsguard(["--apply", "--json", "out.json"], tmp_path)
    assert wet.returncode == 0, wet.stdout
    assert tree(sample) == before - planned
    assert load_json(tmp_path / "out.json")["summary"]["deleted"] == 35
    assert len(tree(sample / "records")) == len({p for p in before if p.startswith("records/")})
