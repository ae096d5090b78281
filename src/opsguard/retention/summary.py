"""What a retention result says: its typed summary, and its one line for every view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ..core.summary import Summary
from ..core.units import human_bytes, plural

__all__ = ["RetentionSummary", "RootSummary", "key_figure"]


@dataclass(frozen=True, eq=False, slots=True)
class RootSummary(Summary):
    """One root's figures."""

    path: str
    days: int
    age_from: str
    files: int
    candidates: int
    candidate_bytes: int
    deleted: int
    deleted_bytes: int
    kept: int
    # Files not judged, by why (protected, symlink, other filesystem, ...).
    skipped: dict[str, int]
    dirs_removed: int
    # Age of the oldest file kept, in seconds (None: nothing kept).
    oldest_kept_age_s: float | None
    # The blast-radius cap held back an apply here.
    capped: bool


@dataclass(frozen=True, eq=False, slots=True)
class RetentionSummary(Summary):
    """Retention's figures (the `summary` of its result file)."""

    nested: ClassVar[Mapping[str, type[Summary]]] = {"roots": RootSummary}

    mode: str
    # The clock the ages were measured against (ISO 8601).
    now: str
    roots: list[RootSummary]
    # Days per root (by the root as shown).
    days: dict[str, int]
    files: int
    candidates: int
    candidate_bytes: int
    deleted: int
    deleted_bytes: int
    kept: int
    skipped: dict[str, int]
    dirs_removed: int
    oldest_kept_age_s: dict[str, float | None]
    counts: dict[str, int]
    reasons: list[str]


def key_figure(summary: RetentionSummary) -> str:
    found = (
        f"{summary.candidates} of {plural(summary.files, 'file')} "
        f"({human_bytes(summary.candidate_bytes)}) past retention in {len(summary.roots)} root(s)"
    )
    if summary.mode == "apply":
        return f"{found}; deleted {summary.deleted} ({human_bytes(summary.deleted_bytes)})"
    return f"dry-run: {found}; nothing deleted"
