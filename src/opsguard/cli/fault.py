"""`opsguard fault`: the crash-safety harness for a writer function."""

from __future__ import annotations

import argparse
from typing import Any

from ..catalog import fault_records
from ..core.config import Config
from ..core.result import CheckResult
from ..core.runs import RunOptions
from ..fault.check import run_configured
from ..fault.settings import FAULT
from . import COMMANDS
from .common import DOCS_URL, add_common, add_settings, run_check


def register(commands: Any) -> None:
    fault = commands.add_parser(
        "fault",
        help=COMMANDS["fault"],
        description="Run the atomic-write fault harness against WRITER, a function "
        "writer(path, data) (data: bytes, str or a record dict, by --payload) or, with "
        "--target directory, a factory(directory) of writer(data): injected I/O errors, random "
        "SIGKILLs with a concurrent reader, a kill before each of its system calls (where "
        "strace is installed), and a negative control that must be caught. A writer that "
        "cannot be called so is exit 2. Without --writer or fault.writer it tests opsguard's "
        f"own writer. Documentation: {DOCS_URL}/blob/main/docs/fault.md",
    )
    add_common(fault)
    add_settings(fault, *FAULT.settings)
    fault.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # `--writer mymodule:write` is found in the working directory by `load_writer` itself.
    return run_check("atomic-write-fault", args, _check)


def _check(config: Config) -> CheckResult:
    return run_configured(config, RunOptions(), records=fault_records(config))
