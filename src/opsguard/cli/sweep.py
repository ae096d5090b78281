"""`opsguard sweep`: move the temp files of writes that did not finish into the quarantine.

A writer killed between writing its temp file and renaming it leaves
`.NAME.<hex>.tmp` beside the records; `opsguard integrity` reports it
(`orphan-temp`). The temp file may hold the only copy of a record, so the
sweep moves it (`quarantine/orphans/`, with a sidecar), never deletes it.
A dry run lists what would move; `--apply` moves it. Not a check: it writes
no result, and exits 0 unless it cannot do its job (2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..core.config import Number
from ..core.errors import OpsguardError
from ..core.files import display_path, printable
from ..core.quarantine import Orphan, find_orphans, sweep_orphans
from ..core.result import EXIT_PASS
from ..integrity.settings import INTEGRITY
from . import COMMANDS
from .common import add_assignments, add_run_options, kind_type, load


def register(commands: Any) -> None:
    command = commands.add_parser(
        "sweep",
        help=COMMANDS["sweep"],
        description="List the temp files (.NAME.<hex>.tmp) that writers killed mid-write left "
        "in the record and telemetry folders (or PATHs), older than --older-than hours; with "
        "--apply, move them into the quarantine's orphans/ folder, each with a sidecar saying "
        "where it came from. Never deletes: a temp file may hold the only copy of a record. "
        "Exit 0 when done (dry run or applied), 2 when it cannot do its job.",
    )
    command.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    add_run_options(command)
    command.add_argument(
        "--older-than",
        type=kind_type(Number(0, 24 * 365), "--older-than"),
        metavar="HOURS",
        help="only temp files at least this old (default: integrity.orphan_temp_hours): "
        "a younger one may belong to a write in progress",
    )
    command.add_argument(
        "--apply", action="store_true", help="move them (without it, only list them)"
    )
    add_assignments(command)
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    hours = args.older_than
    if hours is None:
        hours = INTEGRITY.of(config).orphan_temp_hours
    roots = list(args.paths) or [*config.paths.records, *config.paths.telemetry]
    cwd = Path.cwd()
    for root in roots:
        if not root.is_dir():
            raise OpsguardError(f"not a directory: {printable(str(root))}")
    quarantine = config.paths.quarantine
    moved = 0
    found: list[Orphan] = []
    for root in roots:
        if args.apply:
            for swept in sweep_orphans(root, hours * 3600, quarantine):
                moved += 1
                sys.stdout.write(
                    f"moved {display_path(swept.original, cwd)} ({_age(swept.age_s)} old, "
                    f"{swept.size} bytes) to {display_path(swept.moved_to, cwd)}\n"
                )
        else:
            found.extend(find_orphans(root, hours * 3600, quarantine))
    for orphan in found:
        sys.stdout.write(
            f"would move {display_path(orphan.path, cwd)} ({_age(orphan.age_s)} old, "
            f"{orphan.size} bytes)\n"
        )
    target = display_path(Path(quarantine) / "orphans", cwd)
    if args.apply:
        sys.stdout.write(f"opsguard sweep: moved {moved} temp file(s) to {target}\n")
    else:
        sys.stdout.write(
            f"opsguard sweep: {len(found)} temp file(s) at least {hours:g} h old would move to "
            f"{target} (dry run; --apply moves them)\n"
        )
    return EXIT_PASS


def _age(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 360 else f"{max(seconds, 0):.0f} s"
