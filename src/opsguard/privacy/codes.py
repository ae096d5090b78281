"""Stable finding codes of the privacy scan and its canary, each with its one-line help.

Codes are kebab-case and never change meaning: SARIF rule ids, configuration
and users' suppressions refer to them.
"""

from __future__ import annotations

PRIVACY_CODES: dict[str, str] = {
    "raw-metric": "A raw health metric (heart rate, HRV, SpO2, stress, sleep, steps, body "
    "composition...) reached telemetry, by key name or in free text; the value is masked.",
    "pii": "Personal data (identity field, email address, phone) reached telemetry.",
    "location": "A location (latitude/longitude key or coordinate pair) reached telemetry.",
    "secret": "A credential (password, OAuth/Bearer token, JWT, API key) reached telemetry.",
    "unknown-field": "Allowlist mode: a key path that privacy.allow does not declare.",
    "unreadable": "A file or line that could not be parsed (binary, not UTF-8, invalid JSON); "
    "invalid lines are still scanned as text (warning).",
    "expired-suppression": "A privacy suppression whose expiry date has passed: it no longer "
    "suppresses anything; renew it with a reason or remove it.",
}

PRIVACY_SELF_TEST_CODES: dict[str, str] = {
    "canary-missed": "The privacy self-test planted a leak the scanner did not report: the "
    "scanner is broken and its passes prove nothing.",
    "canary-false-positive": "The privacy self-test planted a clean line the scanner flagged.",
}
