"""The plan manifest (`--plan-out` / `--plan`) and the decision log (`--log`).

Plan then apply closes the gap every retention tool leaves open: what a
dry-run showed and what a later apply deletes can differ, because files
change in between (and systemd-tmpfiles' dry-run over-reports). The plan
records each candidate's device, inode, size, mtime and ctime; an apply
with the plan deletes a file only if all five are unchanged (ctime because
mtime can be set by anyone and inode numbers are reused), and never a file
the plan does not list. A plan can only narrow a deletion: its paths are matched
against what the scan finds below the root, never opened by themselves, so
an edited plan cannot point a deletion anywhere the root's scan does not
reach.

Both files are written atomically (`atomic_write`, `atomic_open`). JSON is
written with `ensure_ascii`, so a file name that is not valid UTF-8 survives
the round trip as `\\udcXX` escapes instead of failing the write.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.atomic import atomic_open, atomic_write, make_dirs_durable
from ..core.errors import OpsguardError
from ..core.files import open_regular, printable
from .model import PlannedFile
from .rule import from_ns, seconds
from .settings import RETENTION_AGE_BASES

if TYPE_CHECKING:
    from .check import RetentionReport

__all__ = ["PLAN_SCHEMA", "Plan", "PlanRoot", "read_plan", "write_log", "write_plan"]

PLAN_SCHEMA = "opsguard.retention-plan/1"


@dataclass(frozen=True, slots=True)
class PlanRoot:
    path: Path
    device: int
    inode: int
    days: int
    age_from: str
    files: Mapping[str, PlannedFile]


@dataclass(frozen=True, slots=True)
class Plan:
    source: Path
    now: str
    roots: tuple[PlanRoot, ...]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def write_plan(report: RetentionReport, path: Path) -> None:
    """The dry-run's candidates, per root, as a manifest an apply can check against."""
    roots = []
    for root in report.roots:
        entries = [
            {
                "path": decision.rel,
                "device": decision.dev,
                "inode": decision.ino,
                "size": decision.size,
                "mtime_ns": decision.mtime_ns,
                "ctime_ns": decision.ctime_ns,
                "mtime": iso(from_ns(decision.mtime_ns)),
                "age_s": seconds(decision.age_ns),
                "rule": root.rule(decision),
            }
            for decision in root.decisions()
            if decision.action == "delete"
        ]
        roots.append(
            {
                "path": str(root.path),
                "display": root.display,
                "device": root.device,
                "inode": root.inode,
                "days": root.days,
                "age_from": root.age_from,
                "entries": entries,
            }
        )
    document = {
        "schema": PLAN_SCHEMA,
        "created_at": iso(datetime.now(UTC)),
        "now": iso(report.now),
        "roots": roots,
    }
    payload = (json.dumps(document, indent=1, ensure_ascii=True) + "\n").encode("ascii")
    with _writing(path):
        atomic_write(path, payload)


def write_log(report: RetentionReport, path: Path) -> None:
    """One JSON line per decision: every file, every directory removed or not entered."""
    with _writing(path), atomic_open(path, "w") as handle:
        for record in _log_records(report):
            handle.write(json.dumps(record, ensure_ascii=True) + "\n")


def _log_records(report: RetentionReport) -> Iterator[dict[str, Any]]:
    for root in report.roots:
        for line in root.lines():
            decision = line.decision
            yield {
                "mode": report.mode,
                "root": root.display,
                "path": root.join(decision.rel),
                "action": line.action,
                "reason": line.reason,
                "basis": decision.basis,
                "age_s": seconds(decision.age_ns),
                "size": decision.size,
                "days": root.days,
                "detail": line.detail,
            }
        for rel in root.dirs_removed:
            action = "rmdir" if report.mode == "apply" else "would-rmdir"
            yield {
                "mode": report.mode,
                "root": root.display,
                "path": root.join(rel),
                "action": action,
                "reason": "left-empty",
            }
        for excluded in root.excluded():
            yield {
                "mode": report.mode,
                "root": root.display,
                "path": root.join(excluded.rel),
                "action": "skip-dir",
                "reason": excluded.reason,
                "detail": excluded.detail,
            }


def read_plan(path: Path) -> Plan:
    """Parse and validate a plan; any defect is one `OpsguardError` line naming the file."""
    try:
        with open_regular(path) as handle:  # a FIFO named as the plan must not hang the run
            raw = handle.read()
    except OSError as exc:
        raise OpsguardError(
            f"plan {printable(str(path))}: cannot read: {exc.strerror or exc}"
        ) from None
    try:
        return _parse(json.loads(raw), path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OpsguardError(f"plan {printable(str(path))}: not a retention plan: {exc}") from None


def _parse(document: object, source: Path) -> Plan:
    if not isinstance(document, dict):
        raise ValueError("expected a JSON object")
    if document.get("schema") != PLAN_SCHEMA:
        raise ValueError(f"schema must be {PLAN_SCHEMA!r}, got {document.get('schema')!r}")
    roots = document.get("roots")
    if not isinstance(roots, list) or not roots:
        raise ValueError("roots must be a non-empty list")
    return Plan(
        source=source,
        now=_text(document, "now", "plan"),
        roots=tuple(_parse_root(item, index) for index, item in enumerate(roots)),
    )


def _parse_root(item: object, index: int) -> PlanRoot:
    where = f"roots[{index}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be an object")
    age_from = _text(item, "age_from", where)
    if age_from not in RETENTION_AGE_BASES:
        raise ValueError(f"{where}.age_from must be one of {', '.join(RETENTION_AGE_BASES)}")
    days = _int(item, "days", where)
    if days < 1:
        raise ValueError(f"{where}.days must be a positive integer")
    entries = item.get("entries")
    if not isinstance(entries, list):
        raise ValueError(f"{where}.entries must be a list")
    files: dict[str, PlannedFile] = {}
    for number, entry in enumerate(entries):
        here = f"{where}.entries[{number}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{here} must be an object")
        rel = _text(entry, "path", here)
        parts = rel.split("/")
        if rel.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"{here}.path must be a relative path without . or .. parts")
        files[rel] = PlannedFile(
            rel,
            _int(entry, "device", here),
            _int(entry, "inode", here),
            _int(entry, "size", here),
            _int(entry, "mtime_ns", here),
            _int(entry, "ctime_ns", here),
        )
    return PlanRoot(
        path=Path(_text(item, "path", where)),
        device=_int(item, "device", where),
        inode=_int(item, "inode", where),
        days=days,
        age_from=age_from,
        files=files,
    )


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}.{key} must be a non-empty string")
    return value


def _int(data: dict[str, Any], key: str, where: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{where}.{key} must be a non-negative integer")
    return value


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Make `path`'s directory; any `OSError` while writing it is one `OpsguardError` line."""
    try:
        make_dirs_durable(path.parent)
        yield
    except OSError as exc:
        raise OpsguardError(f"cannot write {printable(str(path))}: {exc.strerror or exc}") from None
