"""The reusable Nox session, run the way a consumer runs it: one import in their noxfile."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support import run_nox


@pytest.fixture
def consumer(tmp_path: Path, repo: Path) -> tuple[Path, Path]:
    """(noxfile, work): a consumer noxfile in one directory, the data in another."""
    project = tmp_path / "project"
    project.mkdir()
    noxfile = project / "noxfile.py"
    noxfile.write_text("import opsguard.sessions  # noqa: F401\n", encoding="utf-8")
    work = tmp_path / "work"
    shutil.copytree(repo / "fixtures" / "defects", work / "defects")
    shutil.copytree(repo / "fixtures" / "sample" / "records", work / "sample")
    return noxfile, work


def test_nox_lists_the_integrity_session(consumer: tuple[Path, Path]) -> None:
    noxfile, work = consumer

    proc = run_nox(noxfile, ["-l"], work)

    assert proc.returncode == 0, proc.stderr
    assert "integrity" in proc.stdout.split()


def test_integrity_session_passes_on_the_sample(consumer: tuple[Path, Path]) -> None:
    noxfile, work = consumer

    proc = run_nox(noxfile, ["-s", "integrity", "--", "sample"], work)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "verdict: PASS" in proc.stdout + proc.stderr
    result = json.loads((work / ".opsguard" / "results" / "integrity.json").read_text())
    assert result["status"] == "pass"
    assert result["summary"]["records"] == 60
    assert not (noxfile.parent / ".opsguard").exists()


def test_integrity_session_fails_on_the_defects(consumer: tuple[Path, Path]) -> None:
    noxfile, work = consumer

    proc = run_nox(noxfile, ["-s", "integrity", "--", "defects"], work)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "verdict: FAIL" in proc.stdout + proc.stderr
    result = json.loads((work / ".opsguard" / "results" / "integrity.json").read_text())
    assert result["status"] == "fail"
    assert result["summary"]["failed_records"] == 12
    # Paths in findings are relative to the invoked-from directory.
    assert {f["path"].split("/")[0] for f in result["findings"]} == {"defects"}
    assert not (noxfile.parent / ".opsguard").exists()


def test_integrity_session_passes_posargs_through(consumer: tuple[Path, Path]) -> None:
    noxfile, work = consumer

    proc = run_nox(
        noxfile,
        [
            "-s",
            "integrity",
            "--",
            "sample",
            "--json",
            "out/result.json",
            "--as-of",
            "2025-08-10",
            "--threshold",
            "0.5",
        ],
        work,
    )

    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads((work / "out" / "result.json").read_text())
    assert result["summary"]["window"]["end"] == "2025-08-10"
    assert result["summary"]["counts"] == {"future-date": 4}
    assert result["summary"]["threshold"] == 0.5


def test_integrity_session_missing_path_fails(consumer: tuple[Path, Path]) -> None:
    noxfile, work = consumer

    proc = run_nox(noxfile, ["-s", "integrity", "--", "no/such/dir"], work)

    assert proc.returncode != 0
    assert "path not found: no/such/dir" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_the_sessions_without_nox_fail_with_one_line_naming_the_extra() -> None:
    import subprocess
    import sys

    code = "import sys; sys.modules['nox'] = None; import opsguard.sessions"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)

    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "ModuleNotFoundError: opsguard.sessions needs Nox: pip install "
        "'opsguard-pipeline[nox]' (the `nox` extra; see the README)"
    )
    # The library itself needs no test runner.
    library = "import sys; sys.modules['nox'] = None; import opsguard; opsguard.atomic_write"
    assert subprocess.run([sys.executable, "-c", library], check=False).returncode == 0
