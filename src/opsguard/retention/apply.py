"""Delete what the judge selected, through the descriptors of the directories the scan saw.

The deletion walks the scanned tree again from the root's descriptor, which
stayed open since the scan: each directory is reopened by its own name with
`O_DIRECTORY | O_NOFOLLOW` relative to its parent's descriptor, and must
still be the directory the scan listed (same device and inode). A directory
swapped for a symlink in between fails to open; one swapped for another
directory fails the inode check; either way nothing below it is touched.

Each file is `lstat`ed again right before `os.unlink(name, dir_fd=fd)` and
removed only if its device, inode, size, mtime and ctime are what the scan
(or the plan) recorded: a file rewritten since the scan is younger now and
stays.
The window left between that `lstat` and the `unlink` is the one POSIX
leaves to every tool (there is no "unlink if inode is"); within it a swap
can only exchange one name for another in the same directory, never lead
outside the root.

A directory left empty by this run is removed (the root never is); one that
was empty before stays, since it was not "left behind". Removals are not
fsynced: after a power loss a deleted file may come back, and the next run
deletes it again.
"""

from __future__ import annotations

import errno
import os

from .model import Decision, Outcome, ScannedDir, identity
from .scan import Swapped, open_subdir, os_reason

__all__ = ["Outcome", "execute", "would_empty"]


def _deletions(directory: ScannedDir) -> list[Decision]:
    return [d for d in directory.decisions if d.action == "delete"]


def would_empty(tree: ScannedDir) -> tuple[str, ...]:
    """The directories below the root that deleting every candidate would leave empty."""
    emptied: list[str] = []

    def visit(directory: ScannedDir) -> tuple[bool, bool]:
        """(touched: something at or below it is deleted, empty: nothing would be left)."""
        # Only decisions can be deletions: with fewer decisions than files something
        # stays, and then `touched` no longer matters (it is only read where `empty`).
        stays = len(directory.decisions) < directory.files or bool(directory.excluded)
        deleting = 0 if stays else len(_deletions(directory))
        touched = deleting > 0
        empty = not stays and deleting == directory.files
        for child in directory.subdirs:
            child_touched, child_empty = visit(child)
            touched = touched or child_touched
            if child_touched and child_empty:
                emptied.append(child.rel)
            else:
                empty = False
        return touched, empty

    visit(tree)
    return tuple(emptied)


def execute(root_fd: int, tree: ScannedDir) -> Outcome:
    """Delete the candidates of `tree` below the open root `root_fd`."""
    run = _Run()
    run.mark(tree)
    run.directory(root_fd, tree)
    return Outcome(
        deleted=frozenset(run.deleted),
        failed=run.failed,
        changed=run.changed,
        dirs_removed=tuple(run.dirs_removed),
        dir_failures=tuple(run.dir_failures),
    )


class _Run:
    __slots__ = ("busy", "changed", "deleted", "dir_failures", "dirs_removed", "failed")

    def __init__(self) -> None:
        self.busy: set[int] = set()  # directories with something to delete at or below them
        self.deleted: set[str] = set()
        self.failed: dict[str, str] = {}
        self.changed: dict[str, str] = {}
        self.dirs_removed: list[str] = []
        self.dir_failures: list[tuple[str, str]] = []

    def mark(self, directory: ScannedDir) -> bool:
        busy = any(d.action == "delete" for d in directory.decisions)
        for child in directory.subdirs:
            busy = self.mark(child) or busy
        if busy:
            self.busy.add(id(directory))
        return busy

    def directory(self, fd: int, directory: ScannedDir) -> bool:
        """Delete below the open `fd`; True if `directory` is left empty."""
        removed = 0
        file = self.file
        for decision in directory.decisions:
            if decision.action == "delete" and file(fd, decision):
                removed += 1
        empty = removed == directory.files and not directory.excluded
        for child in directory.subdirs:
            if id(child) not in self.busy or not self.child(fd, child):
                empty = False
        return empty

    def file(self, fd: int, decision: Decision) -> bool:
        """Remove one file if it is still what was judged; True if it is gone now."""
        try:
            if identity(os.lstat(decision.name, dir_fd=fd)) != decision.identity:
                self.changed[decision.rel] = "changed since the scan (inode, size, mtime or ctime)"
                return False
            os.unlink(decision.name, dir_fd=fd)
        except FileNotFoundError:
            self.changed[decision.rel] = "gone before it could be removed"
            return True
        except OSError as exc:
            self.failed[decision.rel] = os_reason(exc)
            return False
        self.deleted.add(decision.rel)
        return True

    def child(self, fd: int, child: ScannedDir) -> bool:
        """Enter `child` if it is still the scanned directory; remove it if left empty."""
        try:
            child_fd = open_subdir(fd, child.name, child.dev, child.ino)
        except OSError as exc:
            replaced = isinstance(exc, Swapped) or exc.errno in (
                errno.ELOOP,
                errno.ENOTDIR,
                errno.ENOENT,
            )
            why = "directory replaced or removed since the scan" if replaced else os_reason(exc)
            self.abandon(child, why, replaced)
            return False
        try:
            empty = self.directory(child_fd, child)
        finally:
            os.close(child_fd)
        if not empty:
            return False
        try:
            os.rmdir(child.name, dir_fd=fd)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):  # something new arrived: keep
                self.dir_failures.append((child.rel, os_reason(exc)))
            return False
        self.dirs_removed.append(child.rel)
        return True

    def abandon(self, directory: ScannedDir, why: str, replaced: bool) -> None:
        """Every deletion at or below an unreachable directory is reported, none attempted."""
        for below in directory.walk():
            for decision in _deletions(below):
                if replaced:
                    self.changed[decision.rel] = why
                else:
                    self.failed[decision.rel] = why
