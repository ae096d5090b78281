"""Nox sessions for opsguard's own repository.

The guard sessions (`integrity`, ...) come from `opsguard.sessions`, exactly as
a consumer's noxfile gets them; this file only adds the development sessions.
`nox` with no arguments runs the guard sessions (the defaults) on the bundled
sample fixtures; `tests`, `lint` and `bench` run only when named.
"""

from __future__ import annotations

import nox

import opsguard.sessions  # noqa: F401  (registers the reusable guard sessions)

nox.needs_version = ">=2025.2.9"
nox.options.error_on_missing_interpreters = True

PYPROJECT = nox.project.load_toml("pyproject.toml")


@nox.session(default=False)
def tests(session: nox.Session) -> None:
    """The test suite, in a fresh virtualenv with the package installed (not editable)."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", *session.posargs)


@nox.session(default=False)
def lint(session: nox.Session) -> None:
    """ruff (lint and format) and mypy --strict."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


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
    }
    for name in session.posargs or list(benches):
        if name not in benches:
            session.error(f"unknown bench {name!r}; choose from {', '.join(benches)}")
        session.run("python", *benches[name])
