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
  telemetry and quarantine, never the records the pipeline exists to keep;
- lies on a pseudo or device filesystem (proc, sysfs, devtmpfs, devpts,
  cgroup, debugfs, securityfs, ...: `PSEUDO_FILESYSTEMS`, found by device in
  `/proc/self/mountinfo`), or in `/proc`, `/sys` or `/dev` whatever their
  type (a container's `/dev` is a tmpfs): their "files" are kernel state
  (`/proc/sys/vm/drop_caches`), and deleting them is never retention;
- cannot be read (listed): a root it cannot see is exit 2, not a pass.

Roots are then opened with `O_DIRECTORY | O_NOFOLLOW` and must still be the
directory that was checked (same device and inode).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..core.config import Config
from ..core.errors import OpsguardError
from ..core.files import display_path
from .scan import DIR_FLAGS

__all__ = [
    "MOUNTINFO",
    "PSEUDO_FILESYSTEMS",
    "PSEUDO_PLACES",
    "OpenRoot",
    "close_all",
    "display_path",
    "examine",
    "filesystem_type",
    "open_root",
]


@dataclass(frozen=True, slots=True)
class OpenRoot:
    """A root directory opened for the run; `fd` stays open until the run ends."""

    path: Path
    display: str
    fd: int
    info: os.stat_result


# Filesystems whose entries are kernel state or devices, not data (Linux names, and the
# BSD/macOS ones): a root on one is refused by its type.
PSEUDO_FILESYSTEMS = frozenset(
    {
        "autofs",
        "binfmt_misc",
        "bpf",
        "cgroup",
        "cgroup2",
        "configfs",
        "debugfs",
        "devfs",
        "devpts",
        "devtmpfs",
        "efivarfs",
        "fdescfs",
        "fusectl",
        "hugetlbfs",
        "mqueue",
        "nsfs",
        "proc",
        "procfs",
        "pstore",
        "rpc_pipefs",
        "securityfs",
        "selinuxfs",
        "sysfs",
        "tracefs",
    }
)
# Refused by place as well: their type varies (a container's /dev and /sys/fs/cgroup are
# tmpfs, and a system without /proc/self/mountinfo tells no type at all).
PSEUDO_PLACES = (Path("/proc"), Path("/sys"), Path("/dev"))
MOUNTINFO = Path("/proc/self/mountinfo")


def examine(
    root: Path, *, cwd: Path, config: Config, mountinfo: Path = MOUNTINFO
) -> str | os.stat_result:
    """Why `root` (relative to `cwd` unless absolute) must not be pruned; or, if it may be,
    the `lstat` it was judged on, which `open_root` holds the opened directory to."""
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
    try:
        why = _refusal(root, info, cwd=cwd, config=config, mountinfo=mountinfo)
    except OSError as exc:
        # A directory it cannot search (`.git` cannot be looked for): it cannot see it either.
        return f"cannot be read: {exc.strerror or exc}"
    return info if why is None else why


def _refusal(
    root: Path, info: os.stat_result, *, cwd: Path, config: Config, mountinfo: Path
) -> str | None:
    resolved = root.resolve()
    if resolved == Path(resolved.anchor):
        return "is the filesystem root"
    for place in PSEUDO_PLACES:
        if _covers(place, resolved):
            return f"lies in {place} (kernel and device files, never data to prune)"
    fstype = filesystem_type(resolved, info, mountinfo)
    if fstype in PSEUDO_FILESYSTEMS:
        return f"lies on a {fstype} filesystem (kernel or device files, never data to prune)"
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


def filesystem_type(path: Path, info: os.stat_result, mountinfo: Path = MOUNTINFO) -> str | None:
    """The type of the filesystem `path` (a directory, whose `lstat` is `info`) lies on.

    Read from `mountinfo` (`/proc/self/mountinfo`): the mount with the
    directory's device number, else the mount point that is the longest
    prefix of the path. None where the system has no such file.
    """
    try:
        lines = mountinfo.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    device = f"{os.major(info.st_dev)}:{os.minor(info.st_dev)}"
    by_place: tuple[int, str] | None = None
    for line in lines:
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        fstype = line.split(" - ", 1)[1].split()[0]
        if fields[2] == device:
            return fstype
        point = Path(_unescape(fields[4]))
        if _covers(point, path) and (by_place is None or len(point.parts) > by_place[0]):
            by_place = (len(point.parts), fstype)
    return None if by_place is None else by_place[1]


def _unescape(field: str) -> str:
    """A mountinfo path field: space, tab, newline and backslash are written as octal."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def open_root(root: Path, display: str, *, cwd: Path, checked: os.stat_result) -> OpenRoot:
    """Open a root that `examine` accepted (`checked`: the `lstat` it judged), refusing it
    if it is no longer that directory: a root swapped in between was never examined."""
    try:
        fd = os.open(cwd / root, DIR_FLAGS)
    except OSError as exc:
        raise OpsguardError(
            f"retention root {display}: cannot open: {exc.strerror or exc}"
        ) from None
    info = os.fstat(fd)
    if (info.st_dev, info.st_ino) != (checked.st_dev, checked.st_ino):
        os.close(fd)
        raise OpsguardError(f"retention root {display}: replaced while opening it")
    try:
        # A root that opens but cannot be listed would be scanned as empty: refuse it now,
        # before any root is pruned. (listdir on a descriptor rewinds it first.)
        os.listdir(fd)
    except OSError as exc:
        os.close(fd)
        raise OpsguardError(
            f"retention root {display}: cannot be read: {exc.strerror or exc}"
        ) from None
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
