"""The catalog: one entry per guard and per check, and everything that lists checks reads it.

A *guard* is what a user selects (a Nox session, an `opsguard run --checks`
entry, the Action's `checks` input, a CLI command); a *check* is what writes
one result file. The privacy guard is two checks: its canary
(`privacy-self-test`), which runs first so that a broken scanner cannot
report "clean", and the scan itself. Views, outputs and the gate iterate
this table; no other shared module spells a check's name.

Adding a check: a package beside `integrity/` (its engine, codes, summary),
a command module in `cli/`, and one `GuardSpec` here.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core.config import (
    CORE_SETTINGS,
    Config,
    ConfigWarning,
    SectionSpec,
    Setting,
    build_config,
    no_file_warning,
    source_line,
)
from .core.errors import OpsguardError
from .core.result import COMMON_CODES, COULD_NOT_RUN, CheckResult
from .core.runs import RunOptions
from .deliver.autorun_settings import AutorunConfig, autorun_section
from .fault import codes as fault_codes
from .fault.settings import FAULT as FAULT_SETTINGS
from .integrity import codes as integrity_codes
from .integrity.settings import INTEGRITY as INTEGRITY_SETTINGS
from .privacy import codes as privacy_codes
from .privacy.settings import PRIVACY as PRIVACY_SETTINGS
from .retention import codes as retention_codes
from .retention.settings import RETENTION as RETENTION_SETTINGS

if TYPE_CHECKING:
    from .core.metrics import Sample
    from .core.summary import Summary
    from .fault.payloads import RecordShape

__all__ = [
    "AUTORUN",
    "CHECKS",
    "CHECK_ORDER",
    "GUARDS",
    "SECTIONS",
    "SETTINGS",
    "CheckSpec",
    "GuardSpec",
    "check_spec",
    "checks_of",
    "code_help",
    "expand_checks",
    "fault_records",
    "guard_name",
    "key_figure",
    "load_config",
    "run_fault",
]


@cache
def _resolve(ref: str) -> Any:
    """`MODULE:ATTRIBUTE`, imported on first use."""
    module, _, attribute = ref.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One check: its result name, codes with help, key figure, outputs, how it runs.

    The engine, the summary type, the key figure and the metrics are named as
    `MODULE:ATTRIBUTE` and imported when first used, so that listing checks
    (`opsguard gate`, `--version`, `--help`) loads none of them.
    `runner` is `function(config, options) -> CheckResult`; `command` is the
    `opsguard` command line that runs the check on its own.
    """

    name: str
    codes: Mapping[str, str]
    summary_ref: str
    figure_ref: str
    runner: str
    command: tuple[str, ...]
    # Step outputs (`$GITHUB_OUTPUT` name -> summary attribute) this check contributes.
    outputs: Mapping[str, str] = field(default_factory=dict)
    # Its own Prometheus samples, `function(summary) -> Sequence[Sample]`
    # (`opsguard.report.prometheus` renders them).
    metrics_ref: str | None = None

    @property
    def summary(self) -> type[Summary]:
        """The check's typed summary."""
        summary: type[Summary] = _resolve(self.summary_ref)
        return summary

    def summary_of(self, result: CheckResult) -> Summary | None:
        """The result's summary as this check's type (None when it does not fit: a result of
        another opsguard version, or an `error` result)."""
        summary = result.summary
        kind = self.summary
        if isinstance(summary, kind):
            return summary
        try:
            return kind.from_dict(summary)
        except (KeyError, TypeError, ValueError):
            return None

    def figure(self, summary: Summary) -> str:
        """The key figure of one of this check's summaries."""
        figure: str = _resolve(self.figure_ref)(summary)
        return figure

    def samples(self, summary: Summary) -> Sequence[Sample]:
        """This check's own Prometheus samples from its summary (none when it has no metrics)."""
        if self.metrics_ref is None:
            return ()
        samples: Sequence[Sample] = _resolve(self.metrics_ref)(summary)
        return samples

    def run(self, config: Config, options: RunOptions) -> CheckResult:
        """Run the check as a whole run does: its configured inputs and settings."""
        run: Callable[[Config, RunOptions], CheckResult] = _resolve(self.runner)
        return run(config, options)


@dataclass(frozen=True, slots=True)
class GuardSpec:
    """One guard: what a user selects, the checks it writes (in run order), its command."""

    name: str
    checks: tuple[CheckSpec, ...]
    # Its `opsguard` subcommand (a module in `cli/`) and that command's one-line help.
    command: str
    help: str
    settings: SectionSpec[Any] | None = None
    aliases: tuple[str, ...] = ()


INTEGRITY = CheckSpec(
    "integrity",
    integrity_codes.INTEGRITY_CODES,
    "opsguard.integrity.summary:IntegritySummary",
    "opsguard.integrity.summary:key_figure",
    "opsguard.integrity.check:run_configured",
    ("integrity",),
    {"integrity-failure-rate": "failure_rate"},
    "opsguard.integrity.metrics:samples",
)
PRIVACY_SELF_TEST = CheckSpec(
    "privacy-self-test",
    privacy_codes.PRIVACY_SELF_TEST_CODES,
    "opsguard.privacy.summary:SelfTestSummary",
    "opsguard.privacy.summary:self_test_key_figure",
    "opsguard.privacy.check:run_self_test_configured",
    ("privacy", "--self-test"),
)
PRIVACY = CheckSpec(
    "privacy",
    privacy_codes.PRIVACY_CODES,
    "opsguard.privacy.summary:PrivacySummary",
    "opsguard.privacy.summary:key_figure",
    "opsguard.privacy.check:run_configured",
    ("privacy",),
    {"privacy-violations": "violations"},
    "opsguard.privacy.metrics:samples",
)
RETENTION = CheckSpec(
    "retention",
    retention_codes.RETENTION_CODES,
    "opsguard.retention.summary:RetentionSummary",
    "opsguard.retention.summary:key_figure",
    "opsguard.retention.check:run_configured",
    ("retention",),
    {"retention-candidates": "candidates"},
    "opsguard.retention.metrics:samples",
)
FAULT = CheckSpec(
    "atomic-write-fault",
    fault_codes.FAULT_CODES,
    "opsguard.fault.summary:FaultSummary",
    "opsguard.fault.summary:key_figure",
    # In the catalog, not in `fault/`: the json payload's records take the integrity
    # settings' field names and band table, and a guard package imports only `core`.
    "opsguard.catalog:run_fault",
    ("fault",),
    metrics_ref="opsguard.fault.metrics:samples",
)

# In run order: the default `nox` run, `opsguard run` and every view list them so.
GUARDS: Mapping[str, GuardSpec] = {
    spec.name: spec
    for spec in (
        GuardSpec(
            "integrity",
            (INTEGRITY,),
            "integrity",
            "gate record files on validity, duplicates and band-score agreement",
            INTEGRITY_SETTINGS,
        ),
        GuardSpec(
            "privacy",
            (PRIVACY_SELF_TEST, PRIVACY),
            "privacy",
            "gate telemetry on raw health metrics, PII, locations and secrets",
            PRIVACY_SETTINGS,
        ),
        GuardSpec(
            "retention",
            (RETENTION,),
            "retention",
            "prune telemetry and quarantine files past their retention (dry-run unless --apply)",
            RETENTION_SETTINGS,
        ),
        GuardSpec(
            "atomic-write-fault",
            (FAULT,),
            "fault",
            "prove a writer crash-safe: error matrix, SIGKILL trials, kill at every syscall",
            FAULT_SETTINGS,
            aliases=("fault",),
        ),
    )
}
# How checks are listed in every view; checks this version does not know come after, by name.
CHECK_ORDER: tuple[str, ...] = (
    "integrity",
    "privacy",
    "privacy-self-test",
    "retention",
    "atomic-write-fault",
)
CHECKS: Mapping[str, CheckSpec] = {
    check.name: check for guard in GUARDS.values() for check in guard.checks
}
_ALIASES = {alias: guard.name for guard in GUARDS.values() for alias in guard.aliases}
# The pipeline's auto-run as its telemetry tells it (metrics); failures over the integrity window.
AUTORUN: SectionSpec[AutorunConfig] = autorun_section("integrity.window_days")
SECTIONS: tuple[SectionSpec[Any], ...] = (
    *(guard.settings for guard in GUARDS.values() if guard.settings is not None),
    AUTORUN,
)
# Every configuration setting: the shared ones, then each guard's.
SETTINGS: tuple[Setting, ...] = (*CORE_SETTINGS, *(s for spec in SECTIONS for s in spec.settings))


def load_config(
    config_file: Path | str | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    assignments: Sequence[str] = (),
    warn: bool = True,
) -> Config:
    """The configuration of every guard: file, environment, `--set` and flags (see core.config).

    `overrides` maps keys (`"integrity.threshold"`) to values as flags produce
    them; `assignments` are `KEY=VALUE` strings (`--set`). The file used is
    `config.source` and is logged (logger `opsguard`, INFO); when none was found
    the defaults are used, and a `ConfigWarning` says so, with the resolved
    default paths (a cron job started in `/` would read `/data/records`), unless
    `warn=False` (the command line prints the same line itself). The band table
    (`config.bands`) follows the same rule: the default table when no file sets one.
    """
    config = build_config(
        config_file,
        cwd=cwd,
        environ=environ,
        overrides=overrides,
        assignments=assignments,
        sections=SECTIONS,
        check_name=guard_name,
    )
    warning = no_file_warning(config)
    if warning is None:
        # Where the configuration came from, for whoever set up logging; a program that
        # never imported logging has no handler to show it (and pays no import for it).
        logging = sys.modules.get("logging")
        if logging is not None:
            logging.getLogger("opsguard").info("opsguard: %s", source_line(config))
    elif warn:
        warnings.warn(warning, ConfigWarning, stacklevel=2)
    return config


def fault_records(config: Config) -> RecordShape:
    """The records the fault harness's `json` payload makes: the integrity settings' field
    names and band table (the harness itself may not read another guard's settings)."""
    from .fault.payloads import RecordShape

    integrity = INTEGRITY_SETTINGS.of(config)
    fields = integrity.fields
    return RecordShape(
        date=fields.date,
        schema_version=fields.schema_version,
        score=fields.score,
        band=fields.band,
        bands=tuple((band.name, band.min, band.max) for band in integrity.bands.bands),
    )


def run_fault(config: Config, options: RunOptions) -> CheckResult:
    """The fault harness as a whole run does it, with the configured record shape."""
    from .fault.check import run_configured

    return run_configured(config, options, records=fault_records(config))


def check_spec(name: str) -> CheckSpec | None:
    """The spec of a check by its result name (None for a check this version does not know)."""
    return CHECKS.get(name)


def guard_name(name: str) -> str:
    """The guard a user-typed name means; an `OpsguardError` suggesting the closest for a typo."""
    name = _ALIASES.get(name, name)
    if name in GUARDS:
        return name
    import difflib

    close = difflib.get_close_matches(name, [*GUARDS, *_ALIASES], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise OpsguardError(f"unknown check {name!r}{hint}; choose from {', '.join(GUARDS)}")


def checks_of(guards: Iterable[str]) -> tuple[str, ...]:
    """The result checks of the given guards, in run order, each once."""
    wanted = {guard_name(g) for g in guards}
    return tuple(
        check.name for guard in GUARDS.values() if guard.name in wanted for check in guard.checks
    )


def expand_checks(names: Iterable[str]) -> tuple[str, ...]:
    """Check names, or guard aliases (`fault`), to check names, each once, in the given order."""
    out: list[str] = []
    for name in names:
        found = (name,) if name in CHECKS else checks_of([name])
        out += [check for check in found if check not in out]
    return tuple(out)


def code_help(check: str, code: str) -> str:
    """The one-line help of a check's finding code ("" for a code this version does not know)."""
    spec = CHECKS.get(check)
    return (spec.codes.get(code) if spec else None) or COMMON_CODES.get(code, "")


def key_figure(result: CheckResult) -> str:
    """A short, human summary of the result's main figure (falls back to counts)."""
    if result.status == "error":
        # The reason the check itself gave, else its first error finding's message.
        reasons = [f.message for f in result.findings if f.code == COULD_NOT_RUN] or [
            f.message for f in result.findings if f.severity == "error"
        ]
        return f"could not run: {reasons[0]}" if reasons else "could not run"
    spec = CHECKS.get(result.check)
    summary = spec.summary_of(result) if spec is not None else None
    if spec is not None and summary is not None:
        return spec.figure(summary)
    # A check this version does not know, or a result from another version: counts.
    errors = sum(1 for f in result.findings if f.severity == "error")
    return f"{errors} error finding(s)"
