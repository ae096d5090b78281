"""Exceptions that cross module boundaries.

`OpsguardError` is what the CLI turns into exit code 2 with one line on
stderr: the tool could not do its job (bad configuration, a missing path).
Policy violations are never exceptions; they are findings in a result.
"""

from __future__ import annotations


class OpsguardError(Exception):
    """The tool cannot do what was asked; the message is one complete line."""


class ConfigError(OpsguardError):
    """The configuration (file, environment or flags) is invalid."""


class InvalidSchemaVersion(ValueError):
    """A `schema_version` value that cannot be normalized.

    The message quotes the value (a caller's own); `reason` is the message without
    it, for a check that must not echo the data it reads (`core.values`).
    """

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = message if reason is None else reason


class ScoreError(ValueError):
    """A score that cannot be mapped to a band (wrong type, NaN, out of range)."""


class BandTableError(ConfigError):
    """A band table that is not contiguous, overlaps, or misses the score range."""
