"""The quarantine folder: where opsguard puts data it will not keep in place but must not lose.

Remediation moves corrupt and duplicate records here; the orphan sweep moves
temp files of killed writers here. Every entry keeps its bytes exactly and
gets a sidecar `<name>.why.json` saying what it was, why it was moved and
when. Entries live under `<root>/<kind>/<UTC stamp>/<original relative path>`,
so nothing is ever overwritten, and their mtime is set to the moment of
quarantine: retention then measures how long an entry has been in
quarantine, not how old the data was (the sidecar keeps the original mtime).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .atomic import (
    TEMP_PATTERN,
    atomic_write,
    atomic_write_json,
    fsync_directory,
    make_dirs_durable,
)
from .files import printable

__all__ = [
    "SIDECAR_SUFFIX",
    "Orphan",
    "QuarantineEntry",
    "SweptOrphan",
    "find_orphans",
    "quarantine_bytes",
    "quarantine_file",
    "sweep_orphans",
]

SIDECAR_SUFFIX = ".why.json"
SIDECAR_SCHEMA = "opsguard.quarantine/1"


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    original: str
    stored: Path
    sidecar: Path
    reason: str
    codes: tuple[str, ...]


def quarantine_file(
    source: Path,
    root: Path,
    *,
    kind: str,
    reason: str,
    codes: tuple[str, ...] = (),
    base: Path | None = None,
    now: float | None = None,
) -> QuarantineEntry:
    """Move `source` into the quarantine, byte for byte, and write its sidecar.

    `base` is the directory `source`'s relative path is kept from (default:
    its own directory). A move across filesystems copies durably first and
    removes the source only after the copy is on disk.
    """
    clock = time.time() if now is None else now
    info = source.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"only regular files are quarantined, not {source}")
    relative = source.relative_to(base) if base is not None else Path(source.name)
    stored = _free_path(root / kind / _stamp(clock) / relative)
    make_dirs_durable(stored.parent)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    try:
        os.replace(source, stored)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        atomic_write(stored, source.read_bytes())
        source.unlink()
    os.utime(stored, (clock, clock))
    # The new entry must be on disk before the old one is known to be gone.
    fsync_directory(stored.parent)
    fsync_directory(source.parent)
    sidecar = _write_sidecar(
        stored,
        original=str(source),
        reason=reason,
        codes=codes,
        clock=clock,
        original_mtime=info.st_mtime,
        size=info.st_size,
        digest=digest,
    )
    return QuarantineEntry(str(source), stored, sidecar, reason, codes)


def quarantine_bytes(
    data: bytes,
    root: Path,
    *,
    kind: str,
    name: str,
    origin: str,
    reason: str,
    codes: tuple[str, ...] = (),
    now: float | None = None,
) -> QuarantineEntry:
    """Store `data` (a record cut out of a larger file) in the quarantine with its sidecar."""
    clock = time.time() if now is None else now
    stored = _free_path(root / kind / _stamp(clock) / name)
    make_dirs_durable(stored.parent)
    atomic_write(stored, data)
    os.utime(stored, (clock, clock))
    sidecar = _write_sidecar(
        stored,
        original=origin,
        reason=reason,
        codes=codes,
        clock=clock,
        original_mtime=None,
        size=len(data),
        digest=hashlib.sha256(data).hexdigest(),
    )
    return QuarantineEntry(origin, stored, sidecar, reason, codes)


def _write_sidecar(
    stored: Path,
    *,
    original: str,
    reason: str,
    codes: tuple[str, ...],
    clock: float,
    original_mtime: float | None,
    size: int,
    digest: str,
) -> Path:
    sidecar = stored.with_name(stored.name + SIDECAR_SUFFIX)
    atomic_write_json(
        sidecar,
        {
            "schema": SIDECAR_SCHEMA,
            # Escaped as every stored name is: a name that is not UTF-8 cannot go into JSON.
            "original": printable(original),
            "reason": reason,
            "codes": list(codes),
            "quarantined_at": _iso(clock),
            "original_mtime": None if original_mtime is None else _iso(original_mtime),
            "size": size,
            "sha256": digest,
        },
    )
    os.utime(sidecar, (clock, clock))
    return sidecar


def _free_path(path: Path) -> Path:
    if not path.exists() and not path.with_name(path.name + SIDECAR_SUFFIX).exists():
        return path
    for n in range(1, 10_000):
        candidate = path.with_name(f"{path.name}.{n}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(errno.EEXIST, "no free quarantine name", str(path))


def _stamp(clock: float) -> str:
    return datetime.fromtimestamp(clock, UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso(clock: float) -> str:
    return datetime.fromtimestamp(clock, UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Orphan:
    """A temp file left by a writer that did not finish: its size and age."""

    path: Path
    size: int
    age_s: float


@dataclass(frozen=True, slots=True)
class SweptOrphan:
    """A temp file left by a killed writer, and where it was moved."""

    original: Path
    moved_to: Path
    size: int
    age_s: float


def find_orphans(
    directory: str | os.PathLike[str],
    older_than: float,
    quarantine: str | os.PathLike[str],
    *,
    now: float | None = None,
) -> list[Orphan]:
    """The opsguard temp files below `directory` at least `older_than` seconds old, in path
    order; touches nothing (what `sweep_orphans` would move).

    Only regular files named like opsguard's temps (`.NAME.<12 hex>.tmp`) count;
    symlinks are not followed and the quarantine folder itself is not searched.
    """
    clock = time.time() if now is None else now
    skip = Path(quarantine).resolve()
    found: list[Orphan] = []
    for current, dirnames, filenames in os.walk(directory):
        if Path(current).resolve() == skip:
            dirnames.clear()
            continue
        dirnames.sort()
        for name in sorted(filenames):
            if not TEMP_PATTERN.match(name):
                continue
            path = Path(current, name)
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue  # its writer renamed or removed it meanwhile: not an orphan
            age = clock - info.st_mtime
            if stat.S_ISREG(info.st_mode) and age >= older_than:
                found.append(Orphan(path, info.st_size, age))
    return found


def sweep_orphans(
    directory: str | os.PathLike[str],
    older_than: float,
    quarantine: str | os.PathLike[str],
    *,
    now: float | None = None,
) -> list[SweptOrphan]:
    """Move opsguard temp files at least `older_than` seconds old into `quarantine/orphans/`.

    An orphan may be the only surviving copy of data whose writer died after
    writing but before renaming, so it is moved, never deleted, keeping its
    bytes and its path below `directory`. Which files: `find_orphans`. The age
    limit keeps a live writer's temp file out of the sweep.
    """
    swept: list[SweptOrphan] = []
    for orphan in find_orphans(directory, older_than, quarantine, now=now):
        try:
            entry = quarantine_file(
                orphan.path,
                Path(quarantine),
                kind="orphans",
                reason=f"temp file of a writer that did not finish (age {orphan.age_s:.0f} s)",
                base=Path(directory),
            )
        except FileNotFoundError:
            continue  # its writer renamed or removed it meanwhile: not an orphan
        swept.append(SweptOrphan(orphan.path, entry.stored, orphan.size, orphan.age_s))
    return swept
