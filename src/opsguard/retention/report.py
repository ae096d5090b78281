"""What a retention run found, as a `CheckResult` and as the listing the command prints.

Severity follows the contract: a dry-run is informational, so its findings
are warnings and it passes, unless a directory could not be scanned (then its
list of candidates is incomplete: a guard that cannot see cannot pass). An
apply also fails when the cap stopped it in a root or when a file could not
be removed. A run that could not start (a refused root) is an exception,
exit 2, before this module is reached.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from ..core.config import Config
from ..core.files import printable
from ..core.result import CheckResult, Finding, Severity
from ..core.units import human_bytes, plural
from .codes import RETENTION_CODES
from .judge import SAME_MTIME_SPREAD_NS
from .model import RootReport
from .plan import iso
from .rule import NS, age_text, seconds
from .settings import RETENTION
from .summary import RetentionSummary, RootSummary

__all__ = ["RootTally", "build_result", "describe", "tally"]

CHECK = "retention"


@dataclass(frozen=True, slots=True)
class RootTally:
    candidates: int
    candidate_bytes: int
    deleted: int
    deleted_bytes: int
    skipped: dict[str, int]
    oldest_kept_ns: int | None  # the oldest file the run leaves (protected ones aside)


def tally(root: RootReport) -> RootTally:
    """The figures of one root. A dry-run's are the judge's; an apply adds what happened."""
    skipped: Counter[str] = Counter(root.judged_skips)
    outcome = root.outcome
    oldest = root.oldest_kept_ns
    deleted = deleted_bytes = 0
    ages_left: list[int | None] = []
    applied = root.mode == "apply"
    for decision in root.decisions() if applied or "changed-since-plan" in skipped else ():
        if decision.action == "skip" and decision.age_ns is not None:
            ages_left.append(decision.age_ns)  # aged, then left alone (changed since the plan)
        if not applied or decision.action != "delete":
            continue
        if outcome is not None and decision.rel in outcome.deleted:
            deleted += 1
            deleted_bytes += decision.size
            continue
        if outcome is None:
            skipped["cap-exceeded"] += 1
        elif decision.rel in outcome.failed:
            skipped["remove-failed"] += 1
        else:
            skipped["changed-during-run"] += 1
        ages_left.append(decision.age_ns)
    for age in ages_left:
        if age is not None and (oldest is None or age > oldest):
            oldest = age
    return RootTally(
        root.candidates,
        root.candidate_bytes,
        deleted,
        deleted_bytes,
        dict(sorted(skipped.items())),
        oldest,
    )


def build_result(
    roots: list[RootReport], mode: str, clock: datetime, config: Config, duration: float
) -> CheckResult:
    tallies = [tally(root) for root in roots]
    findings: list[Finding] = []
    for root, figures in zip(roots, tallies, strict=True):
        findings.extend(_findings(root, figures, config))
    skipped: Counter[str] = Counter()
    for figures in tallies:
        skipped.update(figures.skipped)
    counts = Counter(f.code for f in findings)
    errors = [f for f in findings if f.severity == "error"]
    pairs = list(zip(roots, tallies, strict=True))
    summary = RetentionSummary(
        mode=mode,
        now=iso(clock),
        roots=[_root_summary(root, figures) for root, figures in pairs],
        days={root.display: root.days for root in roots},
        files=sum(root.files for root in roots),
        candidates=sum(t.candidates for t in tallies),
        candidate_bytes=sum(t.candidate_bytes for t in tallies),
        deleted=sum(t.deleted for t in tallies),
        deleted_bytes=sum(t.deleted_bytes for t in tallies),
        kept=sum(root.kept for root in roots),
        skipped=dict(sorted(skipped.items())),
        dirs_removed=sum(len(root.dirs_removed) for root in roots),
        oldest_kept_age_s={root.display: seconds(t.oldest_kept_ns) for root, t in pairs},
        counts={code: counts[code] for code in RETENTION_CODES if counts[code]},
        reasons=_reasons(errors),
    )
    return CheckResult(
        check=CHECK,
        status="fail" if errors else "pass",
        summary=summary,
        findings=tuple(findings),
        duration_s=round(duration, 6),
    )


def _root_summary(root: RootReport, figures: RootTally) -> RootSummary:
    return RootSummary(
        path=root.display,
        days=root.days,
        age_from=root.age_from,
        files=root.files,
        candidates=figures.candidates,
        candidate_bytes=figures.candidate_bytes,
        deleted=figures.deleted,
        deleted_bytes=figures.deleted_bytes,
        kept=root.kept,
        skipped=figures.skipped,
        dirs_removed=len(root.dirs_removed),
        oldest_kept_age_s=seconds(figures.oldest_kept_ns),
        capped=root.capped,
    )


def _findings(root: RootReport, figures: RootTally, config: Config) -> list[Finding]:
    applying = root.mode == "apply"
    out: list[Finding] = []

    def add(code: str, severity: Severity, path: str, message: str) -> None:
        out.append(Finding(code, severity, path, None, "", message))

    if root.capped:
        retention = RETENTION.of(config)
        share = figures.candidates / root.files if root.files else 1.0
        limit = (
            f"max_delete {retention.max_delete}"
            if figures.candidates > retention.max_delete
            else f"max_delete_fraction {retention.max_delete_fraction:.0%}"
        )
        what = f"{figures.candidates} of {plural(root.files, 'file')} ({share:.0%}) exceed {limit}"
        if not applying:
            add(
                "cap-exceeded",
                "warning",
                root.display,
                f"{what}; --apply would delete nothing here without --force",
            )
        elif root.forced:
            add("cap-exceeded", "warning", root.display, f"{what}; deleted anyway (--force)")
        else:
            add(
                "cap-exceeded",
                "error",
                root.display,
                f"{what}; deleted nothing in this root (review a dry-run, then --force)",
            )
    span = root.mtime_span
    if span is not None and span[2] >= 2 and span[1] - span[0] <= SAME_MTIME_SPREAD_NS:
        # With age_from = "name" already, these are the files without a date in their name.
        hint = (
            "give them a date in their name"
            if root.age_from == "name"
            else 'consider age_from = "name"'
        )
        add(
            "same-mtime",
            "warning",
            root.display,
            f"all {span[2]} files aged by mtime were modified within "
            f"{SAME_MTIME_SPREAD_NS // NS} s of each other (a fresh checkout or copy?): their "
            f"mtimes may not be their age; {hint}",
        )
    if root.fallback:
        add(
            "no-date-in-name",
            "warning",
            root.display,
            f"{len(root.fallback)} file(s) have no date in their name and were aged by mtime, "
            f"e.g. {printable(root.fallback[0])}",
        )
    for excluded in root.excluded():
        if excluded.reason == "another-root":
            continue
        # A directory it could not see fails a dry-run too: its list of candidates is
        # incomplete, and a guard that cannot see cannot pass.
        severity: Severity = "error" if excluded.reason == "not-scanned" else "warning"
        add(excluded.reason, severity, root.join(excluded.rel), f"not entered: {excluded.detail}")
    for decision in root.decisions() if any(r in root.judged_skips for r in _NOTES) else ():
        reason = decision.reason
        if reason == "changed-since-plan" and decision.age_ns is None:
            message = _NOT_FOUND  # a planned file the scan never found, so never aged
        elif reason in _NOTES:
            message = _NOTES[reason]
        else:
            continue
        add(reason, "warning", root.join(decision.rel), message)
    if root.outcome is not None:
        for rel, why in root.outcome.failed.items():
            add("remove-failed", "error", root.join(rel), f"cannot remove: {why}")
        for rel, why in root.outcome.changed.items():
            add("changed-during-run", "warning", root.join(rel), f"not deleted: {why}")
        for rel, why in root.outcome.dir_failures:
            add("rmdir-failed", "warning", root.join(rel), f"empty directory not removed: {why}")
    return out


# The warning on each file skipped before any deletion, by its reason.
_NOTES = {
    "other-filesystem": "on another filesystem than the root; not touched",
    "changed-since-plan": "changed since the plan (device, inode, size or mtime); not deleted",
    "special-file": "a FIFO, socket or device: never opened, never deleted",
}
_NOT_FOUND = "not found below the root (gone, moved, or in a directory not entered); not deleted"


def _reasons(errors: list[Finding]) -> list[str]:
    counts = Counter(f.code for f in errors)
    texts = {
        "cap-exceeded": "the blast-radius cap stopped the deletion in {n} root(s)",
        "remove-failed": "{n} file(s) could not be removed",
        "not-scanned": "{n} directory(ies) could not be scanned",
    }
    return [texts[code].format(n=n) for code, n in counts.items() if code in texts]


def describe(
    roots: tuple[RootReport, ...],
    mode: str,
    now: datetime,
    *,
    verbose: bool = False,
    limit: int | None = None,
) -> list[str]:
    """The listing the command prints: each candidate (path, age, size, rule) and root totals.

    With `verbose`, skipped files too, and kept files when the run recorded them.
    With `limit`, at most that many file lines per root, then how many more: a
    root of 100,000 old files is a count, not 100,000 lines (the plan and the
    log hold every one).
    """
    heading = "dry-run (nothing is deleted; --apply deletes)" if mode == "dry-run" else "apply"
    out = [f"retention {heading} at {iso(now)}: a file goes when its age > days x 86400 s"]
    for root in roots:
        figures = tally(root)
        # "root " first: a root's name never starts a line (`::warning::` under Actions).
        out.append(
            f"root {root.display}: {root.days} days, age by {root.age_from}, "
            f"{plural(root.files, 'file')}"
        )
        if root.capped and not root.forced:
            out.append(
                "  cap exceeded: --apply would delete nothing in this root without --force"
                if mode == "dry-run"
                else "  cap exceeded: nothing was deleted in this root (review a dry-run, then "
                "--force)"
            )
        listed, hidden = len(out), 0
        for line in root.lines():
            decision = line.decision
            if decision.action != "delete" and not verbose:
                continue
            if limit is not None and len(out) - listed >= limit:
                if not verbose:
                    # Every candidate is one line: the rest is a count, not a walk.
                    hidden = figures.candidates - limit
                    break
                hidden += 1
                continue
            age = "age -" if decision.age_ns is None else _age(decision.age_ns)
            rule = root.rule(decision) if decision.action == "delete" else line.reason
            extra = f" - {line.reason}: {line.detail}" if line.detail else ""
            if line.action == "skip" and decision.action == "delete" and not line.detail:
                extra = f" - {line.reason}"
            out.append(
                f"  {line.action:<12} {root.join(decision.rel)}  {age}  "
                f"{human_bytes(decision.size)}  [{rule}]{extra}"
            )
        if hidden:
            out.append(
                f"  ... and {hidden} more (--max-findings N shows more; "
                + ("--plan-out FILE" if mode == "dry-run" else "--log FILE")
                + " lists them all)"
            )
        verb = "removed" if mode == "apply" else "would-remove"
        out.extend(f"  {verb:<12} {root.join(rel)}/  [left empty]" for rel in root.dirs_removed)
        skipped = ", ".join(f"{reason} {n}" for reason, n in figures.skipped.items())
        oldest = "none" if figures.oldest_kept_ns is None else age_text(figures.oldest_kept_ns)
        done = (
            f"{figures.deleted} deleted ({human_bytes(figures.deleted_bytes)})"
            if mode == "apply"
            else "nothing deleted"
        )
        out.append(
            f"  total: {figures.candidates} candidate(s) ({human_bytes(figures.candidate_bytes)}), "
            f"{done}, {root.kept} kept, {sum(figures.skipped.values())} skipped"
            + (f" ({skipped})" if skipped else "")
            + f"; oldest left {oldest}"
        )
    return out


def _age(age_ns: int) -> str:
    text = age_text(age_ns)
    return text if age_ns < 0 else f"age {text}"
