"""The `opsguard` command line: a thin shell over config, checks and renderers.

Exit codes: 0 every check passed, 1 a gate failed, 2 opsguard could not do
its job (usage, configuration, a missing path); exit 2 prints one line on
stderr and never a traceback. Each subcommand lives in `opsguard.commands`.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import __version__, commands
from .commands import EXIT_ERROR
from .config import DEBUG_ENV
from .errors import OpsguardError

__all__ = ["build_parser", "main"]

# Subcommands in the order `--help` lists them; each is `opsguard.commands.<name>`.
COMMANDS = ("run", "integrity", "privacy", "retention", "fault", "report", "comment", "gate")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="opsguard", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"opsguard {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        if importlib.util.find_spec(f"{commands.__name__}.{name}") is not None:
            importlib.import_module(f"{commands.__name__}.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except OpsguardError as exc:
        sys.stderr.write(f"opsguard: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("opsguard: interrupted\n")
        return 130
    except Exception as exc:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        # The exception's text may quote the data being checked (a key, a value), and a
        # privacy tool must not print that: the type is enough to report the bug.
        sys.stderr.write(
            f"opsguard: internal error: {type(exc).__name__} "
            f"(set {DEBUG_ENV}=1 for a traceback, and please report it)\n"
        )
        return EXIT_ERROR
    return code
