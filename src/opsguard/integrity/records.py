"""Streaming readers for record files that keep the file and line of every item.

A `.json` file holds one record or an array of records; a `.jsonl` file holds
one record per line. Reading never stops at a defect: a corrupt file or line
becomes a `CorruptItem` and the reader goes on with the next one. Files are
discovered in sorted path order so that every result is deterministic.

What a reader cannot see is never silence (docs/input-rules.md):

- a file that cannot be opened or read, is not a regular file (any more), or
  is written in UTF-16/32 is an `unreadable` item: nothing in it was checked;
- an empty file (no bytes but whitespace or a byte order mark), whatever its
  suffix, is a `corrupt-json` item: a record file with no record is most often
  a torn write (`[]` is an explicit empty array and yields nothing);
- a key written twice in one object is reported with the record
  (`RecordItem.duplicate_keys`): orjson keeps the last value, other readers
  the first, so the record means different things to different readers.

Messages say what is wrong in plain words at the file's own line and column
(`core.files.json_problem`), never quoting the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import orjson

from ..core.files import (
    BOM,
    OTHER_BOMS,
    duplicate_keys,
    element_lines,
    json_problem,
    open_regular,
)

__all__ = [
    "RECORD_SUFFIXES",
    "CorruptItem",
    "RecordItem",
    "Settle",
    "parse_jsonl_line",
    "read_records",
]

RECORD_SUFFIXES = (".json", ".jsonl")
_EMPTY = "empty file: a record file with no record (a torn or truncated write?)"


class RecordItem(NamedTuple):
    """One parsed record. `pointer` is "" for a top-level record, "/N" for element N of an array.

    `duplicate_keys` holds (pointer, occurrences) for each key the record's
    objects hold more than once. A NamedTuple rather than a frozen dataclass:
    one is made per record, and tuples are several times cheaper to create.
    """

    path: str
    line: int
    pointer: str
    value: object
    duplicate_keys: tuple[tuple[str, int], ...] = ()
    # A JSONL line's byte span in the file, newline included (remediation cuts by it).
    span: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class CorruptItem:
    """A file or line that could not be read as JSON.

    `code` is `corrupt-json` (it stands for one lost record) or `unreadable`
    (a file that could not be read or decoded at all: nothing in it was seen).
    """

    path: str
    line: int | None
    message: str
    code: str = "corrupt-json"
    # A JSONL line's byte span in the file, newline included.
    span: tuple[int, int] | None = None


# The integrity check's fast path (`integrity.fastpath`): given a block of raw JSONL lines,
# the first one's line number and byte offset, it settles the records it can prove clean
# and returns, in line order, the items for the others (made by `parse_jsonl_line`).
Settle = Callable[[list[bytes], int, int], Iterable["RecordItem | CorruptItem"]]

# Lines are read in blocks of about this many bytes (the fast path decodes a block at once).
_BLOCK_BYTES = 1 << 16


def read_records(
    path: Path, shown: str, settle: Settle | None = None
) -> Iterator[RecordItem | CorruptItem]:
    """Yield every record of one file, or a `CorruptItem` for what cannot be parsed.

    `settle` (JSONL only) is handed each block of lines after the first; what it
    settles is not yielded. Everything else -- a corrupt line, a doubled key, a
    record it declines -- is yielded exactly as without it.
    """
    try:
        handle = open_regular(path)
    except OSError as exc:
        yield CorruptItem(shown, None, f"cannot read file: {_why(exc)}", "unreadable")
        return
    with handle:
        if path.name.lower().endswith(".jsonl"):
            yield from _read_jsonl(handle, shown, settle)
        else:
            yield from _read_json(handle, shown)


def _read_jsonl(
    handle: BinaryIO, shown: str, settle: Settle | None = None
) -> Iterator[RecordItem | CorruptItem]:
    lineno = 0  # of the last line read
    offset = 0  # of the next line in the file, for positions in messages
    seen = False  # a line that is not blank
    try:
        first = handle.readline()
        if first:
            lineno = 1
            start, offset = 0, len(first)
            encoding = _other_encoding(first)
            if encoding is not None:
                yield _undecodable(shown, encoding)
                return
            if first.startswith(BOM):
                first, start = first[len(BOM) :], len(BOM)
            item = parse_jsonl_line(first, 1, start, shown)
            if item is not None:
                seen = True
                yield item
        while block := handle.readlines(_BLOCK_BYTES):
            if not seen:
                seen = any(raw.strip() for raw in block)
            if settle is not None:
                yield from settle(block, lineno + 1, offset)
                lineno += len(block)
                offset += sum(map(len, block))
                continue
            for raw in block:
                lineno += 1
                start = offset
                offset += len(raw)
                item = parse_jsonl_line(raw, lineno, start, shown)
                if item is not None:
                    yield item
    except OSError as exc:
        yield CorruptItem(
            shown, lineno + 1, f"cannot read file after line {lineno}: {_why(exc)}", "unreadable"
        )
        return
    if not seen:
        yield CorruptItem(shown, None, _EMPTY)


def parse_jsonl_line(
    raw: bytes, lineno: int, start: int, shown: str
) -> RecordItem | CorruptItem | None:
    """The item for one JSONL line (`start`: its byte offset), or None for a blank line."""
    end = start + len(raw)
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if not raw.strip():
            return None
        # Without its newline, so that a truncated line ends on its own line.
        problem = json_problem(raw.rstrip(b"\r\n"), exc).at(lineno - 1, start)
        return CorruptItem(shown, lineno, f"invalid JSON: {problem}", span=(start, end))
    # Every key is followed by one colon: with no more colons than keys, no key can be
    # doubled, and the precise scan runs only on the rare line that has more.
    colons = raw.count(b":")
    if (
        colons
        and (type(value) is not dict or colons > _shallow_keys(value))
        and colons > _keys(value)
    ):
        return RecordItem(shown, lineno, "", value, tuple(duplicate_keys(raw)), (start, end))
    return RecordItem(shown, lineno, "", value, (), (start, end))


def _read_json(handle: BinaryIO, shown: str) -> Iterator[RecordItem | CorruptItem]:
    try:
        data = handle.read()
    except OSError as exc:
        yield CorruptItem(shown, None, f"cannot read file: {_why(exc)}", "unreadable")
        return
    encoding = _other_encoding(data)
    if encoding is not None:
        yield _undecodable(shown, encoding)
        return
    skipped = len(BOM) if data.startswith(BOM) else 0
    body = data[skipped:]
    if not body.strip():
        yield CorruptItem(shown, None, _EMPTY)
        return
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        problem = json_problem(body, exc)
        yield CorruptItem(shown, problem.line, f"invalid JSON: {problem.at(0, skipped)}")
        return
    colons = body.count(b":")
    doubled = duplicate_keys(body) if colons > _keys(value) else []
    if not isinstance(value, list):
        yield RecordItem(shown, _first_line(body), "", value, tuple(doubled))
        return
    by_element: dict[str, list[tuple[str, int]]] = {}
    for pointer, count in doubled:
        by_element.setdefault("/" + pointer.split("/", 2)[1], []).append((pointer, count))
    # A one-line array (the common compact form) needs no scan: every element is on its line.
    lines = element_lines(body) if b"\n" in body.strip() else [_first_line(body)] * len(value)
    for index, element in enumerate(value):
        at = f"/{index}"
        yield RecordItem(shown, lines[index], at, element, tuple(by_element.get(at, ())))


_CONTAINERS = frozenset((dict, list))


def _shallow_keys(record: dict[str, Any]) -> int:
    """The keys of `record` and of the objects directly in it: a lower bound of `_keys`,
    exact for the usual record (a few fields and an object or two, like `components`),
    and cheap enough to run on every line."""
    count = len(record)
    for item in record.values():
        if type(item) is dict:
            count += len(item)
    return count


def _keys(value: object) -> int:
    """How many keys the objects in `value` hold, at every depth (hot: once per nested record,
    so a set lookup per value and a call only for a container)."""
    items: Iterable[object]
    if type(value) is dict:
        count, items = len(value), value.values()
    elif type(value) is list:
        count, items = 0, value
    else:
        return 0
    for item in items:
        if type(item) in _CONTAINERS:
            count += _keys(item)
    return count


def _other_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32, when `data` starts with its byte order mark."""
    for mark, name in OTHER_BOMS:
        if data.startswith(mark):
            return name
    return None


def _undecodable(shown: str, encoding: str) -> CorruptItem:
    return CorruptItem(
        shown,
        None,
        f"cannot decode: the file is {encoding} (a byte order mark); record files are UTF-8",
        "unreadable",
    )


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _first_line(data: bytes) -> int:
    stripped = data.lstrip()
    return data.count(b"\n", 0, len(data) - len(stripped)) + 1
