"""The duplicate guard: one record per day and schema version.

Two records are duplicates when their keys are equal. The key is the date
plus, depending on the scope, the normalized schema version (`version`, the
default), its major number (`major`), or nothing (`date`: one record per day,
whatever its version). Normalization makes `v1.0.0`, `1.0.0`, `1.0` and `1`
the same version, so a migration that changes only the spelling of the
version cannot sneak a second record for a day past the guard.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, get_args

from .versioning import major_of, normalize_schema_version

__all__ = [
    "DUPLICATE_SCOPES",
    "DuplicateGuard",
    "DuplicateKey",
    "DuplicateScope",
    "Origin",
    "PackedIndex",
]

DuplicateScope = Literal["version", "major", "date"]
DUPLICATE_SCOPES: tuple[str, ...] = get_args(DuplicateScope)

DuplicateKey = tuple[str, str | int | None]


def _checked(scope: DuplicateScope) -> DuplicateScope:
    if scope not in DUPLICATE_SCOPES:
        raise ValueError(f"duplicate scope must be one of {DUPLICATE_SCOPES}, got {scope!r}")
    return scope


class Origin(NamedTuple):
    """Where a record was read: file and 1-based line.

    A NamedTuple rather than a frozen dataclass: one is made per record on the
    integrity hot path, and tuples are several times cheaper to create.
    """

    path: str
    line: int | None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


class DuplicateGuard:
    """Remembers the first record seen for each key.

    >>> guard = DuplicateGuard()
    >>> guard.add("2025-08-01", "v1.0.0", Origin("a.json", 1)) is None
    True
    >>> str(guard.add("2025-08-01", "1", Origin("b.json", 1)))
    'a.json:1'

    Feed records in a deterministic order (opsguard reads files in sorted path
    order) so that "first" means the same record on every run.
    `InvalidSchemaVersion` propagates from `add` and `find` when the scope needs
    the version and it cannot be normalized.
    """

    __slots__ = ("_first", "scope")

    def __init__(self, scope: DuplicateScope = "version") -> None:
        self.scope: DuplicateScope = _checked(scope)
        self._first: dict[DuplicateKey, Origin] = {}

    def key(self, date: str, schema_version: object) -> DuplicateKey:
        """The key under which a record of this date and version is remembered."""
        if self.scope == "date":
            return (date, None)
        return self.key_of_normalized(date, normalize_schema_version(schema_version))

    def key_of_normalized(self, date: str, normalized: str | None) -> DuplicateKey:
        """`key` for a version already normalized (None is allowed only with scope `date`)."""
        if self.scope == "date":
            return (date, None)
        if normalized is None:
            raise ValueError(f"scope {self.scope!r} needs a schema version")
        if self.scope == "major":
            return (date, major_of(normalized))
        return (date, normalized)

    def find(self, date: str, schema_version: object) -> Origin | None:
        """The first occurrence of this key, or None; remembers nothing."""
        return self.find_key(self.key(date, schema_version))

    def find_key(self, key: DuplicateKey) -> Origin | None:
        """`find` for a key already computed with `key` or `key_of_normalized`."""
        return self._first.get(key)

    def add(self, date: str, schema_version: object, origin: Origin) -> Origin | None:
        """Remember the record; return the first occurrence if it is a duplicate."""
        return self.add_key(self.key(date, schema_version), origin)

    def add_key(self, key: DuplicateKey, origin: Origin) -> Origin | None:
        """`add` for a key already computed with `key` (saves normalizing twice)."""
        first = self._first.get(key)
        if first is None:
            self._first[key] = origin
        return first

    def __len__(self) -> int:
        return len(self._first)


class PackedIndex:
    """The duplicate guard as the integrity check keeps it over millions of records.

    A key is one integer, the day's ordinal and an id per normalized version (or
    major) combined (`key`); a position is one integer too (the caller packs file
    and line). Two small integers per record instead of tuples of strings keep
    the check's memory flat, and let it look up a whole block of keys at once
    (`first` is the plain dict, for `update` and `isdisjoint`).
    """

    __slots__ = ("_parts", "first", "scope")

    # key = part * DAYS + day: every day ordinal (up to 9999-12-31) is below DAYS, so the
    # key is unique; DAYS is odd, so keys spread over a dict's low bits (a shift would put
    # the part id there, and every day of one version in the same few slots).
    DAYS = 3_652_061

    def __init__(self, scope: DuplicateScope) -> None:
        self.scope: DuplicateScope = _checked(scope)
        self.first: dict[int, int] = {}
        self._parts: dict[str, int] = {}

    def part_of(self, normalized: str) -> int:
        """The id the key holds for a normalized version (0 for every version with scope `date`)."""
        part = self.shown_version(normalized)
        if part is None:
            return 0
        found = self._parts.get(part)
        if found is None:
            found = self._parts[part] = len(self._parts)
        return found

    def key(self, day: int, part: int) -> int:
        return part * self.DAYS + day

    def shown_version(self, normalized: str) -> str | None:
        """What of the version the key holds, as a duplicate's message shows it."""
        if self.scope == "date":
            return None
        return str(major_of(normalized)) if self.scope == "major" else normalized

    def add(self, key: int, position: int) -> int | None:
        """Remember the record; return the first occurrence's position if it is a duplicate."""
        first = self.first.get(key)
        if first is None:
            self.first[key] = position
        return first
