"""Retention's figures as metric samples, one series per configured root.

A root is labelled by its name (the last component of its path, made
printable; a name repeated by another root gets `-2`, `-3`, ... in
configuration order), never by its path: a label holds one of a few fixed
values, and a path would leak the machine's layout into every dashboard.

Per root: files past retention (`candidate`, what a dry-run would delete —
kept apart from `deleted` so that a sum over runs stays honest), files and
bytes deleted by an apply, the configured maximum age, and the oldest file
the run left, both as an age (measured by the run's clock) and as a
timestamp. The timestamp is the one to alert on: `time() - timestamp` keeps
growing when the pruner stops running, while the age freezes at its last
value. A root with nothing kept has no oldest-file series.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath

from ..core.metrics import Sample, sample
from .summary import RetentionSummary, RootSummary

__all__ = ["root_names", "samples"]

_DAY = 86_400.0


def root_names(roots: list[RootSummary]) -> list[str]:
    """Each root's label: its directory name, unique among the roots (`-2`, `-3`, ...)."""
    names: list[str] = []
    for root in roots:
        base = PurePosixPath(root.path).name or root.path
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.append(name)
    return names


def _clock(summary: RetentionSummary) -> float | None:
    try:
        moment = datetime.fromisoformat(summary.now)
    except (TypeError, ValueError):
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


def samples(summary: RetentionSummary) -> list[Sample]:
    out: list[Sample] = []
    clock = _clock(summary)
    for name, root in zip(root_names(summary.roots), summary.roots, strict=True):
        out += [
            sample(
                "opsguard_retention_candidate_files",
                "Files past retention in the root (a dry-run deletes none of them).",
                root.candidates,
                root=name,
            ),
            sample(
                "opsguard_retention_candidate_bytes",
                "Bytes in files past retention in the root.",
                root.candidate_bytes,
                root=name,
            ),
            sample(
                "opsguard_retention_deleted_files",
                "Files deleted from the root by the last run (0 in a dry-run).",
                root.deleted,
                root=name,
            ),
            sample(
                "opsguard_retention_deleted_bytes",
                "Bytes deleted from the root by the last run (0 in a dry-run).",
                root.deleted_bytes,
                root=name,
            ),
            sample(
                "opsguard_retention_max_age_seconds",
                "The root's configured retention: files older than this are pruned.",
                root.days * _DAY,
                root=name,
            ),
        ]
        age = root.oldest_kept_age_s
        if age is None:
            continue
        out.append(
            sample(
                "opsguard_retention_oldest_kept_file_age_seconds",
                "Age of the oldest file the last run left in the root, by the run's clock.",
                age,
                root=name,
            )
        )
        if clock is not None:
            out.append(
                sample(
                    "opsguard_retention_oldest_kept_file_timestamp_seconds",
                    "When the oldest file the last run left in the root was written "
                    "(by its age basis), as a Unix time.",
                    clock - age,
                    root=name,
                )
            )
    return out
