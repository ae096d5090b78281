"""The byte-level prefilter: lines it proves clean are never parsed (GitHub issue #13).

A scan that parses every line cannot be faster than parsing; to go below
that floor, a line that cannot hold a finding must not be parsed at all. A
JSONL line can hold a finding only if one of its keys normalizes to a deny
entry, or a value detector can match in it. ONE compiled RE2 pattern per
scanner finds, in C and in one pass over a block of lines, every line where
either could be true:

- every **deny entry** as its letters and digits in order, any case, with
  any run of bytes that normalization drops (`_`, `-`, spaces, `:`...)
  between them: exactly the keys that normalize to contain the entry. An
  exact entry (`hr`) must be a whole key or dotted segment (`"` `.` `/` on
  both sides), a half-open one on its side; `*x*` stands anywhere;
- the **value detectors' prefilter** (`text.TRIGGER_*`, the same superset
  in RE2 syntax: no lookbehind, no possessive quantifiers);
- what could make a line mean something its bytes do not show: a backslash
  (an escape can hide any character), a byte >= 0x80 (Unicode letters
  normalize in ways bytes do not tell; UTF-8 is checked by parsing), and a
  number a double cannot hold (orjson refuses it, the validator would not).

A line the pattern does not touch is proven clean, and it is not parsed if
the block is proven to be valid JSON, one value per line
(`Prefilter._proven_lines`): msgspec validates the whole block in one call
without building Python objects (its `Raw` type), and its values must tile
the lines exactly. A block that fails this (a torn line, CRLF, a blank line,
a value spanning lines, no final newline) is scanned the exact way, so the
result never depends on the prefilter: `tests/test_privacy_prefilter.py`
proves with hypothesis that it reports what walking every line reports, on
generated valid, defective and adversarial lines.

Both engines are optional: without `msgspec` and `google-re2` (the
`opsguard[fast]` extra), `load` returns None and every line is parsed; the
scan is exact either way, only slower. Allowlist mode never uses it (every
key path must be judged).
"""

from __future__ import annotations

import importlib
import re
from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

from .keys import DenyEntry
from .text import TRIGGER_LITERALS, UNITS

__all__ = ["Prefilter", "load"]

# The shortest line that can be nested past orjson's 1024 levels (`[` * 1025 + `]` * 1025).
_DEEP = 2 * 1025
# `text.TRIGGER_LITERALS` and `text.TRIGGER_PATTERNS` in RE2 syntax: each alternative
# matches wherever the original does (at most one byte earlier, never across a newline);
# then a backslash, non-ASCII bytes, and numbers a double cannot hold (a number whose
# exponent has three digits, a run of 300 digits).
_TRIGGERS = (
    rb"[=@\\\t\x80-\xff]|eyJ|[^\"\n]: |(?m:^): |(?i:bearer|oauth) "
    rb"|[\w\-] +-?[0-9]+(?:\.[0-9]+)? *(?i:" + UNITS.encode() + rb")"
    rb"|\.[0-9]{3,} *, *-?[0-9]{1,3}\.[0-9]{3}"
    rb"|(?:[:,\[]|(?m:^))[ \t]*-?[0-9]+(?:\.[0-9]+)?[eE][+\-]?[0-9]{3}|[0-9]{300}"
)
if set(TRIGGER_LITERALS) - {b"=", b"@", b"\\", b"eyJ", b"\t"}:  # pragma: no cover
    raise ImportError("text.TRIGGER_LITERALS changed: update prefilter._TRIGGERS")
# What key normalization drops between two letters or digits of a key, inside its quotes
# (a quote or a newline cannot stand there unescaped; a non-ASCII byte is a trigger).
_DROPPED = rb'[^A-Za-z0-9"\n\x80-\xff]*'
# Between a key's closing quote and its colon.
_KEY_END = rb"[ \t\r]*:"


def _needle(entry: DenyEntry) -> bytes:
    """An entry as bytes a key holding it must contain (any case, dropped bytes between),
    followed by the rest of the key, its closing quote and the colon: only keys count (a
    key-like form inside a string value is escaped, and a backslash is a trigger)."""
    chars = [
        b"[" + bytes([c]) + bytes([c]).upper() + b"]" if chr(c).isalpha() else re.escape(bytes([c]))
        for c in entry.normalized.encode("ascii")
    ]
    left = b"" if entry.open_start else rb'["./]' + _DROPPED
    if entry.open_end:
        right = rb'[^"\n]*"' + _KEY_END
    else:  # the key ends here, or a dotted segment does
        right = _DROPPED + rb'(?:"|[./][^"\n]*")' + _KEY_END
    return left + _DROPPED.join(chars) + right


class Prefilter:
    """The two compiled patterns and the validator for one scanner's deny entries."""

    def __init__(self, entries: Iterable[DenyEntry], re2: Any, msgspec: Any) -> None:
        options = re2.Options()
        options.encoding = re2.Options.Encoding.LATIN1  # bytes, not UTF-8 code points
        options.max_mem = 64 << 20  # room for the whole DFA: it never falls back to the NFA
        options.log_errors = False
        # A non-ASCII entry (a configured name) can only match a key with a non-ASCII byte,
        # which is a trigger already.
        needles = sorted({_needle(e) for e in entries if e.normalized.isascii()})
        pattern = re2.compile(b"|".join([*needles, _TRIGGERS]), options)
        self._search = _searcher(re2, pattern)
        self._decoder = msgspec.json.Decoder(msgspec.Raw)
        self._invalid = (msgspec.DecodeError, RecursionError, ValueError)

    def candidates(self, block: bytes) -> tuple[list[int], list[int], int] | None:
        """The lines of `block` that may hold a finding: their start offsets and their
        indices (0-based, in order), and the number of lines in the block; or None when
        the other lines cannot be proven valid JSON (then scan the block exactly)."""
        proven = self._proven_lines(block)
        if proven is None:
            return None
        lines, long_lines = proven
        starts: list[int] = []
        indices: list[int] = []
        if long_lines:  # rare: only these lines could be nested past orjson's limit
            return self._with_long_lines(block, long_lines, lines)
        search = self._search
        find = block.find
        count = block.count
        size = len(block)
        index = 0
        counted_to = 0
        position = search(block, 0, size)
        while position >= 0:
            begin = block.rfind(b"\n", 0, position) + 1
            index += count(b"\n", counted_to, begin)
            counted_to = begin
            starts.append(begin)
            indices.append(index)
            position = search(block, find(b"\n", position) + 1, size)  # the next line on
        return starts, indices, lines

    def _with_long_lines(
        self, block: bytes, long_lines: list[int], lines: int
    ) -> tuple[list[int], list[int], int]:
        """`candidates` for a block holding lines long enough to nest past orjson's depth
        limit (which msgspec's limit, the interpreter's recursion limit, may not catch):
        every line the pattern touches, and those."""
        ends = [block.find(b"\n")]
        while len(ends) < lines:
            ends.append(block.find(b"\n", ends[-1] + 1))
        taken = set(long_lines)
        search = self._search
        size = len(block)
        position = search(block, 0, size)
        while position >= 0:
            index = bisect_left(ends, position)
            taken.add(index)
            position = search(block, ends[index] + 1, size)
        indices = sorted(taken)
        return [ends[i - 1] + 1 if i else 0 for i in indices], indices, lines

    def _proven_lines(self, block: bytes) -> tuple[int, list[int]] | None:
        """The number of lines of `block` and the indices of the lines long enough to be
        nested past orjson's depth limit, if every line is exactly one valid JSON value
        as orjson sees it at most that deep; else None.

        msgspec validates without building objects, and its values must tile
        the lines: as many values as newlines, every byte outside a value a
        newline (their lengths add up), no newline inside a value, and no
        blank line (with the rest, that also rules out two values side by
        side: msgspec takes `{}{}`). msgspec does not check UTF-8 inside
        strings (non-ASCII lines are candidates anyway) and takes numbers a
        double cannot hold (candidates too: `_TRIGGERS`).
        """
        if not block.endswith(b"\n") or block.startswith(b"\n") or b"\n\n" in block:
            return None
        try:
            values = self._decoder.decode_lines(block)
        except self._invalid:
            return None
        lines = block.count(b"\n")
        if len(values) != lines:
            return None
        joined = b"".join(values)
        if len(joined) + lines != len(block) or b"\n" in joined:
            return None
        # orjson refuses nesting past 1024 levels; msgspec's limit depends on the
        # interpreter's recursion limit. 1025 levels take 2050 bytes at least.
        lengths = list(map(len, values))
        if max(lengths) < _DEEP:
            return lines, []
        return lines, [i for i, length in enumerate(lengths) if length >= _DEEP]


def _searcher(re2: Any, pattern: Any) -> Any:
    """`search(data, pos, endpos) -> start or -1`: the wrapper's own `Match` call when it
    is there (a `Match` object per hit costs more than the search), else the public API."""
    regexp = getattr(pattern, "_regexp", None)
    anchor = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
    if regexp is not None and anchor is not None and hasattr(regexp, "Match"):
        match = regexp.Match

        def low(data: bytes, pos: int, endpos: int) -> int:
            start: int = match(anchor, data, pos, endpos)[0][0]
            return start

        return low

    def public(data: bytes, pos: int, endpos: int) -> int:
        found = pattern.search(data, pos, endpos)
        return -1 if found is None else int(found.start())

    return public


def load(entries: Iterable[DenyEntry]) -> Prefilter | None:
    """The prefilter, or None when its engines (msgspec, google-re2) are not installed."""
    try:
        re2 = importlib.import_module("re2")
        msgspec = importlib.import_module("msgspec")
    except ImportError:
        return None
    return Prefilter(entries, re2, msgspec)
