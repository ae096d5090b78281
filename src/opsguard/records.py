"""Streaming readers for record files that keep the file and line of every item.

A `.json` file holds one record or an array of records; a `.jsonl` file holds
one record per line. Reading never stops at a defect: a corrupt file or line
becomes a `CorruptItem` and the reader goes on with the next one. Files are
discovered in sorted path order so that every result is deterministic.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import orjson

from .errors import OpsguardError

__all__ = [
    "RECORD_SUFFIXES",
    "CorruptItem",
    "Discovery",
    "RecordItem",
    "discover_files",
    "display_path",
    "element_spans",
    "read_records",
]

RECORD_SUFFIXES = (".json", ".jsonl")
_BOM = b"\xef\xbb\xbf"


class RecordItem(NamedTuple):
    """One parsed record. `pointer` is "" for a top-level record, "/N" for element N of an array.

    A NamedTuple rather than a frozen dataclass: one is made per record, and
    tuples are several times cheaper to create.
    """

    path: str
    line: int
    pointer: str
    value: object


@dataclass(frozen=True, slots=True)
class CorruptItem:
    """A file or line that could not be read as JSON; it stands for one lost record."""

    path: str
    line: int | None
    message: str


@dataclass(frozen=True, slots=True)
class Discovery:
    """The files to read (sorted, unique), how many others were passed over, and the
    directories that could not be listed (only when the caller asked to be told)."""

    files: tuple[Path, ...]
    skipped: int
    unlisted: tuple[tuple[Path, str], ...] = ()


def display_path(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` when it lies below it, else absolute."""
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def discover_files(
    paths: Sequence[Path],
    suffixes: Sequence[str] = RECORD_SUFFIXES,
    *,
    exclude: Sequence[Path] = (),
    kind: str = "record",
    report_unlisted: bool = False,
) -> Discovery:
    """Expand files and directories (recursively) into a sorted list of files to read.

    A named path that does not exist, or a named file with another suffix, is
    an `OpsguardError` (exit 2). Inside directories, other files and hidden
    files are counted as skipped, and symlinked directories are not followed
    (no loops, no leaving the tree). Directories in `exclude` are not entered.
    A directory that cannot be listed is an `OpsguardError`, or, with
    `report_unlisted`, returned in `unlisted` for the caller to report:
    either way it is never passed over in silence.
    """
    excluded = {Path(os.path.abspath(e)) for e in exclude}
    endings = tuple(suffixes)
    found: dict[Path, None] = {}
    skipped: set[Path] = set()
    unlisted: list[tuple[Path, str]] = []

    def on_error(error: OSError) -> None:
        if not report_unlisted:
            raise OpsguardError(f"cannot list directory {error.filename}: {error.strerror}")
        unlisted.append((Path(error.filename), error.strerror or "cannot list"))

    for given in paths:
        path = Path(os.path.abspath(given))
        try:
            info = path.stat()
        except FileNotFoundError:
            raise OpsguardError(f"path not found: {given}") from None
        except OSError as exc:
            raise OpsguardError(f"cannot access {given}: {exc.strerror}") from None
        if stat.S_ISDIR(info.st_mode):
            for directory, dirnames, filenames in os.walk(path, onerror=on_error):
                dirnames[:] = sorted(d for d in dirnames if Path(directory, d) not in excluded)
                for name in filenames:
                    if name.lower().endswith(endings) and not name.startswith("."):
                        found[Path(directory, name)] = None
                    else:
                        skipped.add(Path(directory, name))
                skipped.update(
                    Path(directory, d) for d in dirnames if Path(directory, d).is_symlink()
                )
        elif path.name.lower().endswith(endings):
            found[path] = None
        else:
            raise OpsguardError(f"not a {kind} file ({', '.join(endings)}): {given}")
    return Discovery(tuple(sorted(found)), len(skipped), tuple(unlisted))


def read_records(path: Path, shown: str) -> Iterator[RecordItem | CorruptItem]:
    """Yield every record of one file, or a `CorruptItem` for what cannot be parsed."""
    if path.name.lower().endswith(".jsonl"):
        yield from _read_jsonl(path, shown)
    else:
        yield from _read_json(path, shown)


def _read_jsonl(path: Path, shown: str) -> Iterator[RecordItem | CorruptItem]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield CorruptItem(shown, None, f"cannot read file: {exc.strerror}")
        return
    loads = orjson.loads
    with handle:
        lineno = 0
        try:
            for lineno, raw in enumerate(handle, 1):
                if lineno == 1 and raw.startswith(_BOM):
                    raw = raw[len(_BOM) :]  # noqa: PLW2901
                try:
                    value = loads(raw)
                except orjson.JSONDecodeError as exc:
                    if raw.strip():
                        yield CorruptItem(shown, lineno, f"invalid JSON: {_reason(exc)}")
                    continue
                yield RecordItem(shown, lineno, "", value)
        except OSError as exc:
            yield CorruptItem(shown, lineno + 1, f"cannot read file: {exc.strerror}")


def _read_json(path: Path, shown: str) -> Iterator[RecordItem | CorruptItem]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield CorruptItem(shown, None, f"cannot read file: {exc.strerror}")
        return
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if not data.strip():
        yield CorruptItem(shown, 1, "empty file: expected a record or an array of records")
        return
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield CorruptItem(shown, exc.lineno or 1, f"invalid JSON: {_reason(exc)}")
        return
    if not isinstance(value, list):
        yield RecordItem(shown, _first_line(data), "", value)
        return
    # A one-line array (the common compact form) needs no scan: every element is on its line.
    lines = element_lines(data) if b"\n" in data.strip() else [_first_line(data)] * len(value)
    for index, element in enumerate(value):
        yield RecordItem(shown, lines[index], f"/{index}", element)


def _reason(exc: orjson.JSONDecodeError) -> str:
    # orjson's message already carries "line L column C (char N)"; it never quotes content.
    return str(exc.args[0]) if exc.args else "malformed"


def _first_line(data: bytes) -> int:
    stripped = data.lstrip()
    return data.count(b"\n", 0, len(data) - len(stripped)) + 1


# A JSON string (escapes included) or one structural character.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]', re.DOTALL)
_NON_SPACE = re.compile(rb"\S")


def element_lines(data: bytes) -> list[int]:
    """The 1-based line on which each element of a top-level JSON array starts.

    orjson gives no positions, so this small scanner walks the already
    validated document once; it only tracks nesting and skips strings.
    """
    lines: list[int] = []
    depth = 0
    line = 1
    counted_to = 0
    for match in _TOKEN.finditer(data):
        token = match.group()
        first = token[:1]
        if first in (b"[", b"{"):
            depth += 1
            expect_element = depth == 1 and first == b"["
        elif first in (b"]", b"}"):
            depth -= 1
            expect_element = False
        else:
            expect_element = depth == 1 and first == b","
        if expect_element:
            nxt = _NON_SPACE.search(data, match.end())
            if nxt is not None and nxt.group() != b"]":
                line += data.count(b"\n", counted_to, nxt.start())
                counted_to = nxt.start()
                lines.append(line)
    return lines


def element_spans(data: bytes) -> list[tuple[int, int]]:
    """The byte span `[start, end)` of each element of a top-level JSON array.

    `data[start:end]` is the element exactly as written, without the
    whitespace and commas around it, so a caller can cut an element out (or
    edit it) and leave every other byte as it was. The same scanner as
    `element_lines`, with the same precondition: `data` is a document orjson
    has already parsed. Offsets index `data` as given; a leading byte order
    mark is skipped over. A document that is not an array has no elements.
    """
    spans: list[tuple[int, int]] = []

    def close(start: int, stop: int) -> None:
        # The element is what lies between two separators, without the whitespace around it.
        while start < stop and data[start] in b" \t\n\r":
            start += 1
        while stop > start and data[stop - 1] in b" \t\n\r":
            stop -= 1
        if stop > start:
            spans.append((start, stop))

    depth = 0
    start = 0  # just after the separator ("[" or ",") that opened the current element
    for match in _TOKEN.finditer(data):
        first = match.group()[:1]
        if first in (b"[", b"{"):
            if depth == 0 and first != b"[":
                return []  # a top-level object
            depth += 1
            if depth == 1:
                start = match.end()
        elif first in (b"]", b"}"):
            depth -= 1
            if depth == 0:
                close(start, match.start())
                return spans
        elif first == b"," and depth == 1:
            close(start, match.start())
            start = match.end()
        elif depth == 0:
            return []  # a top-level string
    return spans
