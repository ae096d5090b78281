"""The guards opsguard runs, and the result files each one produces.

A *guard* is what a user selects (a Nox session, an `opsguard run --checks`
entry, the Action's `checks` input); a *check* is what writes one result file.
The privacy guard is two checks: its canary (`privacy-self-test`), which runs
first so that a broken scanner cannot report "clean", and the scan itself.
Every list of checks in the views is ordered by this table.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .errors import OpsguardError

__all__ = ["CHECK_ORDER", "GUARDS", "checks_of", "expand_checks", "guard_name"]

# guard -> the checks it writes results for, in the order they run.
GUARDS: dict[str, tuple[str, ...]] = {
    "integrity": ("integrity",),
    "privacy": ("privacy-self-test", "privacy"),
    "retention": ("retention",),
    "atomic-write-fault": ("atomic-write-fault",),
}
# Short names people type for a guard.
_ALIASES = {"fault": "atomic-write-fault"}

# How checks are listed in every view; checks this version does not know come after, by name.
CHECK_ORDER: tuple[str, ...] = (
    "integrity",
    "privacy",
    "privacy-self-test",
    "retention",
    "atomic-write-fault",
)


def guard_name(name: str) -> str:
    """The guard a user-typed name means; an `OpsguardError` suggesting the closest for a typo."""
    name = _ALIASES.get(name, name)
    if name in GUARDS:
        return name
    close = difflib.get_close_matches(name, [*GUARDS, *_ALIASES], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise OpsguardError(f"unknown check {name!r}{hint}; choose from {', '.join(GUARDS)}")


def checks_of(guards: Iterable[str]) -> tuple[str, ...]:
    """The result checks of the given guards, in catalog order, each once."""
    wanted = {guard_name(g) for g in guards}
    return tuple(check for guard, checks in GUARDS.items() if guard in wanted for check in checks)


def expand_checks(names: Iterable[str]) -> tuple[str, ...]:
    """Guard or check names (`privacy`, `privacy-self-test`, `fault`) to check names.

    A guard name stands for all of its checks; a check name for itself.
    """
    out: list[str] = []
    for name in names:
        found = (name,) if name in CHECK_ORDER else checks_of([name])
        out += [check for check in found if check not in out]
    return tuple(out)
