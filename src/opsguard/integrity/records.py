"""Streaming readers for record files that keep the file and line of every item.

A `.json` file holds one record or an array of records; a `.jsonl` file holds
one record per line. Reading never stops at a defect: a corrupt file or line
becomes a `CorruptItem` and the reader goes on with the next one. Files are
discovered in sorted path order so that every result is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import orjson

from ..core.files import BOM, element_lines

__all__ = ["RECORD_SUFFIXES", "CorruptItem", "RecordItem", "read_records"]

RECORD_SUFFIXES = (".json", ".jsonl")


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
                if lineno == 1 and raw.startswith(BOM):
                    raw = raw[len(BOM) :]  # noqa: PLW2901
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
    if data.startswith(BOM):
        data = data[len(BOM) :]
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
