"""Stable finding codes, one table per check.

Codes are kebab-case and never change meaning: SARIF rule ids, configuration
(`zero_tolerance`) and users' suppressions refer to them. The text beside each
code is its one-line help.
"""

from __future__ import annotations

INTEGRITY_CODES: dict[str, str] = {
    "corrupt-json": "A record file or JSONL line is not valid UTF-8 JSON.",
    "missing-field": "A record lacks a required field (date, schema_version, score or band).",
    "wrong-type": "A record, or one of its fields, has the wrong JSON type.",
    "invalid-date": "A record date is not a real calendar date in YYYY-MM-DD form.",
    "future-date": "A record is dated after the reference day (--as-of, or today in UTC).",
    "invalid-schema-version": "schema_version cannot be normalized to MAJOR.MINOR.PATCH.",
    "score-out-of-range": "A score lies outside the configured score range.",
    "band-mismatch": "A record's band differs from the band its score maps to.",
    "duplicate": "A second record with the same (date, normalized schema_version) key.",
    "no-records": "The window holds fewer records than min_records, so nothing can be gated.",
}

FAULT_CODES: dict[str, str] = {
    "matrix-failure": "An injected OSError (errno at open, write, fsync, replace or directory "
    "fsync) changed the target, left a file or fd behind, did not reach the caller, or the "
    "writer never made that call.",
    "corrupt-after-crash": "After a SIGKILL the target was missing, empty, truncated, mixed "
    "or not one complete version.",
    "torn-read": "A concurrent reader saw a target that was not one complete version.",
    "writer-error": "The writer raised on an ordinary crash-trial write, so it cannot be judged.",
    "syscall-kill-corruption": "Killing the writer before one of its system calls left the "
    "target neither the old nor the new bytes.",
    "syscall-order": "The traced system calls break the protocol: O_EXCL temp, write, "
    "fsync(temp), rename onto the target, fsync(directory).",
    "syscall-kill-missed": "A strace kill did not land on the intended call (warning: that "
    "kill point was not tested).",
    "negative-control-undetected": "The deliberately unsafe naive_write passed the crash "
    "trials: the harness could not detect corruption, so its pass proves nothing.",
}


RETENTION_CODES: dict[str, str] = {
    "cap-exceeded": "A root's candidates exceed max_delete or max_delete_fraction of its files: "
    "an apply deletes nothing there without --force (a dry-run warns).",
    "remove-failed": "A candidate file (or a directory holding candidates) could not be removed; "
    "the run went on.",
    "not-scanned": "A directory below a root could not be opened or listed (or lies deeper than "
    "the depth limit); nothing below it was judged.",
    "other-filesystem": "A directory or file below a root is on another filesystem (a mount "
    "point); it was not entered or touched.",
    "changed-during-run": "A file or directory changed between the scan and its deletion "
    "(replaced, rewritten, swapped for a symlink); it was left alone.",
    "changed-since-plan": "A file listed in the plan is gone or no longer has the plan's device, "
    "inode, size, mtime and ctime; it was not deleted.",
    "same-mtime": "Every file aged by mtime under a root was modified within 2 s of the others: "
    "a fresh checkout or copy, whose mtimes say nothing about age.",
    "no-date-in-name": "With age_from = name, files whose name carries no date were aged by "
    "their mtime instead.",
    "rmdir-failed": "A directory this run left empty could not be removed.",
}


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


# Codes every check may report.
COMMON_CODES: dict[str, str] = {
    "could-not-run": "The check could not do its job (bad configuration, a path that does not "
    "exist, input it could not read, or no result from this run at all): its verdict is "
    "unknown, so the gate fails with exit code 2.",
}


def code_help(check: str, code: str) -> str:
    """The one-line help of a check's finding code ("" for a code this version does not know)."""
    return _CODES_BY_CHECK.get(check, {}).get(code) or COMMON_CODES.get(code, "")


_CODES_BY_CHECK: dict[str, dict[str, str]] = {
    "integrity": INTEGRITY_CODES,
    "atomic-write-fault": FAULT_CODES,
    "retention": RETENTION_CODES,
    "privacy": PRIVACY_CODES,
    "privacy-self-test": PRIVACY_SELF_TEST_CODES,
}
