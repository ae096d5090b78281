"""A pipeline adopts opsguard as the README's "Use it in your pipeline" section tells it to.

The consumer project is built from that section's code blocks (each starts
with `# file: PATH`), opsguard is installed from this checkout into a fresh
virtualenv under its distribution name (once for the module), and the
project's own noxfile runs: its ingestion writes records that the integrity
session passes, and the fault harness proves the pipeline's writers —
`save_record(path, record)` on `atomic_write_json` and `RecordStore.write`
pass, a naive record writer fails. If the README stops telling the truth,
this test fails.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import yaml
from support import clean_env, load_json

from opsguard.catalog import CHECKS

REPO = Path(__file__).resolve().parent.parent
SECTION = "## Use it in your pipeline"
FENCE = re.compile(r"^```(?P<lang>[a-z]*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
FAULT_CHECK = next(name for name in CHECKS if CHECKS[name].command == ("fault",))
NAIVE = '''\
import json


def save_record(path, record):
    """A naive record writer: truncate in place, then write."""
    open(path, "w").write(json.dumps(record))
'''


def readme_files() -> dict[str, str]:
    """The section's `# file: PATH` code blocks, by path."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n{SECTION}\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    files: dict[str, str] = {}
    for block in FENCE.finditer(section):
        first, _, _rest = block["body"].partition("\n")
        if first.startswith("# file: "):
            files[first.removeprefix("# file: ").strip()] = block["body"]
    return files


def install_line() -> str:
    """The section's `pip install ...` line (the one that names the distribution)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index(f"\n{SECTION}\n") :]
    return next(line for line in section.splitlines() if line.startswith("pip install "))


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with opsguard installed from this checkout, `nox` extra included."""
    root = tmp_path_factory.mktemp("consumer-venv")
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=300)
    python = root / "bin" / "python"
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"{REPO}[nox]"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env=clean_env({"PIP_DISABLE_PIP_VERSION_CHECK": "1"}),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


@pytest.fixture
def project(tmp_path: Path, venv: Path) -> Path:
    """The README's consumer project, with a few days ingested through its own code."""
    root = tmp_path / "readiness-pipeline"
    for name, body in readme_files().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    (root / "readiness" / "__init__.py").touch()
    for folder in ("records", "telemetry", "quarantine"):
        (root / "data" / folder).mkdir(parents=True)
    ingest = textwrap.dedent(
        """
        from readiness.ingest import ingest
        ingest([
            {"date": f"2025-08-{day:02d}", "schema_version": "1.0.0", "score": score,
             "band": band}
            for day, (score, band) in enumerate(
                [(72.5, "good"), (38.0, "poor"), (55.0, "fair"), (91.2, "excellent")], start=1
            )
        ])
        """
    )
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-c", ingest],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return root


def nox(venv: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "nox"), *args],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def fault_result(project: Path) -> dict[str, object]:
    return load_json(project / ".opsguard" / "results" / f"{FAULT_CHECK}.json")


# --- the section itself ------------------------------------------------------------------------


def test_the_section_names_the_distribution_and_every_file_of_the_project() -> None:
    files = readme_files()

    assert set(files) == {
        "pyproject.toml",
        "readiness/ingest.py",
        "noxfile.py",
        ".github/workflows/opsguard.yml",
    }
    line = install_line()
    assert '"opsguard-pipeline[nox] @ git+https://github.com/org/opsguard@v' in line
    pyproject = tomllib.loads(files["pyproject.toml"])
    dependency = pyproject["project"]["dependencies"][0]
    assert dependency.startswith("opsguard-pipeline @ git+https://github.com/org/opsguard@v")
    assert pyproject["tool"]["opsguard"]["fault"]["writer"] == "readiness.ingest:save_record"
    assert '# dependencies = ["nox>=2025.2.9", "opsguard-pipeline[nox]"]' in files["noxfile.py"]
    workflow = yaml.safe_load(files[".github/workflows/opsguard.yml"])
    steps = workflow["jobs"]["guards"]["steps"]
    assert [s.get("uses", "").split("@")[0] for s in steps][-1] == "org/opsguard"
    assert steps[-1]["uses"] == "org/opsguard@v1"


def test_our_own_distribution_name_is_the_one_the_section_installs() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == "opsguard-pipeline"
    assert pyproject["project"]["scripts"] == {"opsguard": "opsguard.cli:main"}
    assert pyproject["project"]["urls"]["Repository"] == "https://github.com/org/opsguard"


# --- the project, built from it ----------------------------------------------------------------


def test_the_installed_distribution_satisfies_the_noxfile_and_integrity_passes(
    venv: Path, project: Path
) -> None:
    proc = nox(venv, project, "-s", "integrity")

    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = load_json(project / ".opsguard" / "results" / "integrity.json")
    assert result["status"] == "pass"
    assert result["summary"]["records"] == 4
    # Nox found `opsguard-pipeline[nox]` installed: no script environment was made for it.
    assert not (project / ".nox").exists()
    assert "no configuration file" not in proc.stdout + proc.stderr


def test_the_pipelines_save_record_passes_the_harness(venv: Path, project: Path) -> None:
    proc = nox(venv, project, "-s", FAULT_CHECK, "--", "--trials", "30", "--seed", "7")

    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = fault_result(project)
    assert result["status"] == "pass"
    summary = result["summary"]
    assert isinstance(summary, dict)
    assert summary["writer"] == "readiness.ingest:save_record"
    assert summary["payload"] == "json"
    assert summary["trials"] == 30 and summary["corrupt"] == 0
    assert summary["negative_control_detected"] is True
    assert "opsguard's own" not in proc.stdout


def test_record_store_write_passes_the_harness(venv: Path, project: Path) -> None:
    proc = nox(
        venv,
        project,
        "-s",
        FAULT_CHECK,
        "--",
        "--writer",
        "readiness.ingest:open_store",
        "--target",
        "directory",
        "--trials",
        "30",
    )

    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = fault_result(project)["summary"]
    assert isinstance(summary, dict)
    assert (summary["writer"], summary["target"]) == ("readiness.ingest:open_store", "directory")
    assert summary["matrix_failures"] == 0 and summary["corrupt"] == 0
    # The harness wrote into its own scratch directory, never the pipeline's records.
    records = project / "data" / "records"
    assert sorted(p.name for p in records.iterdir() if not p.name.startswith(".")) == [
        f"2025-08-0{day}.json" for day in range(1, 5)
    ]


def test_a_naive_record_writer_fails_the_harness(venv: Path, project: Path) -> None:
    (project / "readiness" / "naive.py").write_text(NAIVE, encoding="utf-8")

    proc = nox(
        venv,
        project,
        "-s",
        FAULT_CHECK,
        "--",
        "--writer",
        "readiness.naive:save_record",
        "--trials",
        "30",
    )

    assert proc.returncode == 1, proc.stdout + proc.stderr
    result = fault_result(project)
    assert result["status"] == "fail"
    counts = result["summary"]["counts"]  # type: ignore[index]
    assert counts["matrix-failure"] > 0
    assert counts.get("corrupt-after-crash", 0) + counts.get("torn-read", 0) > 0
    messages = json.dumps(result["findings"])
    assert "the writer never called fsync" in messages


def test_a_writer_for_one_session_of_several_leaves_integrity_as_configured(
    venv: Path, project: Path
) -> None:
    proc = nox(
        venv,
        project,
        "-s",
        "integrity",
        FAULT_CHECK,
        "--",
        "--writer",
        "readiness.ingest:open_store",
        "--target",
        "directory",
        "--trials",
        "20",
    )

    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "posargs are not for `opsguard integrity`" in out
    assert load_json(project / ".opsguard" / "results" / "integrity.json")["status"] == "pass"
    summary = fault_result(project)["summary"]
    assert isinstance(summary, dict)
    assert summary["writer"] == "readiness.ingest:open_store"
