"""Reusable Nox sessions: `import opsguard.sessions` in a noxfile registers them.

Each session is a thin shell over the `opsguard` command line, run by the
interpreter that runs Nox (no virtualenv is created: opsguard is already
importable there, or this module could not have been imported). Commands run
in the directory Nox was invoked from, so relative paths and the config search
behave as they do for `opsguard` itself, and `session.posargs` (everything
after `--`) pass straight through:

    nox -s integrity -- fixtures/defects --as-of 2025-08-14

One `nox` invocation is one run: the first guard session gives it a run id
(unless `OPSGUARD_RUN_ID` or GitHub Actions already name one), every result
carries it, and `report` and `gate` read only this run's results and expect
one from every guard session that started — a guard that crashed before
writing its result fails the gate instead of vanishing from it.

Nox warns when a noxfile defines a session with the same name again; tune a
session through configuration or posargs instead of redefining it.
"""

from __future__ import annotations

import os
import sys

import nox

from .catalog import GUARDS
from .core.runs import RUN_ID_ENV, current_run_id, new_run_id

__all__ = ["atomic_write_fault", "gate", "integrity", "privacy", "report", "retention"]

# The checks of the guard sessions that started in this Nox process, in order.
_started: list[str] = []


def _opsguard(session: nox.Session, *args: str) -> None:
    # No run id and no guard started here (`nox -s report` on its own): report and gate
    # judge the newest run in the results directory, as the command line does.
    run_id = current_run_id()
    env = {RUN_ID_ENV: run_id} if run_id else {}
    with session.chdir(session.invoked_from):
        session.run(sys.executable, "-m", "opsguard", *args, external=True, env=env)


def _guard(guard: str) -> None:
    """Start this Nox process's run if needed, and expect this guard's checks in it."""
    if current_run_id() is None:
        os.environ[RUN_ID_ENV] = new_run_id()
    _started.extend(c.name for c in GUARDS[guard].checks if c.name not in _started)


def _expect() -> list[str]:
    return ["--expect", ",".join(_started)] if _started else []


# Sessions run in the order they are registered: the gates, the harness, the report, the gate.


@nox.session(python=False)
def integrity(session: nox.Session) -> None:
    """Integrity gate over the configured records (posargs go to `opsguard integrity`)."""
    _guard("integrity")
    _opsguard(session, "integrity", *session.posargs)


@nox.session(python=False)
def privacy(session: nox.Session) -> None:
    """The privacy canary, then the scan of the configured telemetry (posargs go to the scan).

    The canary runs first, every time: a scanner that stopped catching leaks
    must not be able to report "clean".
    """
    _guard("privacy")
    _opsguard(session, "privacy", "--self-test")
    _opsguard(session, "privacy", *session.posargs)


@nox.session(python=False)
def retention(session: nox.Session) -> None:
    """Retention over the configured roots: a dry-run unless the posargs say `--apply`."""
    _guard("retention")
    _opsguard(session, "retention", *session.posargs)


@nox.session(python=False, name="atomic-write-fault")
def atomic_write_fault(session: nox.Session) -> None:
    """Fault harness for crash-safe writes (posargs go to `opsguard fault`, e.g. --writer)."""
    _guard("atomic-write-fault")
    _opsguard(session, "fault", *session.posargs)


# Registered after the guards so that a default `nox` run ends with them: every view of
# every result, whatever the guards concluded (nox runs every selected session, failed or
# not), then the one verdict.
@nox.session(python=False)
def report(session: nox.Session) -> None:
    """Every view of this run's results (terminal, report.md, summary.md, SARIF, JSON)."""
    _opsguard(session, "report", *_expect(), *session.posargs)


@nox.session(python=False)
def gate(session: nox.Session) -> None:
    """The run's verdict: fails on a violation, a check that could not run, or a missing one."""
    _opsguard(session, "gate", *_expect(), *session.posargs)
