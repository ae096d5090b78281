"""How a value from the data under check may appear in a message: shown, or only described.

A record field may hold anything a pipeline mis-wrote — an email address in
`date`, a coordinate pair in `schema_version`, a heart rate in `band` — and a
message reaches the terminal, result files, the PR comment, SARIF and
annotations. So a value is shown only when it has the shape its field
expects (a date, a version, a band of the table, a number for a score);
anything else is described by its JSON type and size (`a 21-character
string`), which is enough to find it and says nothing about what it holds.

This is the one place that decides; integrity's validation, its remediation
messages and the record store all ask here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from typing import Literal

__all__ = ["Shape", "describe", "show", "shown"]

# The shapes a field can expect. `word` is a string from a fixed set (a band name).
Shape = Literal["date", "version", "word", "number"]

# ISO-like dates, optionally with a time: 2025-08-01, 2025-02-30, 2025-8-1, 2025-08-01T06:00Z.
_DATE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
# Version-like: v1, 1.0.0, 1.0.0.0, 2.0.0-rc1, 1.0.post2.dev3. No local part (`+anything`)
# and no epoch: both may carry free text.
_VERSION = re.compile(
    r"\s*[vV]?\d{1,9}(?:\.\d{1,9}){0,5}"
    r"(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview|dev|post|rev|r)[-_.]?\d{0,9})*\s*",
    re.IGNORECASE,
)
_MAX_SHOWN = 40
_MAX_INT = 10**18


def describe(value: object) -> str:
    """A value's JSON type and size, never its content: `a 21-character string`, `an object`."""
    if isinstance(value, str):
        if not value:
            return "an empty string"
        return f"a {len(value)}-character string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    return f"a value of type {type(value).__name__}"


def shown(value: object, shape: Shape, *, words: Collection[str] = ()) -> str | None:
    """The value as a message may show it (a string quoted), or None when it must be described.

    `words` are the strings a `word` field may hold (the band names of the table).
    """
    if shape == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if isinstance(value, int):
            # Past 18 digits an integer is no score, and past 4300 `str` refuses it.
            return str(value) if -_MAX_INT < value < _MAX_INT else None
        return str(value) if math.isfinite(value) else None
    if not isinstance(value, str) or len(value) > _MAX_SHOWN:
        return None
    if shape == "date":
        fits = _DATE.fullmatch(value) is not None
    elif shape == "version":
        fits = _VERSION.fullmatch(value) is not None
    else:
        fits = value in words
    return repr(value) if fits else None


def show(value: object, shape: Shape, *, words: Collection[str] = ()) -> str:
    """`shown(...)`, or else `describe(value)`: what a message says about the value."""
    text = shown(value, shape, words=words)
    return describe(value) if text is None else text
