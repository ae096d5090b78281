"""Remediation for the integrity gate (`opsguard integrity --fix`).

Three finding codes have a fix a machine can make without judgement:

- `band-mismatch`: the band is rewritten to `map_score_to_band(score)`;
- `corrupt-json`: the file (`.json`) or line (`.jsonl`) moves to the quarantine;
- `duplicate`: the later record moves to the quarantine; the first one stays.

Every other finding "needs a human" and is counted, never touched.

Planning and applying are separate steps, so that `--fix` without consent can
print exactly what it would do. `plan_remediation` reads the files named by
the findings, checks that each still holds what the check saw, and records
the sha256 of each file in the plan; it writes nothing. `apply_remediation`
re-reads each file and skips it, untouched, if its hash differs: a plan is
never applied to bytes it was not made from.

Edits are byte-exact. A record is cut out of its file (a `.jsonl` line, an
element of a `.json` array) by its byte span, and the cut bytes are what the
quarantine stores; a band fix replaces only the bytes of the band's string.
Everything else in the file stays byte for byte. A file whose every record
goes to the quarantine (a corrupt `.json`, a one-record duplicate) is moved
whole with `quarantine_file` instead of being left empty.

Order of operations, per file, chosen so that a crash at any point can
duplicate a record but never lose one:

1. verify the file's hash against the plan;
2. store every cut-out record in the quarantine (durably: `quarantine_bytes`
   writes through `atomic_write`, which fsyncs the data and the directory);
3. verify the hash again (a writer may have come in meanwhile);
4. replace the file with its remediated bytes through `atomic_write`.

A crash after 2 leaves the record both in the quarantine and in the file; a
crash during 4 leaves the old or the new file, never a torn one. A whole-file
move is a single `os.replace` into the quarantine. When the file's directory
is managed by a `RecordStore` (it holds the store's lock file), the store's
lock is held from step 1 to step 4, so a store writer cannot slip in between.

Running it twice is safe: what was fixed no longer produces findings, and a
second apply of the same plan finds every file changed (or gone) and skips it.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import orjson

from ..core.atomic import atomic_write
from ..core.config import Config
from ..core.errors import ScoreError
from ..core.files import BOM, JSON_TOKEN, display_path, element_spans, unprintable
from ..core.quarantine import quarantine_bytes, quarantine_file
from ..core.result import CheckResult, Finding
from ..core.values import describe, show
from .bands import map_score_to_band
from .check import FileRead, stamp_of
from .codes import INTEGRITY_CODES
from .records import RECORD_SUFFIXES
from .settings import INTEGRITY
from .store import store_lock
from .validation import json_pointer

__all__ = [
    "FIXABLE_CODES",
    "PLAN_SCHEMA",
    "QUARANTINE_KIND",
    "Action",
    "FilePlan",
    "FixBand",
    "QuarantineFile",
    "QuarantineRecord",
    "Quarantined",
    "RemediationPlan",
    "RemediationReport",
    "Skipped",
    "apply_remediation",
    "describe_plan",
    "describe_report",
    "plan_document",
    "plan_remediation",
]

FIXABLE_CODES: tuple[str, ...] = ("band-mismatch", "corrupt-json", "duplicate")
# The JSON form of a plan, as `opsguard integrity --plan-out` writes it.
PLAN_SCHEMA = "opsguard.integrity-plan/1"
# Remediated records live under <quarantine>/records/<UTC stamp>/<relative path>.
QUARANTINE_KIND = "records"

# How a file's records are laid out: one per line (.jsonl), elements of an
# array, one top-level record, or a .json file that does not parse.
Layout = Literal["lines", "array", "record", "corrupt"]

_QUARANTINE_CODES = frozenset({"corrupt-json", "duplicate"})
_JSON_SPACE = b" \t\n\r"
_MAX_REASONS = 10
_STALE = "the record no longer matches the check (the file changed since)"
_CODE_ORDER = {code: index for index, code in enumerate(INTEGRITY_CODES)}

Span = tuple[int, int]


# --- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FixBand:
    """Replace the band of one record. `span` is the byte span of the band's JSON string."""

    path: str
    line: int | None
    pointer: str  # the band's pointer, e.g. "/band" or "/3/band"
    old: str
    new: str
    unit: int  # the record: JSONL line index, array element index, or 0 for a lone record
    span: Span
    # `old` as messages show it: quoted when it is a band of the table, else only described.
    old_shown: str = ""

    @property
    def codes(self) -> tuple[str, ...]:
        return ("band-mismatch",)


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    """Cut one record (a `.jsonl` line or an array element) out of its file into the quarantine.

    `codes` are all the codes found on the record (its sidecar lists them);
    `reason` goes into the sidecar.
    """

    path: str
    line: int | None
    pointer: str  # "" for a JSONL line, "/N" for array element N
    codes: tuple[str, ...]
    reason: str
    unit: int


@dataclass(frozen=True, slots=True)
class QuarantineFile:
    """Move a whole file into the quarantine, byte for byte."""

    path: str
    codes: tuple[str, ...]
    reason: str

    @property
    def line(self) -> None:
        return None


Action = FixBand | QuarantineRecord | QuarantineFile


@dataclass(frozen=True, slots=True)
class FilePlan:
    """Everything planned for one file, and the hash of the bytes it was planned from."""

    path: Path  # absolute
    shown: str  # as in the findings
    layout: Layout
    sha256: str
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Skipped:
    """A fixable finding that was not acted on, and why."""

    path: str
    line: int | None
    codes: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class RemediationPlan:
    """What `apply_remediation` will do. Making a plan changes nothing on disk."""

    cwd: Path
    files: tuple[FilePlan, ...]
    skipped: tuple[Skipped, ...]
    needs_human: tuple[Finding, ...]

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(action for file in self.files for action in file.actions)

    @property
    def empty(self) -> bool:
        """True when there is nothing to apply."""
        return not self.files

    @property
    def needs_human_counts(self) -> dict[str, int]:
        return _counts(self.needs_human)


# --- the report ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A record or file now in the quarantine: where it came from and where it is stored."""

    path: str
    line: int | None
    pointer: str
    codes: tuple[str, ...]
    stored: Path
    sidecar: Path
    whole_file: bool


@dataclass(frozen=True, slots=True)
class RemediationReport:
    """What `apply_remediation` did, what it skipped and why, and what is left for a human."""

    cwd: Path
    band_fixes: tuple[FixBand, ...]
    quarantined: tuple[Quarantined, ...]
    skipped: tuple[Skipped, ...]
    needs_human: tuple[Finding, ...]

    @property
    def changed(self) -> bool:
        return bool(self.band_fixes or self.quarantined)

    @property
    def needs_human_counts(self) -> dict[str, int]:
        return _counts(self.needs_human)


# --- planning ------------------------------------------------------------------------------


def plan_remediation(
    result: CheckResult,
    config: Config,
    *,
    cwd: Path,
    reads: Sequence[FileRead] = (),
    digest: bool = True,
) -> RemediationPlan:
    """Turn an integrity result's findings (errors and warnings) into a plan; write nothing.

    `reads` is what the check read (`scan_integrity(...).reads`): each file's
    own path, and the byte span of every JSONL line with a finding, so that a
    JSONL file is not split into lines again. Without it (a result read back
    from a file), a finding's path is its display path, relative to `cwd`.
    Each file with a fixable finding is read once; a finding the file no longer
    bears out (it changed since the check) is skipped, never guessed at.

    `digest=False` plans for showing only: no file is hashed, and
    `apply_remediation` refuses the plan. A JSONL file the check read (and that
    has not changed since) is then not read at all beyond its flagged lines.
    """
    if result.check != "integrity":
        raise ValueError(f"remediation needs an integrity result, not {result.check!r}")
    cwd = Path(os.path.abspath(cwd))
    quarantine = Path(os.path.realpath(config.paths.quarantine))
    known = {read.shown: read for read in reads}
    by_file: dict[Path, list[Finding]] = {}
    for finding in result.findings:
        read = known.get(finding.path)
        # Without the check's own record, the shown name is turned back into the path.
        path = read.path if read else Path(os.path.abspath(cwd / unprintable(finding.path)))
        by_file.setdefault(path, []).append(finding)
    read_of = {read.path: read for read in reads}

    files: list[FilePlan] = []
    skipped: list[Skipped] = []
    needs_human: list[Finding] = []
    for path, findings in by_file.items():
        if not any(f.code in FIXABLE_CODES for f in findings):
            needs_human.extend(findings)
            continue
        planner = _FilePlanner(
            path, findings, config, quarantine, read=read_of.get(path), digest=digest
        )
        plan = planner.plan()
        if plan is not None:
            files.append(plan)
        skipped.extend(planner.skipped)
        needs_human.extend(planner.needs_human)
    return RemediationPlan(cwd, tuple(files), tuple(skipped), tuple(needs_human))


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_CORRUPT = _Marker("<corrupt>")
_BLANK = _Marker("<blank>")


class _Document:
    """A file split as the record readers split it: its records ("units"), with byte spans.

    `value(i)` is the parsed unit, or `_CORRUPT` / `_BLANK` for a JSONL line
    that does not parse / holds nothing. JSONL lines are parsed only when asked.
    """

    def __init__(self, data: bytes, is_jsonl: bool) -> None:
        self.data = data
        self._values: list[object] | None = None
        self.spans: Sequence[Span] | Mapping[int, Span]
        # Where a unit's bytes lie in the file, less where they lie in `data` (see `lines`).
        self.shift: dict[int, int] = {}
        if is_jsonl:
            self.layout: Layout = "lines"
            self.spans = _line_spans(data)
            self.records = sum(1 for start, end in self.spans if data[start:end].strip())
            return
        body = data[len(BOM) :] if data.startswith(BOM) else data
        try:
            value = orjson.loads(body) if body.strip() else _CORRUPT
        except orjson.JSONDecodeError:
            value = _CORRUPT
        if value is _CORRUPT:
            self.layout, self.spans, self._values = "corrupt", [], []
        elif isinstance(value, list):
            self.layout, self.spans, self._values = "array", element_spans(data), value
        else:
            self.layout, self.spans, self._values = "record", [_record_span(data)], [value]
        self.records = len(self._values)

    @classmethod
    def lines(cls, handle: BinaryIO, read: FileRead) -> _Document:
        """The JSONL lines the check flagged, read by their spans and nothing else of the
        file: `data` holds them one after another, `shift` maps them back."""
        doc = cls(b"", True)
        parts: list[bytes] = []
        spans: dict[int, Span] = {}
        at = 0
        for line, (start, end) in sorted(read.spans.items()):
            raw = os.pread(handle.fileno(), end - start, start)
            parts.append(raw)
            spans[line - 1] = (at, at + len(raw))
            doc.shift[line - 1] = start - at
            at += len(raw)
        doc.data, doc.spans, doc.records = b"".join(parts), spans, read.records
        return doc

    def value(self, unit: int) -> object:
        if self._values is not None:
            return self._values[unit]
        start, end = self.spans[unit]
        raw = self.data[start:end]
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return _CORRUPT if raw.strip() else _BLANK


def _spans(data: bytes, layout: Layout) -> list[Span]:
    """The unit spans of `data` (already known to be the planned bytes)."""
    if layout == "lines":
        return _line_spans(data)
    if layout == "array":
        return element_spans(data)
    if layout == "record":
        return [_record_span(data)]
    return []


def _line_spans(data: bytes) -> list[Span]:
    """One span per line, newline included, split exactly as iterating the file splits it.

    Line 1 starts after a byte order mark, which stays with the file.
    """
    spans: list[Span] = []
    offset = len(BOM) if data.startswith(BOM) else 0
    for raw in io.BytesIO(data[offset:]):
        spans.append((offset, offset + len(raw)))
        offset += len(raw)
    return spans


def _record_span(data: bytes) -> Span:
    """The lone record of a `.json` file: the document without a BOM and surrounding whitespace."""
    body = data[len(BOM) :] if data.startswith(BOM) else data
    start = len(data) - len(body.lstrip(_JSON_SPACE))
    return (start, start + len(body.strip(_JSON_SPACE)))


class _FilePlanner:
    """Plans one file: locates each finding's record, checks it, and chooses the action."""

    def __init__(
        self,
        path: Path,
        findings: list[Finding],
        config: Config,
        quarantine: Path,
        *,
        read: FileRead | None = None,
        digest: bool = True,
    ) -> None:
        self.path = path
        self.read = read
        self.digest = digest
        self.shown = findings[0].path
        self.findings = findings
        self.config = config
        self.quarantine = quarantine
        self.skipped: list[Skipped] = []
        self.needs_human: list[Finding] = []

    def plan(self) -> FilePlan | None:
        problem = self._unsafe()
        if problem is None:
            try:
                doc, digest = self._read()
            except OSError as exc:
                problem = f"cannot read the file: {exc.strerror or exc}"
        if problem is not None:
            self._give_up(self.findings, problem)
            return None
        actions = self._plan_document(doc)
        if not actions:
            return None
        return FilePlan(self.path, self.shown, doc.layout, digest, tuple(actions))

    def _read(self) -> tuple[_Document, str]:
        """The file as a document, and its sha256 ("" when not asked for)."""
        with self.path.open("rb") as handle:
            stamp = stamp_of(os.fstat(handle.fileno()))
            read = self.read
            if read is not None and read.spans and read.stamp == stamp:
                # The file the check read, unchanged: only its flagged lines are needed.
                doc = _Document.lines(handle, read)
                if not self.digest:
                    return doc, ""
                return doc, hashlib.file_digest(handle, "sha256").hexdigest()
            data = handle.read()
        digest = hashlib.sha256(data).hexdigest() if self.digest else ""
        return _Document(data, self.path.name.lower().endswith(".jsonl")), digest

    def _give_up(self, findings: list[Finding], reason: str) -> None:
        """Skip the fixable findings among `findings`; the others need a human."""
        for finding in findings:
            if finding.code in FIXABLE_CODES:
                self.skipped.append(Skipped(finding.path, finding.line, (finding.code,), reason))
            else:
                self.needs_human.append(finding)

    def _unsafe(self) -> str | None:
        """Why this file must not be touched at all, or None."""
        if self.path.is_symlink():
            return "a symbolic link; not touched"
        if not self.path.exists():
            return "the file no longer exists"
        if not self.path.is_file():
            return "not a regular file"
        if not self.path.name.lower().endswith(RECORD_SUFFIXES):
            return "not a record file"
        if Path(os.path.realpath(self.path)).is_relative_to(self.quarantine):
            return "inside the quarantine folder; not touched"
        return None

    def _plan_document(self, doc: _Document) -> list[Action]:
        if doc.layout == "corrupt":
            corrupt = [f for f in self.findings if f.code == "corrupt-json"]
            self._give_up([f for f in self.findings if f.code != "corrupt-json"], _STALE)
            if not corrupt:
                return []
            return [QuarantineFile(self.shown, ("corrupt-json",), _reason(corrupt))]
        if doc.layout == "lines" and not doc.records:
            # An empty file (blank lines at most): moved whole, as an empty .json is.
            empty = [f for f in self.findings if f.code == "corrupt-json" and f.line is None]
            self._give_up([f for f in self.findings if f not in empty], _STALE)
            return [QuarantineFile(self.shown, ("corrupt-json",), _reason(empty))] if empty else []
        if doc.layout == "array" and len(doc.spans) != doc.records:
            self._give_up(self.findings, "cannot locate the elements of the array")
            return []

        by_unit: dict[int, list[Finding]] = {}
        for finding in self.findings:
            unit = self._unit_of(doc, finding)
            if unit is None:
                self._give_up([finding], "the record is not where the check saw it")
            else:
                by_unit.setdefault(unit, []).append(finding)

        cuts: list[QuarantineRecord] = []
        fixes: list[FixBand] = []
        for unit, findings in sorted(by_unit.items()):
            action = self._plan_unit(doc, unit, findings)
            if isinstance(action, QuarantineRecord):
                cuts.append(action)  # its other findings leave with it
                continue
            if action is not None:
                fixes.append(action)
            self.needs_human.extend(f for f in findings if f.code not in FIXABLE_CODES)

        if cuts and len(cuts) == doc.records:
            # Nothing would remain: move the file whole rather than leave an empty one.
            codes = _ordered({code for cut in cuts for code in cut.codes})
            if len(cuts) == 1:
                reason = cuts[0].reason
            else:
                reason = "every record in the file is corrupt or a duplicate: " + _joined(
                    [f"{_where(c.path, c.line, c.pointer)}: {c.reason}" for c in cuts]
                )
            return [QuarantineFile(self.shown, codes, reason)]
        return [*cuts, *fixes]

    def _unit_of(self, doc: _Document, finding: Finding) -> int | None:
        if doc.layout == "record":
            return 0
        if doc.layout == "lines":
            line = finding.line
            if line is None:
                return None
            if isinstance(doc.spans, Mapping):
                return line - 1 if line - 1 in doc.spans else None
            return line - 1 if 1 <= line <= len(doc.spans) else None
        head = finding.pointer[1:].split("/", 1)[0] if finding.pointer.startswith("/") else ""
        if head.isascii() and head.isdigit() and int(head) < len(doc.spans):
            return int(head)
        return None

    def _plan_unit(
        self, doc: _Document, unit: int, findings: list[Finding]
    ) -> QuarantineRecord | FixBand | None:
        value = doc.value(unit)
        pointer = f"/{unit}" if doc.layout == "array" else ""
        to_quarantine = [f for f in findings if f.code in _QUARANTINE_CODES]
        if to_quarantine:
            corrupt = any(f.code == "corrupt-json" for f in to_quarantine)
            if value is _BLANK or (value is _CORRUPT) != corrupt:
                self.skipped.extend(
                    Skipped(f.path, f.line, (f.code,), _STALE)
                    for f in findings
                    if f.code in FIXABLE_CODES
                )
                return None
            codes = _ordered({f.code for f in findings})
            line = to_quarantine[0].line
            return QuarantineRecord(self.shown, line, pointer, codes, _reason(to_quarantine), unit)
        mismatch = [f for f in findings if f.code == "band-mismatch"]
        return self._plan_band(doc, unit, pointer, mismatch[0]) if mismatch else None

    def _plan_band(
        self, doc: _Document, unit: int, pointer: str, finding: Finding
    ) -> FixBand | None:
        settings = INTEGRITY.of(self.config)
        fields = settings.fields
        record = doc.value(unit)
        band_pointer = pointer + json_pointer(fields.band)
        if not isinstance(record, dict) or finding.pointer != band_pointer:
            self._give_up([finding], _STALE)
            return None
        old = record.get(fields.band)
        try:
            new = map_score_to_band(record.get(fields.score), settings.bands)
        except ScoreError:
            self._give_up([finding], _STALE)
            return None
        if not isinstance(old, str) or old == new:
            self._give_up([finding], _STALE)
            return None
        span = _string_member_span(doc.data, doc.spans[unit], fields.band)
        if span is None or _parsed_edit(doc.data, doc.spans[unit], span, new) != {
            **record,
            fields.band: new,
        }:
            self._give_up([finding], "cannot locate the band's bytes in the record")
            return None
        shown_old = show(old, "word", words=settings.bands.names)
        shift = doc.shift.get(unit, 0)
        span = (span[0] + shift, span[1] + shift)  # in the file
        return FixBand(self.shown, finding.line, band_pointer, old, new, unit, span, shown_old)


def _string_member_span(data: bytes, unit: Span, name: str) -> Span | None:
    """The span of the string value of top-level member `name` of the object at `unit`.

    With a repeated key the last one counts, as it does for orjson. The token
    scanner is the one the record readers use to find array elements.
    """
    depth = 0
    expect_key = False
    matched_key = False
    found: Span | None = None
    for match in JSON_TOKEN.finditer(data, unit[0], unit[1]):
        token = match.group()
        first = token[:1]
        if first in (b"[", b"{"):
            depth += 1
            expect_key = depth == 1 and first == b"{"
            matched_key = False
        elif first in (b"]", b"}"):
            depth -= 1
            expect_key = matched_key = False
        elif first == b",":
            expect_key = depth == 1
            matched_key = False
        elif first == b":":
            continue
        elif depth == 1:  # a string directly inside the record: a key, or a key's value
            if expect_key:
                expect_key = False
                matched_key = orjson.loads(token) == name
            elif matched_key:
                found = (match.start(), match.end())
                matched_key = False
    return found


def _edit(data: bytes, unit: Span, band: Span, new: str) -> bytes:
    """The unit's bytes with the band's JSON string replaced by `new`."""
    return data[unit[0] : band[0]] + orjson.dumps(new) + data[band[1] : unit[1]]


def _parsed_edit(data: bytes, unit: Span, band: Span, new: str) -> object:
    try:
        return orjson.loads(_edit(data, unit, band, new))
    except orjson.JSONDecodeError:
        return None


def _reason(findings: list[Finding]) -> str:
    """The sidecar's reason: the findings' messages (corrupt-json and duplicate messages
    name positions, dates and versions, never a health value)."""
    return _joined([f"{f.code}: {f.message}" for f in findings])


def _joined(parts: list[str]) -> str:
    shown = parts[:_MAX_REASONS]
    if len(parts) > _MAX_REASONS:
        shown.append(f"and {len(parts) - _MAX_REASONS} more")
    return "; ".join(shown)


# --- applying ------------------------------------------------------------------------------


def apply_remediation(
    plan: RemediationPlan, config: Config, *, now: float | None = None
) -> RemediationReport:
    """Apply `plan`; a file whose bytes are not those the plan was made from is skipped.

    `now` (seconds since the epoch) stamps the quarantine entries. An OS error
    on one file is reported as a skip for that file and the others go on.
    """
    if any(not file.sha256 for file in plan.files):
        raise ValueError("the plan was made for showing only (digest=False); plan again to apply")
    clock = time.time() if now is None else now
    root = Path(os.path.abspath(config.paths.quarantine))
    fixes: list[FixBand] = []
    quarantined: list[Quarantined] = []
    skipped: list[Skipped] = list(plan.skipped)
    for file in plan.files:
        applier = _FileApplier(file, root, plan.cwd, clock)
        try:
            applier.apply()
        except OSError as exc:
            applier.failed(exc)
        fixes.extend(applier.fixes)
        quarantined.extend(applier.quarantined)
        skipped.extend(applier.skipped)
    return RemediationReport(
        plan.cwd, tuple(fixes), tuple(quarantined), tuple(skipped), plan.needs_human
    )


class _FileApplier:
    """Applies one file's plan in the crash-safe order (see the module docstring)."""

    def __init__(self, plan: FilePlan, root: Path, cwd: Path, clock: float) -> None:
        self.plan = plan
        self.root = root
        self.cwd = cwd
        self.clock = clock
        self.fixes: list[FixBand] = []
        self.quarantined: list[Quarantined] = []
        self.skipped: list[Skipped] = []
        self._stored: list[Quarantined] = []  # copies made, not yet removed from the source

    def fail(self, reason: str) -> None:
        """Report every action of the file as skipped (none is complete)."""
        if self._stored:
            kept = ", ".join(display_path(q.stored, self.cwd) for q in self._stored)
            reason += f"; copies already in the quarantine, source not rewritten: {kept}"
        self.fixes.clear()
        self.quarantined.clear()
        self.skipped = [
            Skipped(action.path, action.line, action.codes, reason) for action in self.plan.actions
        ]

    def failed(self, exc: OSError) -> None:
        reason = f"error: {exc.strerror or exc}"
        moving = any(isinstance(a, QuarantineFile) for a in self.plan.actions)
        if moving and not os.path.lexists(self.plan.path):
            # quarantine_file got as far as the move: the file is in the quarantine.
            reason += f"; the file was moved into {display_path(self.root, self.cwd)}"
        self.fail(reason)

    def apply(self) -> None:
        path = self.plan.path
        with store_lock(path.parent, create=False):
            if path.is_symlink() or not path.is_file():
                self.fail("the file no longer exists (already remediated?)")
                return
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != self.plan.sha256:
                self.fail("the file changed since the plan; not touched")
                return
            whole = [a for a in self.plan.actions if isinstance(a, QuarantineFile)]
            if whole:
                self._move(whole[0])
                return
            self._rewrite(data)

    def _move(self, action: QuarantineFile) -> None:
        path = self.plan.path
        entry = quarantine_file(
            path,
            self.root,
            kind=QUARANTINE_KIND,
            reason=action.reason,
            codes=action.codes,
            base=self.cwd if path.is_relative_to(self.cwd) else None,
            now=self.clock,
        )
        self.quarantined.append(
            Quarantined(action.path, None, "", action.codes, entry.stored, entry.sidecar, True)
        )

    def _rewrite(self, data: bytes) -> None:
        path = self.plan.path
        spans = _spans(data, self.plan.layout)
        cuts = [a for a in self.plan.actions if isinstance(a, QuarantineRecord)]
        fixes = [a for a in self.plan.actions if isinstance(a, FixBand)]
        relative = display_path(path, self.cwd)
        if os.path.isabs(relative):
            relative = path.name
        for cut in cuts:
            start, end = spans[cut.unit]
            if self.plan.layout == "lines":
                name, origin = f"{relative}.line{cut.unit + 1}.jsonl", f"{path}:{cut.unit + 1}"
            else:
                name, origin = f"{relative}.element{cut.unit}.json", f"{path}#/{cut.unit}"
            entry = quarantine_bytes(
                data[start:end],
                self.root,
                kind=QUARANTINE_KIND,
                name=name,
                origin=origin,
                reason=cut.reason,
                codes=cut.codes,
                now=self.clock,
            )
            self._stored.append(
                Quarantined(
                    cut.path, cut.line, cut.pointer, cut.codes, entry.stored, entry.sidecar, False
                )
            )
        remediated = _rebuild(
            data,
            spans,
            cut={c.unit for c in cuts},
            bands={f.unit: (f.span, f.new) for f in fixes},
        )
        # The quarantine copies are durable; check once more before the source changes.
        if hashlib.sha256(path.read_bytes()).hexdigest() != self.plan.sha256:
            self.fail("the file changed while quarantining")
            return
        atomic_write(path, remediated)
        self.quarantined.extend(self._stored)
        self._stored.clear()
        self.fixes.extend(fixes)


def _rebuild(
    data: bytes, spans: list[Span], *, cut: set[int], bands: dict[int, tuple[Span, str]]
) -> bytes:
    """`data` without the cut units and with the band edits; every other byte kept.

    What lies before the first unit and after the last stays; between two
    kept units goes the separator that followed the earlier one (for an array,
    its comma and whitespace; for lines, nothing).
    """
    if not spans:
        return data
    kept = [i for i in range(len(spans)) if i not in cut]
    parts = [data[: spans[0][0]]]
    for position, unit in enumerate(kept):
        if position:
            previous = kept[position - 1]
            parts.append(data[spans[previous][1] : spans[previous + 1][0]])
        if unit in bands:
            band_span, new = bands[unit]
            parts.append(_edit(data, spans[unit], band_span, new))
        else:
            parts.append(data[spans[unit][0] : spans[unit][1]])
    parts.append(data[spans[-1][1] :])
    return b"".join(parts)


# --- describing ----------------------------------------------------------------------------


def describe_plan(plan: RemediationPlan, *, limit: int | None = None, more: str = "") -> list[str]:
    """One short line per planned action and skip, then the needs-a-human counts.

    Lines name locations, codes and bands only, never another record value.
    With `limit`, at most that many action and skip lines, then `... and N
    more` (followed by `more`, which says where the rest is): a file of
    random bytes is thousands of corrupt lines, and the plan is bounded like
    the findings are.
    """
    lines = [_describe_action(action) for action in plan.actions]
    if not lines:
        lines.append("nothing to fix")
    lines += [_describe_skip(skip) for skip in plan.skipped]
    return _bounded(lines, limit, more) + _describe_needs_human(plan.needs_human)


def describe_report(
    report: RemediationReport, *, limit: int | None = None, more: str = ""
) -> list[str]:
    """One short line per fix, quarantine entry and skip (at most `limit`, as in
    `describe_plan`), then the needs-a-human counts and the totals."""
    lines = [
        f"fixed band {_location(f.path, f.line)} {f.pointer} {_old_band(f)} -> {f.new!r}"
        for f in report.band_fixes
    ]
    for entry in report.quarantined:
        where = _where(entry.path, entry.line, entry.pointer)
        stored = display_path(entry.stored, report.cwd)
        lines.append(f"quarantined {where} ({', '.join(entry.codes)}) -> {stored}")
    lines += [_describe_skip(skip).replace("skip ", "skipped ", 1) for skip in report.skipped]
    lines = _bounded(lines, limit, more) + _describe_needs_human(report.needs_human)
    lines.append(
        f"{len(report.band_fixes)} band fixes, {len(report.quarantined)} quarantined, "
        f"{len(report.skipped)} skipped"
    )
    return lines


def _bounded(lines: list[str], limit: int | None, more: str) -> list[str]:
    if limit is None or len(lines) <= limit:
        return lines
    return [*lines[:limit], f"... and {len(lines) - limit} more{more}"]


def plan_document(plan: RemediationPlan) -> dict[str, object]:
    """The whole plan as JSON (`--plan-out`): every action, skip and needs-a-human count.

    Paths are as the findings show them (escaped); a band that is not one of
    the table's names is described, as on the terminal.
    """
    actions: list[dict[str, object]] = []
    for action in plan.actions:
        entry: dict[str, object] = {"path": action.path, "line": action.line}
        if isinstance(action, FixBand):
            entry |= {
                "action": "fix-band",
                "pointer": action.pointer,
                "old": _old_band(action),
                "new": action.new,
            }
        elif isinstance(action, QuarantineFile):
            entry |= {"action": "quarantine-file", "reason": action.reason}
        else:
            entry |= {
                "action": "quarantine-record",
                "pointer": action.pointer,
                "reason": action.reason,
            }
        entry["codes"] = list(action.codes)
        actions.append(entry)
    return {
        "schema": PLAN_SCHEMA,
        "actions": actions,
        "skipped": [
            {"path": s.path, "line": s.line, "codes": list(s.codes), "reason": s.reason}
            for s in plan.skipped
        ],
        "needs_human": plan.needs_human_counts,
    }


def _describe_action(action: Action) -> str:
    codes = ", ".join(action.codes)
    if isinstance(action, FixBand):
        where = _location(action.path, action.line)
        return f"fix band {where} {action.pointer} {_old_band(action)} -> {action.new!r}"
    if isinstance(action, QuarantineFile):
        return f"quarantine {action.path} ({codes})"
    what = "line" if not action.pointer else "element"
    where = _where(action.path, action.line, action.pointer)
    return f"quarantine {where} ({codes}; the {what} is cut out of the file)"


def _describe_skip(skip: Skipped) -> str:
    return f"skip {_location(skip.path, skip.line)} ({', '.join(skip.codes)}): {skip.reason}"


def _describe_needs_human(findings: tuple[Finding, ...]) -> list[str]:
    counts = _counts(findings)
    if not counts:
        return []
    return ["needs a human: " + ", ".join(f"{code} {n}" for code, n in counts.items())]


def _location(path: str, line: int | None) -> str:
    return path if line is None else f"{path}:{line}"


def _where(path: str, line: int | None, pointer: str) -> str:
    where = _location(path, line)
    return f"{where} {pointer}" if pointer else where


def _old_band(fix: FixBand) -> str:
    # A band that is not one of the table's names may hold anything: described, never shown.
    return fix.old_shown or describe(fix.old)


def _ordered(codes: set[str]) -> tuple[str, ...]:
    return tuple(sorted(codes, key=lambda code: (_CODE_ORDER.get(code, len(_CODE_ORDER)), code)))


def _counts(findings: tuple[Finding, ...]) -> dict[str, int]:
    counts = Counter(f.code for f in findings)
    return {code: counts[code] for code in _ordered(set(counts))}
