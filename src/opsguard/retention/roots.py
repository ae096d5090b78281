"""Which directories retention may prune at all, decided before anything is scanned.

A deletion tool is only as safe as its worst root. tmpreaper's CVE-2019-3461
and every "rm -rf $UNSET/" story start with a root nobody meant. So a root
is refused, and the whole run stops with exit 2 before a single file is
looked at, when it:

- does not exist, or is not a directory;
- is a symlink (the link could be pointed elsewhere between runs; name the
  directory itself);
- is `/`, the home directory, or contains the home directory;
- is a repository root (a directory holding `.git`), or is or contains the
  repository around the working directory;
- is or contains the directory of the configuration file;
- is, contains or lies inside an existing records path: retention prunes
  telemetry and quarantine, never the records the pipeline exists to keep.

Roots are then opened with `O_DIRECTORY | O_NOFOLLOW` and must still be the
directory that was checked (same device and inode).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..core.config import Config
from ..core.errors import OpsguardError
from ..core.files import printable
from .scan import DIR_FLAGS

__all__ = ["OpenRoot", "close_all", "display_path", "open_root", "refusal"]


@dataclass(frozen=True, slots=True)
class OpenRoot:
    """A root directory opened for the run; `fd` stays open until the run ends."""

    path: Path
    display: str
    fd: int
    info: os.stat_result


def display_path(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` when it lies below it, else absolute (display only)."""
    absolute = Path(os.path.abspath(cwd / path))
    try:
        text = str(absolute.relative_to(cwd)) if absolute != cwd else "."
    except ValueError:
        text = str(absolute)
    return printable(text)


def refusal(root: Path, *, cwd: Path, config: Config) -> str | None:
    """Why `root` (relative to `cwd` unless absolute) must not be pruned, or None if it may be."""
    root = cwd / root
    try:
        info = os.lstat(root)
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISLNK(info.st_mode):
        return "is a symlink; name the directory it points to (a symlinked root is refused)"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a directory"
    resolved = root.resolve()
    if resolved == Path(resolved.anchor):
        return "is the filesystem root"
    home = _home()
    if home is not None:
        if resolved == home:
            return "is the home directory"
        if resolved in home.parents:
            return f"contains the home directory {home}"
    if (resolved / ".git").exists():
        return "is a repository root (it holds .git)"
    repository = _repository(cwd.resolve())
    if repository is not None and _covers(resolved, repository):
        return f"is or contains the repository {repository}"
    if config.source is not None and _covers(resolved, config.root.resolve()):
        return f"is or contains the configuration's directory {config.root}"
    for records in config.paths.records:
        if not os.path.lexists(records):
            continue  # nothing to protect there (yet): the next run checks again
        target = records.resolve()
        if _covers(resolved, target) or _covers(target, resolved):
            return f"overlaps the records path {records} (records are never pruned)"
    return None


def open_root(root: Path, display: str, *, cwd: Path) -> OpenRoot:
    """Open a root that `refusal` accepted, checking it is still the directory it checked."""
    before = os.lstat(cwd / root)
    try:
        fd = os.open(cwd / root, DIR_FLAGS)
    except OSError as exc:
        raise OpsguardError(
            f"retention root {display}: cannot open: {exc.strerror or exc}"
        ) from None
    info = os.fstat(fd)
    if (info.st_dev, info.st_ino) != (before.st_dev, before.st_ino):
        os.close(fd)
        raise OpsguardError(f"retention root {display}: replaced while opening it")
    return OpenRoot(root, display, fd, info)


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError, OSError):
        return None


def _repository(start: Path) -> Path | None:
    """The nearest directory at or above `start` that holds `.git`."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def _covers(root: Path, target: Path) -> bool:
    """`root` is `target` or one of its ancestors."""
    return root == target or root in target.parents


def close_all(roots: Iterable[OpenRoot]) -> None:
    for root in roots:
        os.close(root.fd)
