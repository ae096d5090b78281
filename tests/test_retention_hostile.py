"""Retention on hostile input, issue #11: pseudo filesystems, unreadable roots, special files,
names that could start a line, ages in the future, and the words of the listing."""

from __future__ import annotations

import errno
import os
import re
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from support import run_opsguard
from test_retention import touch, unlistable

from opsguard import load_config
from opsguard.core.config import Config
from opsguard.core.errors import OpsguardError
from opsguard.retention.check import RetentionReport, check_retention, describe
from opsguard.retention.roots import PSEUDO_FILESYSTEMS, examine, filesystem_type, open_root
from opsguard.retention.rule import NS, to_ns
from opsguard.retention.settings import RetentionRoot

NOW = datetime(2025, 8, 15, tzinfo=UTC)
DAY = 86_400


def _config(cwd: Path) -> Config:
    return load_config(cwd=cwd, environ={})


def _run(root: Path, *, age_from: str = "mtime", apply: bool = False) -> RetentionReport:
    return check_retention(
        [RetentionRoot(root, 30, age_from)],
        _config(root.parent),
        apply=apply,
        now=NOW,
        cwd=root.parent,
    )


def _listing(report: RetentionReport) -> list[str]:
    return describe(report.roots, report.mode, report.now)


# --- pseudo and device filesystems ----------------------------------------------------------------


def _mountinfo(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "mountinfo"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_filesystem_type_comes_from_the_mount_of_the_device(tmp_path: Path) -> None:
    info = os.lstat(tmp_path)
    device = f"{os.major(info.st_dev)}:{os.minor(info.st_dev)}"
    mountinfo = _mountinfo(
        tmp_path,
        [
            "22 27 0:21 / /proc rw,relatime - proc proc rw",
            f"27 1 {device} / /elsewhere rw,relatime shared:1 - sysfs sysfs rw",
        ],
    )

    assert filesystem_type(tmp_path, info, mountinfo) == "sysfs"
    why = examine(tmp_path, cwd=tmp_path, config=_config(tmp_path), mountinfo=mountinfo)
    assert why == "lies on a sysfs filesystem (kernel or device files, never data to prune)"


def test_without_a_device_match_the_longest_mount_point_decides(tmp_path: Path) -> None:
    info = os.lstat(tmp_path)
    # A mount point with a space, as mountinfo writes it (\040).
    spaced = tmp_path / "a b"
    spaced.mkdir()
    escaped = str(spaced).replace(" ", "\\040")
    mountinfo = _mountinfo(
        tmp_path,
        [
            "1 0 999:999 / / rw - ext4 /dev/vda rw",
            f"2 1 999:998 / {tmp_path} rw - tmpfs tmpfs rw",
            f"3 2 999:997 / {escaped} rw - devpts devpts rw",
            "garbage without the separator",
        ],
    )

    assert filesystem_type(tmp_path, info, mountinfo) == "tmpfs"
    assert filesystem_type(spaced / "x", info, mountinfo) == "devpts"
    assert filesystem_type(tmp_path, info, tmp_path / "missing") is None
    # tmpfs is fine: /run and /tmp often are one.
    accepted = examine(tmp_path, cwd=tmp_path, config=_config(tmp_path), mountinfo=mountinfo)
    assert isinstance(accepted, os.stat_result)
    assert accepted.st_ino == tmp_path.stat().st_ino


@pytest.mark.parametrize(
    "fstype", ["proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "debugfs", "securityfs"]
)
def test_every_pseudo_filesystem_named_in_the_issue_is_refused(fstype: str) -> None:
    assert fstype in PSEUDO_FILESYSTEMS
    assert "tmpfs" not in PSEUDO_FILESYSTEMS


@pytest.mark.parametrize("root", ["/proc", "/sys", "/dev", "/dev/shm", "/proc/sys", "/sys/fs"])
def test_proc_sys_and_dev_are_refused_by_place_whatever_their_type(
    tmp_path: Path, root: str
) -> None:
    if not Path(root).is_dir():
        pytest.skip(f"{root} does not exist here")
    why = examine(Path(root), cwd=tmp_path, config=_config(tmp_path))
    place = "/" + root.split("/")[1]
    assert why == f"lies in {place} (kernel and device files, never data to prune)"


def test_retention_on_proc_is_one_line_exit_2_with_nothing_printed(tmp_path: Path) -> None:
    proc = run_opsguard(["retention", "/proc", "--results-dir", "results"], tmp_path)

    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == (
        "opsguard: error: retention root /proc: lies in /proc (kernel and device files, never "
        "data to prune)\n"
    )


# --- roots that cannot be read ------------------------------------------------------------------


def test_a_root_that_cannot_be_searched_is_refused_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "telemetry"
    root.mkdir()
    real_exists = Path.exists

    def exists(self: Path, **kwargs: Any) -> bool:
        if self == root / ".git":  # root bypasses permissions: the refusal is simulated
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_exists(self, **kwargs)

    monkeypatch.setattr(Path, "exists", exists)

    assert examine(root, cwd=tmp_path, config=_config(tmp_path)) == (
        "cannot be read: Permission denied"
    )


def test_a_root_that_cannot_be_listed_stops_the_run_before_any_root_is_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, locked = tmp_path / "a", tmp_path / "b"
    old = touch(first / "old.log", 40 * DAY)
    touch(first / "young.log", DAY)
    locked.mkdir()
    unlistable(monkeypatch, locked)
    with pytest.raises(
        OpsguardError, match=r"^retention root b: cannot be read: Permission denied$"
    ):
        check_retention(
            [RetentionRoot(first, 30, "mtime"), RetentionRoot(locked, 30, "mtime")],
            _config(tmp_path),
            apply=True,
            now=NOW,
            cwd=tmp_path,
        )
    assert old.exists()  # the first root was not pruned either


def test_an_opened_root_is_listed_again_from_its_start(tmp_path: Path) -> None:
    # The probe that the root can be listed must not eat its entries.
    root = tmp_path / "telemetry"
    for n in range(300):
        touch(root / f"{n:03d}.log", 40 * DAY)
    handle = open_root(root, "telemetry", cwd=tmp_path, checked=os.lstat(root))
    try:
        assert len(os.listdir(handle.fd)) == 300
    finally:
        os.close(handle.fd)


# --- special files -------------------------------------------------------------------------------


def test_special_files_are_warnings_never_opened_or_deleted(tmp_path: Path) -> None:
    root = tmp_path / "telemetry"
    touch(root / "young.log", DAY)
    os.mkfifo(root / "pipe.log")
    old = to_ns(NOW) - 40 * DAY * NS
    os.utime(root / "pipe.log", ns=(old, old))
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "s.sock"))
    try:
        report = _run(root, apply=True)
    finally:
        server.close()

    findings = [(f.code, f.severity, f.path, f.message) for f in report.result.findings]
    assert findings == [
        (
            "special-file",
            "warning",
            "telemetry/pipe.log",
            "a FIFO, socket or device: never opened, never deleted",
        ),
        (
            "special-file",
            "warning",
            "telemetry/s.sock",
            "a FIFO, socket or device: never opened, never deleted",
        ),
    ]
    assert (root / "pipe.log").exists()
    assert report.result.status == "pass"


# --- names and the listing ----------------------------------------------------------------------


def test_a_name_with_a_newline_cannot_start_a_line_of_the_listing(tmp_path: Path) -> None:
    root = tmp_path / "::warning title=x::root"
    touch(root / "x\n::warning title=INJECTED::pwned.log", 40 * DAY)
    touch(root / "back\\slash.log", 40 * DAY)
    touch(root / "young.log", DAY)
    touch(root / "young2.log", DAY)

    report = _run(root)
    lines = _listing(report)

    assert not [line for line in lines if line.startswith("::")]
    assert lines[1] == "root ::warning title=x::root: 30 days, age by mtime, 4 files"
    assert any(
        "would-delete ::warning title=x::root/x\\x0a::warning title=INJECTED::pwned.log" in line
        for line in lines
    )
    # The root's shown name is escaped once, not again for each file below it.
    assert any("::root/back\\\\slash.log" in line for line in lines)


def test_one_file_is_one_file(tmp_path: Path) -> None:
    root = tmp_path / "telemetry"
    touch(root / "only.log", DAY)

    report = _run(root)

    assert _listing(report)[1] == "root telemetry: 30 days, age by mtime, 1 file"
    assert report.result.summary["files"] == 1


def test_files_dated_in_the_future_are_never_given_a_negative_age(tmp_path: Path) -> None:
    root = tmp_path / "telemetry"
    touch(root / "2999-01-01.jsonl", DAY)
    touch(root / "3000-01-01.jsonl", DAY)  # no date (years past 2999): by mtime

    report = check_retention(
        [RetentionRoot(root, 30, "name")],
        _config(tmp_path),
        now=NOW,
        cwd=tmp_path,
        record_kept=True,
    )
    lines = describe(report.roots, report.mode, report.now, verbose=True)

    assert not [line for line in lines if re.search(r"-\d+d \d\d:", line)]
    assert any(
        "keep         telemetry/2999-01-01.jsonl  in the future by 355520d 00:00:00" in line
        for line in lines
    ), lines
    assert lines[-1].endswith("; oldest left 1d 00:00:00")


def test_the_oldest_left_in_the_future_says_so(tmp_path: Path) -> None:
    root = tmp_path / "telemetry"
    touch(root / "later.log", -3 * DAY)  # an mtime three days after now

    (line,) = [x for x in _listing(_run(root)) if "total:" in x]

    assert line.endswith("; oldest left in the future by 3d 00:00:00")


def test_a_capped_dry_run_says_apply_would_delete_nothing_there(tmp_path: Path) -> None:
    root = tmp_path / "telemetry"
    for name in ("a.log", "b.log", "c.log"):
        touch(root / name, 40 * DAY)

    dry = _listing(_run(root))
    wet = _listing(_run(root, apply=True))

    assert dry[2] == "  cap exceeded: --apply would delete nothing in this root without --force"
    assert wet[2] == (
        "  cap exceeded: nothing was deleted in this root (review a dry-run, then --force)"
    )
    (finding,) = [f for f in _run(root).result.findings if f.code == "cap-exceeded"]
    assert finding.message == (
        "3 of 3 files (100%) exceed max_delete_fraction 90%; --apply would delete nothing "
        "here without --force"
    )


@pytest.mark.parametrize(
    ("age_from", "hint"),
    [("mtime", 'consider age_from = "name"'), ("name", "give them a date in their name")],
)
def test_the_same_mtime_hint_fits_the_age_basis(tmp_path: Path, age_from: str, hint: str) -> None:
    root = tmp_path / "telemetry"
    for name in ("a.log", "b.log", "c.log", "d.log"):
        touch(root / name, DAY)

    (finding,) = [
        f for f in _run(root, age_from=age_from).result.findings if f.code == "same-mtime"
    ]

    assert finding.message.endswith(f"their mtimes may not be their age; {hint}")


def test_a_root_swapped_after_it_was_examined_is_never_opened(tmp_path: Path) -> None:
    root = tmp_path / "telemetry"
    root.mkdir()
    accepted = examine(root, cwd=tmp_path, config=_config(tmp_path))
    assert isinstance(accepted, os.stat_result)
    root.rename(tmp_path / "examined")
    root.mkdir()  # another directory under the examined name

    with pytest.raises(OpsguardError, match="replaced while opening it"):
        open_root(root, "telemetry", cwd=tmp_path, checked=accepted)
