"""The streaming privacy scan over telemetry files.

Inputs: `.jsonl` (one JSON value per line), `.json` (one document), `.log`
and `.txt` (free text); other files in a directory are skipped and counted,
special files are never opened (`special-file`, a warning). A guard that
cannot see cannot pass: a file it cannot read, binary data (`_is_binary`)
and a directory it cannot list are failing `unreadable` findings, and no
file at all is `no-files`. UTF-16/32 text is decoded by its byte order
mark, NUL bytes are ignored (each a warning that says so). A repeated key
hides nothing: `_walk_raw` walks every occurrence.

Memory does not grow with file size: files are read in blocks of 64 KiB cut
at line ends (a single line longer than that is held whole, so a 50 MB line
costs about its size), and findings beyond the collector's limit are
counted, not kept. A `.json` document must be parsed whole; one over
`MAX_JSON_DOCUMENT` bytes is scanned line by line as text instead.

Speed (denylist mode): JSONL files from `PREFILTER_MIN_SIZE` on go through the
byte prefilter first (`prefilter.py`): lines it proves clean are never
parsed, the rest take the path below. Without it, parsing every line with
orjson is the floor. On top
of it a clean block costs a handful of C-level passes and no Python code per
line (`Scanner._fast_check`): key-set unions against the keys already known
to be safe, level by level through the keys known to hold objects (every
`{` of the block accounted for, or the block takes the exact full pass), and
a byte prefilter for the value detectors (`text.TRIGGER_*`, memchr-driven).
Below each top-level container key the levels are checked without tracking
which line owns which object; only a subtree that holds a denied key is
walked again with owners (`Scanner._subtree_owners`). Only lines that fail
one of these are walked exactly (`Scanner._walk`).
Blocks are small on purpose: a block's parsed objects stay in the CPU caches
(1 MiB blocks measured 50% slower). Allowlist mode walks every line (key
paths depend on nesting).
"""

from __future__ import annotations

import codecs
import json
import os
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate, chain, compress, repeat
from operator import add, is_, ne, not_, or_
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from ..core.files import (
    BOM,
    JSON_TOKEN,
    NON_SPACE,
    OTHER_BOMS,
    Discovery,
    NotRegularFile,
    discover_files,
    display_path,
    json_problem,
    open_regular,
    pointer_segment,
    printable,
)
from ..core.gcpause import gc_paused
from ..core.result import Severity
from .collect import Detection
from .keys import CACHE_LIMIT, KeyClassifier, KeyMatch
from .patterns import PathPatterns
from .prefilter import Prefilter
from .prefilter import load as load_prefilter
from .text import (
    TRIGGER_LITERALS,
    TRIGGER_PATTERNS,
    Hit,
    detect_text,
    may_hit,
    may_hit_text,
    shown_name,
)
from .values import CLASS_NAMES, judge

__all__ = [
    "BLOCK_SIZE",
    "MAX_JSON_DOCUMENT",
    "TELEMETRY_SUFFIXES",
    "Discovery",
    "Policy",
    "ScanStats",
    "Scanner",
    "Sink",
    "discover_telemetry",
]

TELEMETRY_SUFFIXES: tuple[str, ...] = (".jsonl", ".json", ".log", ".txt")
BLOCK_SIZE = 1 << 16
BINARY_PROBE = 8192
MAX_JSON_DOCUMENT = 64 << 20
_CONTAINER_KEYS_LIMIT = 1024
_CACHED_STRING_LIMIT = 256  # longer strings are not cached (memory stays bounded)
# JSONL files from this size on go through the byte prefilter (smaller ones are parsed
# whole: importing and compiling the prefilter costs about 45 ms, a 1 MiB file 5 ms).
PREFILTER_MIN_SIZE = 1 << 20


class _Marker:
    """Sentinels in a block's list of parsed lines."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


# Prefilter offsets meaning "anywhere in the line" (no shortcut).
_ANYWHERE: list[int] = []
_BAD = _Marker("bad")  # not valid JSON (or not UTF-8)
_BLANK = _Marker("blank")  # empty or whitespace only


class Sink(Protocol):
    """What the scanner reports to (`collect.Collector`, or a test's list)."""

    def add(self, detection: Detection) -> None: ...


@dataclass(frozen=True, slots=True)
class Policy:
    """What counts as a violation: the key classifier and, in allowlist mode, the schema."""

    classifier: KeyClassifier
    allow: PathPatterns | None = None


@dataclass(frozen=True, slots=True)
class ScanStats:
    files: int
    lines: int
    skipped_files: int


@dataclass(frozen=True, slots=True)
class _Found:
    """One detection inside a line, before deduplication."""

    code: str
    pointer: str
    key_path: str
    message: str
    column: int | None = None
    raw_path: tuple[str | int, ...] = ()  # real location, for line lookup in a .json document
    why: str = ""  # `--explain`: what proposed and what confirmed the finding


def discover_telemetry(paths: Sequence[Path]) -> Discovery:
    """The telemetry files under `paths`, sorted; unlistable directories are reported."""
    return discover_files(paths, TELEMETRY_SUFFIXES, kind="telemetry", report_unlisted=True)


class Scanner:
    """Scans files and reports every detection to a sink (a `Collector`)."""

    # Whether blocks of JSONL lines go through the byte prefilter first (tests of the exact
    # path turn it off).
    use_prefilter = True

    def __init__(
        self,
        policy: Policy,
        sink: Sink,
        *,
        explain: bool = False,
        prefilter_from: int | None = None,
    ) -> None:
        self.classifier = policy.classifier
        self.allow = policy.allow
        self.sink = sink
        self.explain = explain
        self.lines = 0
        # Denied keys (and free-text key forms) whose value was a look-alike: not reported.
        self.look_alikes = 0
        # Keys seen and classified clean: the C-level fast path compares key sets with it.
        self._safe: set[str] = set()
        # Per object depth: keys seen holding an object or array (the fast path follows them).
        self._container_keys: list[set[str]] = []
        self._key_text: dict[str, bool] = {}
        self._segments: dict[str, str] = {}
        self._string_verdicts: dict[bytes, bool] = {}
        # The byte prefilter (denylist mode, when its engines are installed): lines it
        # proves clean are never parsed. Loaded for the first large JSONL file only, so a
        # scan of small files (or in allowlist mode) does not pay for importing and
        # compiling it.
        self._prefilter: Prefilter | None = None
        self._prefilter_loaded = not self.use_prefilter or self.allow is not None
        self._prefilter_from = PREFILTER_MIN_SIZE if prefilter_from is None else prefilter_from

    # --- files ---------------------------------------------------------------------------------

    def scan(self, paths: Sequence[Path], cwd: Path) -> ScanStats:
        """Scan `paths`; a guard that cannot see cannot pass: a directory it cannot list, a
        file it cannot read or decode, and finding no file at all are failing findings."""
        discovery = discover_telemetry(paths)
        for directory, reason in discovery.unlisted:
            self._report(
                "unreadable",
                display_path(directory, cwd),
                None,
                f"cannot list directory: {reason}; nothing below it was scanned",
                severity="error",
            )
        for special, kind in discovery.special:
            self._report(
                "special-file",
                display_path(special, cwd),
                None,
                f"{kind}, not a regular file: skipped, never opened",
            )
        if not discovery.files:
            shown = ", ".join(display_path(path, cwd) for path in paths[:3])
            more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
            self._report(
                "no-files",
                shown + more,
                None,
                f"no telemetry file ({', '.join(TELEMETRY_SUFFIXES)}) to scan: "
                f"{discovery.skipped} other file(s) or symlinked directories passed over",
                severity="error",
            )
        with gc_paused():
            for file in discovery.files:
                self.scan_file(file, display_path(file, cwd))
        return ScanStats(len(discovery.files), self.lines, discovery.skipped)

    def scan_file(self, file: Path, shown: str) -> None:
        """Scan one file by its suffix; text in UTF-16/32 (by its BOM) is decoded first,
        NUL bytes are ignored, and binary data is a failing `unreadable` finding."""
        try:
            with open_regular(file) as handle:
                head = handle.read(BINARY_PROBE)
                handle.seek(0)
                encoding = _other_encoding(head)
                blocks = _blocks(handle) if encoding is None else _decoded(handle, encoding)
                if encoding is None and _is_binary(head):
                    self._report(
                        "unreadable",
                        shown,
                        None,
                        "binary data, not text (most of its first 8 KiB is neither printable "
                        "text nor UTF-8): what it holds cannot be judged",
                        severity="error",
                    )
                    return
                counter = _NulCounter()
                blocks = counter.strip(blocks)
                name = file.name.lower()
                if name.endswith(".jsonl"):
                    size = os.fstat(handle.fileno()).st_size
                    self._scan_jsonl(blocks, shown, prefilter=size >= self._prefilter_from)
                elif name.endswith(".json"):
                    self._scan_json_document(blocks, shown, os.fstat(handle.fileno()).st_size)
                else:
                    self._scan_text(blocks, shown)
                if encoding is not None:
                    self._report(
                        "unreadable",
                        shown,
                        None,
                        f"{encoding} text (by its byte order mark): decoded and scanned",
                    )
                if counter.nuls:
                    self._report(
                        "unreadable",
                        shown,
                        None,
                        f"{counter.nuls} NUL byte(s) (first at byte {counter.first}): "
                        "ignored, the rest scanned as text",
                    )
        except NotRegularFile as exc:
            self._report("special-file", shown, None, f"{exc.strerror}: skipped, never opened")
        except OSError as exc:
            self._report(
                "unreadable",
                shown,
                None,
                f"cannot read file: {exc.strerror or type(exc).__name__}; nothing in it was "
                "scanned",
                severity="error",
            )

    # --- JSONL ---------------------------------------------------------------------------------

    def _scan_jsonl(self, blocks: Iterable[bytes], shown: str, *, prefilter: bool = False) -> None:
        start = 0  # lines of this file before the block
        offset = 0  # bytes of this file before the block
        if prefilter and not self._prefilter_loaded:
            self._prefilter = load_prefilter(self.classifier.entries)
            self._prefilter_loaded = True
        use = self._prefilter if prefilter else None
        for data in blocks:
            block = data[len(BOM) :] if start == 0 and data.startswith(BOM) else data
            offset += len(data) - len(block)
            found = use.candidates(block) if use is not None else None
            if found is not None:
                starts, indices, count = found
                if starts:
                    self._scan_candidates(block, starts, indices, shown, start=start, offset=offset)
                start += count
                offset += len(block)
                self.lines += count
                continue
            lines = _Lines(block)
            objects = _parse_lines(lines.lines)
            count = len(objects)
            keyed: set[int] | None = None  # None: every line may hold a reportable key
            texts: dict[int, list[int]]
            if self.allow is None:
                texts, keyed = self._fast_check(objects, lines)
                slow: Sequence[int] = sorted(texts.keys() | keyed)
            else:
                texts, slow = dict.fromkeys(range(count), _ANYWHERE), range(count)
            for index in slow:
                self._jsonl_line(
                    lines.lines[index],
                    objects[index],
                    shown,
                    start + index + 1,
                    triggers=texts.get(index),
                    keys=keyed is None or index in keyed,
                    offset=offset + lines.start_of(index),
                )
            start += count
            offset += len(block)
            self.lines += count

    def _scan_candidates(
        self,
        block: bytes,
        starts: list[int],
        indices: list[int],
        shown: str,
        *,
        start: int,
        offset: int,
    ) -> None:
        """The lines of a proven block that the prefilter could not clear, scanned like a
        block of their own (the key-set fast path, then the exact walk where needed)."""
        find = block.find
        raws = [block[begin : find(b"\n", begin)] for begin in starts]
        lines = _Lines(b"\n".join(raws) + b"\n")
        objects = _parse_lines(lines.lines)
        texts, keyed = self._fast_check(objects, lines)
        for index in sorted(texts.keys() | keyed):
            self._jsonl_line(
                raws[index],
                objects[index],
                shown,
                start + indices[index] + 1,
                triggers=texts.get(index),
                keys=index in keyed,
                offset=offset + starts[index],
            )

    def _jsonl_line(
        self,
        raw: bytes,
        value: object,
        shown: str,
        line: int,
        *,
        triggers: list[int] | None,
        keys: bool,
        offset: int = 0,
    ) -> None:
        """The exact check of one line the fast path could not clear.

        `triggers`: where the text prefilter matched (None: nowhere, so the
        value detectors are skipped). A line sent here by the prefilter alone
        (its keys are all known safe) and without a backslash gets a
        shortcut: its strings appear verbatim between quotes, so only the
        strings holding a prefilter match can hold a detection.
        """
        if value is _BLANK:
            return
        if value is _BAD:
            self._report(
                "unreadable", shown, line, f"{_not_json(raw, offset)}: the line was scanned as text"
            )
            self._emit(self._text_line(raw), shown, line)
            return
        if not keys and triggers and not self._strings_may_hit(raw, triggers):
            return
        self._emit(self._walk_raw(raw, value, strings=triggers is not None), shown, line)

    def _walk_raw(self, raw: bytes, value: object, *, strings: bool = True) -> list[_Found]:
        """`_walk` of a parsed line or document, seeing every occurrence of a repeated key.

        orjson keeps a repeated key's last value and says nothing, so
        `{"note": "jane@example.org", "note": "ok"}` would hide the address.
        When the raw bytes hold more key-like `"...":` than the parsed value
        has keys (a cheap count; strings holding `":` count too), the bytes
        are parsed again keeping every (key, value) pair, and that is walked.
        """
        found, keys = self._walk(value, strings=strings)
        if len(_KEY_END.findall(raw)) <= keys:
            return found
        try:
            pairs = json.loads(raw, object_pairs_hook=_Pairs)
        except (ValueError, RecursionError):  # orjson read it; deeper than json's stack
            return found
        return self._walk(pairs, strings=strings)[0]

    def _strings_may_hit(self, raw: bytes, triggers: list[int]) -> bool:
        """Whether a detector matches in a string holding a trigger (True when unsure)."""
        if triggers is _ANYWHERE or b"\\" in raw:
            return True
        checked: set[int] = set()
        for offset in triggers:
            opening = raw.rfind(b'"', 0, offset)
            if opening < 0 or raw.count(b'"', 0, opening) % 2:
                return True  # outside a string (JSON whitespace, say): no shortcut
            if opening in checked:
                continue
            checked.add(opening)
            closing = raw.find(b'"', offset)
            if closing < 0:
                return True
            if self._string_may_hit(raw[opening + 1 : closing]):
                return True
        return False

    def _string_may_hit(self, raw: bytes) -> bool:
        """Whether a detector matches in one string's bytes (short ones cached: messages repeat)."""
        cached = self._string_verdicts.get(raw)
        if cached is None:
            # Look-alikes count as hits here: the walk must see them to count them.
            text = raw.decode("utf-8", "replace")
            cached = bool(detect_text(text, self.classifier, look_alikes=True))
            if len(raw) <= _CACHED_STRING_LIMIT and len(self._string_verdicts) < CACHE_LIMIT:
                self._string_verdicts[raw] = cached
        return cached

    # --- the fast path -------------------------------------------------------------------------

    def _fast_check(
        self, objects: list[Any], lines: _Lines
    ) -> tuple[dict[int, list[int]], set[int]]:
        """Lines whose strings may hit a detector (with the offsets of the prefilter's
        matches; `_ANYWHERE` for a line to walk whole), and lines that may hold a denied key.

        Everything here is C-level passes over the whole block; Python code
        runs per distinct new key and per container key, not per line.
        """
        count = len(objects)
        texts = _triggered(lines)
        level: list[Any]
        owners: Sequence[int]
        if set(map(type, objects)) == {dict}:
            level, owners = objects, range(count)
        else:  # top-level arrays, strings, blank and invalid lines: walked (or read as text)
            mask = list(map(is_, map(type, objects), repeat(dict)))
            texts.update(dict.fromkeys(compress(range(count), map(not_, mask)), _ANYWHERE))
            level, owners = list(compress(objects, mask)), list(compress(range(count), mask))
        keyed = self._denied_owners(level, owners, lines.block)
        if keyed is None:  # an object the known container keys do not reach: the full pass
            keyed = set(self._keys_full(level, owners, lines.lines))
        return texts, keyed

    def _denied_owners(
        self, level: list[Any], owners: Sequence[int], block: bytes
    ) -> set[int] | None:
        """Lines holding a denied key at any depth, or None if not every object was reached.

        The union of the top-level key sets against the known safe keys (the
        owners of objects with a denied key from one more pass), then, for
        each (safe) key known to hold objects or arrays, the subtree below it
        level by level (`_subtree_clean`) without tracking owners; only a
        subtree holding a denied key is walked again with owners
        (`_subtree_owners`). Every `{` in the block must be an object reached,
        or the result is None (a new container key, or a brace inside a string).
        """
        braces = block.count(b"{")
        safe = self._safe
        flagged: set[int] = set()
        keys: set[str] = set().union(*level)
        if not safe.issuperset(keys):
            self._classify_new(keys - safe)
            denied = keys - safe
            if denied:
                flagged.update(compress(owners, map(not_, map(denied.isdisjoint, level))))
        seen = len(level)
        known = self._container_keys[0] if self._container_keys else ()
        for key in keys.intersection(known):
            values = list(map(dict.get, level, repeat(key)))
            below: list[Any] = []
            _gather(values, below)
            if not below:
                continue
            count, clean = self._subtree_clean(below)
            seen += count
            if not clean:
                flagged.update(self._subtree_owners(values, owners))
        if seen != braces:
            return None
        return flagged

    def _subtree_clean(self, level: list[Any]) -> tuple[int, bool]:
        """The objects below one top-level key (depth 1 on): how many were reached through
        the known container keys, and whether all their keys are safe."""
        safe = self._safe
        container_keys = self._container_keys
        seen = 0
        clean = True
        depth = 1
        while level:
            seen += len(level)
            keys: set[str] = set().union(*level)
            if not safe.issuperset(keys):
                self._classify_new(keys - safe)
                clean = clean and safe.issuperset(keys)
            if depth >= len(container_keys):
                break
            next_level: list[Any] = []
            for key in keys.intersection(container_keys[depth]):
                _gather(list(map(dict.get, level, repeat(key))), next_level)
            level = next_level
            depth += 1
        return seen, clean

    def _subtree_owners(self, values: list[Any], owners: Sequence[int]) -> set[int]:
        """The owners of the denied keys below one top-level key's `values` (the same
        levels as `_subtree_clean`, with owners)."""
        level: list[Any] = []
        level_owners: list[int] = []
        _containers(values, owners, level, level_owners)
        safe = self._safe
        container_keys = self._container_keys
        flagged: set[int] = set()
        depth = 1
        while level:
            keys: set[str] = set().union(*level)
            denied = keys - safe
            if denied:
                flagged.update(compress(level_owners, map(not_, map(denied.isdisjoint, level))))
            if depth >= len(container_keys):
                break
            next_level: list[Any] = []
            next_owners: list[int] = []
            for key in keys.intersection(container_keys[depth]):
                _containers(
                    list(map(dict.get, level, repeat(key))), level_owners, next_level, next_owners
                )
            level, level_owners = next_level, next_owners
            depth += 1
        return flagged

    def _classify_new(self, keys: set[str]) -> None:
        """Classify keys not yet known safe and remember the safe ones."""
        classify = self.classifier.classify
        safe = self._safe
        for key in keys:
            if classify(key) is None and len(safe) < CACHE_LIMIT:
                safe.add(key)

    def _keys_full(
        self, level: list[Any], owners: Sequence[int], raw_lines: list[bytes]
    ) -> list[int]:
        """Every value of every object, level by level, with owners; learns container keys.

        Also the owners whose line holds more `{` than objects were reached:
        a brace inside a string, or an object orjson dropped for a repeated
        key (`{"p": {"rhr": 52}, "p": {}}`); the exact walk sees every pair.
        """
        bad: list[int] = []
        depth = 0
        reached: Counter[int] = Counter()
        top = list(owners)
        while level:
            reached.update(owners)
            bad.extend(self._unsafe_owners(level, owners))
            values = list(chain.from_iterable(map(dict.values, level)))
            value_owners = list(chain.from_iterable(map(repeat, owners, map(len, level))))
            kinds = list(map(type, values))
            dict_mask = list(map(is_, kinds, repeat(dict)))
            list_mask = list(map(is_, kinds, repeat(list)))
            next_level = list(compress(values, dict_mask))
            next_owners = list(compress(value_owners, dict_mask))
            if next_level or any(list_mask):
                while len(self._container_keys) <= depth:
                    self._container_keys.append(set())
                known = self._container_keys[depth]
                if len(known) < _CONTAINER_KEYS_LIMIT:
                    keys = chain.from_iterable(map(dict.keys, level))
                    known.update(compress(keys, map(or_, dict_mask, list_mask)))
            if any(list_mask):
                _flatten_lists(
                    list(compress(values, list_mask)),
                    list(compress(value_owners, list_mask)),
                    next_level,
                    next_owners,
                )
            level, owners = next_level, next_owners
            depth += 1
        braces = list(map(bytes.count, map(raw_lines.__getitem__, top), repeat(b"{")))
        reached_counts = list(map(reached.__getitem__, top))
        bad.extend(compress(top, map(ne, braces, reached_counts)))
        return bad

    def _unsafe_owners(self, level: list[Any], owners: Sequence[int]) -> list[int]:
        """Owners of the objects with a key not known to be safe (classifying new keys)."""
        safe = self._safe
        if all(map(safe.issuperset, level)):
            return []
        unsafe: list[int] = []
        for index in compress(range(len(level)), map(not_, map(safe.issuperset, level))):
            fresh = set(level[index]) - safe
            self._classify_new(fresh)
            if not safe.issuperset(fresh):
                unsafe.append(owners[index])
        return unsafe

    # --- the exact walk ------------------------------------------------------------------------

    def _walk(self, root: object, *, strings: bool = True) -> tuple[list[_Found], int]:
        """Every detection in one JSON value, in document order, and the number of keys seen.

        Iterative (orjson allows 1024 levels; Python's recursion limit is
        lower). Locations are parent-linked frames `(parent, key or index)`,
        turned into pointers only for a finding. A denied key is reported
        only when its value confirms it (`values.judge`); a look-alike is
        counted. A denied key holding an object or array is reported at the
        key only when nothing inside it was and the container confirms it:
        findings point at the leaves. `strings=False` skips the value
        detectors (the fast path proved the line's bytes cannot trigger them).
        Objects are dicts, or `_Pairs` (every pair of an object with a
        repeated key).
        """
        found: list[_Found] = []
        classify = self.classifier.classify
        allow = self.allow
        fast = allow is None
        safe = self._safe
        key_text = self._key_may_hit
        key_count = 0
        # (value, frame, under an unknown key, pending container finding)
        stack: list[Any] = [(root, None, False, None)]
        while stack:
            item = stack.pop()
            if type(item) is _Pending:
                if len(found) == item.mark:
                    hit = self._confirm(item.match, item.value, item.frame, item.key)
                    if hit is not None:
                        found.append(hit)
                continue
            value, frame, unknown, pending = item
            if pending is not None:
                pending.mark = len(found)
            children: list[Any] = []
            kind_of_value = type(value)
            if kind_of_value is dict or kind_of_value is _Pairs:
                pairs = value.items() if kind_of_value is dict else value
                key_count += len(value)
                for key, child in pairs:
                    kind = type(child)
                    container = kind is dict or kind is list or kind is _Pairs
                    if fast and key in safe and not (strings and key_text(key)):
                        # A known clean key (the common case): only its value matters.
                        if container:
                            children.append((child, (frame, key), False, None))
                        elif strings and kind is str and may_hit_text(child):
                            self._string_hits(child, (frame, key), found, "in a string value")
                        continue
                    here = (frame, key)
                    child_unknown = unknown
                    if allow is not None and not unknown:
                        path = _key_path(here)
                        if not allow.allows(path, container):
                            child_unknown = True
                            found.append(
                                self._found(
                                    "unknown-field",
                                    here,
                                    f"key {_shown_path(path)} is not declared in privacy.allow",
                                )
                            )
                    if strings and key_text(key):
                        self._string_hits(key, here, found, "in a key name")
                    match = classify(key)
                    child_pending: _Pending | None = None
                    if match is not None and not _is_empty(child):
                        if container:
                            child_pending = _Pending(match, child, here, key)
                        else:
                            hit = self._confirm(match, child, here, key)
                            if hit is not None:
                                found.append(hit)
                    if container:
                        children.append((child, here, child_unknown, child_pending))
                    elif strings and kind is str and may_hit_text(child):
                        self._string_hits(child, here, found, "in a string value")
            elif kind_of_value is list:
                for index, child in enumerate(value):
                    kind = type(child)
                    if kind is dict or kind is list or kind is _Pairs:
                        children.append((child, (frame, index), unknown, None))
                    elif strings and kind is str and may_hit_text(child):
                        self._string_hits(child, (frame, index), found, "in a string value")
            elif strings and kind_of_value is str and may_hit_text(value):
                self._string_hits(value, frame, found, "in a string value")
            for child_item in reversed(children):
                if child_item[3] is not None:
                    stack.append(child_item[3])
                stack.append(child_item)
        return found, key_count

    def _confirm(self, match: KeyMatch, value: object, frame: _Frame, key: str) -> _Found | None:
        """The finding for a denied key if its value confirms it; None (counted) if not."""
        verdict = judge(match.value_class, _plain(value))
        if not verdict.confirmed:
            self.look_alikes += 1
            return None
        message = f"{match.label} key {shown_name(key)} holding {verdict.shape}"
        found = self._found(match.group, frame, message)
        if self.explain:
            found = replace(found, why=_why(match.value_class, match.entry, verdict.shape))
        return found

    def _confirmed_hits(self, text: str) -> Iterator[Hit]:
        """`detect_text`'s hits in `text`; the look-alikes among them are counted, not given."""
        for hit in detect_text(text, self.classifier, look_alikes=True):
            if hit.confirmed:
                yield hit
            else:
                self.look_alikes += 1

    def _string_hits(self, text: str, frame: _Frame, found: list[_Found], place: str) -> None:
        for hit in self._confirmed_hits(text):
            item = self._found(hit.code, frame, f"{_describe(hit)} {place}")
            if hit.key:
                item = replace(item, key_path=_join(item.key_path, hit.key))
            if self.explain:
                item = replace(item, why=_hit_why(hit))
            found.append(item)

    def _found(self, code: str, frame: _Frame, message: str) -> _Found:
        raw = _raw_path(frame)
        pointer = "".join(
            f"/{part}" if type(part) is int else f"/{self._segment(str(part))}" for part in raw
        )
        return _Found(code, pointer, _key_path(frame), message, raw_path=raw)

    def _key_may_hit(self, key: str) -> bool:
        cached = self._key_text.get(key)
        if cached is None:
            cached = may_hit_text(key)
            if len(self._key_text) < CACHE_LIMIT:
                self._key_text[key] = cached
        return cached

    def _segment(self, key: str) -> str:
        """A JSON pointer segment (RFC 6901), or `<redacted>` for a key that looks like a value."""
        cached = self._segments.get(key)
        if cached is None:
            shown = shown_name(key)
            cached = pointer_segment(key) if shown != "<redacted>" else shown
            if len(self._segments) < CACHE_LIMIT:
                self._segments[key] = cached
        return cached

    # --- JSON documents ------------------------------------------------------------------------

    def _scan_json_document(self, blocks: Iterable[bytes], shown: str, size: int) -> None:
        if size > MAX_JSON_DOCUMENT:
            self._report(
                "unreadable",
                shown,
                None,
                f"JSON document over {MAX_JSON_DOCUMENT >> 20} MiB: scanned line by line as text",
            )
            self._scan_text(blocks, shown)
            return
        data = b"".join(blocks)
        if data.startswith(BOM):
            data = data[len(BOM) :]
        line_count = data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
        self.lines += line_count
        if not data.strip():
            return
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            problem = json_problem(data, exc)
            self._report(
                "unreadable",
                shown,
                problem.line,
                f"not valid JSON: {problem.reason} at column {problem.column} (byte "
                f"{problem.offset}): scanned as text",
            )
            for index, raw in enumerate(data.split(b"\n")):
                if may_hit(raw, quotes=True):
                    self._emit(self._text_line(raw), shown, index + 1)
            return
        found = self._walk_raw(data, document)
        if not found:
            return
        lines = _pointer_lines(data, {f.raw_path for f in found})
        by_line: dict[int, list[_Found]] = {}
        for item in found:
            by_line.setdefault(lines.get(item.raw_path, 1), []).append(item)
        for line in sorted(by_line):
            self._emit(by_line[line], shown, line)

    # --- text ----------------------------------------------------------------------------------

    def _scan_text(self, blocks: Iterable[bytes], shown: str) -> None:
        start = 0  # lines of this file before the block
        offset = 0  # bytes of this file before the block
        for data in blocks:
            block = data[len(BOM) :] if start == 0 and data.startswith(BOM) else data
            offset += len(data) - len(block)
            lines = _Lines(block)
            slow = set(_triggered(lines, quotes=True))
            invalid: dict[int, int] = {}  # line index: offset of its first byte not UTF-8
            try:
                block.decode("utf-8")
            except UnicodeDecodeError:
                invalid = {
                    i: bad
                    for i, raw in enumerate(lines.lines)
                    if (bad := _invalid_utf8_at(raw)) is not None
                }
                slow.update(invalid)
            for index in sorted(slow):
                raw = lines.lines[index]
                bad = invalid.get(index)
                if bad is not None:
                    self._report(
                        "unreadable",
                        shown,
                        start + index + 1,
                        f"invalid UTF-8 at column {bad + 1} (byte "
                        f"{offset + lines.start_of(index) + bad}): the line was scanned with "
                        "replacement characters",
                    )
                self._emit(self._text_line(raw), shown, start + index + 1)
            start += len(lines.lines)
            offset += len(block)
            self.lines += len(lines.lines)

    def _text_line(self, raw: bytes) -> list[_Found]:
        text = raw.decode("utf-8", "replace")
        found: list[_Found] = []
        for hit in self._confirmed_hits(text):
            message = f"{_describe(hit)} in free text"
            why = _hit_why(hit) if self.explain else ""
            found.append(_Found(hit.code, "", hit.key, message, hit.column, why=why))
        return found

    # --- output --------------------------------------------------------------------------------

    def _emit(self, found: list[_Found], shown: str, line: int | None) -> None:
        """One detection per (code, key path, kind) and line; repeats are counted in the message."""
        if not found:
            return
        groups: dict[tuple[str, str, str], list[Any]] = {}
        for item in found:
            group = groups.get((item.code, item.key_path, item.message))
            if group is None:
                groups[(item.code, item.key_path, item.message)] = [item, 1]
            else:
                group[1] += 1
        for item, times in groups.values():
            message = item.message
            if item.column is not None:
                message += f" (column {item.column})"
            if times > 1:
                message += f" ({times} times on this line)"
            message += item.why
            self._report(
                item.code, shown, line, message, pointer=item.pointer, key_path=item.key_path
            )

    def _report(
        self,
        code: str,
        shown: str,
        line: int | None,
        message: str,
        *,
        pointer: str = "",
        key_path: str = "",
        severity: Severity | None = None,
    ) -> None:
        """Hand one detection to the sink. `unreadable` and `special-file` are warnings
        (the input was still scanned as text, or is no telemetry) unless `severity` says
        otherwise: what could not be seen at all fails."""
        if severity is None:
            severity = "warning" if code in _WARNING_CODES else "error"
        self.sink.add(Detection(code, severity, shown, line, pointer, key_path, message))


class _Pending:
    """A container-valued denied key, reported only if nothing below it was (and then
    only if the container confirms it)."""

    __slots__ = ("frame", "key", "mark", "match", "value")

    def __init__(self, match: KeyMatch, value: object, frame: _Frame, key: str) -> None:
        self.match = match
        self.value = value
        self.frame = frame
        self.key = key
        self.mark = -1


class _Pairs(list[tuple[str, Any]]):
    """An object's (key, value) pairs in order, repeated keys kept (`_walk_raw`)."""

    def items(self) -> list[tuple[str, Any]]:
        return self


def _plain(value: object) -> object:
    """`value` with `_Pairs` turned into dicts (the last pair wins), for `values.judge`."""
    if type(value) is _Pairs:
        return {key: _plain(child) for key, child in value}
    if type(value) is list:
        return [_plain(child) for child in value]
    return value


def _describe(hit: Hit) -> str:
    """A value detector's hit in words: the kind; a key form's key and value shape."""
    return f"{hit.label} {hit.detail} holding {hit.shape}" if hit.key else hit.detail


def _hit_why(hit: Hit) -> str:
    if not hit.key:
        return f" [why: the {hit.detail} detector matched]"
    return _why(hit.value_class, hit.entry, hit.shape)


def _why(value_cls: str, entry: str, shape: str) -> str:
    """The `--explain` suffix: the key class and the entry that proposed, the shape that
    confirmed. Never the value."""
    return (
        f" [why: key class {CLASS_NAMES.get(value_cls, value_cls)} (deny entry "
        f"'{printable(entry)}'); value shape {shape}]"
    )


# The end of a key in raw JSON: a quote, optional whitespace, a colon (`_walk_raw`).
_KEY_END = re.compile(rb'"[ \t\r\n]*:')


# A location inside a JSON value: (parent frame, key or array index); None is the top.
_Frame = tuple[Any, str | int] | None


def _raw_path(frame: _Frame) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    while frame is not None:
        frame, part = frame
        parts.append(part)
    return tuple(reversed(parts))


def _key_path(frame: _Frame) -> str:
    """Dotted object keys from the top, array indices left out (what patterns match)."""
    return ".".join(part for part in _raw_path(frame) if type(part) is str)


class _Lines:
    """A block's lines, with a lazy map from byte offsets to line indices."""

    __slots__ = ("_ends", "block", "lines")

    def __init__(self, block: bytes) -> None:
        self.block = block
        self.lines = block.split(b"\n")
        if self.lines[-1] == b"":
            self.lines.pop()
        self._ends: list[int] | None = None

    def index_at(self, offset: int) -> int:
        """The index of the line holding the byte at `offset`."""
        return bisect_right(self._line_ends(), offset)

    def start_of(self, index: int) -> int:
        """The offset of the first byte of line `index`."""
        return self._line_ends()[index - 1] if index else 0

    def _line_ends(self) -> list[int]:
        if self._ends is None:
            self._ends = list(accumulate(map(add, map(len, self.lines), repeat(1))))
        return self._ends


def _join(key_path: str, key: str) -> str:
    return f"{key_path}.{key}" if key_path else key


def _shown_path(path: str) -> str:
    parts = [shown_name(part) for part in path.split(".")]
    if any(part == "<redacted>" for part in parts):
        return "<redacted>"
    return "'" + ".".join(part[1:-1] for part in parts) + "'"


def _is_empty(value: object) -> bool:
    return value is None or value in ("", {}, [])


def _parse_lines(lines: list[bytes]) -> list[Any]:
    """Parse every line: one orjson call per line through `map`, one by one only on an error."""
    try:
        return list(map(orjson.loads, lines))
    except orjson.JSONDecodeError:
        pass
    parsed: list[Any] = []
    for raw in lines:
        try:
            parsed.append(orjson.loads(raw))
        except orjson.JSONDecodeError:
            parsed.append(_BLANK if not raw.strip() else _BAD)
    return parsed


# The prefilter over a whole block. Bytes are found with `bytes.find` (memchr, about 0.01
# ns a byte, where a regex scan or a multi-byte search costs 0.25 to 2.5): a literal is
# located by its last byte, then compared. The two patterns start with a literal byte (so
# the regex engine skips ahead fast) and run only on a block that holds that byte.
_QUOTE = b'"'


def _triggered(lines: _Lines, *, quotes: bool = False) -> dict[int, list[int]]:
    """The lines the value-detector prefilter (`text.TRIGGER_*`) touches, with the offsets
    (in the line) where it did."""
    block = lines.block
    hits: dict[int, list[int]] = {}
    literals = (*TRIGGER_LITERALS, _QUOTE) if quotes else TRIGGER_LITERALS
    for literal in literals:
        last_byte, before = literal[-1:], len(literal) - 1
        position = block.find(last_byte)
        while position >= 0:
            start = position - before
            if start >= 0 and block.startswith(literal, start):
                index = lines.index_at(start)
                hits.setdefault(index, []).append(start - lines.start_of(index))
            position = block.find(last_byte, position + 1)
    for gate, pattern in TRIGGER_PATTERNS:
        if gate in block:
            for found in pattern.finditer(block):
                index = lines.index_at(found.start())
                hits.setdefault(index, []).append(found.start() - lines.start_of(index))
    hits.pop(len(lines.lines), None)  # past the last newline: nothing
    return hits


def _containers(
    values: list[Any], owners: Sequence[int], dicts: list[Any], dict_owners: list[int]
) -> None:
    """Append the objects among `values` (and inside its arrays) to `dicts`, with owners.

    An empty object may be passed over: the brace count then sends the block
    to the full pass, which is exact.
    """
    kinds = set(map(type, values))
    if kinds == {dict}:
        dicts.extend(values)
        dict_owners.extend(owners)
        return
    if kinds <= _DICT_OR_NONE:
        dicts.extend(compress(values, values))
        dict_owners.extend(compress(owners, values))
        return
    if not kinds & _CONTAINER_TYPES:
        return
    types = list(map(type, values))
    mask = list(map(is_, types, repeat(dict)))
    dicts.extend(compress(values, mask))
    dict_owners.extend(compress(owners, mask))
    if list in kinds:
        mask = list(map(is_, types, repeat(list)))
        _flatten_lists(
            list(compress(values, mask)), list(compress(owners, mask)), dicts, dict_owners
        )


def _gather(values: list[Any], dicts: list[Any]) -> None:
    """`_containers` without owners: append the objects among `values` (and inside
    its arrays) to `dicts`; empty objects may be passed over (see `_containers`)."""
    if values and (values[0] is None or values[-1] is None):  # a key most objects lack
        values = list(filter(None, values))
    while values:
        kinds = set(map(type, values))
        if kinds == _DICT:
            dicts.extend(values)
            return
        if kinds <= _DICT_OR_NONE:
            dicts.extend(filter(None, values))
            return
        if not kinds & _CONTAINER_TYPES:
            return
        if list not in kinds:
            dicts.extend(compress(values, map(is_, map(type, values), repeat(dict))))
            return
        types = list(map(type, values))
        if dict in kinds:
            dicts.extend(compress(values, map(is_, types, repeat(dict))))
        values = list(chain.from_iterable(compress(values, map(is_, types, repeat(list)))))


_DICT = frozenset({dict})
_DICT_OR_NONE = frozenset({dict, type(None)})
_CONTAINER_TYPES = frozenset({dict, list})


def _flatten_lists(
    lists: list[Any], owners: Sequence[int], dicts: list[Any], dict_owners: list[int]
) -> None:
    """Append the objects inside (nested) arrays to `dicts`, with owners."""
    while lists:
        elements = list(chain.from_iterable(lists))
        element_owners = list(chain.from_iterable(map(repeat, owners, map(len, lists))))
        kinds = set(map(type, elements))
        if kinds == {dict}:
            dicts.extend(elements)
            dict_owners.extend(element_owners)
            break
        types = list(map(type, elements))
        mask = list(map(is_, types, repeat(dict)))
        dicts.extend(compress(elements, mask))
        dict_owners.extend(compress(element_owners, mask))
        if list not in kinds:
            break
        mask = list(map(is_, types, repeat(list)))
        lists = list(compress(elements, mask))
        owners = list(compress(element_owners, mask))


def _blocks(handle: IO[bytes]) -> Iterator[bytes]:
    """Blocks of whole lines, about BLOCK_SIZE each; the last may lack its newline."""
    return _whole_lines(iter(lambda: handle.read(BLOCK_SIZE), b""))


def _decoded(handle: IO[bytes], encoding: str) -> Iterator[bytes]:
    """`_blocks` of a UTF-16 or UTF-32 file (the codec reads its BOM), re-encoded as UTF-8;
    undecodable units become replacement characters."""
    decoder = codecs.getincrementaldecoder(encoding.lower())(errors="replace")

    def chunks() -> Iterator[bytes]:
        while data := handle.read(BLOCK_SIZE):
            yield decoder.decode(data).encode("utf-8", "surrogatepass")
        yield decoder.decode(b"", final=True).encode("utf-8", "surrogatepass")

    return _whole_lines(chunk for chunk in chunks() if chunk)


def _whole_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Chunks regrouped into blocks that end at a newline; the last may lack its newline."""
    parts: list[bytes] = []
    for data in chunks:
        cut = data.rfind(b"\n")
        if cut < 0:
            parts.append(data)
            continue
        parts.append(data[: cut + 1])
        yield b"".join(parts)
        parts = [data[cut + 1 :]] if cut + 1 < len(data) else []
    if parts:
        yield b"".join(parts)


def _pointer_lines(
    data: bytes, wanted: set[tuple[str | int, ...]]
) -> dict[tuple[str | int, ...], int]:
    """The line of each wanted location in a parsed JSON document (keys and array elements).

    orjson gives no positions, so this walks the tokens once, tracking the
    path; it stops as soon as every wanted location has a line.
    """
    lines: dict[tuple[str | int, ...], int] = {}
    first = NON_SPACE.search(data)
    line = 1 + data.count(b"\n", 0, first.start() if first else 0)
    lines[()] = line
    remaining = set(wanted) - {()}
    # Frames: [is_object, current key or index, expecting a key]
    stack: list[list[Any]] = []
    counted_to = 0
    for match in JSON_TOKEN.finditer(data):
        if not remaining:
            break
        token = match.group()
        line += data.count(b"\n", counted_to, match.start())
        counted_to = match.start()
        head = token[:1]
        if head == b"{":
            stack.append([True, None, True])
        elif head == b"[":
            stack.append([False, 0, False])
            _element_line(data, match.end(), line, stack=stack, lines=lines, remaining=remaining)
        elif head in (b"}", b"]"):
            if stack:
                stack.pop()
        elif head == b",":
            if stack:
                top = stack[-1]
                if top[0]:
                    top[2] = True
                else:
                    top[1] += 1
                    _element_line(
                        data, match.end(), line, stack=stack, lines=lines, remaining=remaining
                    )
        elif head == b":":
            if stack:
                stack[-1][2] = False
        elif stack and stack[-1][0] and stack[-1][2]:
            stack[-1][1] = orjson.loads(token)
            path = tuple(frame[1] for frame in stack)
            if path in remaining:
                lines[path] = line
                remaining.discard(path)
    return lines


def _element_line(
    data: bytes,
    after: int,
    line: int,
    *,
    stack: list[list[Any]],
    lines: dict[tuple[str | int, ...], int],
    remaining: set[tuple[str | int, ...]],
) -> None:
    following = NON_SPACE.search(data, after)
    if following is None or following.group() == b"]":
        return
    path = tuple(frame[1] for frame in stack)
    if path in remaining:
        lines[path] = line + data.count(b"\n", after, following.start())
        remaining.discard(path)


# Codes that are warnings unless the scanner says otherwise (see `Scanner._report`).
_WARNING_CODES = frozenset({"unreadable", "special-file"})
# Bytes that are neither text nor whitespace: C0 controls but tab, newline, CR, FF, VT; DEL.
_CONTROL_BYTES = bytes([*range(0x01, 0x09), 0x0E, 0x0F, *range(0x10, 0x1B), *range(0x1C, 0x20)])
_CONTROL_BYTES += b"\x7f"


def _other_encoding(head: bytes) -> str | None:
    """`UTF-16` or `UTF-32` when the file starts with that byte order mark, else None."""
    for bom, name in OTHER_BOMS:
        if head.startswith(bom):
            return name
    return None


def _is_binary(head: bytes) -> bool:
    """Whether the first bytes of a file are binary data rather than text.

    NUL bytes are left out first (NUL-padded text and UTF-16 without a BOM
    are text with NULs); then binary data is at least 30% control bytes or
    bytes that are not UTF-8 (random bytes and compressed data are over 50%;
    Latin-1 prose and a log line with a stray control byte far below).
    """
    data = head.replace(b"\x00", b"")
    if not data:
        return False
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    invalid = data.decode("utf-8", "replace").count("\ufffd") if not data.isascii() else 0
    return (controls + invalid) * 10 >= len(data) * 3


class _NulCounter:
    """Takes NUL bytes out of a file's blocks, counting them and noting the first one."""

    __slots__ = ("first", "nuls")

    def __init__(self) -> None:
        self.nuls = 0
        self.first = -1

    def strip(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        offset = 0
        for block in blocks:
            if b"\x00" in block:
                if self.first < 0:
                    self.first = offset + block.index(b"\x00")
                count = block.count(b"\x00")
                self.nuls += count
                offset += len(block)
                yield block.replace(b"\x00", b"")
            else:
                offset += len(block)
                yield block


def _not_json(raw: bytes, offset: int) -> str:
    """Why a JSONL line is not JSON, in plain words, with its column and file byte offset."""
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        problem = json_problem(raw, exc)
        return (
            f"not valid JSON: {problem.reason} at column {problem.column} "
            f"(byte {offset + problem.offset})"
        )
    return "not valid JSON"  # pragma: no cover - only called for lines orjson refused


def _invalid_utf8_at(raw: bytes) -> int | None:
    """The offset of the first byte of `raw` that is not UTF-8, or None."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return None
