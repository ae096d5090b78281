"""Reusable Nox sessions: `import opsguard.sessions` in a noxfile registers them.

One session per guard of the catalog (`integrity`, `privacy`, `retention`,
`atomic-write-fault`), in run order, then `report` and `gate`. Each is a thin
shell over the `opsguard` command line, run by the interpreter that runs Nox
(no virtualenv is created: opsguard is already importable there, or this
module could not have been imported). Commands run in the directory Nox was
invoked from, so relative paths and the config search behave as they do for
`opsguard` itself, and `session.posargs` (everything after `--`) go to the
guard's last command:

    nox -s integrity -- fixtures/defects --as-of 2025-08-14

A guard of several checks runs them in order: the privacy session runs its
canary first, every time, so that a scanner that stopped catching leaks can
never report "clean".

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
from collections.abc import Callable

try:
    import nox
except ModuleNotFoundError:  # pragma: no cover - depends on the environment
    raise ModuleNotFoundError(
        "opsguard.sessions needs Nox: install opsguard with its `nox` extra (see the README)"
    ) from None

from .catalog import GUARDS, GuardSpec
from .core.runs import RUN_ID_ENV, current_run_id, new_run_id

__all__ = ["gate", "report"]

# The checks of the guard sessions that started in this Nox process, in order.
_started: list[str] = []


def _opsguard(session: nox.Session, *args: str) -> None:
    # No run id and no guard started here (`nox -s report` on its own): report and gate
    # judge the newest run in the results directory, as the command line does.
    run_id = current_run_id()
    env = {RUN_ID_ENV: run_id} if run_id else {}
    with session.chdir(session.invoked_from):
        session.run(sys.executable, "-m", "opsguard", *args, external=True, env=env)


def _guard_session(guard: GuardSpec) -> Callable[[nox.Session], None]:
    def run(session: nox.Session) -> None:
        # Start this Nox process's run if needed, and expect this guard's checks in it.
        if current_run_id() is None:
            os.environ[RUN_ID_ENV] = new_run_id()
        _started.extend(check.name for check in guard.checks if check.name not in _started)
        *first, last = guard.checks
        for check in first:
            _opsguard(session, *check.command)
        _opsguard(session, *last.command, *session.posargs)

    run.__doc__ = (
        f"{guard.help[:1].upper()}{guard.help[1:]} (posargs go to `opsguard {guard.command}`)."
    )
    run.__name__ = run.__qualname__ = guard.name.replace("-", "_")
    return run


def _expect() -> list[str]:
    return ["--expect", ",".join(_started)] if _started else []


# Sessions run in the order they are registered: the guards, then the report of them all,
# then the one verdict (nox runs every selected session, failed or not).
for _guard in GUARDS.values():
    globals()[_guard.name.replace("-", "_")] = nox.session(python=False, name=_guard.name)(
        _guard_session(_guard)
    )


@nox.session(python=False)
def report(session: nox.Session) -> None:
    """Every view of this run's results (terminal, report.md, summary.md, SARIF, JSON)."""
    _opsguard(session, "report", *_expect(), *session.posargs)


@nox.session(python=False)
def gate(session: nox.Session) -> None:
    """The run's verdict: fails on a violation, a check that could not run, or a missing one."""
    _opsguard(session, "gate", *_expect(), *session.posargs)
