"""`opsguard fault`: the crash-safety harness for a writer function."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..core.config import Config
from ..core.result import CheckResult
from ..fault.check import check_fault
from ..fault.settings import FAULT
from .common import add_common, add_settings, run_check


def register(commands: Any) -> None:
    fault = commands.add_parser(
        "fault",
        help="prove a writer crash-safe: error matrix, SIGKILL trials, kill at every syscall",
        description="Run the atomic-write fault harness against WRITER, a function "
        "writer(path, data): injected I/O errors, random SIGKILLs with a concurrent reader, "
        "a kill before each of its system calls (where strace is installed), and a negative "
        "control that must be caught. See docs/fault.md.",
    )
    add_common(fault)
    add_settings(fault, *FAULT.settings)
    fault.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # --writer mymodule:write, as `python -m` would find it
    return run_check("atomic-write-fault", args, _check)


def _check(config: Config) -> CheckResult:
    settings = FAULT.of(config)
    return check_fault(settings.writer, trials=settings.trials, seed=settings.seed)
