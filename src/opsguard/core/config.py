"""One typed configuration, built once and passed down; every setting defined once.

A `Setting` is the whole truth about one key: its default, its kind (the one
converter that reads it from a file, the environment, a flag or `--set`, with
its range), its flag, its environment variable and its help. The guards
declare their settings in a `SectionSpec` each (`integrity/settings.py`, ...),
core declares the shared ones (`CORE_SETTINGS`), and `build_config` builds a
`Config` from all of them (`opsguard.load_config` passes every guard's
section). Docs, flags and the environment table are derived from the same
objects, so a default is written once.

Sources, later ones overriding earlier ones:

1. `[tool.opsguard]` in `pyproject.toml`, or the top level of `opsguard.toml`,
   found by searching upward from the working directory (`opsguard.toml` wins
   in a directory holding both; a `pyproject.toml` without `[tool.opsguard]`
   is passed over). `--config FILE` or `OPSGUARD_CONFIG` name a file instead.
2. Environment variables `OPSGUARD_<SECTION>_<KEY>` (and aliases such as
   `RETENTION_DAYS`). Set but empty is an error, never "the default".
3. `--set KEY=VALUE` (a TOML value, or a bare word).
4. A command's own flags (`--threshold`).

Every unknown key or variable and every bad value is a `ConfigError` whose
one-line message names where it came from and, for a typo, the closest valid
name. Paths in a config file are relative to that file's directory; paths
from the environment or flags are relative to the working directory.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from .errors import ConfigError
from .files import printable
from .runs import RUN_ID_ENV

__all__ = [
    "COMMENT_FINDINGS",
    "CONFIG_ENV",
    "CORE_SETTINGS",
    "DEBUG_ENV",
    "Choice",
    "Config",
    "ConfigWarning",
    "Count",
    "Kind",
    "Number",
    "PathKind",
    "Paths",
    "PathsKind",
    "Ratio",
    "ReportConfig",
    "SectionSpec",
    "Setting",
    "Switch",
    "Text",
    "Timestamp",
    "Values",
    "Words",
    "build_config",
    "env_names",
    "find_config_file",
    "no_file_warning",
    "settings_table",
    "source_line",
    "suggest",
    "table_items",
]

CONFIG_ENV = "OPSGUARD_CONFIG"
# Set to 1 to get a traceback instead of the one-line internal-error message.
DEBUG_ENV = "OPSGUARD_DEBUG"
_RESERVED_ENV = frozenset({CONFIG_ENV, DEBUG_ENV, RUN_ID_ENV})
_T = TypeVar("_T")


# --- kinds: one converter per kind of value ----------------------------------------------------


class Kind:
    """How one kind of value is read: from a file or `--set` (a TOML value), or from text.

    `from_text` reads an environment variable or a flag; a kind without a text
    form (a table) has `text = False` and is file-only.
    """

    text = True
    # For the docs and --help: "an integer from 1 to 36500".
    description = "a value"

    def from_value(self, value: Any, where: str, base: Path) -> Any:
        raise NotImplementedError

    def from_text(self, text: str, where: str, base: Path) -> Any:
        return self.from_value(text.strip(), where, base)


@dataclass(frozen=True)
class Count(Kind):
    """An integer in `[low, high]` (bools refused; past 64 bits is out of range, not a crash)."""

    low: int = 0
    high: int = 10**9

    @property
    def description(self) -> str:  # type: ignore[override]
        if self.low == 1:
            return f"a positive integer (at most {self.high})"
        return f"an integer at least {self.low} and at most {self.high}"

    def from_value(self, value: Any, where: str, base: Path) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        if not self.low <= value <= self.high:
            shown = value if abs(value) < 10**30 else f"a number of {len(str(abs(value)))} digits"
            raise ConfigError(f"{where}: must be {self.description}, got {shown}")
        return value

    def from_text(self, text: str, where: str, base: Path) -> int:
        stripped = text.strip()
        digits = stripped.lstrip("+-")
        if not digits.isdigit() or not digits.isascii():
            raise ConfigError(f"{where}: expected an integer, got {text!r}")
        if len(digits) > 30:
            raise ConfigError(
                f"{where}: must be {self.description}, got a number of {len(digits)} digits"
            )
        return self.from_value(int(stripped), where, base)


@dataclass(frozen=True)
class Number(Kind):
    """A finite number in `[low, high]` (bools refused)."""

    low: float = -math.inf
    high: float = math.inf
    description = "a finite number"

    def from_value(self, value: Any, where: str, base: Path) -> float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ConfigError(f"{where}: expected a finite number, got {value!r}")
        try:
            number = float(value)
        except OverflowError:
            raise ConfigError(f"{where}: expected a finite number, got a huge integer") from None
        if not math.isfinite(number):
            raise ConfigError(f"{where}: expected a finite number, got {value!r}")
        if not self.low <= number <= self.high:
            raise ConfigError(
                f"{where}: must be from {self.low:g} to {self.high:g}, got {number:g}"
            )
        return number

    def from_text(self, text: str, where: str, base: Path) -> float:
        try:
            number = float(text.strip())
        except ValueError:
            raise ConfigError(f"{where}: expected a number, got {text!r}") from None
        return self.from_value(number, where, base)


@dataclass(frozen=True)
class Ratio(Number):
    """A fraction in `(0, 1]`: a threshold or a share."""

    description = "a fraction in (0, 1]"

    def from_value(self, value: Any, where: str, base: Path) -> float:
        number = Number().from_value(value, where, base)
        if not 0 < number <= 1:
            raise ConfigError(f"{where}: must be a fraction in (0, 1], got {number:g}")
        return number


@dataclass(frozen=True)
class Text(Kind):
    """A non-empty string."""

    description = "a non-empty string"

    def from_value(self, value: Any, where: str, base: Path) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: expected a non-empty string, got {value!r}")
        return value

    def from_text(self, text: str, where: str, base: Path) -> str:
        return self.from_value(text, where, base)


_SWITCH_WORDS: Mapping[str, bool] = {
    **dict.fromkeys(("yes", "true", "on", "1"), True),
    **dict.fromkeys(("no", "false", "off", "0"), False),
}


@dataclass(frozen=True)
class Switch(Kind):
    """On or off: a TOML boolean, or `yes`/`no`, `true`/`false`, `on`/`off`, `1`/`0` as text.

    As a flag it takes an optional value: `--explain` alone means yes.
    """

    description = "yes or no"

    def from_value(self, value: Any, where: str, base: Path) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _SWITCH_WORDS:
            return _SWITCH_WORDS[value.strip().lower()]
        raise ConfigError(f"{where}: expected yes or no, got {value!r}")


@dataclass(frozen=True)
class Choice(Kind):
    """One of a fixed set of words; a typo gets the closest one suggested."""

    choices: tuple[str, ...] = ()

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"one of {', '.join(self.choices)}"

    def from_value(self, value: Any, where: str, base: Path) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise ConfigError(
                f"{where}: must be one of {', '.join(self.choices)}, got {value!r}"
                f"{suggest(str(value), self.choices)}"
            )
        return value


@dataclass(frozen=True)
class Words(Kind):
    """A list of strings; as text, separated by commas or spaces."""

    # Each word must be one of these (empty: any word).
    choices: tuple[str, ...] = ()
    what: str = "string"

    @property
    def description(self) -> str:  # type: ignore[override]
        listed = f": {', '.join(self.choices)}" if self.choices else ""
        return f"a list of {self.what}s{listed}"

    def from_value(self, value: Any, where: str, base: Path) -> tuple[str, ...]:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
        for word in value:
            if self.choices and word not in self.choices:
                raise ConfigError(
                    f"{where}: unknown {self.what} {word!r}{suggest(word, self.choices)}"
                )
        return tuple(value)

    def from_text(self, text: str, where: str, base: Path) -> tuple[str, ...]:
        return self.from_value(text.replace(",", " ").split(), where, base)


@dataclass(frozen=True)
class PathKind(Kind):
    """One path, relative to the file that named it (or the working directory)."""

    description = "a path"

    def from_value(self, value: Any, where: str, base: Path) -> Path:
        if isinstance(value, Path):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: expected a path string, got {value!r}")
        return base / value


@dataclass(frozen=True)
class PathsKind(Kind):
    """A path or a non-empty list of paths; as text, separated by `os.pathsep`."""

    description = f"paths separated by {os.pathsep!r}"

    def from_value(self, value: Any, where: str, base: Path) -> tuple[Path, ...]:
        items = [value] if isinstance(value, str | Path) else value
        if not isinstance(items, list | tuple) or not items:
            raise ConfigError(f"{where}: expected a path or a non-empty list of paths")
        items = [str(v) if isinstance(v, Path) else v for v in items]
        if not all(isinstance(v, str) and v.strip() for v in items):
            raise ConfigError(f"{where}: every path must be a non-empty string")
        return tuple(base / v for v in items)

    def from_text(self, text: str, where: str, base: Path) -> tuple[Path, ...]:
        return self.from_value([p for p in text.split(os.pathsep) if p], where, base)


@dataclass(frozen=True)
class Timestamp(Kind):
    """A moment: a TOML datetime, ISO 8601 with a zone, or Unix seconds — the same everywhere."""

    description = "an ISO 8601 timestamp with a zone (2025-08-15T00:00:00Z) or Unix seconds"

    def from_value(self, value: Any, where: str, base: Path) -> datetime:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.from_text(str(value), where, base)
        if isinstance(value, str):
            return self.from_text(value, where, base)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ConfigError(f"{where}: the timestamp needs a time zone (e.g. Z or +00:00)")
            return _in_range(value, where)
        raise ConfigError(f"{where}: expected an ISO 8601 timestamp, got {value!r}")

    def from_text(self, text: str, where: str, base: Path) -> datetime:
        stripped = text.strip()
        try:
            if stripped.lstrip("-").replace(".", "", 1).isdigit() and stripped.isascii():
                micros = _unix_micros(stripped)
                return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
            moment = datetime.fromisoformat(stripped.replace("Z", "+00:00"))
        except OverflowError:
            raise ConfigError(
                f"{where}: out of range: a timestamp must lie in the years 1 to 9999"
            ) from None
        except ValueError:
            raise ConfigError(
                f"{where}: expected an ISO 8601 timestamp with a zone or Unix seconds, got {text!r}"
            ) from None
        if moment.tzinfo is None:
            raise ConfigError(f"{where}: the timestamp needs a time zone (e.g. Z or +00:00)")
        return _in_range(moment, where)


def _unix_micros(text: str) -> int:
    """Unix seconds written as digits with an optional sign and fraction, in whole
    microseconds (the fraction cut after six digits, toward zero, as decimal arithmetic
    would), without a float's rounding."""
    negative = text.startswith("-")
    whole, _, fraction = text[negative:].partition(".")
    if not (whole or fraction) or not (whole + fraction).isdigit():
        raise ValueError(text)
    micros = int(whole or "0") * 1_000_000 + int((fraction + "000000")[:6])
    return -micros if negative else micros


def _in_range(moment: datetime, where: str) -> datetime:
    """`moment`, if it is also a valid moment in UTC (0001-01-01T00:00+14:00 is not)."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ConfigError(
            f"{where}: out of range: a timestamp must lie in the years 1 to 9999"
        ) from None
    return moment


@dataclass(frozen=True)
class Day(Kind):
    """A calendar date, YYYY-MM-DD."""

    description = "a date (YYYY-MM-DD)"

    def from_value(self, value: Any, where: str, base: Path) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            text = value.strip()
            try:
                if len(text) == 10:
                    return date.fromisoformat(text)
            except ValueError:
                pass
        raise ConfigError(f"{where}: expected a date as YYYY-MM-DD, got {value!r}")


# --- settings and sections ---------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One configuration key: default, kind, help, flag, environment aliases.

    `default` is written as it would be in a file (paths relative to the config
    file's directory); None means "unset" and is never converted.
    """

    key: str
    kind: Kind
    default: Any
    help: str
    flag: str | None = None
    env_aliases: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return self.key.rpartition(".")[0]

    @property
    def name(self) -> str:
        return self.key.rpartition(".")[2]

    @property
    def env(self) -> str | None:
        """`OPSGUARD_<TABLE>_<KEY>`, or None for a file-only (table) kind."""
        return "OPSGUARD_" + self.key.replace(".", "_").upper() if self.kind.text else None

    def parse_text(self, text: str, where: str | None = None, base: Path | None = None) -> Any:
        """Read this setting from text (a flag or a variable); a `ConfigError` when it is wrong."""
        return self.kind.from_text(text, where or self.flag or self.key, base or Path.cwd())


class Values:
    """The converted value of each setting, and where each came from, for a section's builder."""

    def __init__(self, values: Mapping[str, Any], origins: Mapping[str, str]) -> None:
        self._values = values
        self._origins = origins

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def origin(self, key: str) -> str:
        """Where a key's value came from (`pyproject.toml: tool.opsguard.x`, `--flag`, ...)."""
        return self._origins.get(key, "default")

    def given(self, key: str) -> bool:
        return key in self._origins


@dataclass(frozen=True)
class SectionSpec(Generic[_T]):
    """A guard's settings, and the builder that turns their values into its typed section.

    `exports` are attributes of the section that `Config` also offers by name
    (`config.bands` for the integrity section's band table).
    """

    name: str
    settings: tuple[Setting, ...]
    build: Callable[[Values], _T]
    exports: tuple[str, ...] = ()

    def of(self, config: Config) -> _T:
        """This section of `config`, typed."""
        section: _T = config.sections[self.name]
        return section


# --- the shared settings -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Paths:
    records: tuple[Path, ...]
    telemetry: tuple[Path, ...]
    quarantine: Path


# Failing findings per check in the PR comment: the `report.max_findings` default.
COMMENT_FINDINGS = 10


@dataclass(frozen=True, slots=True)
class ReportConfig:
    """Where `opsguard report` writes its views, and how many findings the PR comment shows."""

    dir: Path = Path(".opsguard")
    max_findings: int = COMMENT_FINDINGS


CORE_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "results_dir",
        PathKind(),
        ".opsguard/results",
        "directory for one result file per check",
        flag="--results-dir",
    ),
    Setting(
        "checks",
        Words(what="guard"),
        None,
        "the guards `opsguard run` runs and `report`/`gate` expect (unset: run all, expect "
        "what ran)",
    ),
    Setting(
        "paths.records",
        PathsKind(),
        ["data/records"],
        "record files or directories (integrity)",
    ),
    Setting(
        "paths.telemetry",
        PathsKind(),
        ["data/telemetry"],
        "telemetry files or directories (privacy, retention)",
    ),
    Setting("paths.quarantine", PathKind(), "data/quarantine", "the quarantine folder"),
    Setting("report.dir", PathKind(), ".opsguard", "where the views are written", flag="--out-dir"),
    Setting(
        "report.max_findings",
        Count(0, 10**6),
        COMMENT_FINDINGS,
        "failing findings per check in the PR comment",
        flag="--max-findings",
    ),
)


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration. `root` is the config file's directory (or the cwd).

    Each guard's typed section is `SPEC.of(config)` (e.g. `INTEGRITY.of(config)`);
    `config.integrity`, `config.privacy`, ... and a section's exported
    attributes (`config.bands`) are untyped shortcuts for scripts.
    """

    root: Path
    source: Path | None
    results_dir: Path
    paths: Paths
    report: ReportConfig = field(default_factory=ReportConfig)
    # The guards `opsguard run` runs and `report`/`gate` expect; None: all (run), what ran (gate).
    checks: tuple[str, ...] | None = None
    sections: Mapping[str, Any] = field(default_factory=dict)
    _exports: Mapping[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    # Where each key that was not left at its default came from (`Values.origin`).
    origins: Mapping[str, str] = field(default_factory=dict, repr=False)

    def origin(self, key: str) -> str:
        """Where a key's value came from: a file key, a variable, a flag, or `default`."""
        return self.origins.get(key, "default")

    def with_sections(self, **sections: Any) -> Config:
        """A copy with some sections replaced (`config.with_sections(privacy=...)`), for tests."""
        unknown = set(sections) - set(self.sections)
        if unknown:
            raise KeyError(f"no such section: {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, sections={**self.sections, **sections})

    def __getattr__(self, name: str) -> Any:
        sections = object.__getattribute__(self, "sections")
        if name in sections:
            return sections[name]
        exports = object.__getattribute__(self, "_exports")
        if name in exports:
            section, attribute = exports[name]
            return getattr(sections[section], attribute)
        raise AttributeError(f"'Config' object has no attribute {name!r}")


# --- loading -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Raw:
    value: Any
    origin: str  # where it came from, for error messages
    base: Path  # what a relative path in it is relative to
    text: bool = False  # read from text (environment): convert with from_text


def env_names(settings: Sequence[Setting]) -> dict[str, Setting]:
    """Every environment variable the settings read (their own and aliases)."""
    names: dict[str, Setting] = {}
    for setting in settings:
        if setting.env:
            names[setting.env] = setting
        for alias in setting.env_aliases:
            names[alias] = setting
    return names


def find_config_file(start: Path) -> Path | None:
    """The nearest `opsguard.toml`, or `pyproject.toml` with `[tool.opsguard]`, from start up."""
    for directory in (start, *start.parents):
        candidate = directory / "opsguard.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "opsguard" in _read_toml(pyproject).get("tool", {}):
            return pyproject
    return None


def build_config(
    config_file: Path | str | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    assignments: Sequence[str] = (),
    sections: Sequence[SectionSpec[Any]] = (),
    check_name: Callable[[str], str] | None = None,
) -> Config:
    """Build the configuration of `sections` (and the core settings) from every source.

    `overrides` maps keys (`"integrity.threshold"`) to values of the right
    type, as flags produce them; None values are ignored. `assignments` are
    `KEY=VALUE` strings (`--set`). `check_name` normalizes and validates each
    name in `checks` (an `OpsguardError` for an unknown one).
    """
    cwd = (cwd or Path.cwd()).resolve()
    environ = os.environ if environ is None else environ
    settings = {
        s.key: s for s in (*CORE_SETTINGS, *(s for spec in sections for s in spec.settings))
    }

    if config_file is None and environ.get(CONFIG_ENV):
        config_file = environ[CONFIG_ENV]
    if config_file is not None:
        resolved = (cwd / config_file).resolve()
        if not resolved.is_file():
            if resolved.is_dir():
                kind = "is a directory"
            elif resolved.exists():
                kind = "is not a regular file"  # a FIFO would block the read forever
            else:
                kind = "not found"
            raise ConfigError(f"config file {kind}: {printable(str(config_file))}")
        source: Path | None = resolved
    else:
        source = find_config_file(cwd)

    raw: dict[str, _Raw] = {}
    root = cwd
    if source is not None:
        root = source.parent
        raw.update(_from_file(source, settings))
    raw.update(_from_env(environ, settings, cwd))
    raw.update(_from_assignments(assignments, settings, cwd))
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in settings:
            raise ConfigError(f"unknown configuration key {key!r}")
        setting = settings[key]
        raw[key] = _Raw(value, setting.flag or f"--{setting.name.replace('_', '-')}", cwd)

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key, setting in settings.items():
        given = raw.get(key)
        if given is None:
            if setting.default is None:
                values[key] = None
                continue
            given = _Raw(setting.default, "default", root)
        else:
            origins[key] = given.origin
        if given.text:
            values[key] = setting.kind.from_text(given.value, given.origin, given.base)
        else:
            values[key] = setting.kind.from_value(given.value, given.origin, given.base)
    known = Values(values, origins)

    checks = values["checks"]
    if checks is not None:
        if check_name is not None:
            try:
                checks = tuple(check_name(name) for name in checks)
            except ConfigError:
                raise
            except Exception as exc:  # an OpsguardError from the catalog
                raise ConfigError(f"{known.origin('checks')}: {exc}") from None
        if not checks:
            raise ConfigError(f"{known.origin('checks')}: name at least one check")

    built = {spec.name: spec.build(known) for spec in sections}
    exports = {name: (spec.name, name) for spec in sections for name in spec.exports}
    return Config(
        root=root,
        source=source,
        results_dir=values["results_dir"],
        checks=checks,
        paths=Paths(
            records=values["paths.records"],
            telemetry=values["paths.telemetry"],
            quarantine=values["paths.quarantine"],
        ),
        report=ReportConfig(dir=values["report.dir"], max_findings=values["report.max_findings"]),
        sections=built,
        _exports=exports,
        origins=origins,
    )


class ConfigWarning(UserWarning):
    """No configuration file was found, so opsguard's defaults are in use.

    `opsguard.load_config()` warns with it (filter it with `warnings` where the
    defaults are meant); the command line prints the same line on stderr.
    """


# The settings whose default, taken in the wrong directory, reads or prunes the wrong data.
_PATH_KEYS = ("paths.records", "paths.telemetry", "paths.quarantine")


def source_line(config: Config) -> str:
    """`using /path/pyproject.toml`, or that no file was used: what `--verbose` prints."""
    if config.source is not None:
        return f"using {printable(str(config.source))}"
    return f"using no configuration file (none in {printable(str(config.root))} or above)"


def no_file_warning(config: Config) -> str | None:
    """The one line that says no configuration file was found and which path defaults are in
    use (resolved, so a cron job run from `/` shows `/data/records`); None when a file was,
    or when every path was named another way (environment, `--set`): then no default can
    point at the wrong data."""
    if config.source is not None:
        return None
    values = {
        "paths.records": config.paths.records,
        "paths.telemetry": config.paths.telemetry,
        "paths.quarantine": (config.paths.quarantine,),
    }
    defaulted = [
        f"{key.removeprefix('paths.')} {', '.join(printable(str(p)) for p in values[key])}"
        for key in _PATH_KEYS
        if key not in config.origins
    ]
    if not defaulted:
        return None
    return (
        "no configuration file (opsguard.toml, or pyproject.toml with [tool.opsguard]) in "
        f"{printable(str(config.root))} or above: using the defaults ({'; '.join(defaulted)})"
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 (byte {exc.start})") from None
    except ValueError:
        # tomllib reads integers with int(), which refuses more than 4300 digits.
        raise ConfigError(f"{path}: invalid TOML: an integer too long to read") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _from_file(source: Path, settings: Mapping[str, Setting]) -> dict[str, _Raw]:
    document = _read_toml(source)
    if source.name == "pyproject.toml":
        table = document.get("tool", {}).get("opsguard", {})
        prefix = "tool.opsguard"
    else:
        table, prefix = document, ""
    if not isinstance(table, dict):
        raise ConfigError(f"{source.name}: {prefix} must be a table")
    tables: dict[str, list[str]] = {}
    for setting in settings.values():
        tables.setdefault(setting.table, []).append(setting.name)
    top_keys = tables.get("", [])
    sections = [t for t in tables if t]
    raw: dict[str, _Raw] = {}
    for name, value in table.items():
        where = f"{source.name}: {_join(prefix, name)}"
        if name in top_keys:
            raw[name] = _Raw(value, where, source.parent)
            continue
        if name not in tables or not name:
            raise ConfigError(f"{where}: unknown key{suggest(name, sections + top_keys)}")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: must be a table")
        for key, item in value.items():
            key_where = f"{source.name}: {_join(prefix, name, key)}"
            if key not in tables[name]:
                raise ConfigError(f"{key_where}: unknown key{suggest(key, tables[name])}")
            raw[f"{name}.{key}"] = _Raw(item, key_where, source.parent)
    return raw


def _from_env(
    environ: Mapping[str, str], settings: Mapping[str, Setting], cwd: Path
) -> dict[str, _Raw]:
    names = env_names(list(settings.values()))
    raw: dict[str, _Raw] = {}
    # Aliases first, so that OPSGUARD_RETENTION_DAYS beats RETENTION_DAYS.
    for name, text in sorted(environ.items(), key=lambda item: item[0].startswith("OPSGUARD_")):
        if name not in names:
            if name.startswith("OPSGUARD_") and name not in _RESERVED_ENV:
                known = [n for n in names if n.startswith("OPSGUARD_")] + sorted(_RESERVED_ENV)
                # Compared without the prefix every name shares, or OPSGUARD_FOO would
                # look like OPSGUARD_CONFIG.
                close = suggest(
                    name.removeprefix("OPSGUARD_"), [n.removeprefix("OPSGUARD_") for n in known]
                )
                hint = close.replace(" (did you mean '", " (did you mean 'OPSGUARD_", 1)
                raise ConfigError(f"environment variable {name}: unknown{hint}")
            continue
        where = f"environment variable {name}"
        if not text.strip():
            raise ConfigError(
                f"{where}: set but empty; unset it to use the configured value or the default"
            )
        raw[names[name].key] = _Raw(text, where, cwd, text=True)
    return raw


def _from_assignments(
    assignments: Sequence[str], settings: Mapping[str, Setting], cwd: Path
) -> dict[str, _Raw]:
    raw: dict[str, _Raw] = {}
    for assignment in assignments:
        key, sep, text = assignment.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(
                f"--set {assignment!r}: expected KEY=VALUE, e.g. integrity.threshold=0.05"
            )
        if key not in settings:
            raise ConfigError(f"--set {key}: unknown key{suggest(key, list(settings))}")
        try:
            value: Any = tomllib.loads(f"value = {text}")["value"]
        except ValueError as exc:
            if not isinstance(exc, tomllib.TOMLDecodeError):  # an integer of 4300+ digits
                raise ConfigError(
                    f"--set {key}: must be {settings[key].kind.description}, "
                    "got an integer too long to read"
                ) from None
            # A bare word or path (`--set paths.records=data/records`): read it as text.
            raw[key] = _Raw(text, f"--set {key}", cwd, text=settings[key].kind.text)
            continue
        raw[key] = _Raw(value, f"--set {key}", cwd)
    return raw


def settings_table(settings: Sequence[Setting]) -> str:
    """The markdown table of `settings` in docs/configuration.md (a test keeps them equal)."""
    rows = [
        "| key | kind | default | environment | flag | what |",
        "|---|---|---|---|---|---|",
    ]
    for setting in settings:
        env = [name for name in (*setting.env_aliases, setting.env) if name]
        default = "unset" if setting.default is None else f"`{_toml(setting.default)}`"
        rows.append(
            f"| `{setting.key}` | {setting.kind.description} | {default} | "
            f"{', '.join(f'`{n}`' for n in env)} | "
            f"{f'`{setting.flag}`' if setting.flag else ''} | {setting.help} |"
        )
    return "\n".join(rows) + "\n"


def _toml(value: Any, nested: bool = False) -> str:
    if isinstance(value, str):
        return f'"{value}"' if nested else value
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v, True) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v, True)}" for k, v in value.items()) + "}"
    return str(value)


def table_items(value: Any, where: str, keys: Sequence[str]) -> list[dict[str, Any]]:
    """A list of tables whose keys are all in `keys`, or a `ConfigError` naming the bad one."""
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of tables")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise ConfigError(f"{where}[{index}]: expected a table")
        for key in item:
            if key not in keys:
                raise ConfigError(f"{where}[{index}]: unknown key {key!r}{suggest(key, keys)}")
    return value


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def suggest(name: str, candidates: Sequence[str]) -> str:
    """` (did you mean 'x'?)` for the closest candidate, or ""."""
    import difflib

    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
