"""Helpers shared by the tests that run opsguard and nox as real subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
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


# A configured band table of 0 to 10 (pyproject.toml text, indented as in a test).
BANDS_0_TO_10 = """\
    [tool.opsguard.score]
    min = 0
    max = 10

    [[tool.opsguard.score.bands]]
    name = "low"
    min = 0
    max = 3

    [[tool.opsguard.score.bands]]
    name = "mid"
    min = 3
    max = 7

    [[tool.opsguard.score.bands]]
    name = "high"
    min = 7
    max = 10
    """


@contextmanager
def local_zone(zone: str) -> Iterator[None]:
    """The process's local time zone set to `zone` (TZ, then tzset) inside the block."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()
