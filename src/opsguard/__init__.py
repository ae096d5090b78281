"""opsguard: release guardrails for small data pipelines.

The library API: the primitives every writer and check rests on, and the
result model. The command line (`opsguard`) and the Nox sessions
(`import opsguard.sessions`) are thin shells over these.
"""

from .atomic import atomic_open, atomic_write, atomic_write_json, atomic_write_many, sweep_orphans
from .bands import DEFAULT_BANDS, Band, BandTable, map_score_to_band
from .checks.integrity import check_integrity
from .checks.privacy import check_privacy
from .checks.retention import check_retention
from .config import Config, load_config
from .duplicates import DuplicateGuard, Origin
from .errors import (
    BandTableError,
    ConfigError,
    InvalidSchemaVersion,
    OpsguardError,
    ScoreError,
)
from .result import CheckResult, Finding
from .store import DuplicateRecord, RecordRejected, RecordStore
from .versioning import normalize_schema_version

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_BANDS",
    "Band",
    "BandTable",
    "BandTableError",
    "CheckResult",
    "Config",
    "ConfigError",
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
