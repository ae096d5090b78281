"""`opsguard fault`: the crash-safety harness for a writer function."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..checks.fault import DEFAULT_TRIALS, DEFAULT_WRITER, check_fault
from . import add_common, positive_int, run_check


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
    fault.add_argument(
        "--writer",
        default=DEFAULT_WRITER,
        metavar="MODULE:FUNCTION",
        help=f"the writer under test (default {DEFAULT_WRITER}); "
        "modules in the current directory are found",
    )
    fault.add_argument(
        "--trials",
        type=positive_int,
        default=DEFAULT_TRIALS,
        metavar="N",
        help=f"crash trials (default {DEFAULT_TRIALS})",
    )
    fault.add_argument(
        "--seed", type=int, metavar="N", help="seed for sizes and kill moments (default: random)"
    )
    fault.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # --writer mymodule:write, as `python -m` would find it
    return run_check(
        "atomic-write-fault",
        args,
        {"results_dir": args.results_dir},
        lambda _config: check_fault(args.writer, trials=args.trials, seed=args.seed),
    )
