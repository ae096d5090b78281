"""The deletion itself: what `execute` removes, what it leaves, and what it says about each file.

Every test scans a real tree below `tmp_path` and then deletes from the open
root descriptor, with the race or the error it is about injected between the
scan and the deletion (a file removed, rewritten, unremovable; a directory
swapped, refilled, unremovable). The `Outcome` is compared whole: it becomes
the `deleted`, `remove-failed`, `changed-during-run` and `rmdir-failed` lines
a user reads.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opsguard.retention.apply import execute, would_empty
from opsguard.retention.judge import RootJudge
from opsguard.retention.model import Decision, Excluded, Outcome, ScannedDir
from opsguard.retention.rule import NS, Protector, to_ns
from opsguard.retention.scan import DIR_FLAGS, open_subdir, scan_root

NOW_NS = to_ns(datetime(2025, 8, 15, tzinfo=UTC))
DAY = 86_400
GONE = "gone before it could be removed"
CHANGED = "changed since the scan (inode, size, mtime or ctime)"
REPLACED = "directory replaced or removed since the scan"


def touch(path: Path, age_s: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    mtime = NOW_NS - age_s * NS
    os.utime(path, ns=(mtime, mtime))
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "root"


@pytest.fixture
def open_root(root: Path) -> Iterator[Callable[[], tuple[int, ScannedDir]]]:
    """Scan `root` (30 days, by mtime); the root's descriptor stays open for `execute`."""
    fds: list[int] = []

    def scan() -> tuple[int, ScannedDir]:
        fd = os.open(root, DIR_FLAGS)
        fds.append(fd)
        info = os.fstat(fd)
        judge = RootJudge(
            root_dev=info.st_dev,
            days=30,
            age_from="mtime",
            now_ns=NOW_NS,
            protector=Protector.build([]),
        )
        return fd, scan_root(fd, info, judge)

    yield scan
    for fd in fds:
        os.close(fd)


@pytest.fixture
def rmdirs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every directory the run asks to remove (a bare name below a descriptor), in order.

    A run removes only what it left empty: it never even tries a directory that still
    holds something it kept, failed or did not enter.
    """
    asked: list[str] = []
    real_rmdir = os.rmdir

    def rmdir(path: Any, *, dir_fd: int | None = None) -> None:
        asked.append(path)
        real_rmdir(path, dir_fd=dir_fd)

    monkeypatch.setattr(os, "rmdir", rmdir)
    return asked


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir()}


def dirs_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}


def failing(real: Callable[..., Any], name: str, error: int) -> Callable[..., Any]:
    """`real`, except that it raises `error` for the bare name `name`."""

    def call(path: Any, *args: Any, **kwargs: Any) -> Any:
        if path == name:
            raise OSError(error, os.strerror(error), path)
        return real(path, *args, **kwargs)

    return call


# --- the plain run -----------------------------------------------------------------------------


def test_execute_removes_the_candidates_and_the_directories_they_empty(
    root: Path, open_root: Callable[[], tuple[int, ScannedDir]], rmdirs: list[str]
) -> None:
    touch(root / "old.log", 40 * DAY)
    touch(root / "young.log", DAY)
    touch(root / "a" / "b" / "old.log", 40 * DAY)
    touch(root / "c" / "old.log", 40 * DAY)
    touch(root / "c" / "young.log", DAY)
    (root / "empty").mkdir()  # empty before the run: not "left behind", so it stays

    fd, tree = open_root()
    assert would_empty(tree) == ("a/b", "a")
    outcome = execute(fd, tree)

    assert outcome == Outcome(
        deleted=frozenset({"old.log", "a/b/old.log", "c/old.log"}),
        failed={},
        changed={},
        dirs_removed=("a/b", "a"),
        dir_failures=(),
    )
    assert files_under(root) == {"young.log", "c/young.log"}
    assert dirs_under(root) == {"c", "empty"}
    assert rmdirs == ["b", "a"]


def test_nothing_to_delete_touches_nothing(
    root: Path, open_root: Callable[[], tuple[int, ScannedDir]]
) -> None:
    touch(root / "a" / "young.log", DAY)
    (root / "b").mkdir()

    fd, tree = open_root()

    assert would_empty(tree) == ()
    assert execute(fd, tree) == Outcome()
    assert dirs_under(root) == {"a", "b"}


# --- files that changed or cannot go -----------------------------------------------------------


def test_a_file_gone_before_its_lstat_counts_as_gone(
    root: Path, open_root: Callable[[], tuple[int, ScannedDir]]
) -> None:
    touch(root / "sub" / "old.log", 40 * DAY)
    touch(root / "sub" / "other.log", 40 * DAY)
    fd, tree = open_root()
    (root / "sub" / "old.log").unlink()

    outcome = execute(fd, tree)

    # Gone is as good as deleted for the directory: it is left empty and removed.
    assert outcome.changed == {"sub/old.log": GONE}
    assert outcome.deleted == {"sub/other.log"}
    assert outcome.dirs_removed == ("sub",)
    assert not (root / "sub").exists()


def test_a_file_gone_between_its_lstat_and_its_unlink_counts_as_gone(
    root: Path, open_root: Callable[[], tuple[int, ScannedDir]], monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(root / "sub" / "old.log", 40 * DAY)
    fd, tree = open_root()
    real_unlink = os.unlink

    def unlink(path: Any, *, dir_fd: int | None = None) -> None:
        real_unlink(path, dir_fd=dir_fd)  # someone else removed it first
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)

    monkeypatch.setattr(os, "unlink", unlink)
    outcome = execute(fd, tree)

    assert outcome == Outcome(
        deleted=frozenset(), changed={"sub/old.log": GONE}, dirs_removed=("sub",)
    )


def test_a_file_rewritten_since_the_scan_stays(
    root: Path, open_root: Callable[[], tuple[int, ScannedDir]], rmdirs: list[str]
) -> None:
    touch(root / "sub" / "old.log", 40 * DAY)
    fd, tree = open_root()
    (root / "sub" / "old.log").write_bytes(b"new data")

    outcome = execute(fd, tree)

    assert outcome == Outcome(changed={"sub/old.log": CHANGED})
    assert files_under(root) == {"sub/old.log"}
    assert rmdirs == []


@pytest.mark.parametrize("call", ["lstat", "unlink"])
def test_a_file_that_cannot_be_examined_or_removed_is_a_failure(
    root: Path,
    open_root: Callable[[], tuple[int, ScannedDir]],
    monkeypatch: pytest.MonkeyPatch,
    rmdirs: list[str],
    call: str,
) -> None:
    touch(root / "sub" / "bad.log", 40 * DAY)
    touch(root / "sub" / "good.log", 40 * DAY)
    fd, tree = open_root()
    monkeypatch.setattr(os, call, failing(getattr(os, call), "bad.log", errno.EACCES))

    outcome = execute(fd, tree)

    assert outcome == Outcome(
        deleted=frozenset({"sub/good.log"}), failed={"sub/bad.log": "Permission denied"}
    )
    assert files_under(root) == {"sub/bad.log"}
    assert rmdirs == []


def test_an_error_without_a_description_is_shown_as_text(
    root: Path, open_root: Callable[[], tuple[int, ScannedDir]], monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(root / "bad.log", 40 * DAY)
    fd, tree = open_root()

    def unlink(path: Any, *, dir_fd: int | None = None) -> None:
        raise OSError("no strerror here")

    monkeypatch.setattr(os, "unlink", unlink)

    assert execute(fd, tree).failed == {"bad.log": "no strerror here"}


# --- directories -------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["symlink", "removed", "file", "other-directory"])
def test_a_directory_replaced_since_the_scan_is_not_entered(
    root: Path,
    open_root: Callable[[], tuple[int, ScannedDir]],
    tmp_path: Path,
    rmdirs: list[str],
    how: str,
) -> None:
    touch(root / "a" / "sub" / "old.log", 40 * DAY)
    touch(root / "a" / "sub" / "deeper" / "old.log", 40 * DAY)
    touch(root / "old.log", 40 * DAY)
    fd, tree = open_root()
    # Moved away, not removed: a new directory must not get the old one's inode number back.
    (root / "a" / "sub").rename(tmp_path / "moved")
    if how == "symlink":
        touch(tmp_path / "outside" / "old.log", 40 * DAY)
        (root / "a" / "sub").symlink_to(tmp_path / "outside", target_is_directory=True)
    elif how == "file":
        (root / "a" / "sub").write_bytes(b"")
    elif how == "other-directory":
        touch(root / "a" / "sub" / "old.log", 40 * DAY)

    outcome = execute(fd, tree)

    assert outcome == Outcome(
        deleted=frozenset({"old.log"}),
        changed={"a/sub/old.log": REPLACED, "a/sub/deeper/old.log": REPLACED},
    )
    if how == "symlink":
        assert files_under(tmp_path / "outside") == {"old.log"}
    if how == "other-directory":
        assert files_under(root / "a" / "sub") == {"old.log"}
    # Even when "a" is empty now (its subdirectory vanished), this run did not empty it.
    assert rmdirs == []
    assert (root / "a").is_dir()


def test_a_directory_that_cannot_be_opened_fails_its_files(
    root: Path, open_root: Callable[[], tuple[int, ScannedDir]], monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(root / "sub" / "old.log", 40 * DAY)
    touch(root / "sub" / "deeper" / "old.log", 40 * DAY)
    fd, tree = open_root()

    def locked(parent_fd: int, name: str, dev: int, ino: int) -> int:
        if name == "sub":
            raise PermissionError(errno.EACCES, "Permission denied", name)
        return open_subdir(parent_fd, name, dev, ino)

    monkeypatch.setattr("opsguard.retention.apply.open_subdir", locked)
    outcome = execute(fd, tree)

    assert outcome == Outcome(
        failed={"sub/old.log": "Permission denied", "sub/deeper/old.log": "Permission denied"}
    )
    assert files_under(root) == {"sub/old.log", "sub/deeper/old.log"}


def test_a_directory_that_got_a_new_file_stays_quietly(
    root: Path, open_root: Callable[[], tuple[int, ScannedDir]], monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(root / "a" / "sub" / "old.log", 40 * DAY)
    fd, tree = open_root()
    real_unlink = os.unlink

    def unlink(path: Any, *, dir_fd: int | None = None) -> None:
        real_unlink(path, dir_fd=dir_fd)
        if path == "old.log":  # a writer drops a new file right after the deletion
            (root / "a" / "sub" / "new.log").write_bytes(b"x")

    monkeypatch.setattr(os, "unlink", unlink)
    outcome = execute(fd, tree)

    assert outcome == Outcome(deleted=frozenset({"a/sub/old.log"}))
    assert files_under(root) == {"a/sub/new.log"}


@pytest.mark.parametrize("error", [errno.EBUSY, errno.EACCES])
def test_a_directory_that_cannot_be_removed_is_a_failure(
    root: Path,
    open_root: Callable[[], tuple[int, ScannedDir]],
    monkeypatch: pytest.MonkeyPatch,
    rmdirs: list[str],
    error: int,
) -> None:
    touch(root / "a" / "sub" / "old.log", 40 * DAY)
    fd, tree = open_root()
    monkeypatch.setattr(os, "rmdir", failing(os.rmdir, "sub", error))

    outcome = execute(fd, tree)

    assert outcome == Outcome(
        deleted=frozenset({"a/sub/old.log"}),
        dir_failures=(("a/sub", os.strerror(error)),),
    )
    # Its parent is not empty either: it is not even tried.
    assert dirs_under(root) == {"a", "a/sub"}
    assert rmdirs == []


def test_a_directory_that_keeps_something_is_not_tried(
    root: Path, open_root: Callable[[], tuple[int, ScannedDir]], rmdirs: list[str]
) -> None:
    touch(root / "a" / "b" / "old.log", 40 * DAY)
    touch(root / "a" / "b" / "young.log", DAY)
    touch(root / "c" / "old.log", 40 * DAY)
    (root / "c" / "keep").mkdir()
    fd, tree = open_root()

    outcome = execute(fd, tree)

    assert outcome.deleted == {"a/b/old.log", "c/old.log"}
    assert outcome.dirs_removed == ()
    assert rmdirs == []


def test_a_directory_emptied_by_someone_else_is_left_alone(
    root: Path, open_root: Callable[[], tuple[int, ScannedDir]], monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(root / "a" / "old.log", 40 * DAY)
    touch(root / "a" / "young.log", DAY)
    fd, tree = open_root()
    real_unlink = os.unlink

    def unlink(path: Any, *, dir_fd: int | None = None) -> None:
        real_unlink(path, dir_fd=dir_fd)
        (root / "a" / "young.log").unlink(missing_ok=True)  # the pipeline's own cleanup

    monkeypatch.setattr(os, "unlink", unlink)
    outcome = execute(fd, tree)

    # Only a directory this run left empty goes; "a" kept a file when it was judged.
    assert outcome == Outcome(deleted=frozenset({"a/old.log"}))
    assert (root / "a").is_dir()


# --- what a dry-run says would be left empty ---------------------------------------------------


def _decision(rel: str, action: str) -> Decision:
    name = rel.rpartition("/")[2]
    return Decision(rel, name, 1, 1, 1, 0, 0, 0, action, "old", "mtime")


def _dir(
    name: str,
    files: int,
    actions: tuple[str, ...] = (),
    subdirs: tuple[ScannedDir, ...] = (),
    excluded: tuple[Excluded, ...] = (),
) -> ScannedDir:
    decisions = tuple(_decision(f"{name}/f{i}", a) for i, a in enumerate(actions))
    return ScannedDir(name, name, 1, 1, files, decisions, subdirs, excluded)


@pytest.mark.parametrize(
    ("child", "emptied"),
    [
        (_dir("d", 2, ("delete", "delete")), ("d",)),
        (_dir("d", 2, ("delete", "keep")), ()),
        (_dir("d", 3, ("delete", "delete")), ()),  # a kept file without a decision
        (_dir("d", 1, ("skip",)), ()),
        (_dir("d", 0), ()),  # empty already
        (_dir("d", 1, ("delete",), excluded=(Excluded("d/x", "not-scanned", "-"),)), ()),
        (_dir("d", 1, ("delete",), subdirs=(_dir("d/e", 1, ("delete",)),)), ("d/e", "d")),
        (_dir("d", 1, ("delete",), subdirs=(_dir("d/e", 1, ("keep",)),)), ()),
        (_dir("d", 0, subdirs=(_dir("d/e", 1, ("delete",)),)), ("d/e", "d")),
        (_dir("d", 0, subdirs=(_dir("d/e", 0),)), ()),
        (_dir("d", 1, ("keep",), subdirs=(_dir("d/e", 1, ("delete",)),)), ("d/e",)),
    ],
)
def test_would_empty(child: ScannedDir, emptied: tuple[str, ...]) -> None:
    tree = ScannedDir("", "", 1, 1, 0, (), (child,), ())

    assert would_empty(tree) == emptied
