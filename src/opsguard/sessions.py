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

Nox hands the posargs to every selected session. A session passes them on
only when its command accepts them (checked in-process with that command's
own parser, before anything runs); a session whose command does not accept
them, while another opsguard session's command does, runs with the
configuration and says so in one line. So `nox -s integrity
atomic-write-fault -- --writer mypkg.io:save` tests that writer and leaves
integrity as configured. Posargs that no opsguard command accepts (a typo)
fail the session. Settings that several sessions of one run need belong in
the configuration (`[tool.opsguard.fault] writer = "mypkg.io:save"`), not in
posargs.

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

import contextlib
import io
import os
import sys
from collections.abc import Callable, Sequence

try:
    import nox
except ModuleNotFoundError:  # pragma: no cover - depends on the environment
    raise ModuleNotFoundError(
        "opsguard.sessions needs Nox: pip install 'opsguard-pipeline[nox]' (the `nox` extra; "
        "see the README)"
    ) from None

from .catalog import GUARDS, GuardSpec
from .core.runs import RUN_ID_ENV, current_run_id, new_run_id

__all__ = ["gate", "report", "sweep"]

# The checks of the guard sessions that started in this Nox process, in order.
_started: list[str] = []


def _opsguard(session: nox.Session, *args: str) -> None:
    # No run id and no guard started here (`nox -s report` on its own): report and gate
    # judge the newest run in the results directory, as the command line does.
    run_id = current_run_id()
    env = {RUN_ID_ENV: run_id} if run_id else {}
    with session.chdir(session.invoked_from):
        session.run(sys.executable, "-m", "opsguard", *args, external=True, env=env)


def _refusal(command: Sequence[str], posargs: Sequence[str]) -> str | None:
    """Why `opsguard COMMAND POSARGS` would be a usage error, or None when it parses.

    Parsed in-process with the command's own parser, so nothing runs; `--help`
    counts as accepted.
    """
    from .cli import build_parser

    argv = [*command, *posargs]
    said = io.StringIO()
    with contextlib.redirect_stderr(said), contextlib.redirect_stdout(io.StringIO()):
        try:
            build_parser(argv).parse_args(argv)
        except SystemExit as exc:
            if exc.code in (0, None):
                return None
            lines = [line for line in said.getvalue().splitlines() if line.strip()]
            return lines[-1].partition("error: ")[2].removesuffix(" (see --help)") if lines else "?"
    return None


# Every command line an opsguard session ends with: the guards' last commands, report, gate.
_SESSION_COMMANDS: tuple[tuple[str, ...], ...] = (
    *(guard.checks[-1].command for guard in GUARDS.values()),
    ("report",),
    ("gate",),
)


def _posargs_for(session: nox.Session, command: Sequence[str]) -> list[str]:
    """The posargs this session's command gets: all of them, or none (see the module doc)."""
    posargs = list(session.posargs)
    if not posargs:
        return []
    refused = _refusal(command, posargs)
    if refused is None:
        return posargs
    if all(_refusal(other, posargs) for other in _SESSION_COMMANDS if other != tuple(command)):
        session.error(
            f"posargs {' '.join(posargs)!r}: not accepted by `opsguard {' '.join(command)}` "
            f"({refused}) nor by any other opsguard session"
        )
    session.warn(
        f"posargs are not for `opsguard {' '.join(command)}` ({refused}): {session.name} runs "
        "with the configuration; put options that one session of several needs in "
        "[tool.opsguard] (e.g. [tool.opsguard.fault] writer)"
    )
    return []


def _guard_session(guard: GuardSpec) -> Callable[[nox.Session], None]:
    def run(session: nox.Session) -> None:
        # Start this Nox process's run if needed, and expect this guard's checks in it.
        if current_run_id() is None:
            os.environ[RUN_ID_ENV] = new_run_id()
        _started.extend(check.name for check in guard.checks if check.name not in _started)
        *first, last = guard.checks
        posargs = _posargs_for(session, last.command)
        for check in first:
            _opsguard(session, *check.command)
        _opsguard(session, *last.command, *posargs)

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
    _opsguard(session, "report", *_expect(), *_posargs_for(session, ("report",)))


@nox.session(python=False)
def gate(session: nox.Session) -> None:
    """The run's verdict: fails on a violation, a check that could not run, or a missing one."""
    _opsguard(session, "gate", *_expect(), *_posargs_for(session, ("gate",)))


@nox.session(python=False, default=False)
def sweep(session: nox.Session) -> None:
    """List the temp files of writes that did not finish (`-- --apply` moves them to the
    quarantine); not part of a plain `nox` run."""
    _opsguard(session, "sweep", *session.posargs)
