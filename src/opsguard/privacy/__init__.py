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

from .denylist import DEFAULT_DENY, build_entries
from .keys import KeyClassifier, KeyMatch, normalize_key, tokenize_key
from .patterns import PathPatterns
from .scan import TELEMETRY_SUFFIXES, Policy, Scanner
from .settings import PrivacyConfig

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


def build_policy(privacy: PrivacyConfig) -> Policy:
    """The scan policy for a privacy configuration (a fresh classifier cache each time)."""
    classifier = KeyClassifier(build_entries(privacy), privacy.safe_keys)
    allow = PathPatterns(privacy.allow) if privacy.mode == "allowlist" else None
    return Policy(classifier, allow)
