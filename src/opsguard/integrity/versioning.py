"""Normalization of record `schema_version` strings.

Two records of the same day must be recognised as duplicates even when one
says `v1.0.0` and the other `1` or `1.0`. Parsing is done by
`packaging.version` (PEP 440); this module adds the few rules a schema version
needs on top: one optional leading `v`, a release of at most three parts padded
to three, and no epoch.
"""

from __future__ import annotations

from functools import lru_cache

from ..core.errors import InvalidSchemaVersion

__all__ = ["InvalidSchemaVersion", "major_of", "normalize_schema_version"]

_MAX_RELEASE_PARTS = 3
# Long strings are never real versions; refusing them early keeps the cache small.
_MAX_LENGTH = 64


def normalize_schema_version(value: object) -> str:
    """Return the canonical schema version, `MAJOR.MINOR.PATCH[pre][.postN][.devN][+local]`.

    `" V1.2 "` -> `"1.2.0"`, `"1"` -> `"1.0.0"`, `"v1.0.0-RC1"` -> `"1.0.0rc1"`.
    Raises `InvalidSchemaVersion` for anything else: non-strings, empty strings,
    `latest`, four or more release parts, an epoch, a doubled `v`.
    """
    if not isinstance(value, str):
        raise InvalidSchemaVersion(f"schema_version must be a string, got {type(value).__name__}")
    return _normalize(value)


@lru_cache(maxsize=4096)
def _normalize(value: str) -> str:
    # Imported on first use: the settings import this module, and listing checks need none.
    from packaging.version import InvalidVersion, Version

    text = value.strip()
    if text[:1] in ("v", "V"):
        text = text[1:]
    # packaging itself tolerates surrounding space and another leading "v";
    # after our own stripping either one means the input was malformed.
    if not text or len(text) > _MAX_LENGTH or text != text.strip() or text[0] in "vV":
        raise _invalid("not a schema version", value)
    try:
        version = Version(text)
    except InvalidVersion:
        raise _invalid("not a schema version", value) from None
    if version.epoch != 0 or "!" in text:
        raise _invalid("epochs are not allowed in a schema version", value)
    if len(version.release) > _MAX_RELEASE_PARTS:
        raise _invalid(f"schema version has more than {_MAX_RELEASE_PARTS} release parts", value)
    release = (*version.release, 0, 0)[:_MAX_RELEASE_PARTS]
    parts = [".".join(str(n) for n in release)]
    if version.pre is not None:
        parts.append(f"{version.pre[0]}{version.pre[1]}")
    if version.post is not None:
        parts.append(f".post{version.post}")
    if version.dev is not None:
        parts.append(f".dev{version.dev}")
    if version.local is not None:
        parts.append(f"+{version.local}")
    return "".join(parts)


def major_of(normalized: str) -> int:
    """The major number of an already normalized version."""
    return int(normalized.split(".", 1)[0])


def _invalid(reason: str, value: str) -> InvalidSchemaVersion:
    return InvalidSchemaVersion(f"{reason}: {_shown(value)}", reason=reason)


def _shown(value: str) -> str:
    return repr(value if len(value) <= _MAX_LENGTH else value[:_MAX_LENGTH] + "...")
