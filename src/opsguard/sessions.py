"""Reusable Nox sessions: `import opsguard.sessions` in a noxfile registers them.

Each session is a thin shell over the `opsguard` command line, run by the
interpreter that runs Nox (no virtualenv is created: opsguard is already
importable there, or this module could not have been imported). Commands run
in the directory Nox was invoked from, so relative paths and the config search
behave as they do for `opsguard` itself, and `session.posargs` (everything
after `--`) pass straight through:

    nox -s integrity -- fixtures/defects --as-of 2025-08-14

Nox warns when a noxfile defines a session with the same name again; tune a
session through configuration or posargs instead of redefining it.
"""

from __future__ import annotations

import sys

import nox

__all__ = ["atomic_write_fault", "integrity", "privacy", "report", "retention"]


def _run_opsguard(session: nox.Session, command: str) -> None:
    with session.chdir(session.invoked_from):
        session.run(sys.executable, "-m", "opsguard", command, *session.posargs, external=True)


# Sessions run in the order they are registered: the gates, the harness, then the report.


@nox.session(python=False)
def integrity(session: nox.Session) -> None:
    """Integrity gate over the configured records (posargs go to `opsguard integrity`)."""
    _run_opsguard(session, "integrity")


@nox.session(python=False)
def privacy(session: nox.Session) -> None:
    """The privacy canary, then the scan of the configured telemetry (posargs go to the scan).

    The canary runs first, every time: a scanner that stopped catching leaks
    must not be able to report "clean".
    """
    with session.chdir(session.invoked_from):
        session.run(sys.executable, "-m", "opsguard", "privacy", "--self-test", external=True)
    _run_opsguard(session, "privacy")


@nox.session(python=False)
def retention(session: nox.Session) -> None:
    """Retention over the configured roots: a dry-run unless the posargs say `--apply`."""
    _run_opsguard(session, "retention")


@nox.session(python=False, name="atomic-write-fault")
def atomic_write_fault(session: nox.Session) -> None:
    """Fault harness for crash-safe writes (posargs go to `opsguard fault`, e.g. --writer)."""
    _run_opsguard(session, "fault")


# Registered last so that a default `nox` run ends with it: every view of every result,
# whatever the guards above concluded (nox runs every selected session, failed or not).
@nox.session(python=False)
def report(session: nox.Session) -> None:
    """Every view of the collected results (terminal, report.md, summary.md, SARIF, JSON)."""
    _run_opsguard(session, "report")
