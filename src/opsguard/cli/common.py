"""What every `opsguard` command shares: options, flags made from settings, `run_check`.

Flags of configuration settings are made from the settings themselves
(`add_settings`): the converter, its range, the help and the default are the
setting's. `run_check` is the one way a check command runs: it loads the
configuration, hands the check to `deliver.results.execute` (which writes a
provisional "did not finish" result first, then the result or an `error`
result with the one-line reason of the exit 2), prints the terminal view and
turns the status into the exit code. A command parses, calls its check, and
delivers; it never decides a verdict itself.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..catalog import checks_of, expand_checks, load_config
from ..core.config import (
    CORE_SETTINGS,
    Choice,
    Config,
    ConfigWarning,
    Count,
    Day,
    Kind,
    Number,
    PathKind,
    PathsKind,
    Setting,
    Switch,
    Timestamp,
    no_file_warning,
    source_line,
)
from ..core.errors import ConfigError, OpsguardError
from ..core.files import printable, special_kind
from ..core.result import EXIT_ERROR, EXIT_FAIL, EXIT_PASS, CheckResult
from ..core.runs import current_run_id
from ..deliver.results import execute, write_result
from ..report.terminal import TERMINAL_FINDINGS, render_check, use_color

__all__ = [
    "AS_OF",
    "CORE",
    "DEFAULT_RESULTS_DIR",
    "DOCS_URL",
    "EXIT_ERROR",
    "EXIT_FAIL",
    "EXIT_PASS",
    "add_assignments",
    "add_common",
    "add_expect",
    "add_max_findings",
    "add_run_options",
    "add_settings",
    "check_outputs",
    "expected_checks",
    "kind_type",
    "load",
    "output_file",
    "results_dir_given",
    "run_check",
    "setting_overrides",
]

CORE = {setting.key: setting for setting in CORE_SETTINGS}
DEFAULT_RESULTS_DIR = Path(CORE["results_dir"].default)
# Where the documentation lives: the docs/ folder is not in the installed package.
DOCS_URL = "https://github.com/org/opsguard"

# `load` says it in one line of its own; a command that loads the configuration directly
# (`comment`, which reads no data) must not print Python's two-line warning format instead.
warnings.filterwarnings("ignore", category=ConfigWarning)


def kind_type(kind: Kind, flag: str) -> Callable[[str], Any]:
    """An argparse `type=` that reads a flag with the kind's one converter (and its range)."""

    def parse(text: str) -> Any:
        try:
            return kind.from_text(text, flag, Path.cwd())
        except ConfigError as exc:
            message = str(exc)
            raise argparse.ArgumentTypeError(message.removeprefix(f"{flag}: ")) from None

    parse.__name__ = flag.lstrip("-")
    return parse


def add_settings(command: argparse.ArgumentParser, *settings: Setting) -> None:
    """A flag for each setting: its converter, range, help and default come from the setting.

    The values reach the configuration through `setting_overrides(args)`.
    """
    for setting in settings:
        if setting.flag is None:
            raise ValueError(f"setting {setting.key} has no flag")  # a programming error
        default = "" if setting.default is None else f"; default {_shown(setting.default)}"
        # A switch alone means yes (`--explain`); `--explain no` still says no.
        optional: dict[str, Any] = (
            {"nargs": "?", "const": True} if isinstance(setting.kind, Switch) else {}
        )
        command.add_argument(
            setting.flag,
            type=kind_type(setting.kind, setting.flag),
            metavar=_metavar(setting.kind),
            dest=_dest(setting),
            help=f"{setting.help} ({setting.key}{default})",
            **optional,
        )
    known: tuple[Setting, ...] = command.get_default("settings_") or ()
    command.set_defaults(settings_=(*known, *settings))


def results_dir_given(args: argparse.Namespace) -> Path:
    """`--results-dir`, else the default: where to record a run that has no configuration."""
    given: Path | None = getattr(args, _dest(CORE["results_dir"]), None)
    return given or DEFAULT_RESULTS_DIR


def setting_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The configuration overrides of the setting flags given on this command line."""
    return {s.key: getattr(args, _dest(s)) for s in getattr(args, "settings_", ())}


def _dest(setting: Setting) -> str:
    return "setting_" + setting.key.replace(".", "_")


def _metavar(kind: Kind) -> str:
    if isinstance(kind, Choice):
        return "{" + ",".join(kind.choices) + "}"
    if isinstance(kind, Count):
        return "N"
    if isinstance(kind, Number):
        return "X"
    if isinstance(kind, Timestamp):
        return "TS"
    if isinstance(kind, Switch):
        return "yes|no"
    if isinstance(kind, PathKind | PathsKind):
        return "PATH"
    return "VALUE"


def _shown(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


# One converter per kind, for the options that are not configuration settings.
AS_OF = kind_type(Day(), "--as-of")


def add_run_options(command: argparse.ArgumentParser) -> None:
    """Options of every command that reads or writes a run's results."""
    command.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: nearest opsguard.toml or "
        "pyproject.toml with [tool.opsguard])",
    )
    add_settings(command, CORE["results_dir"])
    # A command may add a `--verbose` of its own (retention lists kept files): with the
    # same dest it replaces this one, and then also prints the configuration line.
    for container in (command, *command._action_groups):
        container.conflict_handler = "resolve"
    command.add_argument(
        "--verbose",
        action="store_true",
        help="also say which configuration file is used (on stderr)",
    )
    command.add_argument(
        "--run-id",
        metavar="ID",
        help="the run the results belong to (default: OPSGUARD_RUN_ID, or the GitHub "
        "Actions run and attempt)",
    )


def add_expect(command: argparse.ArgumentParser) -> None:
    """`--expect`: the checks this run must have results for."""
    command.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="CHECKS",
        help="checks that must have a result from this run, comma-separated (default: the "
        "configured `checks`, else whatever ran); a missing one is exit 2",
    )


def expected_checks(args: argparse.Namespace, config: Config) -> tuple[str, ...]:
    """The checks a run must have results for: `--expect`, else the configured guards' checks."""
    names = [name for item in args.expect for name in item.replace(",", " ").split()]
    if names:
        return expand_checks(names)
    return checks_of(config.checks) if config.checks else ()


def add_common(command: argparse.ArgumentParser) -> None:
    """The options every check command takes."""
    add_run_options(command)
    command.add_argument(
        "--json",
        type=output_file,
        metavar="OUT",
        dest="json_out",
        help="also write the result JSON to OUT (`-`: stdout, and the report goes to stderr)",
    )
    add_max_findings(command, "on the terminal")
    add_assignments(command)


def add_max_findings(command: argparse.ArgumentParser, where: str) -> None:
    """`--max-findings N`: the findings shown `where` (all are in the JSON)."""
    command.add_argument(
        "--max-findings",
        type=kind_type(Count(0, 10**6), "--max-findings"),
        default=TERMINAL_FINDINGS,
        metavar="N",
        help=f"findings shown {where} (default {TERMINAL_FINDINGS}; all are in the JSON)",
    )


def add_assignments(command: argparse.ArgumentParser) -> None:
    """`--set KEY=VALUE`: any configuration key, a TOML value."""
    command.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="assignments",
        help="override a configuration key with a TOML value "
        "(e.g. --set integrity.threshold=0.05); repeatable",
    )


def load(args: argparse.Namespace) -> Config:
    """The configuration this command line asks for: file, environment, `--set`, flags.

    `--verbose` prints which file is used; without a file, a command that reads the
    configured data paths (no PATH given) always warns on stderr, naming the default paths,
    so that a job started in the wrong directory is never silently pointed at them.
    """
    config = load_config(
        args.config,
        overrides=setting_overrides(args),
        assignments=getattr(args, "assignments", ()),
        warn=False,
    )
    if getattr(args, "verbose", False):
        sys.stderr.write(f"opsguard: {source_line(config)}\n")
    warning = no_file_warning(config)
    if warning is not None and _reads_default_paths(args):
        sys.stderr.write(f"opsguard: warning: {warning}\n")
    return config


def _reads_default_paths(args: argparse.Namespace) -> bool:
    """True when the command reads the configured data paths: `run`, or a check given no PATH."""
    if getattr(args, "command", None) == "run":
        return True
    if getattr(args, "self_test", False):
        return False  # the privacy canary scans its own planted files
    given = [getattr(args, name) for name in ("paths", "roots") if hasattr(args, name)]
    return bool(given) and not any(given)


def run_check(check: str, args: argparse.Namespace, body: Callable[[Config], CheckResult]) -> int:
    """Load the configuration, run `body` through `deliver.results.execute`, print, exit.

    An `OpsguardError` (from the configuration or the check) is written as the
    check's `error` result and then re-raised for the CLI's one-line exit 2.
    """
    run_id = current_run_id(args.run_id)
    # With data going to stdout (`--json -`), every line for people goes to stderr instead.
    with _people_stream(check_outputs(args)):
        try:
            config = load(args)
        except OpsguardError as exc:
            error = CheckResult.could_not_run(check, str(exc), run_id=run_id)
            write_result(error, results_dir_given(args), args.json_out, quiet=True)
            raise
        result = execute(
            check,
            lambda: body(config),
            results_dir=config.results_dir,
            run_id=run_id,
            json_out=args.json_out,
        )
        color = use_color(sys.stdout)
        sys.stdout.write(render_check(result, max_findings=args.max_findings, color=color))
    return result.exit_code


# `-` as an output means stdout; /dev/stdout is written through (core.atomic), never replaced.
STDOUT = Path("/dev/stdout")
# The flags whose value is a file opsguard writes (argparse dests), for `check_outputs`.
OUTPUT_DESTS = {"json_out": "--json", "plan_out": "--plan-out", "log": "--log"}


def output_file(text: str) -> Path:
    """An output flag's value as a path: `-` is stdout."""
    return STDOUT if text == "-" else Path(text)


def check_outputs(args: argparse.Namespace) -> bool:
    """Refuse, before anything runs or prints, an output that can never be written.

    A directory, a socket or a block device is never replaced (core.atomic);
    at most one output may be stdout. Returns whether one is (then the lines
    for people go to stderr, so that stdout holds only the data).
    """
    to_stdout = []
    for dest, flag in OUTPUT_DESTS.items():
        path = getattr(args, dest, None)
        if path is None:
            continue
        if path == STDOUT:
            to_stdout.append(flag)
            continue
        try:
            mode = os.stat(path).st_mode
        except OSError:
            continue  # a new file: whether it can be made is known when it is written
        kind = "directory" if stat.S_ISDIR(mode) else special_kind(mode)
        if kind is not None and kind not in ("character device", "FIFO"):
            raise OpsguardError(
                f"{flag} {printable(str(path))}: not a regular file ({kind}); nothing was run"
            )
    if len(to_stdout) > 1:
        raise OpsguardError(f"only one output can be stdout (-): {', '.join(to_stdout)}")
    return bool(to_stdout)


def _people_stream(data_on_stdout: bool) -> contextlib.AbstractContextManager[object]:
    return contextlib.redirect_stdout(sys.stderr) if data_on_stdout else contextlib.nullcontext()
