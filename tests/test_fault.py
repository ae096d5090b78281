"""The atomic-write fault harness: it passes opsguard's writer and catches broken ones.

A harness is only worth something if it fails the writers it should fail, so
most tests here feed it a deliberately broken writer and check that the
failure is named: which errno, which call, which trial, which syscall.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import clean_env, load_json, run_opsguard

from opsguard.catalog import key_figure
from opsguard.core.atomic import TEMP_PATTERN, atomic_write, fsync_directory
from opsguard.core.errors import OpsguardError
from opsguard.core.quarantine import SIDECAR_SUFFIX
from opsguard.fault.check import CHECK, check_fault, load_writer, naive_write
from opsguard.fault.codes import FAULT_CODES
from opsguard.fault.crash import run_crash_trials
from opsguard.fault.matrix import ERRNOS, POINTS, run_matrix
from opsguard.fault.syscall import check_order, parse_trace, run_syscall_kills
from opsguard.fault.versions import VersionPool, problem_of

STRACE = shutil.which("strace")
needs_strace = pytest.mark.skipif(STRACE is None, reason="strace is not installed")
SUMMARY_KEYS = {
    "writer",
    "seed",
    "trials",
    "corrupt",
    "bad_reads",
    "orphans_swept",
    "matrix_cases",
    "matrix_failures",
    "syscall_kill_points",
    "syscall_order_ok",
    "negative_control_detected",
}


# --- writers under test: one right, several wrong in one way each ------------------------------


def _temp_of(path: str) -> str:
    return os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.part")


def skips_fsync(path: str, data: bytes) -> None:
    """Temp + rename, cleaned up on error, but never fsynced (the python-atomicwrites fork bug)."""
    temp = _temp_of(path)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def swallows_errors(path: str, data: bytes) -> None:
    """opsguard's writer, but a failed write is silently ignored."""
    with contextlib.suppress(OSError):
        atomic_write(path, data)


def leaves_temp_behind(path: str, data: bytes) -> None:
    """The whole protocol, but no cleanup when a step fails."""
    temp = _temp_of(path)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    os.replace(temp, path)
    fsync_directory(Path(path).parent)


def renames_before_fsync(path: str, data: bytes) -> None:
    """Every call of the protocol, in the wrong order: the rename comes before the fsync."""
    temp = _temp_of(path)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, data)
        os.replace(temp, path)
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_directory(Path(path).parent)


# --- the error matrix ---------------------------------------------------------------------------


def test_default_writer_passes_every_matrix_case() -> None:
    cases = run_matrix(atomic_write)

    assert len(cases) == len(ERRNOS) * len(POINTS) == 20
    assert {(c.errno_name, c.point) for c in cases} == {
        (errno.errorcode[e], p) for e in ERRNOS for p in POINTS
    }
    assert [c.describe() for c in cases if not c.passed] == []


def test_a_writer_that_skips_fsync_fails_at_both_fsync_points() -> None:
    failed = [c for c in run_matrix(skips_fsync) if not c.passed]

    assert {c.point for c in failed} == {"fsync", "dir-fsync"}
    assert len(failed) == 8
    messages = {c.point: c.failure for c in failed}
    assert messages["fsync"] == "the writer never called fsync on the written file"
    assert messages["dir-fsync"] == "the writer never called fsync on the directory"


def test_a_writer_that_swallows_errors_fails_every_case() -> None:
    cases = run_matrix(swallows_errors)

    assert not any(c.passed for c in cases)
    enospc_write = next(c for c in cases if (c.errno_name, c.point) == ("ENOSPC", "write"))
    assert (
        enospc_write.failure == "the injected ENOSPC was swallowed (the writer returned normally)"
    )


def test_a_writer_without_cleanup_leaves_its_temp_and_fails() -> None:
    failed = {(c.errno_name, c.point): c.failure for c in run_matrix(leaves_temp_behind)}

    assert "left behind: .target.bin.part" in (failed[("EIO", "write")] or "")
    assert "left behind: .target.bin.part" in (failed[("EACCES", "replace")] or "")
    assert failed[("EIO", "open")] is None  # nothing was created yet: nothing to clean up


def test_the_naive_writer_damages_the_target_when_write_fails() -> None:
    failed = {(c.errno_name, c.point): c.failure for c in run_matrix(naive_write) if not c.passed}

    assert failed[("ENOSPC", "write")] == (
        "the target was damaged: 0 bytes, neither the old nor the new content"
    )
    assert ("ENOSPC", "open") not in failed  # open() failing before truncation is harmless


def test_the_matrix_restores_every_patched_function() -> None:
    import builtins
    import io

    saved = (os.open, os.write, os.fsync, os.fdatasync, os.replace, os.rename, builtins.open)
    run_matrix(naive_write)

    assert (os.open, os.write, os.fsync, os.fdatasync, os.replace, os.rename) == saved[:6]
    assert builtins.open is saved[6] is io.open


# --- the oracle ---------------------------------------------------------------------------------


def test_versions_detect_emptiness_truncation_and_mixing() -> None:
    pool = VersionPool(seed=1)
    first, second = pool.version(0, 0), pool.version(0, 1)

    assert problem_of(first) is None
    assert problem_of(b"") == "empty file"
    assert (problem_of(first[:-1]) or "").startswith("truncated")
    mixed = first[: len(first) // 2] + second[len(first) // 2 :]
    assert problem_of(mixed) is not None
    assert pool.incomplete(None, 5) == "target missing"
    assert pool.incomplete(second, 0) is None
    assert "never written" in (pool.incomplete(pool.version(7, 0), 3) or "")


# --- crash trials -------------------------------------------------------------------------------


def test_default_writer_survives_crash_trials(tmp_path: Path) -> None:
    report = run_crash_trials(atomic_write, 20, 7, tmp_path)

    assert report.trials == 20
    assert (report.corrupt, report.bad_reads, report.writer_errors) == (0, 0, 0)
    assert report.reads > 0
    assert report.problems == []
    # Every orphan temp was swept into the quarantine, none is left beside the target.
    assert [n for n in os.listdir(tmp_path / "data") if TEMP_PATTERN.match(n)] == []
    stored = [
        p
        for p in (tmp_path / "quarantine").rglob("*")
        if p.is_file() and not p.name.endswith(SIDECAR_SUFFIX)
    ]
    assert len(stored) == report.orphans_swept


def test_naive_writer_is_caught_by_crash_trials_and_the_reader(tmp_path: Path) -> None:
    report = run_crash_trials(naive_write, 30, 7, tmp_path)

    assert report.detected
    assert report.corrupt + report.bad_reads > 0
    kinds = {p.kind for p in report.problems}
    assert kinds <= {"corrupt", "torn"}
    assert kinds


def test_a_writer_that_cannot_write_is_reported_not_judged(tmp_path: Path) -> None:
    def broken(path: str, data: bytes) -> None:
        raise RuntimeError("disk on fire")

    report = run_crash_trials(broken, 10, 7, tmp_path, reader=False)

    assert report.writer_errors == 3  # stops early: more trials would prove nothing
    assert report.problems[0].message == "the writer raised RuntimeError: disk on fire"


# --- the whole check ----------------------------------------------------------------------------


def test_check_naive_writer_fails_with_named_findings() -> None:
    result = check_fault(naive_write, trials=30, seed=5)

    assert result.check == CHECK
    assert result.status == "fail"
    summary = result.summary
    assert summary["corrupt"] + summary["bad_reads"] > 0
    assert summary["matrix_failures"] > 0
    assert summary["negative_control_detected"] is True
    codes = {f.code for f in result.findings}
    assert codes & {"corrupt-after-crash", "torn-read"}
    assert "matrix-failure" in codes
    if STRACE is not None:
        assert {"syscall-kill-corruption", "syscall-order"} <= codes
    for finding in result.findings:
        assert finding.path == "opsguard.fault.check:naive_write"
        assert finding.line is None
        assert finding.code in FAULT_CODES
    assert any("crash trial" in f.message for f in result.findings)
    assert "crash trials" in key_figure(result)


def test_without_strace_the_syscall_part_is_skipped_not_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no strace on PATH

    result = check_fault(atomic_write, trials=5, seed=1)

    assert result.status == "pass", result.summary["reasons"]
    assert result.summary["skipped"] == "strace not found"
    assert result.summary["syscall_kill_points"] == 0
    assert result.summary["syscall_order_ok"] is None
    assert "skipped (strace not found)" in key_figure(result)


def test_load_writer_rejects_bad_specs_with_one_line() -> None:
    assert load_writer("opsguard.core.atomic:atomic_write") is atomic_write
    for spec, words in [
        ("atomic_write", "expected MODULE:FUNCTION"),
        ("no_such_module_xyz:write", "cannot import"),
        ("opsguard.core.atomic:no_such_function", "has no attribute"),
        ("opsguard.core.atomic:TEMP_SUFFIX", "not a function"),
    ]:
        with pytest.raises(OpsguardError, match=words) as caught:
            load_writer(spec)
        assert "\n" not in str(caught.value)


# --- kill at every syscall ----------------------------------------------------------------------

_GOOD_TRACE = """\
100 getppid()                         = 99
100 openat(AT_FDCWD, "/d/.t.abc.tmp", O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0666) = 3
100 write(3, "{\\"a\\") = 7"..., 4096) = 4096
100 fsync(3)                          = 0
100 close(3)                          = 0
100 rename("/d/.t.abc.tmp", "/d/t") = 0
100 openat(AT_FDCWD, "/d", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = 3
100 fsync(3)                          = 0
100 close(3)                          = 0
100 getppid()                         = 99
100 +++ exited with 0 +++
"""


def test_order_oracle_accepts_the_protocol_and_names_each_violation() -> None:
    calls = parse_trace(_GOOD_TRACE)[1:-1]
    assert [c.name for c in calls][:3] == ["openat", "write", "fsync"]
    assert calls[1].result == 4096  # a ") = 7" inside the written data is not the result
    assert check_order(calls, "/d/t") == []

    no_excl = parse_trace(_GOOD_TRACE.replace("O_CREAT|O_EXCL|", "O_CREAT|"))[1:-1]
    assert check_order(no_excl, "/d/t") == ["the temp file .t.abc.tmp is opened without O_EXCL"]
    no_dir_sync = calls[:-2] + calls[-1:]
    assert check_order(no_dir_sync, "/d/t")[0].startswith("no fsync of the directory")
    swapped = [calls[0], calls[1], calls[4], calls[2], calls[3], *calls[5:]]  # rename, fsync
    assert check_order(swapped, "/d/t") == [
        "the temp file .t.abc.tmp is fsynced only after the rename"
    ]


@needs_strace
def test_every_syscall_of_atomic_write_is_killed_and_survived(tmp_path: Path) -> None:
    assert STRACE is not None
    report = run_syscall_kills("opsguard.core.atomic:atomic_write", tmp_path, STRACE)

    assert report.skipped is None
    assert report.kill_points >= 8  # openat, write, fsync, close, rename, openat, fsync, close
    assert report.missed == 0
    assert report.corruptions == []
    assert report.order_ok is True


@needs_strace
def test_a_rename_before_fsync_is_an_order_violation(tmp_path: Path) -> None:
    assert STRACE is not None
    report = run_syscall_kills(f"{__name__}:renames_before_fsync", tmp_path, STRACE)

    assert report.skipped is None, report.skipped
    assert report.kill_points > 0
    assert report.order_ok is False
    assert report.order_violations == [
        "the temp file .target.bin.part is fsynced only after the rename"
    ]


# --- command line and Nox session ---------------------------------------------------------------


def test_cli_default_writer_passes_and_writes_the_result(tmp_path: Path) -> None:
    proc = run_opsguard(["fault", "--trials", "20", "--seed", "3", "--json", "out.json"], tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "verdict: PASS" in proc.stdout
    assert "20 crash trials, 0 corrupt" in proc.stdout
    result = load_json(tmp_path / "out.json")
    assert result["check"] == "atomic-write-fault"
    assert result["status"] == "pass"
    summary = result["summary"]
    assert isinstance(summary, dict)
    assert set(summary) >= SUMMARY_KEYS
    assert summary["writer"] == "opsguard:atomic_write"
    assert (summary["trials"], summary["seed"], summary["corrupt"]) == (20, 3, 0)
    assert (summary["matrix_cases"], summary["matrix_failures"]) == (20, 0)
    assert summary["negative_control_detected"] is True
    assert summary["syscall_order_ok"] is (None if STRACE is None else True)
    assert (tmp_path / ".opsguard" / "results" / "atomic-write-fault.json").is_file()


def test_cli_naive_writer_exits_1_naming_the_corruption(tmp_path: Path) -> None:
    proc = run_opsguard(
        ["fault", "--writer", "opsguard.fault.check:naive_write", "--trials", "30"], tmp_path
    )

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "verdict: FAIL" in proc.stdout
    assert "corrupt-after-crash" in proc.stdout or "torn-read" in proc.stdout
    result = load_json(tmp_path / ".opsguard" / "results" / "atomic-write-fault.json")
    assert result["status"] == "fail"


@pytest.mark.parametrize(
    "spec",
    [
        "atomic_write",
        "no_such_module_xyz:write",
        "opsguard.core.atomic:nope",
        "opsguard:__version__",
    ],
)
def test_cli_bad_writer_spec_is_exit_2_with_one_line(tmp_path: Path, spec: str) -> None:
    proc = run_opsguard(["fault", "--writer", spec, "--trials", "1"], tmp_path)

    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("opsguard: error: writer")


def test_nox_session_runs_the_harness_from_a_consumer_noxfile(tmp_path: Path) -> None:
    project, work = tmp_path / "project", tmp_path / "work"
    project.mkdir()
    work.mkdir()
    noxfile = project / "noxfile.py"
    noxfile.write_text("import opsguard.sessions  # noqa: F401\n", encoding="utf-8")

    session = ["-s", "atomic-write-fault", "--", "--trials", "10", "--seed", "2"]
    proc = subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(noxfile), *session],
        cwd=work,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = load_json(work / ".opsguard" / "results" / "atomic-write-fault.json")
    assert result["status"] == "pass"
    summary = result["summary"]
    assert isinstance(summary, dict)
    assert summary["trials"] == 10


def test_every_fault_code_is_documented(repo: Path) -> None:
    doc = (repo / "docs" / "fault.md").read_text(encoding="utf-8")
    for code in FAULT_CODES:
        assert f"| `{code}` |" in doc, f"{code} is not documented"
