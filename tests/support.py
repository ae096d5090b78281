"""Helpers shared by the tests that run opsguard and nox as real subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "sample"
# The paths of a project made by `sample_project`, as its opsguard.toml names them.
SAMPLE_PATHS = (
    '[paths]\nrecords = ["records"]\ntelemetry = ["telemetry"]\nquarantine = "quarantine"\n'
)


def sample_project(root: Path) -> Path:
    """`root` as a project: the clean sample records and telemetry, a quarantine, opsguard.toml."""
    shutil.copytree(SAMPLE / "records", root / "records")
    shutil.copytree(SAMPLE / "telemetry", root / "telemetry")
    (root / "quarantine").mkdir()
    (root / "opsguard.toml").write_text(SAMPLE_PATHS, encoding="utf-8")
    return root


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without opsguard's, the runner's or colour settings, plus `extra`.

    Tests must see the same behaviour on a laptop and on a GitHub runner.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPSGUARD_", "GITHUB_")) and k not in ("RETENTION_DAYS", "NO_COLOR")
    }
    env.update(extra or {})
    return env


def run_opsguard(
    args: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    *,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`python -m opsguard ARGS` in `cwd`, output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "opsguard", *args],
        cwd=cwd,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_nox(noxfile: Path, args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m nox -f NOXFILE ARGS` in `cwd`, output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(noxfile), *args],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def load_json(path: Path) -> dict[str, Any]:
    """A JSON object from a file (fails the test if it is not an object)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data
