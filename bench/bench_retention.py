"""Retention against GNU find on identical trees, in the same run.

    python bench/bench_retention.py [--files N] [--rounds R] [--dir DIR]

A tree of N files (default 100,000) in nested folders (about 100 files per
leaf, three levels), half of them older than the 30-day retention; mtimes
are set with `os.utime`, and none lies within an hour of the cutoff, so both
tools must select exactly the same files (checked every round):

- dry-run, as a user runs it: the whole command `opsguard retention ROOT
  --days 30 --now T` (interpreter start, the walk, the listing, the result
  file) vs. `find ROOT -type f ! -newermt T-30d -print`, both read through
  a pipe (this is the ratio `nox -s bench` reports, target <= 1.5);
- apply: `check_retention(apply=True)` vs. `find ROOT -type f -mmin +43200
  -delete`, each on its own identical copy (`cp -a` of the same master).
  Every timed apply starts after `sync`: unlinks are slowed by the writeback
  of a fresh copy, and without it whichever tool ran first would lose.

Medians over the rounds; the order of the two tools alternates per round so
that cache warmth favours neither. Targets: both ratios <= 1.5. Also timed,
without a target: the floor of any CPython walk (an fd-relative walk that
does nothing but `os.listdir` and `os.lstat`, no judging, no result).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from opsguard import load_config
from opsguard.core.config import Config
from opsguard.retention.check import check_retention
from opsguard.retention.scan import DIR_FLAGS
from opsguard.retention.settings import RetentionRoot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import time_command

DAYS = 30
MINUTES = DAYS * 1440
FIND = shutil.which("find") or "find"
CP = shutil.which("cp") or "cp"


def generate(root: Path, files: int, now: float, seed: int = 1) -> int:
    """N files, ~100 per leaf folder; every other one old. Returns how many are old."""
    rng = random.Random(seed)
    leaves = max(files // 100, 1)
    old = 0
    for index in range(files):
        leaf = index % leaves
        folder = root / f"a{leaf % 10}" / f"b{leaf // 10 % 10}" / f"c{leaf // 100}"
        if index < leaves:
            folder.mkdir(parents=True, exist_ok=True)
        if index % 2:
            age = DAYS * 86_400 + rng.uniform(3_600, 60 * 86_400)
            old += 1
        else:
            age = rng.uniform(0, DAYS * 86_400 - 3_600)
        fd = os.open(folder / f"event-{index}.jsonl", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, b'{"event": "auto_run", "status": "ok"}\n')
            os.utime(fd, (now - age, now - age))
        finally:
            os.close(fd)
    return old


def find_delete(root: Path) -> tuple[float, int]:
    """Run `find -delete`; (seconds, files deleted)."""
    before = count_files(root)
    started = time.perf_counter()
    subprocess.run([FIND, str(root), "-type", "f", "-mmin", f"+{MINUTES}", "-delete"], check=True)
    elapsed = time.perf_counter() - started
    return elapsed, before - count_files(root)


def find_command(root: Path, now: float) -> list[str]:
    """`find` printing the files strictly older than the cutoff (GNU find's -newermt @epoch)."""
    return [FIND, str(root), "-type", "f", "!", "-newermt", f"@{now - DAYS * 86_400:.0f}", "-print"]


def ours_command(root: Path, now: float, results: Path) -> list[str]:
    moment = datetime.fromtimestamp(now, UTC).isoformat()
    return [
        sys.executable, "-m", "opsguard", "retention", str(root), "--days", str(DAYS),
        "--now", moment, "--results-dir", str(results), "--set", f"retention.max_delete={10**9}",
    ]  # fmt: skip


def ours(root: Path, config: Config, cwd: Path, *, apply: bool) -> tuple[float, int]:
    started = time.perf_counter()
    report = check_retention(
        [RetentionRoot(root, DAYS)], config, apply=apply, cwd=cwd, now=datetime.now(UTC)
    )
    elapsed = time.perf_counter() - started
    if report.result.status != "pass":
        raise SystemExit(f"retention did not pass: {report.result.summary['reasons']}")
    summary = report.result.summary
    return elapsed, int(summary["deleted"] if apply else summary["candidates"])


def python_floor(root: Path) -> tuple[float, int]:
    """listdir + lstat of every entry, fd-relative, and nothing else: CPython's floor."""

    def walk(fd: int) -> int:
        seen = 0
        for name in os.listdir(fd):
            info = os.lstat(name, dir_fd=fd)
            if info.st_mode & 0o170000 == 0o040000:
                child = os.open(name, DIR_FLAGS, dir_fd=fd)
                try:
                    seen += walk(child)
                finally:
                    os.close(child)
            else:
                seen += 1
        return seen

    started = time.perf_counter()
    fd = os.open(root, DIR_FLAGS)
    try:
        seen = walk(fd)
    finally:
        os.close(fd)
    return time.perf_counter() - started, seen


def count_files(root: Path) -> int:
    return sum(len(names) for _, _, names in os.walk(root))


def copy(master: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    subprocess.run([CP, "-a", str(master), str(target)], check=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="scratch space (default: $TMPDIR)")
    args = parser.parse_args()
    if shutil.which("find") is None or shutil.which("cp") is None:
        raise SystemExit("this bench needs find and cp")

    with tempfile.TemporaryDirectory(prefix="opsguard-bench-", dir=args.dir) as scratch:
        base = Path(scratch)
        # A config file of its own: the bench must not pick one up from $TMPDIR's parents,
        # nor warn that it found none.
        (base / "opsguard.toml").write_text(f"[retention]\nmax_delete = {args.files}\n")
        config = load_config(cwd=base, environ={})
        master = base / "master"
        started = time.perf_counter()
        old = generate(master, args.files, time.time())
        print(
            f"retention bench: {args.files} files ({old} old) in {base}, "
            f"generated in {time.perf_counter() - started:.1f} s; {args.rounds} rounds, medians"
        )

        now = time.time()
        ours_cmd, find_cmd = ours_command(master, now, base / "results"), find_command(master, now)
        ours_dry: list[float] = []
        find_dry: list[float] = []
        for index in range(args.rounds):
            commands = [(ours_dry, ours_cmd, (0, 1)), (find_dry, find_cmd, (0,))]
            for samples, argv, ok in commands if index % 2 == 0 else reversed(commands):
                samples.append(time_command(argv, repeat=1, cwd=base, ok=ok).seconds)
        printed = subprocess.run(find_cmd, stdout=subprocess.PIPE, check=True).stdout
        check_counts("dry-run", {printed.count(b"\n")}, old)
        report("dry-run", statistics.median(ours_dry), statistics.median(find_dry), "-print")
        floor = statistics.median(python_floor(master)[0] for _ in range(args.rounds))
        print(
            f"  floor    listdir+lstat walk in CPython {floor:.3f} s = "
            f"{floor / statistics.median(find_dry):.2f}x find -print "
            f"({floor / args.files * 1e6:.2f} us per file)"
        )

        ours_wet: list[float] = []
        find_wet: list[float] = []
        counts = set()
        for index in range(args.rounds):
            mine, theirs = copy(master, base / "ours"), copy(master, base / "find")
            jobs: list[tuple[list[float], Callable[[], tuple[float, int]]]] = [
                (ours_wet, partial(ours, mine, config, base, apply=True)),
                (find_wet, partial(find_delete, theirs)),
            ]
            for samples, job in jobs if index % 2 == 0 else reversed(jobs):
                os.sync()
                elapsed, count = job()
                samples.append(elapsed)
                counts.add(count)
            if count_files(mine) != count_files(theirs):
                raise SystemExit("apply: the two copies differ afterwards")
        check_counts("apply", counts, old)
        report("apply", statistics.median(ours_wet), statistics.median(find_wet), "-delete")


def check_counts(label: str, counts: set[int], expected: int) -> None:
    if counts != {expected}:
        raise SystemExit(
            f"{label}: the tools disagree: {sorted(counts)} files, expected {expected}"
        )


def report(label: str, mine: float, theirs: float, action: str) -> None:
    ratio = mine / theirs
    verdict = "ok" if ratio <= 1.5 else "OVER TARGET"
    what = "whole command" if label == "dry-run" else "in-process"
    print(
        f"  {label:<8} opsguard ({what}) {mine:.3f} s | find {action:<7} {theirs:.3f} s | "
        f"ratio {ratio:.2f}x (target <= 1.5, {verdict})"
    )


if __name__ == "__main__":
    main()
