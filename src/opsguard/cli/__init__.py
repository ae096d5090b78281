"""The `opsguard` command line: a thin shell over the configuration, the checks and delivery.

Exit codes: 0 every check passed, 1 a gate failed, 2 opsguard could not do
its job (usage, configuration, a missing path); exit 2 prints one line on
stderr and never a traceback. Each subcommand is a module of this package
with `register(subparsers)`; only the one named on the command line is
imported, so `opsguard gate` never loads a check.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .._version import __version__
from ..catalog import GUARDS
from ..core.config import DEBUG_ENV
from ..core.errors import OpsguardError
from ..core.result import EXIT_ERROR

__all__ = ["COMMANDS", "build_parser", "main"]

# Every subcommand (its module in this package) with its one-line help, in `--help` order;
# each module's parser takes its help from here.
COMMANDS: dict[str, str] = {
    "run": "run every configured guard in one process and exit with the gate's code",
    **{guard.command: guard.help for guard in GUARDS.values()},
    "report": "render every view of the results: terminal, PR comment, summary, SARIF, JSON",
    "metrics": "write this run's results and the auto-run's telemetry as a Prometheus textfile",
    "comment": "post report.md as the one sticky PR comment (create, update, or skip)",
    "sweep": "move the temp files of writes that did not finish into the quarantine "
    "(dry run first)",
    "gate": "exit 0 if every expected check of this run passed, 1 on a violation, "
    "2 if a check could not run or has no result",
}


_EXIT_CODES = (
    "exit codes: 0 all checks passed; 1 a gate failed (a violation); "
    "2 opsguard could not do its job (one line on stderr)"
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2.

    Every `--help` says the exit codes: a command whose description does not
    (a check command) gets the common ones as its epilog.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        described = str(kwargs.get("description")).lower()
        if kwargs.get("epilog") is None and not any(
            words in described for words in ("exit codes", "exit 0", "exits 0")
        ):
            kwargs["epilog"] = _EXIT_CODES
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see --help)\n")


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; the subcommand named in `argv` is registered fully, the others by name."""
    parser = _Parser(
        prog="opsguard",
        description=__doc__.splitlines()[0],
        epilog=_EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"opsguard {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    position, chosen = next(
        ((i, arg) for i, arg in enumerate(argv) if not arg.startswith("-")), (len(argv), None)
    )
    # A known command after no top-level --help needs no other: each parser costs start-up.
    alone = chosen in COMMANDS and not {"-h", "--help"} & set(argv[:position])
    for name, summary in COMMANDS.items():
        if name == chosen:
            importlib.import_module(f"{__name__}.{name}").register(subparsers)
        elif not alone:  # listed for --help and for argparse's choices, never parsed
            subparsers.add_parser(name, help=summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list)
    args = parser.parse_args(args_list)
    try:
        code: int = args.run(args)
    except OpsguardError as exc:
        sys.stderr.write(f"opsguard: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("opsguard: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`opsguard ... | head`): nothing more to say, and Python
        # must not complain when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
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
