"""The privacy scan: no raw health metric, PII, location or secret in telemetry.

Telemetry must describe what the pipeline did, never what the person's body
did. Secret scanners (detect-secrets, gitleaks) and PII engines (Presidio,
scrubadub) do not flag `"restingHeartRate": 52`; this package does, by key
name (a normalized, token-aware deny-list of Garmin and GarminDB names),
confirmed by the shape of the value, and by value shape alone (emails,
coordinates, tokens, `key=value` free text).

Modules, one stage each:

- `keys`: tokenize and normalize key names; match deny entries; cache.
- `denylist`: the default groups (raw-metric, location, pii, secret).
- `patterns`: key-path globs for allowlist mode and suppressions.
- `values`: value shapes: a denied key proposes, its value confirms.
- `text`: value detectors and the byte prefilter in front of them.
- `prefilter`: one compiled pattern per block over the deny entries and the
  detectors' triggers; lines it proves clean are never parsed.
- `scan`: the streaming scanner over files (prefilter, fast path, exact walk).
- `suppress`, `collect`: suppressions, counting, bounded findings.
- `selftest`: the canary that proves the scanner still catches leaks.

`opsguard.privacy.check` turns a scan into a `CheckResult`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .denylist import DEFAULT_DENY
    from .keys import KeyClassifier, KeyMatch, normalize_key, tokenize_key
    from .policy import build_policy
    from .scan import TELEMETRY_SUFFIXES, Policy, Scanner

__all__ = [
    "DEFAULT_DENY",
    "TELEMETRY_SUFFIXES",
    "KeyClassifier",
    "KeyMatch",
    "Policy",
    "Scanner",
    "build_policy",
    "normalize_key",
    "tokenize_key",
]

# Imported on first use: the catalog reads `privacy.codes`, `.settings` and `.summary`, and
# importing them must not compile the scanner's patterns (`opsguard gate` never scans).
_EXPORTS = {
    "DEFAULT_DENY": ".denylist",
    "KeyClassifier": ".keys",
    "KeyMatch": ".keys",
    "normalize_key": ".keys",
    "tokenize_key": ".keys",
    "build_policy": ".policy",
    "TELEMETRY_SUFFIXES": ".scan",
    "Policy": ".scan",
    "Scanner": ".scan",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'opsguard.privacy' has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)
