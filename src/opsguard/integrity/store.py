"""The ingestion writer: one crash-safe file per day, and no record that the gate would fail.

`RecordStore(directory, config).write(record)` is what a pipeline calls instead
of writing record files itself. Before anything touches the disk the record
is validated exactly as the integrity gate validates it (the shared
`RecordValidator`), its `schema_version` is normalized, and the duplicate
guard is asked; a refused record raises and writes nothing.

A day's records live in `DATE.json`: one object, or an array once a second
record for the day is allowed (another schema version under scope `version`
or `major`). Every write replaces that file atomically, under an exclusive
lock, and re-reads the day's file under the lock, so two writers cannot both
add the same day's record.

Each behaviour is a choice, documented in docs/store.md: the record is stored
as written (`normalize_version=True` stores the normalized `schema_version`
instead); the lock file lies beside the records folder
(`.<folder>.opsguard-store.lock` in its parent, so `git add -A` in the folder
never picks it up), or inside it with `lock="inside"`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, cast

import orjson

from ..core.atomic import atomic_write_json
from ..core.config import Config
from ..core.errors import OpsguardError
from ..core.files import discover_files, element_lines, open_regular, printable
from ..core.values import show
from .duplicates import DuplicateGuard, DuplicateKey, Origin
from .records import RECORD_SUFFIXES, CorruptItem, read_records
from .settings import INTEGRITY
from .validation import Defect, RecordValidator, reference_day

__all__ = [
    "LOCK_NAME",
    "DuplicateRecord",
    "RecordRejected",
    "RecordStore",
    "lock_path",
    "store_lock",
]

LOCK_NAME = ".opsguard-store.lock"
LockPlace = Literal["beside", "inside"]


class RecordRejected(ValueError):
    """A record that the integrity gate would fail; `defects` holds (code, pointer, message)."""

    def __init__(self, defects: list[Defect]) -> None:
        self.defects = tuple(defects)
        self.codes = tuple(code for code, _, _ in defects)
        super().__init__("; ".join(f"{code} {pointer}: {msg}" for code, pointer, msg in defects))


class DuplicateRecord(RecordRejected):
    """A record whose duplicate key is already stored; `first` says where."""

    def __init__(self, first: Origin, key: DuplicateKey, scope: str, written: object) -> None:
        self.first = first
        self.key = key
        day, part = key
        if part is None:
            what = show(day, "date")
        else:
            # The version as the caller wrote it, and what it counts as under the scope.
            seen = f"{show(written, 'version')} = " if written != part else ""
            counted = show(str(part), "version")
            what = f"{show(day, 'date')}, schema_version {seen}{counted}"
            what += " (major)" if scope == "major" else ""
        where = f"{first.path}:{first.line}"
        super().__init__([("duplicate", "", f"duplicate of {where} (key {what}, scope {scope})")])


class RecordStore:
    """Writes validated records into `directory`, one `DATE.json` per day.

    Existing record files in the directory (any `.json`/`.jsonl`) are read once
    when the store is made, so a duplicate of a record written by an older
    pipeline version is refused too. Corrupt existing files are not repaired
    here (that is `opsguard integrity --fix`); a day whose file is corrupt
    cannot be written until it is.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        config: Config,
        *,
        now: datetime | None = None,
        normalize_version: bool = False,
        lock: LockPlace = "beside",
    ) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise OpsguardError(f"record store directory not found: {directory}")
        if lock not in ("beside", "inside"):
            raise ValueError(f"lock must be 'beside' or 'inside', got {lock!r}")
        self.config = config
        self.normalize_version = normalize_version
        self.lock = lock
        settings = INTEGRITY.of(config)
        self._fields = settings.fields
        self._validator = RecordValidator(config, reference_day(None, now).toordinal())
        self._guard = DuplicateGuard(settings.duplicate_scope)
        for file in discover_files([self.directory], RECORD_SUFFIXES).files:
            self._remember(file)

    def write(self, record: Mapping[str, Any]) -> Path:
        """Validate, normalize and store one record; return the day file it went into.

        Raises `RecordRejected` (with the defect codes) for anything the
        integrity gate would flag, and `DuplicateRecord` for a second record
        with the same key. Nothing is written in either case.
        """
        fields = self._fields
        _, normalized, defects = self._validator.validate(dict(record))
        if defects:
            raise RecordRejected(defects)
        day = record[fields.date]
        key = self._guard.key_of_normalized(day, normalized)
        stored = dict(record)
        if self.normalize_version:
            stored[fields.schema_version] = normalized
        target = self.directory / f"{day}.json"
        with self._locked():
            # Another process may have written this day since the store was made.
            self._remember(target)
            first = self._guard.find_key(key)
            if first is not None:
                raise DuplicateRecord(
                    first, key, self._guard.scope, record.get(fields.schema_version)
                )
            existing = self._day_records(target)
            records = [*existing, stored]
            payload: object = records[0] if len(records) == 1 else records
            # As written: numpy scalars and float subclasses as the numbers they stand for.
            atomic_write_json(target, payload)
            line = 1 if len(records) == 1 else _last_element_line(target)
            self._guard.add_key(key, Origin(str(target), line))
        return target

    def _remember(self, file: Path) -> None:
        # A file that is not there (a day not yet written) reads as one unreadable item.
        for item in read_records(file, str(file)):
            if isinstance(item, CorruptItem):
                continue
            # Keyed exactly as the integrity gate keys them, defects or not.
            day, normalized, _ = self._validator.validate(item.value, item.pointer)
            if day is None:
                continue
            if normalized is None and self._guard.scope != "date":
                continue
            raw_date = cast(dict[str, Any], item.value)[self._fields.date]
            key = self._guard.key_of_normalized(raw_date, normalized)
            self._guard.add_key(key, Origin(item.path, item.line))

    def _day_records(self, target: Path) -> list[Any]:
        try:
            with open_regular(target) as handle:
                value = orjson.loads(handle.read())
        except FileNotFoundError:
            return []  # the day's first record
        except orjson.JSONDecodeError:
            raise OpsguardError(
                f"{printable(str(target))}: the day file is corrupt; repair it with "
                "`opsguard integrity --fix`"
            ) from None
        except OSError as exc:  # NotRegularFile included: a FIFO there is never read
            raise OpsguardError(
                f"{printable(str(target))}: cannot read the day file: {exc.strerror}"
            ) from None
        return value if isinstance(value, list) else [value]

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        return store_lock(self.directory, create=True, place=self.lock)


def lock_path(directory: Path, place: LockPlace = "beside") -> Path:
    """Where the store lock of `directory` lives: beside the folder (default) or inside it."""
    if place == "inside":
        return directory / LOCK_NAME
    absolute = Path(os.path.abspath(directory))
    return absolute.parent / f".{absolute.name}{LOCK_NAME}"


@contextmanager
def store_lock(directory: Path, *, create: bool, place: LockPlace = "beside") -> Iterator[None]:
    """Hold the exclusive lock of the store of `directory`.

    Writers (`create=True`) make the lock file where `place` says; other tools
    that edit record files (remediation) pass `create=False` and coordinate
    with a store that exists — its lock beside the folder, or inside it —
    and without any lock file there is no store writer to wait for.
    """
    flags = os.O_CLOEXEC | os.O_NOFOLLOW | (os.O_RDWR | os.O_CREAT if create else os.O_RDONLY)
    candidates = (
        [lock_path(directory, place)]
        if create
        else [
            lock_path(directory, "beside"),
            lock_path(directory, "inside"),
        ]
    )
    fd: int | None = None
    for candidate in candidates:
        try:
            fd = os.open(candidate, flags, 0o666)
            break
        except OSError:
            if create:
                raise
    try:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if fd is not None:
            os.close(fd)


def _last_element_line(target: Path) -> int:
    lines = element_lines(target.read_bytes())
    return lines[-1] if lines else 1
