"""`opsguard privacy --fix`: redact what the scan flagged, in place, and say what was done.

A leak already written to telemetry must go, and nothing may keep a copy of
it: each file is rewritten through `atomic_write` with every flagged value
replaced by `"[redacted]"` (a value the scan knows as masked, so a second
`--fix` finds nothing and changes nothing), and a hidden sidecar
`.<name>.why.json` beside it records what was redacted — line, JSON pointer,
finding code, never the value. Only failing findings are redacted; warnings
(a torn line, NUL bytes) are left for a person.

How a flagged place is masked:
- a JSON value at a pointer (a JSONL line, or a JSON document): the value is
  replaced; a pointer through a key that itself looked like a value
  (`<redacted>`) replaces the object holding it;
- free text (a `.log` line, a torn JSONL line, a string holding an email or a
  `key=value`): each detected span is masked (`rhr=[redacted]`); a line with a
  finding the detectors cannot place again is replaced whole.
A JSONL line or document that is rewritten is re-serialized (its key order is
kept, its spacing may change); every other line keeps its bytes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ..core.atomic import atomic_write
from ..core.files import BOM, printable
from ..core.result import Finding
from .keys import KeyClassifier
from .text import detect_text

__all__ = ["REDACTED", "SIDECAR_SCHEMA", "Redaction", "redact_file", "sidecar_path"]

REDACTED = "[redacted]"
SIDECAR_SCHEMA = "opsguard.redaction/1"


@dataclass(frozen=True, slots=True)
class Redaction:
    """What `--fix` did to one file: the lines it rewrote, and the places it masked."""

    path: Path
    lines: tuple[int, ...]
    places: int
    # Findings it could not act on (a binary file, a file it could not read): why.
    left: tuple[str, ...] = ()


def sidecar_path(path: Path) -> Path:
    """`.<name>.why.json` beside the file: hidden, so discovery never scans it."""
    return path.with_name(f".{path.name}.why.json")


def redact_file(path: Path, findings: Sequence[Finding], classifier: KeyClassifier) -> Redaction:
    """Mask every place the failing `findings` (all of this file) point at; write atomically."""
    failing = [f for f in findings if f.severity == "error"]
    if not failing:
        return Redaction(path, (), 0)
    if any(f.line is None for f in failing):
        why = "; ".join(sorted({f.message for f in failing if f.line is None}))
        return Redaction(path, (), 0, (f"not redacted: {why}",))
    data = path.read_bytes()
    bom = BOM if data.startswith(BOM) else b""
    body = data[len(bom) :]
    by_line: dict[int, list[Finding]] = defaultdict(list)
    for finding in failing:
        by_line[finding.line or 0].append(finding)
    if path.name.lower().endswith(".json"):
        new_body, places = _redact_document(body, failing, by_line, classifier)
        lines = tuple(sorted(by_line))
    else:
        new_body, places, lines = _redact_lines(
            body, by_line, classifier, jsonl=path.name.lower().endswith(".jsonl")
        )
    if new_body == body:
        return Redaction(path, (), 0)
    atomic_write(path, bom + new_body)
    _note(path, failing)
    return Redaction(path, lines, places)


def _redact_lines(
    body: bytes, by_line: Mapping[int, list[Finding]], classifier: KeyClassifier, *, jsonl: bool
) -> tuple[bytes, int, tuple[int, ...]]:
    lines = body.splitlines(keepends=True)
    places = 0
    changed: list[int] = []
    for number, findings in sorted(by_line.items()):
        if not 1 <= number <= len(lines):
            continue
        raw = lines[number - 1]
        ending = raw[len(raw.rstrip(b"\r\n")) :]
        content = raw[: len(raw) - len(ending)]
        masked, count = _redact_line(content, findings, classifier, jsonl=jsonl)
        if masked != content:
            lines[number - 1] = masked + ending
            places += count
            changed.append(number)
    return b"".join(lines), places, tuple(changed)


def _redact_line(
    content: bytes, findings: list[Finding], classifier: KeyClassifier, *, jsonl: bool
) -> tuple[bytes, int]:
    if jsonl and all(f.pointer for f in findings):
        try:
            value = orjson.loads(content)
        except orjson.JSONDecodeError:
            pass
        else:
            value, places = _mask_pointers(value, findings, classifier)
            return orjson.dumps(value), places
    text = content.decode("utf-8", "replace").replace("\x00", "")
    masked, count = _mask_text(text, classifier)
    if count:
        return masked.encode(), count
    # Flagged, but nothing the detectors can place again (a denied key in a torn line):
    # the line goes whole rather than keep what could be the leak.
    return (orjson.dumps(REDACTED) if jsonl else REDACTED.encode()), 1


def _redact_document(
    body: bytes,
    findings: list[Finding],
    by_line: Mapping[int, list[Finding]],
    classifier: KeyClassifier,
) -> tuple[bytes, int]:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        # A document the scan read as text: mask it line by line.
        new_body, places, _ = _redact_lines(body, by_line, classifier, jsonl=False)
        return new_body, places
    value, places = _mask_pointers(value, findings, classifier)
    return orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n", places


def _mask_pointers(
    value: Any, findings: list[Finding], classifier: KeyClassifier
) -> tuple[Any, int]:
    """`value` with every place the findings point at masked, and how many places there were
    (several findings at one place, an email and a `rhr=` in one string, mask it once)."""
    pointers = dict.fromkeys(f.pointer for f in findings)
    for pointer in pointers:
        value = _mask_pointer(value, pointer, classifier)
    return value, len(pointers)


def _mask_pointer(value: Any, pointer: str, classifier: KeyClassifier) -> Any:
    """`value` with the place at `pointer` masked (in place for containers; the new root)."""
    if pointer == "":
        return _mask_value(value, classifier)
    segments = [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]
    parent: Any = None
    key: Any = None
    node = value
    for segment in segments:
        if segment == "<redacted>" or not _can_step(node, segment):
            # A key that looked like a value, or a place that moved: mask the container.
            if parent is None:
                return REDACTED
            parent[key] = REDACTED
            return value
        parent, key = node, int(segment) if isinstance(node, list) else segment
        node = node[key]
    if parent is None:
        return _mask_value(value, classifier)
    parent[key] = _mask_value(node, classifier)
    return value


def _can_step(node: Any, segment: str) -> bool:
    if isinstance(node, dict):
        return segment in node
    if isinstance(node, list):
        return segment.isdigit() and int(segment) < len(node)
    return False


def _mask_value(value: Any, classifier: KeyClassifier) -> Any:
    # A string with a leak inside (an email in a message) keeps the rest of its text.
    if isinstance(value, str):
        masked, count = _mask_text(value, classifier)
        if count and masked != value:
            return masked
    return REDACTED


def _mask_text(text: str, classifier: KeyClassifier) -> tuple[str, int]:
    hits = [h for h in detect_text(text, classifier) if h.end > h.start]
    if not hits:
        return text, 0
    spans: list[list[int]] = []
    for hit in sorted(hits, key=lambda h: h.start):
        if spans and hit.start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hit.end)
        else:
            spans.append([hit.start, hit.end])
    out: list[str] = []
    at = 0
    for start, end in spans:
        # Keep the space a `key 52 bpm` form starts its value with.
        span = text[start:end]
        lead = span[: len(span) - len(span.lstrip())]
        out += [text[at:start], lead, REDACTED]
        at = end
    out.append(text[at:])
    return "".join(out), len(spans)


def _note(path: Path, findings: list[Finding]) -> None:
    """Add this redaction to the file's sidecar: where and what kind, never the value."""
    sidecar = sidecar_path(path)
    entries: list[Any] = []
    if sidecar.is_file():
        try:
            previous = orjson.loads(sidecar.read_bytes())
            entries = list(previous.get("redactions", []))
        except (orjson.JSONDecodeError, OSError, AttributeError):
            entries = []
    at = datetime.now(UTC).isoformat(timespec="seconds")
    entries += [{"at": at, "line": f.line, "pointer": f.pointer, "code": f.code} for f in findings]
    document = {
        "schema": SIDECAR_SCHEMA,
        "file": printable(path.name),
        "why": "opsguard privacy --fix masked these places as "
        f"{REDACTED!r}; the values were not kept anywhere",
        "redactions": entries,
    }
    atomic_write(sidecar, orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
