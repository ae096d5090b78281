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
    "unreadable": "Input the scan could not see: a file that cannot be read (permission, I/O "
    "error, broken link) or is binary data, a directory that cannot be listed (error: the gate "
    "fails); or a line that is not JSON or not UTF-8, text in UTF-16/32 or with NUL bytes, "
    "which was still scanned as text (warning).",
    "special-file": "A FIFO, socket or device in a telemetry directory: never opened, skipped "
    "(warning).",
    "no-files": "No telemetry file to scan (an empty directory, only other files or symlinked "
    "directories): a scan of nothing proves nothing, so the gate fails.",
    "expired-suppression": "A privacy suppression whose expiry date has passed: it no longer "
    "suppresses anything; renew it with a reason or remove it.",
}

PRIVACY_SELF_TEST_CODES: dict[str, str] = {
    "canary-missed": "The privacy self-test planted a leak the scanner did not report: the "
    "scanner is broken and its passes prove nothing.",
    "canary-false-positive": "The privacy self-test planted a clean line, or a look-alike "
    "value under a denied key (a slug, a permission word, a list of CI steps), and the scanner "
    "flagged it.",
}
