"""Retention on real trees: the rule against `find`, dry-run and apply, and every safety guard."""

from __future__ import annotations

import errno
import os
import random
import shutil
import stat
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opsguard import load_config
from opsguard.core.config import Config
from opsguard.core.quarantine import quarantine_file
from opsguard.retention import apply as retention_apply
from opsguard.retention import scan as retention_scan
from opsguard.retention.check import RetentionReport, check_retention
from opsguard.retention.model import ScannedDir
from opsguard.retention.plan import read_plan, write_log, write_plan
from opsguard.retention.rule import DAY_NS, NS, to_ns
from opsguard.retention.settings import RetentionRoot

NOW = datetime(2025, 8, 15, tzinfo=UTC)
NOW_NS = to_ns(NOW)
DAY = 86_400
FIND = shutil.which("find") or "find"


# --------------------------------------------------------------------------- helpers


def touch(path: Path, age_s: float, data: bytes = b"x", *, now_ns: int = NOW_NS) -> Path:
    """A file whose mtime lies `age_s` seconds before `now_ns` (exactly, in nanoseconds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    mtime = now_ns - round(age_s * NS)
    os.utime(path, ns=(mtime, mtime))
    return path


def link(path: Path, target: Path | str, age_s: float) -> Path:
    """A symlink whose own mtime (lutimes) lies `age_s` seconds before NOW."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    mtime = NOW_NS - round(age_s * NS)
    os.utime(path, ns=(mtime, mtime), follow_symlinks=False)
    return path


def config_for(cwd: Path, **retention: Any) -> Config:
    return load_config(
        cwd=cwd,
        environ={},
        overrides={f"retention.{key}": value for key, value in retention.items()},
    )


def run(
    root: Path,
    *,
    days: int = 30,
    age_from: str = "mtime",
    apply: bool = False,
    force: bool = False,
    now: datetime = NOW,
    record_kept: bool = False,
    config: Config | None = None,
) -> RetentionReport:
    cwd = root.parent
    return check_retention(
        [RetentionRoot(root, days, age_from)],
        config or config_for(cwd),
        apply=apply,
        force=force,
        now=now,
        cwd=cwd,
        record_kept=record_kept,
    )


def unlistable(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """`os.listdir` of a descriptor of `directory` fails with EACCES (root could list it)."""
    inode = directory.stat().st_ino
    real_listdir = os.listdir

    def listdir(fd: Any = None) -> list[str]:
        if isinstance(fd, int) and os.fstat(fd).st_ino == inode:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_listdir(fd)

    monkeypatch.setattr(os, "listdir", listdir)


def files_under(root: Path) -> set[str]:
    """Every non-directory entry below root, relative, without following symlinks."""
    found = set()
    for current, dirs, names in os.walk(root):
        base = Path(current)
        for name in names + [d for d in dirs if (base / d).is_symlink()]:
            found.add((base / name).relative_to(root).as_posix())
    return found


def dirs_under(root: Path) -> set[str]:
    return {
        (Path(current) / d).relative_to(root).as_posix()
        for current, dirs, _ in os.walk(root)
        for d in dirs
        if not (Path(current) / d).is_symlink()
    }


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """Everything a deletion or a touch would change: entries, modes, sizes, mtimes, bytes."""
    state: dict[str, tuple[object, ...]] = {}
    for current, dirs, names in os.walk(root):
        for name in [*dirs, *names]:
            path = Path(current) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                extra: object = os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                extra = path.read_bytes()
            else:
                extra = None
            key = path.relative_to(root).as_posix()
            state[key] = (info.st_mode, info.st_ino, info.st_size, info.st_mtime_ns, extra)
    return state


def candidates(report: RetentionReport) -> set[str]:
    return {d.rel for root in report.roots for d in root.decisions() if d.action == "delete"}


def mixed_tree(root: Path, now_ns: int, days: int, seed: int = 7) -> None:
    """Nested folders, files and symlinks of every age, none within 10 minutes of the cutoff."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    limit = days * DAY
    for index in range(300):
        depth = rng.randint(0, 3)
        parts = [f"d{rng.randint(0, 3)}" for _ in range(depth)]
        name = rng.choice(["f{}.log", "f {}.jsonl", ".hidden{}", "f{}", "f{}.tar.gz"]).format(index)
        age = rng.uniform(0, 2 * limit)
        if abs(age - limit) < 600:
            age += 1200
        touch(root.joinpath(*parts, name), age, b"y" * rng.randint(0, 50), now_ns=now_ns)
    outside = root.parent / "outside"
    touch(outside / "target.log", 10 * limit, now_ns=now_ns)
    for index in range(20):
        path = root / f"d{index % 3}" / f"link{index}"
        target = outside / "target.log" if index % 2 else Path("missing")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)
        age = rng.choice([0.5, 1.5]) * limit
        mtime = now_ns - round(age * NS)
        os.utime(path, ns=(mtime, mtime), follow_symlinks=False)


# --------------------------------------------------------------------------- the rule vs find


@pytest.mark.skipif(shutil.which("find") is None, reason="find is not installed")
def test_candidates_equal_find_mmin_on_a_mixed_tree(tmp_path: Path) -> None:
    root = tmp_path / "root"
    days = 3
    now = datetime.now(UTC)
    mixed_tree(root, to_ns(now), days)
    before = snapshot(root)
    report = run(root, days=days, now=now)
    minutes = str(days * 1440)
    find = subprocess.run(
        [FIND, str(root), "-type", "f", "-mmin", f"+{minutes}"],
        capture_output=True,
        text=True,
        check=True,
    )
    expected = {Path(line).relative_to(root).as_posix() for line in find.stdout.splitlines()}
    regular = {rel for rel in candidates(report) if not (root / rel).is_symlink()}
    assert regular == expected
    assert expected, "the tree must hold old files"
    # Symlinks are judged by their own mtime, as find -P -type l -mmin does.
    links = subprocess.run(
        [FIND, str(root), "-type", "l", "-mmin", f"+{minutes}"],
        capture_output=True,
        text=True,
        check=True,
    )
    old_links = {Path(line).relative_to(root).as_posix() for line in links.stdout.splitlines()}
    assert candidates(report) - regular == old_links
    assert old_links
    assert snapshot(root) == before  # a dry-run changes nothing


# --------------------------------------------------------------------------- the boundary


def test_boundary_on_real_files(tmp_path: Path) -> None:
    root = tmp_path / "root"
    touch(root / "at-cutoff.log", 30 * DAY)
    touch(root / "one-second-past.log", 30 * DAY + 1)
    touch(root / "one-ns-past.log", 30 * DAY + 1e-9)
    touch(root / "one-second-short.log", 30 * DAY - 1)
    touch(root / "young.log", DAY)
    report = run(root, apply=True)
    assert files_under(root) == {"at-cutoff.log", "one-second-short.log", "young.log"}
    assert report.result.summary["deleted"] == 2
    assert report.result.summary["oldest_kept_age_s"] == {"root": 30 * DAY}


# --------------------------------------------------------------------------- dry-run and apply


def test_dry_run_changes_nothing_and_apply_deletes_exactly_the_candidates(tmp_path: Path) -> None:
    root = tmp_path / "root"
    mixed_tree(root, NOW_NS, 30)
    touch(root / ".gitkeep", 999 * DAY)
    before = snapshot(root)
    outside = snapshot(tmp_path / "outside")

    dry = run(root)
    assert snapshot(root) == before  # byte-identical, mtimes and inodes included
    planned = candidates(dry)
    assert planned
    assert dry.result.status == "pass"
    assert dry.result.summary["mode"] == "dry-run"
    assert dry.result.summary["deleted"] == 0
    assert dry.result.summary["candidates"] == len(planned)

    wet = run(root, apply=True)
    assert candidates(wet) == planned
    assert files_under(root) == set(before_files(before)) - planned
    assert wet.result.summary["deleted"] == len(planned)
    assert wet.result.summary["deleted_bytes"] == dry.result.summary["candidate_bytes"]
    assert wet.result.status == "pass"
    assert snapshot(tmp_path / "outside") == outside  # symlink targets untouched


def before_files(state: dict[str, tuple[object, ...]]) -> list[str]:
    return [
        rel
        for rel, (mode, *_rest) in state.items()
        if not stat.S_ISDIR(mode)  # type: ignore[arg-type]
    ]


def test_summary_figures(tmp_path: Path) -> None:
    root = tmp_path / "root"
    touch(root / "old.log", 40 * DAY, b"12345")
    touch(root / "young.log", 10 * DAY, b"12")
    touch(root / "README.md", 400 * DAY)
    summary = run(root).result.summary
    assert summary["mode"] == "dry-run"
    assert summary["days"] == {"root": 30}
    assert summary["files"] == 3
    assert (summary["candidates"], summary["candidate_bytes"]) == (1, 5)
    assert (summary["deleted"], summary["kept"]) == (0, 1)
    assert summary["skipped"] == {"protected": 1}
    assert summary["oldest_kept_age_s"] == {"root": 10 * DAY}
    assert summary["now"] == "2025-08-15T00:00:00Z"
    assert summary["counts"] == {}
    (per_root,) = summary["roots"]
    assert per_root["age_from"] == "mtime" and per_root["capped"] is False


# --------------------------------------------------------------------------- symlinks


def test_symlink_to_a_directory_of_old_files_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    for index in range(3):
        touch(outside / f"old{index}.log", 100 * DAY)
    root = tmp_path / "root"
    touch(root / "keep.log", DAY)
    touch(root / "young-target.log", DAY)
    link(root / "old-link", outside, 100 * DAY)  # an old link to a directory: the link goes
    link(root / "young-link", outside, DAY)  # a young link: stays, target untouched
    link(root / "sub" / "old-link-to-young-file", root / "young-target.log", 100 * DAY)
    link(root / "dangling", tmp_path / "nowhere", 100 * DAY)
    outside_before = snapshot(outside)

    report = run(root, apply=True)
    assert candidates(report) == {"old-link", "sub/old-link-to-young-file", "dangling"}
    assert snapshot(outside) == outside_before
    assert files_under(root) == {"keep.log", "young-target.log", "young-link"}
    assert (root / "young-target.log").read_bytes() == b"x"
    assert not (root / "sub").exists()  # left empty by the link's removal


def test_a_symlinked_directory_is_never_entered(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    touch(outside / "deep" / "old.log", 100 * DAY)
    root = tmp_path / "root"
    touch(root / "young.log", DAY)
    link(root / "door", outside, DAY)
    report = run(root, apply=True, record_kept=True)
    assert {d.rel for d in report.roots[0].decisions()} == {"young.log", "door"}
    assert (outside / "deep" / "old.log").exists()


# --------------------------------------------------------------------------- empty directories


def test_empty_directories_left_behind_are_removed_the_root_never(tmp_path: Path) -> None:
    root = tmp_path / "root"
    touch(root / "a" / "b" / "old.log", 40 * DAY)
    touch(root / "a" / "young.log", DAY)
    touch(root / "c" / "d" / "e" / "old.log", 40 * DAY)
    (root / "pre-existing-empty").mkdir()
    touch(root / "f" / "old.log", 40 * DAY)
    (root / "f" / "empty-before").mkdir()
    touch(root / "g" / ".gitkeep", 40 * DAY)
    touch(root / "g" / "old.log", 40 * DAY)
    touch(root / "top-old.log", 40 * DAY)

    dry = run(root, force=True)
    would = set(dry.roots[0].dirs_removed)
    assert would == {"a/b", "c", "c/d", "c/d/e"}
    report = run(root, apply=True, force=True)
    assert set(report.roots[0].dirs_removed) == would
    assert report.result.summary["dirs_removed"] == 4
    assert dirs_under(root) == {"a", "pre-existing-empty", "f", "f/empty-before", "g"}
    assert files_under(root) == {"a/young.log", "g/.gitkeep"}
    assert root.is_dir()


def test_the_root_stays_when_everything_goes(tmp_path: Path) -> None:
    root = tmp_path / "root"
    touch(root / "x" / "old.log", 40 * DAY)
    report = run(root, apply=True, force=True)
    assert report.result.summary["deleted"] == 1
    assert root.is_dir() and list(root.iterdir()) == []


# --------------------------------------------------------------------------- name-based ages


def test_name_based_ages_for_several_styles_and_the_mtime_fallback(tmp_path: Path) -> None:
    root = tmp_path / "telemetry"
    names = {
        "2025-07-15.jsonl": True,  # 31 days by name
        "2025-07-16.jsonl": False,  # exactly 30 days: kept
        "telemetry-20250714T0600Z.log": True,
        "pipeline-20250721T0600Z.log": False,
        "app_2025_06_01.txt": True,
        "events-2025-07-15T23:59:59Z.jsonl": True,
        "events-2025-07-16T00:00:01Z.jsonl": False,
        "backup-20250101.tar": True,
        "notes.txt": False,  # no date: fresh mtime, kept
        "old-notes.txt": True,  # no date: old mtime, deleted
    }
    for name in names:
        touch(root / name, 40 * DAY if name == "old-notes.txt" else 0)
    report = run(root, age_from="name", apply=True)
    assert candidates(report) == {name for name, old in names.items() if old}
    assert files_under(root) == {name for name, old in names.items() if not old}
    codes = {f.code: f for f in report.result.findings}
    assert codes["no-date-in-name"].severity == "warning"
    assert "2 file(s)" in codes["no-date-in-name"].message
    bases = {d.name: d.basis for d in report.roots[0].decisions()}
    assert bases["old-notes.txt"] == "mtime-fallback"
    assert bases["2025-07-15.jsonl"] == "name"


def test_same_mtime_warning_for_a_fresh_checkout(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for index in range(5):
        touch(root / f"f{index}.log", 0.001 * index)
    report = run(root)
    (finding,) = [f for f in report.result.findings if f.code == "same-mtime"]
    assert finding.severity == "warning" and finding.path == "root"
    assert report.result.status == "pass"
    touch(root / "f9.log", DAY)
    assert "same-mtime" not in {f.code for f in run(root).result.findings}
    # By name, the mtimes do not matter.
    named = tmp_path / "named"
    for day in range(1, 6):
        touch(named / f"2025-08-0{day}.log", 0)
    assert "same-mtime" not in {f.code for f in run(named, age_from="name").result.findings}


# --------------------------------------------------------------------------- protect globs


def test_protect_globs_are_never_removed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for rel in (".gitkeep", "sub/.gitkeep", "README", "README.md", "sub/README.txt", "keep.me"):
        touch(root / rel, 999 * DAY)
    touch(root / "other.log", 999 * DAY)
    config = config_for(tmp_path, protect=[".gitkeep", "README*", "*.me"])
    report = run(root, apply=True, config=config)
    assert files_under(root) == {
        ".gitkeep",
        "sub/.gitkeep",
        "README",
        "README.md",
        "sub/README.txt",
        "keep.me",
    }
    assert report.result.summary["skipped"] == {"protected": 6}
    assert report.result.summary["oldest_kept_age_s"] == {"root": None}


# --------------------------------------------------------------------------- the cap


def _old_tree(root: Path, old: int, young: int) -> None:
    for index in range(old):
        touch(root / f"old{index}.log", 40 * DAY)
    for index in range(young):
        touch(root / f"young{index}.log", DAY)


def test_cap_blocks_apply_warns_dry_run_and_yields_to_force(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _old_tree(root, old=10, young=1)  # 10/11 = 91% > 90%
    before = files_under(root)

    dry = run(root)
    (warning,) = dry.result.findings
    assert (warning.code, warning.severity) == ("cap-exceeded", "warning")
    assert "10 of 11 files (91%)" in warning.message
    assert dry.result.status == "pass"
    assert dry.roots[0].capped

    blocked = run(root, apply=True)
    assert files_under(root) == before
    (error,) = blocked.result.findings
    assert (error.code, error.severity) == ("cap-exceeded", "error")
    assert blocked.result.status == "fail"
    assert blocked.result.summary["skipped"] == {"cap-exceeded": 10}
    assert blocked.result.summary["deleted"] == 0
    assert blocked.result.summary["reasons"] == [
        "the blast-radius cap stopped the deletion in 1 root(s)"
    ]

    forced = run(root, apply=True, force=True)
    assert files_under(root) == {"young0.log"}
    assert forced.result.status == "pass"
    assert [(f.code, f.severity) for f in forced.result.findings] == [("cap-exceeded", "warning")]


def test_cap_on_the_number_of_files_and_at_its_edge(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _old_tree(root, old=9, young=1)  # 9/10 = 90%: not more than 90%
    assert not run(root).roots[0].capped
    config = config_for(tmp_path, max_delete=8)
    report = run(root, apply=True, config=config)
    assert report.roots[0].capped
    assert "max_delete 8" in report.result.findings[0].message
    assert len(files_under(root)) == 10


def test_the_cap_applies_per_root(tmp_path: Path) -> None:
    capped, fine = tmp_path / "capped", tmp_path / "fine"
    _old_tree(capped, old=5, young=0)
    _old_tree(fine, old=1, young=4)
    report = check_retention(
        [RetentionRoot(capped, 30), RetentionRoot(fine, 30)],
        config_for(tmp_path),
        apply=True,
        now=NOW,
        cwd=tmp_path,
    )
    assert len(files_under(capped)) == 5
    assert files_under(fine) == {f"young{i}.log" for i in range(4)}
    assert report.result.status == "fail"


# --------------------------------------------------------------------------- failures


def test_a_file_that_cannot_be_removed_is_a_finding_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    for name in ("a.log", "b.log", "c.log"):
        touch(root / "sub" / name, 40 * DAY)
    touch(root / "young.log", DAY)
    real_unlink = os.unlink

    def unlink(path: Any, *args: Any, **kwargs: Any) -> None:
        if path == "b.log":
            raise PermissionError(errno.EACCES, "Permission denied", path)
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    report = run(root, apply=True)
    assert files_under(root) == {"sub/b.log", "young.log"}
    (finding,) = report.result.findings
    assert (finding.code, finding.severity, finding.path) == (
        "remove-failed",
        "error",
        "root/sub/b.log",
    )
    assert "Permission denied" in finding.message
    assert report.result.status == "fail"
    assert report.result.summary["skipped"] == {"remove-failed": 1}
    assert report.result.summary["reasons"] == ["1 file(s) could not be removed"]
    assert report.result.summary["oldest_kept_age_s"] == {"root": 40 * DAY}
    assert (root / "sub").is_dir()  # not empty: b.log stayed


def test_a_directory_that_cannot_be_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    touch(root / "locked" / "old.log", 40 * DAY)
    touch(root / "open" / "old.log", 40 * DAY)
    touch(root / "young.log", DAY)
    unlistable(monkeypatch, root / "locked")
    dry = run(root)
    # A dry-run that could not see a directory fails too: its candidates are incomplete.
    assert [(f.code, f.severity) for f in dry.result.findings] == [("not-scanned", "error")]
    assert dry.result.status == "fail"
    assert dry.result.summary["reasons"] == ["1 directory(ies) could not be scanned"]
    wet = run(root, apply=True)
    assert [(f.code, f.severity, f.path) for f in wet.result.findings] == [
        ("not-scanned", "error", "root/locked")
    ]
    assert files_under(root) == {"locked/old.log", "young.log"}
    assert wet.result.status == "fail"


# --------------------------------------------------------------------------- devices and roots


def test_another_filesystem_below_a_root_is_not_entered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    touch(root / "mnt" / "old.log", 40 * DAY)
    touch(root / "old.log", 40 * DAY)
    touch(root / "young.log", DAY)
    mount = (root / "mnt").stat().st_ino
    real = retention_scan.device_of

    def device_of(info: os.stat_result) -> int:
        return info.st_dev + 1 if info.st_ino == mount else real(info)

    monkeypatch.setattr(retention_scan, "device_of", device_of)
    report = run(root, apply=True)
    assert files_under(root) == {"mnt/old.log", "young.log"}
    (finding,) = report.result.findings
    assert (finding.code, finding.severity, finding.path) == (
        "other-filesystem",
        "warning",
        "root/mnt",
    )
    assert report.result.status == "pass"


def test_a_root_inside_another_is_pruned_by_its_own_rule(tmp_path: Path) -> None:
    outer = tmp_path / "data"
    inner = outer / "quarantine"
    touch(outer / "old.log", 40 * DAY)
    touch(outer / "young.log", DAY)
    touch(inner / "entry.json", 40 * DAY)
    touch(inner / "young.json", DAY)
    report = check_retention(
        [RetentionRoot(outer, 30), RetentionRoot(inner, 90)],
        config_for(tmp_path),
        apply=True,
        now=NOW,
        cwd=tmp_path,
    )
    assert files_under(outer) == {"young.log", "quarantine/entry.json", "quarantine/young.json"}
    assert [r.files for r in report.roots] == [2, 2]
    assert report.result.findings == ()


def test_the_same_root_twice_is_pruned_once(tmp_path: Path) -> None:
    root = tmp_path / "root"
    touch(root / "old.log", 40 * DAY)
    touch(root / "young.log", DAY)
    report = check_retention(
        [RetentionRoot(root, 30), RetentionRoot(tmp_path / "." / "root", 5)],
        config_for(tmp_path),
        now=NOW,
        cwd=tmp_path,
    )
    assert len(report.roots) == 1 and report.roots[0].days == 30


def test_fifos_are_skipped(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    os.mkfifo(root / "pipe")
    os.utime(root / "pipe", ns=(NOW_NS - 40 * DAY_NS, NOW_NS - 40 * DAY_NS))
    touch(root / "young.log", DAY)
    report = run(root, apply=True)
    assert report.result.summary["skipped"] == {"special-file": 1}
    assert (root / "pipe").exists()


def test_names_that_are_not_utf8(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    raw = os.fsencode(str(root)) + b"/caf\xe9.log"
    with open(raw, "wb") as handle:
        handle.write(b"x")
    os.utime(raw, ns=(NOW_NS - 40 * DAY_NS, NOW_NS - 40 * DAY_NS))
    touch(root / "young.log", DAY)
    report = run(root, record_kept=True)
    write_plan(report, tmp_path / "plan.json")
    write_log(report, tmp_path / "log.jsonl")
    plan = read_plan(tmp_path / "plan.json")
    assert list(plan.roots[0].files) == ["caf\udce9.log"]
    applied = check_retention(None, config_for(tmp_path), apply=True, plan=plan, cwd=tmp_path)
    assert applied.result.summary["deleted"] == 1
    assert not os.path.lexists(raw)


# --------------------------------------------------------------------------- plans and races


def test_plan_then_apply_skips_a_file_changed_in_between(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for name in ("a.log", "b.log", "c.log", "d.log"):
        touch(root / name, 40 * DAY)
    touch(root / "young.log", DAY)
    plan_file = tmp_path / "plan.json"
    write_plan(run(root), plan_file)

    # Between plan and apply: b is rewritten, c replaced (new inode), d removed, e appears.
    touch(root / "b.log", 40 * DAY, b"rewritten")
    touch(root / "c.new", 40 * DAY)
    (root / "c.new").replace(root / "c.log")
    (root / "d.log").unlink()
    touch(root / "e.log", 40 * DAY)

    plan = read_plan(plan_file)
    report = check_retention(
        None, config_for(tmp_path), apply=True, plan=plan, now=NOW, cwd=tmp_path
    )
    assert files_under(root) == {"b.log", "c.log", "e.log", "young.log"}
    changed = sorted(f.path for f in report.result.findings if f.code == "changed-since-plan")
    assert changed == ["root/b.log", "root/c.log", "root/d.log"]
    assert all(f.severity == "warning" for f in report.result.findings)
    assert report.result.summary["deleted"] == 1
    assert report.result.summary["skipped"] == {"changed-since-plan": 3}
    assert report.result.status == "pass"


def test_a_directory_swapped_for_a_symlink_between_plan_and_apply(tmp_path: Path) -> None:
    root = tmp_path / "root"
    touch(root / "sub" / "old.log", 40 * DAY)
    touch(root / "young.log", DAY)
    outside = tmp_path / "outside"
    touch(outside / "old.log", 40 * DAY)  # same name, same age: a perfect decoy
    plan_file = tmp_path / "plan.json"
    write_plan(run(root), plan_file)

    shutil.rmtree(root / "sub")
    (root / "sub").symlink_to(outside, target_is_directory=True)
    report = check_retention(
        None, config_for(tmp_path), apply=True, plan=read_plan(plan_file), cwd=tmp_path
    )
    assert (outside / "old.log").exists()
    assert report.result.summary["deleted"] == 0
    assert [f.code for f in report.result.findings] == ["changed-since-plan"]


def test_a_directory_swapped_for_a_symlink_between_scan_and_delete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    touch(root / "sub" / "old.log", 40 * DAY)
    touch(root / "sub" / "deeper" / "old.log", 40 * DAY)
    touch(root / "young.log", DAY)
    outside = tmp_path / "outside"
    touch(outside / "old.log", 40 * DAY)
    touch(outside / "deeper" / "old.log", 40 * DAY)
    real_execute = retention_apply.execute

    def swap_then_execute(root_fd: int, tree: ScannedDir) -> Any:
        shutil.rmtree(root / "sub")
        (root / "sub").symlink_to(outside, target_is_directory=True)
        return real_execute(root_fd, tree)

    monkeypatch.setattr("opsguard.retention.check.execute", swap_then_execute)
    report = run(root, apply=True)
    assert files_under(outside) == {"old.log", "deeper/old.log"}
    assert report.result.summary["deleted"] == 0
    assert report.result.summary["skipped"] == {"changed-during-run": 2}
    assert {f.code for f in report.result.findings} == {"changed-during-run"}


def test_a_directory_replaced_by_another_between_scan_and_delete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    touch(root / "sub" / "old.log", 40 * DAY)
    real_execute = retention_apply.execute

    def replace_then_execute(root_fd: int, tree: ScannedDir) -> Any:
        (root / "sub").rename(tmp_path / "moved")
        touch(root / "sub" / "old.log", 40 * DAY, b"a new file with the old name")
        return real_execute(root_fd, tree)

    monkeypatch.setattr("opsguard.retention.check.execute", replace_then_execute)
    report = run(root, apply=True, force=True)
    assert (root / "sub" / "old.log").read_bytes() == b"a new file with the old name"
    assert (tmp_path / "moved" / "old.log").exists()
    assert report.result.summary["skipped"] == {"changed-during-run": 1}


def test_a_file_rewritten_between_scan_and_delete_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    touch(root / "old.log", 40 * DAY)
    touch(root / "other.log", 40 * DAY)
    touch(root / "young.log", DAY)
    real_execute = retention_apply.execute

    def rewrite_then_execute(root_fd: int, tree: ScannedDir) -> Any:
        (root / "old.log").write_bytes(b"fresh data")  # mtime is now: not old any more
        return real_execute(root_fd, tree)

    monkeypatch.setattr("opsguard.retention.check.execute", rewrite_then_execute)
    report = run(root, apply=True)
    assert (root / "old.log").read_bytes() == b"fresh data"
    assert not (root / "other.log").exists()
    assert report.result.summary["skipped"] == {"changed-during-run": 1}


def test_the_deletion_never_uses_a_path_built_from_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every unlink and rmdir is a bare name relative to a directory descriptor."""
    root = tmp_path / "root"
    touch(root / "a" / "b" / "old.log", 40 * DAY)
    touch(root / "young.log", DAY)
    calls: list[tuple[str, object, object]] = []
    real_unlink, real_rmdir = os.unlink, os.rmdir

    def unlink(path: Any, *, dir_fd: int | None = None) -> None:
        calls.append(("unlink", path, dir_fd))
        real_unlink(path, dir_fd=dir_fd)

    def rmdir(path: Any, *, dir_fd: int | None = None) -> None:
        calls.append(("rmdir", path, dir_fd))
        real_rmdir(path, dir_fd=dir_fd)

    monkeypatch.setattr(os, "unlink", unlink)
    monkeypatch.setattr(os, "rmdir", rmdir)
    run(root, apply=True)
    assert [(kind, path) for kind, path, _ in calls] == [
        ("unlink", "old.log"),
        ("rmdir", "b"),
        ("rmdir", "a"),
    ]
    assert all(isinstance(fd, int) for _, _, fd in calls)


def test_below_the_root_every_call_is_a_bare_name_relative_to_a_descriptor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The only path string a system call gets is the root's own; below it, names and fds."""
    root = tmp_path / "root"
    touch(root / "a" / "b" / "old.log", 40 * DAY)
    touch(root / "a" / "young.log", DAY)
    opened: list[tuple[object, object]] = []
    stated: list[tuple[object, object]] = []
    listed: list[object] = []
    real_open, real_lstat, real_listdir = os.open, os.lstat, os.listdir

    def fake_open(path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        opened.append((path, dir_fd))
        return real_open(path, flags, mode, dir_fd=dir_fd)

    def fake_lstat(path: Any, *, dir_fd: int | None = None) -> os.stat_result:
        stated.append((path, dir_fd))
        return real_lstat(path, dir_fd=dir_fd)

    def fake_listdir(path: Any = None) -> list[str]:
        listed.append(path)
        return real_listdir(path)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "lstat", fake_lstat)
    monkeypatch.setattr(os, "listdir", fake_listdir)
    report = run(root, apply=True)
    assert report.result.summary["deleted"] == 1
    assert [path for path, fd in opened if fd is None] == [root]  # the root, once
    for path, fd in [*[(p, f) for p, f in opened if f is not None], *stated]:
        if fd is None:
            continue  # the refusal checks look at the root's own path
        assert isinstance(fd, int) and isinstance(path, str) and "/" not in path, path
    assert {p for p, f in opened if f is not None} == {"a", "b"}
    assert all(isinstance(fd, int) for fd in listed)


def test_a_tree_deeper_than_the_limit_is_not_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention_scan, "MAX_DEPTH", 2)
    root = tmp_path / "root"
    touch(root / "a" / "b" / "c" / "old.log", 40 * DAY)
    touch(root / "a" / "old.log", 40 * DAY)
    touch(root / "young.log", DAY)
    touch(root / "a" / "young.log", DAY)
    report = run(root, apply=True)
    assert files_under(root) == {"a/b/c/old.log", "young.log", "a/young.log"}
    (finding,) = report.result.findings
    assert (finding.code, finding.severity, finding.path) == ("not-scanned", "error", "root/a/b/c")
    assert "deeper than 2 levels" in finding.message


# --------------------------------------------------------------------------- quarantine


def test_quarantine_entries_and_sidecars_go_together_by_quarantine_time(tmp_path: Path) -> None:
    records = tmp_path / "records"
    quarantine = tmp_path / "quarantine"
    touch(quarantine / ".gitkeep", 0)
    # Old data, quarantined recently: the entry stays, however old its name says the data is.
    recent = touch(records / "2020-01-01.json", 0, b"{}")
    quarantine_file(
        recent, quarantine, kind="records", reason="corrupt", now=(NOW_NS / NS) - 5 * DAY
    )
    # Quarantined long ago: entry and sidecar go together.
    old = touch(records / "2025-08-01.json", 0, b"{}")
    gone = quarantine_file(
        old, quarantine, kind="records", reason="duplicate", now=(NOW_NS / NS) - 40 * DAY
    )
    before = files_under(quarantine)
    assert len(before) == 5

    config = load_config(
        cwd=tmp_path,
        environ={},
        overrides={
            "paths.quarantine": quarantine,
            "paths.telemetry": [tmp_path / "telemetry"],
            "retention.now": NOW,
        },
    )
    (tmp_path / "telemetry").mkdir()
    report = check_retention(
        [r for r in config.retention.roots(config.paths) if r.path == quarantine],
        config,
        apply=True,
        cwd=tmp_path,
    )
    assert report.roots[0].age_from == "mtime"
    assert before - files_under(quarantine) == {
        gone.stored.relative_to(quarantine).as_posix(),
        gone.sidecar.relative_to(quarantine).as_posix(),
    }
    assert report.result.summary["deleted"] == 2
    assert (quarantine / ".gitkeep").exists()
    assert not gone.stored.parent.exists()  # its stamp folder was left empty and removed


# --------------------------------------------------------------------------- wall-clock default


def test_without_a_pinned_clock_the_real_time_is_used(tmp_path: Path) -> None:
    root = tmp_path / "root"
    real_now = time.time_ns()
    touch(root / "old.log", 31 * DAY, now_ns=real_now)
    touch(root / "young.log", 29 * DAY, now_ns=real_now)
    report = check_retention([RetentionRoot(root, 30)], config_for(tmp_path), cwd=tmp_path)
    assert candidates(report) == {"old.log"}
