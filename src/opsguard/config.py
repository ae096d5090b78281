"""One typed configuration, built once and passed down.

Sources, later ones overriding earlier ones:

1. `[tool.opsguard]` in `pyproject.toml`, or the top level of `opsguard.toml`,
   found by searching upward from the working directory (`opsguard.toml` wins
   in a directory holding both; a `pyproject.toml` without `[tool.opsguard]`
   is passed over). `--config FILE` or `OPSGUARD_CONFIG` name a file instead.
2. Environment variables `OPSGUARD_<SECTION>_<KEY>` (see `ENV_VARS`).
3. Command-line flags, passed to `load_config` as `overrides`.

Every unknown key or variable and every bad value is a `ConfigError` whose
one-line message names where it came from and, for a typo, the closest valid
name. Paths in a config file are relative to that file's directory; paths
from the environment or flags are relative to the working directory.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from .bands import DEFAULT_BANDS, Band, BandTable
from .catalog import guard_name
from .codes import INTEGRITY_CODES
from .duplicates import DUPLICATE_SCOPES, DuplicateScope
from .errors import BandTableError, ConfigError, OpsguardError
from .runs import RUN_ID_ENV

__all__ = [
    "ENV_VARS",
    "Config",
    "Fields",
    "IntegrityConfig",
    "Paths",
    "PrivacyConfig",
    "ReportConfig",
    "RetentionConfig",
    "RetentionRoot",
    "Suppression",
    "find_config_file",
    "load_config",
]

CONFIG_ENV = "OPSGUARD_CONFIG"
# Set to 1 to get a traceback instead of the one-line internal-error message.
DEBUG_ENV = "OPSGUARD_DEBUG"


@dataclass(frozen=True, slots=True)
class Paths:
    records: tuple[Path, ...]
    telemetry: tuple[Path, ...]
    quarantine: Path


@dataclass(frozen=True, slots=True)
class Fields:
    """Names of the record fields the integrity check reads."""

    date: str = "date"
    schema_version: str = "schema_version"
    score: str = "score"
    band: str = "band"


@dataclass(frozen=True, slots=True)
class IntegrityConfig:
    threshold: float = 0.01
    window_days: int = 14
    min_records: int = 1
    duplicate_scope: DuplicateScope = "version"
    zero_tolerance: tuple[str, ...] = ("band-mismatch", "duplicate")


PRIVACY_GROUPS: tuple[str, ...] = ("raw-metric", "location", "pii", "secret")
PRIVACY_MODES: tuple[str, ...] = ("denylist", "allowlist")


@dataclass(frozen=True, slots=True)
class Suppression:
    """A reviewed exception to the privacy scan: a key path or a file glob, why, and until when."""

    key: str | None
    file: str | None
    reason: str
    expires: date


@dataclass(frozen=True, slots=True)
class PrivacyConfig:
    mode: str = "denylist"
    # Extra key names per deny group ("raw-metric", "location", "pii", "secret").
    deny: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Groups whose built-in names `deny` replaces instead of extending.
    replace_defaults: tuple[str, ...] = ()
    # Allowlist mode: the declared telemetry key paths (`a.b`, `*` one level, `**` any depth).
    allow: tuple[str, ...] = ()
    # Normalized key names never flagged, for names that only look like metrics.
    safe_keys: tuple[str, ...] = ()
    suppressions: tuple[Suppression, ...] = ()


RETENTION_AGE_BASES: tuple[str, ...] = ("mtime", "name")


@dataclass(frozen=True, slots=True)
class RetentionRoot:
    path: Path
    days: int
    # Where a file's age comes from: its mtime, or a date in its name (see docs/retention.md).
    age_from: str = "mtime"


@dataclass(frozen=True, slots=True)
class RetentionConfig:
    days: int = 30
    telemetry_days: int | None = None
    quarantine_days: int | None = None
    extra_roots: tuple[RetentionRoot, ...] = ()
    age_from: str = "mtime"
    # The quarantine's own basis: entry names carry the data's date, not the quarantine
    # time; quarantine.py sets each entry's mtime to the moment it was quarantined.
    quarantine_age_from: str = "mtime"
    max_delete_fraction: float = 0.9
    max_delete: int = 10_000
    protect: tuple[str, ...] = (".gitkeep", "README*")
    # A pinned clock (for demos and fixtures); None means the real time.
    now: datetime | None = None

    def roots(self, paths: Paths) -> tuple[RetentionRoot, ...]:
        """Every root to prune with its days and age basis: telemetry, quarantine, extra roots."""
        telemetry = tuple(
            RetentionRoot(p, self.telemetry_days or self.days, self.age_from)
            for p in paths.telemetry
        )
        quarantine = RetentionRoot(
            paths.quarantine, self.quarantine_days or self.days, self.quarantine_age_from
        )
        return (*telemetry, quarantine, *self.extra_roots)


@dataclass(frozen=True, slots=True)
class ReportConfig:
    """Where `opsguard report` writes its views, and how many findings the PR comment shows."""

    dir: Path = Path(".opsguard")
    max_findings: int = 10


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration. `root` is the config file's directory (or the cwd)."""

    root: Path
    source: Path | None
    results_dir: Path
    paths: Paths
    fields: Fields
    bands: BandTable
    integrity: IntegrityConfig
    # The guards `opsguard run` runs and `report`/`gate` expect; None: all (run), what ran (gate).
    checks: tuple[str, ...] | None = None
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    report: ReportConfig = field(default_factory=ReportConfig)


# The schema: section -> key -> kind. "" is the top-level table.
_SCHEMA: dict[str, dict[str, str]] = {
    "": {"results_dir": "path", "checks": "strs"},
    "paths": {"records": "paths", "telemetry": "paths", "quarantine": "path"},
    "fields": {"date": "str", "schema_version": "str", "score": "str", "band": "str"},
    "score": {"min": "number", "max": "number", "bands": "bands"},
    "integrity": {
        "threshold": "number",
        "window_days": "int",
        "min_records": "int",
        "duplicate_scope": "str",
        "zero_tolerance": "strs",
    },
    "privacy": {
        "mode": "str",
        "deny": "strmap",
        "replace_defaults": "strs",
        "allow": "strs",
        "safe_keys": "strs",
        "suppressions": "suppressions",
    },
    "report": {"dir": "path", "max_findings": "int"},
    "retention": {
        "days": "int",
        "telemetry_days": "int",
        "quarantine_days": "int",
        "extra_roots": "roots",
        "age_from": "str",
        "quarantine_age_from": "str",
        "max_delete_fraction": "number",
        "max_delete": "int",
        "protect": "strs",
        "now": "datetime",
    },
}

_DEFAULTS: dict[tuple[str, str], Any] = {
    ("", "results_dir"): ".opsguard/results",
    ("", "checks"): None,
    ("paths", "records"): ["data/records"],
    ("paths", "telemetry"): ["data/telemetry"],
    ("paths", "quarantine"): "data/quarantine",
    ("score", "min"): DEFAULT_BANDS.score_min,
    ("score", "max"): DEFAULT_BANDS.score_max,
    ("score", "bands"): [{"name": b.name, "min": b.min, "max": b.max} for b in DEFAULT_BANDS.bands],
    **{("fields", f.name): getattr(Fields(), f.name) for f in dataclass_fields(Fields)},
    **{
        ("integrity", f.name): list(value) if isinstance(value, tuple) else value
        for f in dataclass_fields(IntegrityConfig)
        for value in [getattr(IntegrityConfig(), f.name)]
    },
    ("privacy", "mode"): PrivacyConfig().mode,
    ("privacy", "deny"): {},
    ("privacy", "replace_defaults"): [],
    ("privacy", "allow"): [],
    ("privacy", "safe_keys"): [],
    ("privacy", "suppressions"): [],
    ("report", "dir"): ".opsguard",
    ("report", "max_findings"): 10,
    ("retention", "days"): RetentionConfig().days,
    ("retention", "telemetry_days"): None,
    ("retention", "quarantine_days"): None,
    ("retention", "extra_roots"): [],
    ("retention", "age_from"): RetentionConfig().age_from,
    ("retention", "quarantine_age_from"): RetentionConfig().quarantine_age_from,
    ("retention", "max_delete_fraction"): RetentionConfig().max_delete_fraction,
    ("retention", "max_delete"): RetentionConfig().max_delete,
    ("retention", "protect"): list(RetentionConfig().protect),
    ("retention", "now"): None,
}


def _env_name(section: str, key: str) -> str:
    return "OPSGUARD_" + (f"{section}_{key}" if section else key).upper()


# Every environment variable opsguard reads, mapped to its config key.
ENV_VARS: dict[str, tuple[str, str]] = {
    _env_name(section, key): (section, key)
    for section, keys in _SCHEMA.items()
    for key, kind in keys.items()
    if kind not in ("bands", "strmap", "suppressions", "roots")
}
# The conventional name from the pipeline's own deployment; same as OPSGUARD_RETENTION_DAYS.
ENV_ALIASES: dict[str, tuple[str, str]] = {"RETENTION_DAYS": ("retention", "days")}
_RESERVED_ENV = frozenset({CONFIG_ENV, DEBUG_ENV, RUN_ID_ENV})


@dataclass(frozen=True, slots=True)
class _Setting:
    value: Any
    origin: str  # where it came from, for error messages
    base: Path  # what a relative path in it is relative to


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


def load_config(
    config_file: Path | str | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    assignments: Sequence[str] = (),
) -> Config:
    """Build the configuration from file, environment, `assignments` and `overrides`.

    `overrides` maps dotted keys (`"integrity.threshold"`, `"results_dir"`) to
    values already of the right Python type, as argparse produces them.
    `assignments` are `KEY=VALUE` strings (`--set`), VALUE a TOML value or a
    bare string; a flag's own override beats a `--set` of the same key.
    """
    cwd = (cwd or Path.cwd()).resolve()
    environ = os.environ if environ is None else environ

    if config_file is None and environ.get(CONFIG_ENV):
        config_file = environ[CONFIG_ENV]
    source = find_config_file(cwd) if config_file is None else (cwd / config_file).resolve()
    if config_file is not None and not (source and source.is_file()):
        raise ConfigError(f"config file not found: {config_file}")

    settings: dict[tuple[str, str], _Setting] = {}
    root = cwd
    if source is not None:
        root = source.parent
        settings.update(_settings_from_file(source))
    settings.update(_settings_from_env(environ, cwd))
    settings.update(_settings_from_assignments(assignments, cwd))
    settings.update(_settings_from_overrides(overrides or {}, cwd))
    return _build(settings, root, source)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _settings_from_file(source: Path) -> dict[tuple[str, str], _Setting]:
    document = _read_toml(source)
    if source.name == "pyproject.toml":
        table = document.get("tool", {}).get("opsguard", {})
        prefix = "tool.opsguard"
    else:
        table, prefix = document, ""
    if not isinstance(table, dict):
        raise ConfigError(f"{source.name}: {prefix} must be a table")
    settings: dict[tuple[str, str], _Setting] = {}
    sections = [s for s in _SCHEMA if s]
    top_keys = list(_SCHEMA[""])
    for name, value in table.items():
        where = f"{source.name}: {_join(prefix, name)}"
        if name in _SCHEMA[""]:
            settings[("", name)] = _Setting(value, where, source.parent)
            continue
        if name not in _SCHEMA:
            raise ConfigError(f"{where}: unknown key{_suggest(name, sections + top_keys)}")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: must be a table")
        for key, item in value.items():
            key_where = f"{source.name}: {_join(prefix, name, key)}"
            if key not in _SCHEMA[name]:
                raise ConfigError(f"{key_where}: unknown key{_suggest(key, list(_SCHEMA[name]))}")
            settings[(name, key)] = _Setting(item, key_where, source.parent)
    return settings


def _settings_from_env(environ: Mapping[str, str], cwd: Path) -> dict[tuple[str, str], _Setting]:
    settings: dict[tuple[str, str], _Setting] = {}
    for name, raw in sorted(environ.items(), key=lambda item: item[0] not in ENV_ALIASES):
        if name in ENV_ALIASES:
            section, key = ENV_ALIASES[name]
            settings[(section, key)] = _Setting(
                _parse_env(raw, _SCHEMA[section][key], name), f"environment variable {name}", cwd
            )
            continue
        if not name.startswith("OPSGUARD_") or name in _RESERVED_ENV:
            continue
        if name not in ENV_VARS:
            known = [*ENV_VARS, *_RESERVED_ENV]
            raise ConfigError(f"environment variable {name}: unknown{_suggest(name, known)}")
        section, key = ENV_VARS[name]
        settings[(section, key)] = _Setting(
            _parse_env(raw, _SCHEMA[section][key], name), f"environment variable {name}", cwd
        )
    return settings


def _parse_env(raw: str, kind: str, name: str) -> Any:
    text = raw.strip()
    try:
        if kind == "number":
            return float(text)
        if kind == "int":
            return int(text)
    except ValueError:
        expected = "a number" if kind == "number" else "an integer"
        raise ConfigError(
            f"environment variable {name}: expected {expected}, got {raw!r}"
        ) from None
    if kind == "paths":
        return [p for p in text.split(os.pathsep) if p]
    if kind == "strs":
        return [s for s in text.replace(",", " ").split() if s]
    return text


def _settings_from_assignments(
    assignments: Sequence[str], cwd: Path
) -> dict[tuple[str, str], _Setting]:
    settings: dict[tuple[str, str], _Setting] = {}
    known = [_join(section, key) for section, keys in _SCHEMA.items() for key in keys]
    for assignment in assignments:
        dotted, sep, text = assignment.partition("=")
        dotted = dotted.strip()
        if not sep or not dotted:
            raise ConfigError(
                f"--set {assignment!r}: expected KEY=VALUE, e.g. integrity.threshold=0.05"
            )
        section, _, key = dotted.rpartition(".")
        if section not in _SCHEMA or key not in _SCHEMA[section]:
            raise ConfigError(f"--set {dotted}: unknown key{_suggest(dotted, known)}")
        try:
            value: Any = tomllib.loads(f"value = {text}")["value"]
        except tomllib.TOMLDecodeError:
            value = text  # a bare word or path: `--set paths.records=data/records`
        settings[(section, key)] = _Setting(value, f"--set {dotted}", cwd)
    return settings


def _settings_from_overrides(
    overrides: Mapping[str, Any], cwd: Path
) -> dict[tuple[str, str], _Setting]:
    settings: dict[tuple[str, str], _Setting] = {}
    for dotted, value in overrides.items():
        if value is None:
            continue
        section, _, key = dotted.rpartition(".")
        if section not in _SCHEMA or key not in _SCHEMA[section]:
            raise ConfigError(f"unknown configuration key {dotted!r}")
        if isinstance(value, Path):
            plain: Any = str(value)
        elif isinstance(value, list | tuple):
            plain = [str(v) if isinstance(v, Path) else v for v in value]
        else:
            plain = value
        settings[(section, key)] = _Setting(plain, f"--{key.replace('_', '-')}", cwd)
    return settings


def _build(settings: dict[tuple[str, str], _Setting], root: Path, source: Path | None) -> Config:
    def get(section: str, key: str) -> Any:
        setting = settings.get((section, key))
        if setting is None:
            if _DEFAULTS[(section, key)] is None:
                return None
            setting = _Setting(_DEFAULTS[(section, key)], "default", root)
        return _convert(setting, _SCHEMA[section][key])

    def origin(section: str, key: str) -> str:
        setting = settings.get((section, key))
        return setting.origin if setting else "default"

    fields = Fields(**{key: get("fields", key) for key in _SCHEMA["fields"]})
    if len({fields.date, fields.schema_version, fields.score, fields.band}) != 4:
        where = ", ".join(sorted({origin("fields", k) for k in _SCHEMA["fields"]} - {"default"}))
        raise ConfigError(
            f"{where or 'fields'}: date, schema_version, score and band must name different fields"
        )

    band_list, score_min, score_max = (
        get("score", "bands"),
        get("score", "min"),
        get("score", "max"),
    )
    try:
        bands = BandTable.build(band_list, score_min, score_max)
    except BandTableError as exc:
        where = next(
            (origin("score", k) for k in ("bands", "min", "max") if ("score", k) in settings),
            "default",
        )
        raise ConfigError(f"{where}: {exc}") from None

    threshold = get("integrity", "threshold")
    if not 0 < threshold <= 1:
        raise ConfigError(
            f"{origin('integrity', 'threshold')}: must be a fraction in (0, 1], got {threshold:g}"
        )
    for key, lowest in (("window_days", 1), ("min_records", 0)):
        if get("integrity", key) < lowest:
            raise ConfigError(f"{origin('integrity', key)}: must be at least {lowest}")
    scope = get("integrity", "duplicate_scope")
    if scope not in DUPLICATE_SCOPES:
        raise ConfigError(
            f"{origin('integrity', 'duplicate_scope')}: must be one of "
            f"{', '.join(DUPLICATE_SCOPES)}, got {scope!r}{_suggest(scope, list(DUPLICATE_SCOPES))}"
        )
    zero_tolerance = tuple(get("integrity", "zero_tolerance"))
    for code in zero_tolerance:
        if code not in INTEGRITY_CODES:
            raise ConfigError(
                f"{origin('integrity', 'zero_tolerance')}: unknown finding code {code!r}"
                f"{_suggest(code, list(INTEGRITY_CODES))}"
            )

    checks = get("", "checks")
    if checks is not None:
        try:
            checks = tuple(guard_name(name) for name in checks)
        except OpsguardError as exc:
            raise ConfigError(f"{origin('', 'checks')}: {exc}") from None
        if not checks:
            raise ConfigError(f"{origin('', 'checks')}: name at least one check")

    return Config(
        root=root,
        source=source,
        checks=checks,
        results_dir=get("", "results_dir"),
        paths=Paths(
            records=get("paths", "records"),
            telemetry=get("paths", "telemetry"),
            quarantine=get("paths", "quarantine"),
        ),
        fields=fields,
        bands=bands,
        integrity=IntegrityConfig(
            threshold=threshold,
            window_days=get("integrity", "window_days"),
            min_records=get("integrity", "min_records"),
            duplicate_scope=cast(DuplicateScope, scope),
            zero_tolerance=zero_tolerance,
        ),
        privacy=_build_privacy(get, origin),
        retention=_build_retention(get, origin),
        report=_build_report(get, origin),
    )


def _choice(value: str, choices: tuple[str, ...], where: str) -> str:
    if value not in choices:
        raise ConfigError(
            f"{where}: must be one of {', '.join(choices)}, got {value!r}"
            f"{_suggest(value, list(choices))}"
        )
    return value


def _build_privacy(get: Any, origin: Any) -> PrivacyConfig:
    mode = _choice(get("privacy", "mode"), PRIVACY_MODES, origin("privacy", "mode"))
    deny: dict[str, tuple[str, ...]] = get("privacy", "deny")
    for group in deny:
        _choice(group, PRIVACY_GROUPS, f"{origin('privacy', 'deny')} group")
    replace = tuple(get("privacy", "replace_defaults"))
    for group in replace:
        _choice(group, PRIVACY_GROUPS, f"{origin('privacy', 'replace_defaults')} group")
    allow = tuple(get("privacy", "allow"))
    if mode == "allowlist" and not allow:
        raise ConfigError(
            f"{origin('privacy', 'mode')}: allowlist mode needs the allowed key paths in "
            "privacy.allow"
        )
    return PrivacyConfig(
        mode=mode,
        deny=deny,
        replace_defaults=replace,
        allow=allow,
        safe_keys=tuple(get("privacy", "safe_keys")),
        suppressions=tuple(get("privacy", "suppressions")),
    )


def _build_report(get: Any, origin: Any) -> ReportConfig:
    max_findings = get("report", "max_findings")
    if max_findings < 0:
        raise ConfigError(f"{origin('report', 'max_findings')}: must be 0 or more")
    return ReportConfig(dir=get("report", "dir"), max_findings=max_findings)


def _build_retention(get: Any, origin: Any) -> RetentionConfig:
    for key in ("days", "telemetry_days", "quarantine_days", "max_delete"):
        value = get("retention", key)
        if value is not None and value < 1:
            raise ConfigError(
                f"{origin('retention', key)}: must be a positive integer, got {value}"
            )
    fraction = get("retention", "max_delete_fraction")
    if not 0 < fraction <= 1:
        raise ConfigError(
            f"{origin('retention', 'max_delete_fraction')}: must be a fraction in (0, 1], "
            f"got {fraction:g}"
        )
    days = get("retention", "days")
    age_from, quarantine_age_from = (
        _choice(get("retention", key), RETENTION_AGE_BASES, origin("retention", key))
        for key in ("age_from", "quarantine_age_from")
    )
    roots = tuple(
        RetentionRoot(path, root_days or days, root_age_from or age_from)
        for path, root_days, root_age_from in get("retention", "extra_roots")
    )
    return RetentionConfig(
        days=days,
        telemetry_days=get("retention", "telemetry_days"),
        quarantine_days=get("retention", "quarantine_days"),
        extra_roots=roots,
        age_from=age_from,
        quarantine_age_from=quarantine_age_from,
        max_delete_fraction=fraction,
        max_delete=get("retention", "max_delete"),
        protect=tuple(get("retention", "protect")),
        now=get("retention", "now"),
    )


def _convert(setting: _Setting, kind: str) -> Any:
    value, where = setting.value, setting.origin
    if kind == "number":
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            raise ConfigError(f"{where}: expected a finite number, got {value!r}")
        return float(value)
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: expected a non-empty string, got {value!r}")
        return value
    if kind == "strs":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
        return value
    if kind == "path":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: expected a path string, got {value!r}")
        return setting.base / value
    if kind == "paths":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise ConfigError(f"{where}: expected a path or a non-empty list of paths")
        if not all(isinstance(v, str) and v.strip() for v in items):
            raise ConfigError(f"{where}: every path must be a non-empty string")
        return tuple(setting.base / v for v in items)
    if kind == "bands":
        return _convert_bands(value, where)
    if kind == "strmap":
        return _convert_strmap(value, where)
    if kind == "suppressions":
        return _convert_suppressions(value, where)
    if kind == "roots":
        return _convert_roots(value, where, setting.base)
    if kind == "datetime":
        return _convert_datetime(value, where)
    raise AssertionError(f"unknown kind {kind}")


def _convert_bands(value: Any, where: str) -> list[Band]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of {{name, min, max}} tables")
    bands: list[Band] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise ConfigError(f"{where}[{index}]: expected a table with name, min and max")
        for key in item:
            if key not in ("name", "min", "max"):
                raise ConfigError(
                    f"{where}[{index}]: unknown key {key!r}{_suggest(key, ['name', 'min', 'max'])}"
                )
        missing = [k for k in ("name", "min", "max") if k not in item]
        if missing:
            raise ConfigError(f"{where}[{index}]: missing {', '.join(missing)}")
        name, lo, hi = item["name"], item["min"], item["max"]
        if not isinstance(name, str):
            raise ConfigError(f"{where}[{index}].name: expected a string, got {name!r}")
        for key, bound in (("min", lo), ("max", hi)):
            if not isinstance(bound, int | float) or isinstance(bound, bool):
                raise ConfigError(f"{where}[{index}].{key}: expected a number, got {bound!r}")
        bands.append(Band(name, float(lo), float(hi)))
    return bands


def _table_items(value: Any, where: str, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """A list of tables whose keys are all in `keys`, or a ConfigError naming the bad one."""
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of tables")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise ConfigError(f"{where}[{index}]: expected a table")
        for key in item:
            if key not in keys:
                raise ConfigError(
                    f"{where}[{index}]: unknown key {key!r}{_suggest(key, list(keys))}"
                )
    return value


def _convert_strmap(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table of string lists")
    result: dict[str, tuple[str, ...]] = {}
    for key, names in value.items():
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise ConfigError(f"{where}.{key}: expected a list of non-empty strings")
        result[key] = tuple(names)
    return result


def _convert_suppressions(value: Any, where: str) -> list[Suppression]:
    suppressions: list[Suppression] = []
    for index, item in enumerate(_table_items(value, where, ("key", "file", "reason", "expires"))):
        here = f"{where}[{index}]"
        key, file, reason, expires = (item.get(k) for k in ("key", "file", "reason", "expires"))
        if (key is None) == (file is None):
            raise ConfigError(f"{here}: give exactly one of key (a key path) or file (a glob)")
        for name, text in (("key", key), ("file", file)):
            if text is not None and (not isinstance(text, str) or not text.strip()):
                raise ConfigError(f"{here}.{name}: expected a non-empty string")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{here}: every suppression needs a reason")
        if isinstance(expires, str):
            try:
                expires = date.fromisoformat(expires)
            except ValueError:
                raise ConfigError(f"{here}.expires: expected a date (YYYY-MM-DD)") from None
        if isinstance(expires, datetime) or not isinstance(expires, date):
            raise ConfigError(
                f"{here}: every suppression needs an expiry date (expires = YYYY-MM-DD)"
            )
        suppressions.append(Suppression(key, file, reason, expires))
    return suppressions


def _convert_roots(value: Any, where: str, base: Path) -> list[tuple[Path, int | None, str | None]]:
    roots: list[tuple[Path, int | None, str | None]] = []
    for index, item in enumerate(_table_items(value, where, ("path", "days", "age_from"))):
        path, days, age_from = item.get("path"), item.get("days"), item.get("age_from")
        if not isinstance(path, str) or not path.strip():
            raise ConfigError(f"{where}[{index}].path: expected a path string")
        if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 1):
            raise ConfigError(f"{where}[{index}].days: must be a positive integer, got {days!r}")
        if age_from is not None and age_from not in RETENTION_AGE_BASES:
            raise ConfigError(
                f"{where}[{index}].age_from: must be one of {', '.join(RETENTION_AGE_BASES)}, "
                f"got {age_from!r}{_suggest(str(age_from), list(RETENTION_AGE_BASES))}"
            )
        roots.append((base / path, days, age_from))
    return roots


def _convert_datetime(value: Any, where: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(f"{where}: expected an ISO 8601 timestamp, got {value!r}") from None
    if not isinstance(value, datetime):
        raise ConfigError(f"{where}: expected a timestamp, got {value!r}")
    if value.tzinfo is None:
        raise ConfigError(f"{where}: the timestamp needs a time zone (e.g. Z or +00:00)")
    return value


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def _suggest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
