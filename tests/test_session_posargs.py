"""Posargs and several sessions: each goes to the sessions whose command accepts it.

Nox hands everything after `--` to every selected session, so `nox -s
integrity atomic-write-fault -- --writer X` used to fail integrity with
"unrecognized arguments". A session now passes posargs on only when its
command's own parser accepts them, runs with the configuration (and says so)
when another opsguard session's command does, and fails when none does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support import run_nox

from opsguard.catalog import CHECKS
from opsguard.sessions import _refusal

FAULT = next(name for name in CHECKS if CHECKS[name].command == ("fault",))
WRITER = """\
from opsguard import atomic_write_json


def save(path, record):
    atomic_write_json(path, record)
"""


@pytest.fixture
def consumer(tmp_path: Path, repo: Path) -> tuple[Path, Path]:
    project, work = tmp_path / "project", tmp_path / "work"
    project.mkdir()
    noxfile = project / "noxfile.py"
    noxfile.write_text("import opsguard.sessions  # noqa: F401\n", encoding="utf-8")
    shutil.copytree(repo / "fixtures" / "sample" / "records", work / "records")
    (work / "opsguard.toml").write_text('[paths]\nrecords = ["records"]\n', encoding="utf-8")
    (work / "mywriter.py").write_text(WRITER, encoding="utf-8")
    return noxfile, work


def test_each_command_judges_the_posargs_with_its_own_parser() -> None:
    # (`m:f` itself would be a PATH for integrity.)
    assert _refusal(("integrity",), ["--writer", "m:f"]) == "unrecognized arguments: --writer"
    assert _refusal(("fault",), ["--writer", "m:f", "--payload", "json"]) is None
    assert _refusal(("integrity",), ["records", "--threshold", "0.5"]) is None
    assert _refusal(("fault",), ["--trials", "zero"]) is not None
    assert _refusal(("gate",), ["--help"]) is None


def test_a_writer_for_the_harness_leaves_integrity_as_configured(
    consumer: tuple[Path, Path],
) -> None:
    noxfile, work = consumer

    proc = run_nox(
        noxfile,
        ["-s", "integrity", FAULT, "--", "--writer", "mywriter:save", "--payload", "json",
         "--trials", "10"],
        work,
    )  # fmt: skip

    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "posargs are not for `opsguard integrity` (unrecognized arguments: --writer" in out
    results = work / ".opsguard" / "results"
    integrity = json.loads((results / "integrity.json").read_text(encoding="utf-8"))
    fault = json.loads((results / f"{FAULT}.json").read_text(encoding="utf-8"))
    assert integrity["status"] == "pass" and integrity["summary"]["records"] == 60
    assert (fault["summary"]["writer"], fault["summary"]["payload"]) == ("mywriter:save", "json")


def test_posargs_no_session_accepts_fail_in_one_line(consumer: tuple[Path, Path]) -> None:
    noxfile, work = consumer

    proc = run_nox(noxfile, ["-s", FAULT, "--", "--writr", "mywriter:save"], work)

    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "not accepted by `opsguard fault` (unrecognized arguments: --writr" in out
    assert "nor by any other opsguard session" in out
    assert not (work / ".opsguard" / "results" / f"{FAULT}.json").exists()
    assert "Traceback" not in out


def test_posargs_for_the_one_selected_session_still_go_to_it(consumer: tuple[Path, Path]) -> None:
    noxfile, work = consumer

    proc = run_nox(noxfile, ["-s", "integrity", "--", "records", "--threshold", "0.5"], work)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads((work / ".opsguard" / "results" / "integrity.json").read_text())
    assert result["summary"]["threshold"] == 0.5
    assert "posargs are not for" not in proc.stdout + proc.stderr
