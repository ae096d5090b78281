"""Retention: prune telemetry and quarantine files older than their root's days, safely.

Dry-run by default; `apply=True` deletes. One way through, per root:

    refuse dangerous roots -> open root (O_NOFOLLOW) -> scan (fds) + judge (pure)
        -> blast-radius cap -> delete (fds, identity re-checked) -> report

Every root is checked before any is scanned, so a bad root stops the run
(`OpsguardError`, exit 2) before anything is deleted anywhere. The stages
live in `retention_*` modules: `rule` (the one age rule, dates in names,
protect globs), `roots` (refusals), `scan` (fd-relative walk), `judge`,
`apply` (deletion), `plan` (manifest and decision log), `report` (result
and listing), `model` (the values between them). This module runs them; it
never prints.

Why hand-written: no library walks fd-relative without following symlinks,
checks devices, and deletes under a cap with the identity of every file
re-checked; `find -delete` and `shutil.rmtree` each do a part.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from ..core.config import Config
from ..core.errors import OpsguardError
from ..core.files import display_path, printable
from ..core.gcpause import gc_paused
from ..core.result import CheckResult
from ..core.runs import RunOptions
from .apply import execute, would_empty
from .judge import RootJudge
from .model import Outcome, PlannedFile, RetentionReport, RootReport
from .plan import Plan
from .report import build_result, describe
from .roots import OpenRoot, close_all, examine, open_root
from .rule import Protector, to_ns
from .scan import scan_root
from .settings import RETENTION, RetentionConfig, RetentionRoot

__all__ = ["RetentionReport", "RootReport", "check_retention", "describe"]


def check_retention(
    roots: Sequence[RetentionRoot] | None,
    config: Config,
    *,
    apply: bool = False,
    force: bool = False,
    plan: Plan | None = None,
    now: datetime | None = None,
    cwd: Path | None = None,
    record_kept: bool = False,
) -> RetentionReport:
    """Prune `roots` (default: the configured ones), or with `plan`, the plan's files.

    `now` defaults to `config.retention.now`, then the real clock.
    `record_kept` keeps a `Decision` for every kept file too (for a full
    listing or a decision log); without it kept files are only counted.
    Raises `OpsguardError` for a refused root or a plan that no longer fits.
    """
    started = time.perf_counter()
    cwd = (cwd or Path.cwd()).resolve()
    retention = RETENTION.of(config)
    clock = now or retention.now or datetime.now(UTC)
    planned: list[Mapping[str, PlannedFile] | None]
    if plan is not None:
        if roots is not None:
            raise ValueError("give roots or a plan, not both")
        roots = [RetentionRoot(r.path, r.days, r.age_from) for r in plan.roots]
        planned = [r.files for r in plan.roots]
    else:
        roots = list(retention.roots(config.paths) if roots is None else roots)
        planned = [None] * len(roots)

    displays = [display_path(root.path, cwd) for root in roots]
    # Every root is examined before any is opened: one refused root stops the whole run.
    checked: list[os.stat_result] = []
    for root, display in zip(roots, displays, strict=True):
        found = examine(root.path, cwd=cwd, config=config)
        if isinstance(found, str):
            raise OpsguardError(f"retention root {display}: {found}")
        checked.append(found)

    mode = "apply" if apply else "dry-run"
    opened: list[OpenRoot] = []
    reports: list[RootReport] = []
    try:
        for root, display, info in zip(roots, displays, checked, strict=True):
            opened.append(open_root(root.path, display, cwd=cwd, checked=info))
        if plan is not None:
            for handle, plan_root in zip(opened, plan.roots, strict=True):
                if (handle.info.st_dev, handle.info.st_ino) != (plan_root.device, plan_root.inode):
                    raise OpsguardError(
                        f"plan {printable(str(plan.source))}: root {handle.display} is no "
                        "longer the directory the plan was made for (device or inode changed)"
                    )
        identities = {(h.info.st_dev, h.info.st_ino) for h in opened}
        seen: set[tuple[int, int]] = set()
        protector = Protector.build(retention.protect)
        now_ns = to_ns(clock)
        for root, handle, files in zip(roots, opened, planned, strict=True):
            identity = (handle.info.st_dev, handle.info.st_ino)
            if identity in seen:
                continue  # the same directory named twice: pruned once, by its first rule
            seen.add(identity)
            judge = RootJudge(
                root_dev=handle.info.st_dev,
                days=root.days,
                age_from=root.age_from,
                now_ns=now_ns,
                protector=protector,
                plan=files,
                record_kept=record_kept,
            )
            reports.append(
                _run_root(
                    root,
                    handle,
                    judge,
                    mode=mode,
                    cwd=cwd,
                    retention=retention,
                    others=identities - {identity},
                    force=force,
                )
            )
    finally:
        close_all(opened)

    result = build_result(reports, mode, clock, config, time.perf_counter() - started)
    return RetentionReport(mode, clock, tuple(reports), result)


def _run_root(
    root: RetentionRoot,
    handle: OpenRoot,
    judge: RootJudge,
    *,
    mode: str,
    cwd: Path,
    retention: RetentionConfig,
    others: set[tuple[int, int]],
    force: bool,
) -> RootReport:
    with gc_paused():
        tree = scan_root(handle.fd, handle.info, judge, other_roots=others)
    missing = tuple(judge.missing())
    candidates = judge.candidates
    capped = (
        candidates > retention.max_delete
        or candidates > retention.max_delete_fraction * judge.files
    )
    outcome: Outcome | None = None
    if mode == "apply" and (force or not capped):
        outcome = execute(handle.fd, tree)
        dirs_removed = outcome.dirs_removed
    elif mode == "apply":
        dirs_removed = ()
    else:
        dirs_removed = would_empty(tree)
    span = (
        (judge.mtime_low, judge.mtime_high, judge.aged_by_mtime)
        if judge.mtime_low is not None and judge.mtime_high is not None
        else None
    )
    return RootReport(
        path=cwd / root.path,
        display=handle.display,
        device=handle.info.st_dev,
        inode=handle.info.st_ino,
        days=root.days,
        age_from=root.age_from,
        mode=mode,
        tree=tree,
        missing=missing,
        files=judge.files,
        kept=judge.kept,
        oldest_kept_ns=judge.oldest_kept_ns,
        candidates=candidates,
        candidate_bytes=judge.candidate_bytes,
        judged_skips=dict(judge.skipped),
        fallback=tuple(judge.fallback),
        mtime_span=span,
        outcome=outcome,
        capped=capped,
        forced=capped and force and mode == "apply",
        dirs_removed=dirs_removed,
    )


def run_configured(config: Config, options: RunOptions) -> CheckResult:
    """Retention as a whole run does it: the configured roots, a dry-run unless `apply`."""
    return check_retention(None, config, apply=options.apply).result
