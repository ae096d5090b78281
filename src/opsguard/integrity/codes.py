"""Stable finding codes of the integrity check, each with its one-line help.

Codes are kebab-case and never change meaning: SARIF rule ids, configuration
and users' suppressions refer to them.
"""

from __future__ import annotations

INTEGRITY_CODES: dict[str, str] = {
    "corrupt-json": "A record file or JSONL line is not valid UTF-8 JSON, or a record file is "
    "empty.",
    "unreadable": "A record file or directory could not be read or decoded (permission, I/O "
    "error, a broken symbolic link, UTF-16): nothing in it was checked, so the gate fails.",
    "missing-field": "A record lacks a required field (date, schema_version, score or band).",
    "wrong-type": "A record, or one of its fields, has the wrong JSON type.",
    "invalid-date": "A record date is not a real calendar date in YYYY-MM-DD form.",
    "future-date": "A record is dated after the reference day (--as-of, or today in UTC).",
    "invalid-schema-version": "schema_version cannot be normalized to MAJOR.MINOR.PATCH.",
    "score-out-of-range": "A score lies outside the configured score range.",
    "band-mismatch": "A record's band differs from the band its score maps to.",
    "duplicate": "A second record with the same (date, normalized schema_version) key.",
    "duplicate-key": "A record holds a key more than once: readers disagree on which value "
    "counts (orjson keeps the last), so the record can hide a value.",
    "special-file": "A FIFO, socket or device in a records directory: never opened, not checked.",
    "no-records": "The window holds fewer records than min_records, so nothing can be gated.",
    "missing-day": 'With integrity.expect = "daily", a day of the window (from the first '
    "record on) has no record; each such day counts as a failed record.",
    "orphan-temp": "A writer's temporary file (.NAME.<hex>.tmp) beside the records: a write "
    "that did not finish. A warning while young, a failure after integrity.orphan_temp_hours; "
    "`opsguard sweep` moves it to the quarantine.",
}
