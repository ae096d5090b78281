"""Judge every file of one root: delete, keep or skip, and why.

No system call: the judge sees each directory's `(name, lstat)` list as the
scan hands it over, so it is tested on hand-made lists, and the dry-run and
the apply cannot disagree about what the rule selects. Precedence, first
match wins:

1. not a regular file or a symlink (fifo, socket, device) -> skip `special-file`;
2. matches a protect glob -> skip `protected` (never removed, whatever its age);
3. on another device than the root (a bind-mounted file) -> skip `other-filesystem`;
4. with a plan: delete `planned` if the plan lists it with the same device,
   inode, size, mtime and ctime; skip `changed-since-plan` if it lists it
   otherwise; keep `not-in-plan` if it does not list it;
5. without: delete `old` if its age is strictly greater than the limit, else
   keep `young`.

Then sidecars: a quarantine sidecar `NAME.why.json` beside `NAME` follows
its entry (`sidecar` when deleted with it, `sidecar-kept` when kept with
it), so an entry and the note saying why it was quarantined go together. A
sidecar without its entry is judged on its own.

A kept file gets no `Decision` unless `record_kept` asks for one (a listing
with kept files, a decision log): the judge counts it and remembers the
oldest kept age, which is all the summary needs.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Mapping
from operator import itemgetter

from ..core.quarantine import SIDECAR_SUFFIX
from .model import Decision, PlannedFile, ScannedFile, identity
from .rule import NS, Protector, limit_ns, name_stamp_ns

__all__ = ["SAME_MTIME_SPREAD_NS", "RootJudge"]

_IFMT, _IFREG, _IFLNK = 0o170000, stat.S_IFREG, stat.S_IFLNK
_new = tuple.__new__
_SIDECAR_END = SIDECAR_SUFFIX + "\0"
_first = itemgetter(0)
# "Every file has the same mtime": all within this of each other. A checkout or
# a copy writes a directory's files within milliseconds; a live root spans hours.
SAME_MTIME_SPREAD_NS = 2 * NS


class RootJudge:
    """Judges one root's directories one by one and keeps the root's running figures."""

    def __init__(
        self,
        *,
        root_dev: int,
        days: int,
        age_from: str,
        now_ns: int,
        protector: Protector,
        plan: Mapping[str, PlannedFile] | None = None,
        record_kept: bool = False,
    ) -> None:
        self.root_dev = root_dev
        self.limit = limit_ns(days)
        self.by_name = age_from == "name"
        self.now_ns = now_ns
        self.protector = protector
        self.plan = plan
        self.record_kept = record_kept
        self.files = 0
        self.kept = 0
        self.oldest_kept_ns: int | None = None
        self.candidates = 0
        self.candidate_bytes = 0
        self.skipped: Counter[str] = Counter()  # before any deletion: protected, special, ...
        # Files aged by mtime in name mode because their name carries no date.
        self.fallback: list[str] = []
        # Oldest and newest mtime the rule used, and how many files: for the same-mtime
        # warning, which only needs to know whether they all lie within SAME_MTIME_SPREAD_NS.
        self.mtime_low: int | None = None
        self.mtime_high: int | None = None
        self.aged_by_mtime = 0
        self._spread_seen = False  # once wider than the spread, stop tracking
        self._planned_seen: set[str] = set()

    def __call__(self, rel: str, files: list[ScannedFile]) -> tuple[Decision, ...]:
        """The decisions on one directory's files (kept files only if recorded)."""
        self.files += len(files)
        # One C-level substring search instead of a Python-level test per file.
        pairing = _SIDECAR_END in "\0".join(map(_first, files)) + "\0"
        local, kept, oldest, candidates, candidate_bytes = self._judge(
            f"{rel}/" if rel else "", files, self.record_kept or pairing
        )
        if pairing:
            local = _pair_sidecars(local, promote=self.plan is None)
            ages = [d.age_ns for d in local if d.action == "keep" and d.age_ns is not None]
            kept = sum(1 for d in local if d.action == "keep")
            oldest = max(ages, default=None)
            deleting = [d for d in local if d.action == "delete"]
            candidates, candidate_bytes = len(deleting), sum(d.size for d in deleting)
            if not self.record_kept:
                local = [d for d in local if d.action != "keep"]
        self.kept += kept
        self.candidates += candidates
        self.candidate_bytes += candidate_bytes
        if oldest is not None and (self.oldest_kept_ns is None or oldest > self.oldest_kept_ns):
            self.oldest_kept_ns = oldest
        return tuple(local)

    def missing(self) -> list[Decision]:
        """Planned files the scan did not find (gone, or in a directory not entered).

        Call it once, after the scan: it counts them as skipped.
        """
        if self.plan is None:
            return []
        missing = [rel for rel in self.plan if rel not in self._planned_seen]
        self.skipped["changed-since-plan"] += len(missing)
        return [
            Decision(
                p.rel,
                p.rel.rpartition("/")[2],
                p.size,
                p.dev,
                p.ino,
                p.mtime_ns,
                p.ctime_ns,
                None,
                "skip",
                "changed-since-plan",
                "-",
            )
            for rel in missing
            for p in [self.plan[rel]]
        ]

    def _judge(
        self, prefix: str, files: list[ScannedFile], record: bool
    ) -> tuple[list[Decision], int, int | None, int, int]:
        """(decisions, kept, oldest kept age, candidates, their bytes) for one directory.

        The hot loop of a dry-run: one pass over locals; a simply kept file
        costs no allocation unless `record`.
        """
        out: list[Decision] = []
        append = out.append
        by_name_match = self.protector.by_name.match if self.protector.by_name else None
        by_path_match = self.protector.by_path.match if self.protector.by_path else None
        first_chars = self.protector.first_chars
        root_dev, limit, now_ns, by_name = self.root_dev, self.limit, self.now_ns, self.by_name
        plan = self.plan
        kept = candidates = candidate_bytes = 0
        skipped = self.skipped
        # None until a file is kept: no number is below every age (a name may be dated 2999).
        oldest: int | None = None
        low, high = self.mtime_low, self.mtime_high
        track = not self._spread_seen
        aged_by_mtime = 0
        for name, info in files:
            kind = info.st_mode & _IFMT
            if kind != _IFREG and kind != _IFLNK:  # noqa: PLR1714 (two compares beat a lookup)
                append(_unaged(prefix + name, name, info, "special-file"))
                skipped["special-file"] += 1
                continue
            if (
                by_name_match is not None
                and (first_chars is None or name[:1] in first_chars)
                and by_name_match(name)
            ) or (by_path_match is not None and by_path_match(prefix + name)):
                append(_unaged(prefix + name, name, info, "protected"))
                skipped["protected"] += 1
                continue
            if info.st_dev != root_dev:
                append(_unaged(prefix + name, name, info, "other-filesystem"))
                skipped["other-filesystem"] += 1
                continue
            stamp = name_stamp_ns(name) if by_name else None
            if stamp is None:
                stamp = info.st_mtime_ns
                if by_name:
                    basis = "mtime-fallback"
                    self.fallback.append(prefix + name)
                else:
                    basis = "mtime"
                aged_by_mtime += 1
                if track:
                    if low is None or stamp < low:
                        low = stamp
                    if high is None or stamp > high:
                        high = stamp
            else:
                basis = "name"
            age = now_ns - stamp
            if plan is not None:
                action, reason = self._planned(plan, prefix + name, info)
            elif age > limit:
                action, reason = "delete", "old"
            else:
                action, reason = "keep", "young"
            if action == "keep":
                kept += 1
                if oldest is None or age > oldest:
                    oldest = age
                if not record:
                    continue
            elif action == "delete":
                candidates += 1
                candidate_bytes += info.st_size
            else:
                skipped[reason] += 1
            # tuple.__new__ skips the NamedTuple's Python-level __new__: 2.5x cheaper.
            append(
                _new(
                    Decision,
                    (
                        prefix + name,
                        name,
                        info.st_size,
                        info.st_dev,
                        info.st_ino,
                        info.st_mtime_ns,
                        info.st_ctime_ns,
                        age,
                        action,
                        reason,
                        basis,
                    ),
                )
            )
        self.mtime_low, self.mtime_high = low, high
        self.aged_by_mtime += aged_by_mtime
        if low is not None and high is not None and high - low > SAME_MTIME_SPREAD_NS:
            self._spread_seen = True
        return out, kept, oldest, candidates, candidate_bytes

    def _planned(
        self, plan: Mapping[str, PlannedFile], rel: str, info: os.stat_result
    ) -> tuple[str, str]:
        planned = plan.get(rel)
        if planned is None:
            return "keep", "not-in-plan"
        self._planned_seen.add(rel)
        if planned[1:] == identity(info):
            return "delete", "planned"
        return "skip", "changed-since-plan"


def _unaged(rel: str, name: str, info: os.stat_result, reason: str) -> Decision:
    """A file skipped before the rule looks at its age."""
    return Decision(
        rel,
        name,
        info.st_size,
        info.st_dev,
        info.st_ino,
        info.st_mtime_ns,
        info.st_ctime_ns,
        None,
        "skip",
        reason,
        "-",
    )


def _pair_sidecars(local: list[Decision], *, promote: bool) -> list[Decision]:
    """A sidecar `NAME.why.json` takes its entry `NAME`'s fate: both go or both stay.

    With a plan (`promote=False`) a sidecar is never deleted unless the plan
    lists it: it may only be kept with its entry.
    """
    by_name = {d.name: d for d in local}
    paired: list[Decision] = []
    for decision in local:
        entry = None
        if decision.name.endswith(SIDECAR_SUFFIX) and decision.action != "skip":
            entry = by_name.get(decision.name[: -len(SIDECAR_SUFFIX)])
        if entry is None:
            paired.append(decision)
        elif entry.action == "delete" and decision.action == "keep" and promote:
            paired.append(decision._replace(action="delete", reason="sidecar"))
        elif entry.action != "delete" and decision.action == "delete":
            paired.append(decision._replace(action="keep", reason="sidecar-kept"))
        else:
            paired.append(decision)
    return paired
