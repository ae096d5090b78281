"""The values retention's stages pass each other: scanned directories and decisions.

Per-file values are `NamedTuple`s, per-directory and per-run values frozen
dataclasses: a 100,000-file tree makes per-file construction cost the thing
that matters (a frozen dataclass costs several times a tuple to build), and
a file that is simply kept gets no object at all unless a listing or a log
asks for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from ..core.files import printable
from ..core.result import CheckResult

__all__ = [
    "Decision",
    "Excluded",
    "FileIdentity",
    "Line",
    "Outcome",
    "PlannedFile",
    "RetentionReport",
    "RootReport",
    "ScannedDir",
    "ScannedFile",
    "identity",
]

# One non-directory entry as listed: its name in its directory and its own lstat.
ScannedFile = tuple[str, os.stat_result]


# (device, inode, size, mtime_ns, ctime_ns): what must be unchanged for a file to be deleted.
FileIdentity = tuple[int, int, int, int, int]


def identity(info: os.stat_result) -> FileIdentity:
    """A file's identity from its lstat, in the order of `PlannedFile` (after `rel`)."""
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


class PlannedFile(NamedTuple):
    """A file as a plan recorded it: the identity that must be unchanged to delete it.

    ctime joins device, inode, size and mtime because mtime can be set by
    anyone (`touch -d`, `tar`, `rsync -t`) and a freed inode number is
    reused: a file deleted and recreated with the same size and mtime can
    look the same in all four. ctime cannot be set, only moved to "now".
    """

    rel: str
    dev: int
    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int


class Decision(NamedTuple):
    """What happens to one file, and the identity it had when judged.

    `action`: `delete`, `keep` or `skip`; `reason` says why (docs/retention.md).
    `basis`: `mtime`, `name`, `mtime-fallback` (name mode, no date in the
    name) or `-` (not aged). `rel` is the path below the root, `/`-separated,
    for display and the plan only. `age_ns` is None for a file never aged.
    """

    rel: str
    name: str
    size: int
    dev: int
    ino: int
    mtime_ns: int
    ctime_ns: int
    age_ns: int | None
    action: str
    reason: str
    basis: str

    @property
    def identity(self) -> FileIdentity:
        """The identity it had when judged, in `identity()`'s order."""
        return (self.dev, self.ino, self.size, self.mtime_ns, self.ctime_ns)


@dataclass(frozen=True, slots=True)
class Excluded:
    """A subdirectory that was not entered, and why.

    `reason`: `other-filesystem`, `another-root`, `changed-during-run`
    (swapped or replaced between listing and opening) or `not-scanned`
    (cannot be opened or listed, or deeper than the depth limit).
    """

    rel: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class ScannedDir:
    """One directory as the scan saw it, with the decisions on its files.

    `rel` is "" for the root, else `a/b` (display only). `files` counts every
    non-directory entry; `decisions` holds the files not simply kept (and
    the kept ones too when they were asked for), in name order.
    """

    name: str
    rel: str
    dev: int
    ino: int
    files: int
    decisions: tuple[Decision, ...]
    subdirs: tuple[ScannedDir, ...]
    excluded: tuple[Excluded, ...]

    def walk(self) -> list[ScannedDir]:
        """This directory and every one below it, parents first, names in order."""
        out: list[ScannedDir] = []
        stack = [self]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(reversed(current.subdirs))
        return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a deletion did. Keys are paths relative to the root."""

    deleted: frozenset[str] = frozenset()
    failed: Mapping[str, str] = field(default_factory=dict)  # remove-failed: why
    changed: Mapping[str, str] = field(default_factory=dict)  # changed-during-run: what changed
    dirs_removed: tuple[str, ...] = ()
    dir_failures: tuple[tuple[str, str], ...] = ()  # rmdir-failed: (directory, why)


class Line(NamedTuple):
    """The final fate of one file: `would-delete`, `deleted`, `keep` or `skip`, and why."""

    decision: Decision
    action: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class RootReport:
    """One root after the run: what the rule decided and what the deletion did."""

    path: Path  # absolute
    display: str
    device: int
    inode: int
    days: int
    age_from: str
    mode: str  # dry-run | apply
    tree: ScannedDir
    missing: tuple[Decision, ...]  # planned files the scan did not find
    files: int
    kept: int  # kept by the rule, recorded as decisions or not
    oldest_kept_ns: int | None  # the oldest of those
    candidates: int  # what the rule selects
    candidate_bytes: int
    judged_skips: Mapping[str, int]  # skipped before any deletion, by reason
    fallback: tuple[str, ...]  # name mode: files aged by mtime (no date in the name)
    mtime_span: tuple[int, int, int] | None  # (oldest, newest, count) of mtimes used
    outcome: Outcome | None  # None in a dry-run, or when the cap stopped the apply
    capped: bool
    forced: bool
    dirs_removed: tuple[str, ...]  # removed (apply) or that would be (dry-run)

    def join(self, rel: str) -> str:
        """The display path of `rel` below this root (`display` is escaped already)."""
        return f"{self.display}/{printable(rel)}" if rel else self.display

    def decisions(self) -> Iterator[Decision]:
        for directory in self.tree.walk():
            yield from directory.decisions
        yield from self.missing

    def excluded(self) -> Iterator[Excluded]:
        for directory in self.tree.walk():
            yield from directory.excluded

    def lines(self) -> Iterator[Line]:
        outcome = self.outcome
        for decision in self.decisions():
            if decision.action != "delete":
                yield Line(decision, decision.action, decision.reason, "")
            elif self.mode == "dry-run":
                yield Line(decision, "would-delete", decision.reason, "")
            elif outcome is None:
                yield Line(decision, "skip", "cap-exceeded", "")
            elif decision.rel in outcome.deleted:
                yield Line(decision, "deleted", decision.reason, "")
            elif decision.rel in outcome.failed:
                yield Line(decision, "skip", "remove-failed", outcome.failed[decision.rel])
            else:
                yield Line(decision, "skip", "changed-during-run", outcome.changed[decision.rel])

    def rule(self, decision: Decision) -> str:
        """The rule that selected a candidate, for the listing and the plan."""
        if decision.reason == "sidecar":
            return "sidecar of a deleted entry"
        if decision.reason == "planned":
            return "in the plan, unchanged"
        basis = {"mtime-fallback": "mtime: no date in name"}.get(decision.basis, decision.basis)
        return f"age > {self.days}d by {basis}"


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """The whole run: every root's report and the `CheckResult` the renderers read."""

    mode: str
    now: datetime
    roots: tuple[RootReport, ...]
    result: CheckResult
