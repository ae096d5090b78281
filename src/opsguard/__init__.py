"""opsguard: release guardrails for small data pipelines.

The library API: the primitives every writer and check rests on, and the
result model. The command line (`opsguard`) and the Nox sessions
(`import opsguard.sessions`) are thin shells over these.

Names are imported on first use (PEP 562), so that `import opsguard` — and
every `opsguard` command, which imports this package first — loads only what
it needs: `opsguard gate` never imports a check.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .catalog import load_config
    from .core.atomic import atomic_open, atomic_write, atomic_write_json, atomic_write_many
    from .core.config import Config, ConfigWarning
    from .core.errors import (
        BandTableError,
        ConfigError,
        InvalidSchemaVersion,
        OpsguardError,
        ScoreError,
    )
    from .core.quarantine import sweep_orphans
    from .core.result import CheckResult, Finding
    from .integrity.bands import DEFAULT_BANDS, Band, BandTable, map_score_to_band
    from .integrity.check import check_integrity
    from .integrity.duplicates import DuplicateGuard, Origin
    from .integrity.store import DuplicateRecord, RecordRejected, RecordStore
    from .integrity.versioning import normalize_schema_version
    from .privacy.check import check_privacy
    from .retention.check import check_retention

# Public name -> the module that defines it.
_EXPORTS = {
    "atomic_open": ".core.atomic",
    "atomic_write": ".core.atomic",
    "atomic_write_json": ".core.atomic",
    "atomic_write_many": ".core.atomic",
    "sweep_orphans": ".core.quarantine",
    "Config": ".core.config",
    "ConfigWarning": ".core.config",
    "load_config": ".catalog",
    "BandTableError": ".core.errors",
    "ConfigError": ".core.errors",
    "InvalidSchemaVersion": ".core.errors",
    "OpsguardError": ".core.errors",
    "ScoreError": ".core.errors",
    "CheckResult": ".core.result",
    "Finding": ".core.result",
    "DEFAULT_BANDS": ".integrity.bands",
    "Band": ".integrity.bands",
    "BandTable": ".integrity.bands",
    "map_score_to_band": ".integrity.bands",
    "check_integrity": ".integrity.check",
    "DuplicateGuard": ".integrity.duplicates",
    "Origin": ".integrity.duplicates",
    "DuplicateRecord": ".integrity.store",
    "RecordRejected": ".integrity.store",
    "RecordStore": ".integrity.store",
    "normalize_schema_version": ".integrity.versioning",
    "check_privacy": ".privacy.check",
    "check_retention": ".retention.check",
}

__all__ = [
    "DEFAULT_BANDS",
    "Band",
    "BandTable",
    "BandTableError",
    "CheckResult",
    "Config",
    "ConfigError",
    "ConfigWarning",
    "DuplicateGuard",
    "DuplicateRecord",
    "Finding",
    "InvalidSchemaVersion",
    "OpsguardError",
    "Origin",
    "RecordRejected",
    "RecordStore",
    "ScoreError",
    "__version__",
    "atomic_open",
    "atomic_write",
    "atomic_write_json",
    "atomic_write_many",
    "check_integrity",
    "check_privacy",
    "check_retention",
    "load_config",
    "map_score_to_band",
    "normalize_schema_version",
    "sweep_orphans",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'opsguard' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
