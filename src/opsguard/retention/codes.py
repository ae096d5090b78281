"""Stable finding codes of the retention check, each with its one-line help.

Codes are kebab-case and never change meaning: SARIF rule ids, configuration
and users' suppressions refer to them.
"""

from __future__ import annotations

RETENTION_CODES: dict[str, str] = {
    "cap-exceeded": "A root's candidates exceed max_delete or max_delete_fraction of its files: "
    "an apply deletes nothing there without --force (a dry-run warns).",
    "remove-failed": "A candidate file (or a directory holding candidates) could not be removed; "
    "the run went on.",
    "not-scanned": "A directory below a root could not be opened or listed (or lies deeper than "
    "the depth limit); nothing below it was judged, so the run fails, dry-run or apply.",
    "other-filesystem": "A directory or file below a root is on another filesystem (a mount "
    "point); it was not entered or touched.",
    "changed-during-run": "A file or directory changed between the scan and its deletion "
    "(replaced, rewritten, swapped for a symlink); it was left alone.",
    "changed-since-plan": "A file listed in the plan is gone or no longer has the plan's device, "
    "inode, size, mtime and ctime; it was not deleted.",
    "same-mtime": "Every file aged by mtime under a root was modified within 2 s of the others: "
    "a fresh checkout or copy, whose mtimes say nothing about age.",
    "no-date-in-name": "With age_from = name, files whose name carries no date were aged by "
    "their mtime instead.",
    "rmdir-failed": "A directory this run left empty could not be removed.",
    "special-file": "A FIFO, socket or device below a root: never opened, never deleted.",
}
