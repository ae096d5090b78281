"""Walk a retention root through directory file descriptors, never through path strings.

Why hand-written: no library walks fd-relative, without following symlinks,
with a device check and a way back into the same directories for a capped
deletion. `os.walk` and `pathlib` rebuild path strings, so a directory
swapped for a symlink between two calls redirects the next one;
`shutil.rmtree` is fd-based but deletes whole trees; `os.fwalk` is
fd-relative but knows nothing of devices or deletion, and its
yield-per-directory protocol would need a second stat of every file.

The protocol (systemd-tmpfiles cleans the same way):

- the root is opened once with `O_DIRECTORY | O_NOFOLLOW`, so a symlinked
  root is refused by the kernel, and everything below it is reached from
  that descriptor;
- every entry is `lstat`ed relative to its directory's descriptor
  (`os.lstat(name, dir_fd=fd)`): a symlink is judged as the link, and its
  target is never looked at;
- a subdirectory is opened with `openat(fd, name, O_DIRECTORY | O_NOFOLLOW)`
  and its `fstat` must match the `lstat` taken while listing: a directory
  swapped for a symlink or another directory in between is not entered;
- a subdirectory on another device than the root (a mount point) is not
  entered, nor one that is another retention root (pruned by its own rule).

Paths are strings only for display and for the plan; no system call here
takes a path built from parts. The scan changes nothing: it only opens,
lists and stats. Each directory's files are handed to the judge as soon as
they are listed, so a kept file's lstat result is dropped at once instead
of being held for the whole tree (about 500 bytes each: 50 MB for 100,000
files).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Collection

from .model import Decision, Excluded, ScannedDir, ScannedFile

__all__ = [
    "DIR_FLAGS",
    "MAX_DEPTH",
    "Judge",
    "Swapped",
    "device_of",
    "open_subdir",
    "os_reason",
    "scan_root",
]

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# Each level holds one descriptor open while below it; stop well before the fd limit.
MAX_DEPTH = 128
_IFMT, _IFDIR = 0o170000, stat.S_IFDIR

# Called once per directory with its `rel` and its non-directory entries.
Judge = Callable[[str, list[ScannedFile]], tuple[Decision, ...]]


class Swapped(OSError):
    """A directory name that now leads to another directory than the one listed."""


def device_of(info: os.stat_result) -> int:
    """The device a directory lives on (a seam for tests, which cannot mount filesystems)."""
    return info.st_dev


def open_subdir(parent_fd: int, name: str, dev: int, ino: int) -> int:
    """Open `name` below `parent_fd` without following a symlink, as the directory (dev, ino).

    Raises `OSError` (`ELOOP`/`ENOTDIR` for a symlink or a file in its place,
    `ENOENT` when gone) or `Swapped` when another directory now has the name.
    """
    fd = os.open(name, DIR_FLAGS, dir_fd=parent_fd)
    try:
        info = os.fstat(fd)
    except BaseException:
        os.close(fd)
        raise
    if (info.st_dev, info.st_ino) != (dev, ino):
        os.close(fd)
        raise Swapped(name)
    return fd


def scan_root(
    root_fd: int,
    root_info: os.stat_result,
    judge: Judge,
    *,
    other_roots: Collection[tuple[int, int]] = (),
) -> ScannedDir:
    """Scan and judge everything below the open root directory `root_fd` (which stays open)."""
    walker = _Walker(root_info.st_dev, frozenset(other_roots), judge)
    return walker.scan(root_fd, "", "", root_info, 0)


class _Walker:
    __slots__ = ("judge", "other_roots", "root_dev")

    def __init__(
        self, root_dev: int, other_roots: frozenset[tuple[int, int]], judge: Judge
    ) -> None:
        self.root_dev = root_dev
        self.other_roots = other_roots
        self.judge = judge

    def scan(self, fd: int, name: str, rel: str, info: os.stat_result, depth: int) -> ScannedDir:
        files: list[ScannedFile] = []
        dirs: list[ScannedFile] = []
        excluded: list[Excluded] = []
        prefix = f"{rel}/" if rel else ""
        try:
            names = os.listdir(fd)
        except OSError as exc:
            excluded.append(Excluded(rel, "not-scanned", os_reason(exc)))
            names = []
        names.sort()
        lstat = os.lstat
        for entry in names:
            try:
                entry_info = lstat(entry, dir_fd=fd)
            except FileNotFoundError:
                continue  # removed since the listing: nothing left to judge
            except OSError as exc:
                excluded.append(Excluded(prefix + entry, "not-scanned", os_reason(exc)))
                continue
            if entry_info.st_mode & _IFMT == _IFDIR:  # S_ISDIR without the call
                dirs.append((entry, entry_info))
            else:
                files.append((entry, entry_info))
        decisions = self.judge(rel, files)
        count = len(files)
        del files  # the lstat results of kept files go now, not at the end of the walk

        subdirs: list[ScannedDir] = []
        for entry, entry_info in dirs:
            child_rel = prefix + entry
            key = (entry_info.st_dev, entry_info.st_ino)
            if device_of(entry_info) != self.root_dev:
                excluded.append(
                    Excluded(child_rel, "other-filesystem", "a mount point: not entered")
                )
                continue
            if key in self.other_roots:
                excluded.append(
                    Excluded(child_rel, "another-root", "another retention root, pruned on its own")
                )
                continue
            if depth + 1 > MAX_DEPTH:
                excluded.append(
                    Excluded(child_rel, "not-scanned", f"deeper than {MAX_DEPTH} levels")
                )
                continue
            try:
                child_fd = open_subdir(fd, entry, *key)
            except Swapped:
                excluded.append(
                    Excluded(child_rel, "changed-during-run", "replaced by another directory")
                )
                continue
            except OSError as exc:
                if exc.errno == errno.ENOENT:
                    continue
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    excluded.append(
                        Excluded(child_rel, "changed-during-run", "replaced by a symlink or file")
                    )
                else:
                    excluded.append(Excluded(child_rel, "not-scanned", os_reason(exc)))
                continue
            try:
                subdirs.append(self.scan(child_fd, entry, child_rel, entry_info, depth + 1))
            finally:
                os.close(child_fd)
        return ScannedDir(
            name=name,
            rel=rel,
            dev=info.st_dev,
            ino=info.st_ino,
            files=count,
            decisions=decisions,
            subdirs=tuple(subdirs),
            excluded=tuple(excluded),
        )


def os_reason(exc: OSError) -> str:
    """Why a system call failed, for a message: its strerror, else the exception."""
    return exc.strerror or str(exc)
