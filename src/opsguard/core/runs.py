"""Which run a result belongs to, so that a gate never reads an old result as this run's.

A *run* is one pass of the guards that one `report` and one `gate` judge: one
`opsguard run`, one `nox` invocation, one GitHub Actions job attempt. Every
result file records its run id; `report` and `gate` read only the results of
the current run and say how many others they ignored.

The current run id, in order: `--run-id`, `OPSGUARD_RUN_ID`, and under GitHub
Actions `<GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>` (so a re-run attempt never
reads the failed attempt's files). `opsguard run` and the Nox sessions make a
fresh id when none is set. A check command typed on its own has none: its
result belongs to the anonymous run, and `report`/`gate` without an id judge
the run of the newest result file in the directory.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["RUN_ID_ENV", "RunOptions", "current_run_id", "new_run_id"]

RUN_ID_ENV = "OPSGUARD_RUN_ID"


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What a whole run (`opsguard run`, the Action) may ask of a check beyond its settings."""

    # Retention deletes instead of a dry-run.
    apply: bool = False


def current_run_id(
    explicit: str | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The run id this process belongs to, or None when nothing names one."""
    env = os.environ if environ is None else environ
    for candidate in (explicit, env.get(RUN_ID_ENV)):
        if candidate is not None and candidate.strip():
            return candidate.strip()
    github_run = env.get("GITHUB_RUN_ID", "").strip()
    if env.get("GITHUB_ACTIONS") == "true" and github_run:
        return f"{github_run}-{env.get('GITHUB_RUN_ATTEMPT', '').strip() or '1'}"
    return None


def new_run_id() -> str:
    """A fresh id for a run that nothing names: sortable by time, unique per process."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return f"local-{stamp}-{os.urandom(4).hex()}"
