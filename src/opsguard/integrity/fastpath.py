"""The integrity check's fast path: well-formed JSONL records decoded and checked in C.

A record file is most often a long run of lines that are alike and clean. For
those lines `msgspec` decodes each record straight into a typed Struct and
checks in C what `RecordValidator` checks in Python: the four fields are there
with the right JSON types, and the score lies in the band the record names
(one Struct per band, chosen by the band field as a tag, the band's bounds as
the score's constraints). A block of lines is decoded with one `list.extend`
over `map`, so that no Python code runs per record.

The Structs are learned from a record the exact path found clean: its fields,
their JSON types and its nested objects, every field required and no other
field allowed. A decoded record therefore holds exactly the learned keys, and
the block's colon count proves that none was written twice (`_colons_agree`).

What is left -- a date in the calendar and not in the future, a valid schema
version, a key not seen before -- the check settles per block with dictionary
and set operations (`check._Scan.settle`). Any line the fast path cannot
prove clean goes to the exact path, which finds and words each defect, so the
result is the same with or without it (`tests/test_integrity_fast_path.py`).

msgspec is the one maintained library that validates typed, constrained JSON
in C; what is written here is only the mapping from a record's shape to Structs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import compress
from operator import attrgetter
from typing import Annotated, Any, Union

import msgspec

from .bands import BandTable
from .settings import Fields

__all__ = ["FastPath", "fast_path"]

# A record shape: its keys in order, each with a JSON kind or the shape of a nested object.
Shape = tuple[tuple[str, "Kind"], ...]
Kind = str | Shape

_MAX_DEPTH = 4
_MAX_SHAPES = 4  # shapes learned per check: a file of mixed shapes stays on the exact path
_EXACT_FLOAT = 2.0**53  # beyond it a JSON integer may round to a band bound as a float

_Number = Union[float, bool, None]  # noqa: UP007  (a runtime type for msgspec)
_KINDS: dict[str, Any] = {
    "str": str,
    "number": float,  # msgspec takes JSON integers for a float field
    "bool": bool,
    "null": None,
    "numbers": list[_Number],  # an array of numbers, booleans and nulls (no strings, no colons)
}


def fast_path(fields: Fields, bands: BandTable) -> FastPath | None:
    """The fast path for this configuration, or None where it cannot be exact.

    Band bounds must be finite and small enough that a JSON integer compares the
    same as a float; band names must hold no colon (a tag's colons are not counted).
    The four field names are distinct: the settings refuse them otherwise.
    """
    for band in bands.bands:
        if ":" in band.name or not all(
            math.isfinite(bound) and abs(bound) < _EXACT_FLOAT for bound in (band.min, band.max)
        ):
            return None
    return FastPath(fields, bands)


class FastPath:
    """Decodes blocks of lines into Structs of one learned shape at a time."""

    def __init__(self, fields: Fields, bands: BandTable) -> None:
        self.fields = fields
        self.bands = bands
        self._known = (fields.date, fields.schema_version, fields.score, fields.band)
        self._shape: Shape | None = None
        self._learned = 0
        self._wanted = True
        self._decode: Any = None
        self._expected = 0  # colons of a record: one per key, and those in the key names
        self._strings: tuple[attrgetter[Any], ...] = ()  # the string fields, colons counted
        self.date_of: attrgetter[str] = attrgetter("date")
        self.version_of: attrgetter[str] = attrgetter("version")

    @property
    def wants_shape(self) -> bool:
        """Whether a clean record's shape should be offered (`learn`)."""
        return self._wanted

    def learn(self, record: Mapping[str, Any]) -> None:
        """Build the Structs for the shape of `record`, a record the exact path found clean."""
        self._wanted = False
        shape = _shape_of(record, 0)
        if shape is None or shape == self._shape or self._learned >= _MAX_SHAPES:
            return
        extras = tuple((key, kind) for key, kind in shape if key not in self._known)
        self._learned += 1
        self._shape = shape
        # A valid date or version holds no colon, and only valid ones are counted clean: a
        # colon in either fails the count, and the record goes to the exact path.
        strings: list[str] = []
        fields = [*_fields(extras, "", strings)]
        base: list[tuple[str, Any]] = [("date", str), ("version", str)]
        rename = {"date": self.fields.date, "version": self.fields.schema_version}
        rename["score"] = self.fields.score
        rename.update(_renames(extras, ""))
        last = self.bands.bands[-1].name
        kinds = []
        for number, band in enumerate(self.bands.bands):
            bound = {"le": band.max} if band.name == last else {"lt": band.max}
            score = Annotated[float, msgspec.Meta(ge=band.min, **bound)]
            kinds.append(
                msgspec.defstruct(
                    f"Band{number}",
                    [*base, ("score", score), *fields],
                    tag_field=self.fields.band,
                    tag=band.name,
                    rename=rename,
                    forbid_unknown_fields=True,
                )
            )
        self._decode = msgspec.json.Decoder(Union[tuple(kinds)]).decode  # noqa: UP007
        self._expected = _count_keys(shape) + _key_colons(shape)
        self._strings = tuple(attrgetter(path) for path in strings)

    def decode(self, block: list[bytes]) -> tuple[list[Any], list[int], list[int]]:
        """The records of `block` proven well-formed, their indices, and the other indices."""
        decode = self._decode
        if decode is None:
            self._wanted = True
            return [], [], list(range(len(block)))
        records: list[Any] = []
        declined: list[int] = []
        lines = iter(block)
        while True:
            try:
                # In C, record after record; a line that fails stops it, and it resumes after.
                records.extend(map(decode, lines))
                break
            except msgspec.MsgspecError:
                declined.append(len(records) + len(declined))
        if len(declined) * 2 > len(block):
            self._wanted = True  # the shape may have changed: learn from the next clean one
        if not records:
            return records, [], declined
        indices = _complement(declined, len(block))
        records, indices, unproven = self._prove_keys(block, records, indices, declined)
        if unproven:
            declined = sorted(declined + unproven)
        return records, indices, declined

    def _prove_keys(
        self, block: list[bytes], records: list[Any], indices: list[int], declined: list[int]
    ) -> tuple[list[Any], list[int], list[int]]:
        """Drop the records the colon count cannot prove free of doubled keys.

        A decoded record holds exactly the learned keys. Its line's colons are one
        per key written and those inside strings; without `\\u` escapes a string's
        colons are the same raw and decoded. So the line has exactly `expected` plus
        its string values' colons when no key is doubled, and more when one is.
        """
        data = b"".join(block)
        escaped: list[int] = []
        if b"\\u" in data:  # an escape can write a colon the raw count does not see
            escaped = [i for i in indices if b"\\u" in block[i]]
        if not escaped and _colons_agree(
            data.count(b":") - sum(block[i].count(b":") for i in declined),
            len(records) * self._expected,
            records,
            self._strings,
        ):
            return records, indices, []
        # Line by line (rare): keep the records whose own count agrees.
        skip = set(escaped)
        keep = [
            i not in skip
            and _colons_agree(block[i].count(b":"), self._expected, (record,), self._strings)
            for i, record in zip(indices, records, strict=True)
        ]
        unproven = [i for i, kept in zip(indices, keep, strict=True) if not kept]
        return list(compress(records, keep)), list(compress(indices, keep)), unproven


def _colons_agree(
    raw: int, expected: int, records: Any, strings: tuple[attrgetter[Any], ...]
) -> bool:
    for value_of in strings:
        expected += "".join(map(value_of, records)).count(":")
    return raw == expected


def _complement(declined: list[int], size: int) -> list[int]:
    if not declined:
        return list(range(size))
    skip = set(declined)
    return [i for i in range(size) if i not in skip]


def _shape_of(value: Mapping[str, Any], depth: int) -> Shape | None:
    """The shape of a JSON object, or None where the fast path does not go (deep nesting,
    arrays of strings or objects)."""
    if depth > _MAX_DEPTH:
        return None
    shape: list[tuple[str, Kind]] = []
    for key, item in value.items():
        kind = _kind_of(item, depth)
        if kind is None:
            return None
        shape.append((key, kind))
    return tuple(shape)


def _kind_of(item: object, depth: int) -> Kind | None:
    kind = type(item)
    if kind is str:
        return "str"
    if kind is bool:
        return "bool"
    if kind is int or kind is float:
        return "number"
    if item is None:
        return "null"
    if kind is dict:
        return _shape_of(item, depth + 1)  # type: ignore[arg-type]
    if kind is list and all(type(x) in (int, float, bool) or x is None for x in item):  # type: ignore[attr-defined]
        return "numbers"
    return None


def _fields(shape: Shape, prefix: str, strings: list[str]) -> list[tuple[str, Any]]:
    """Struct fields `f0`, `f1`, ... for `shape` (renamed to its keys by `_renames`)."""
    fields: list[tuple[str, Any]] = []
    for number, (_, kind) in enumerate(shape):
        name = f"f{number}"
        if isinstance(kind, tuple):
            nested = _fields(kind, f"{prefix}{name}.", strings)
            struct = msgspec.defstruct(
                "Nested",
                nested,
                rename=_renames(kind, ""),
                forbid_unknown_fields=True,
            )
            fields.append((name, struct))
            continue
        if kind == "str":
            strings.append(prefix + name)
        fields.append((name, _KINDS[kind]))
    return fields


def _renames(shape: Shape, prefix: str) -> dict[str, str]:
    return {f"{prefix}f{number}": key for number, (key, _) in enumerate(shape)}


def _count_keys(shape: Shape) -> int:
    return sum(1 + (_count_keys(kind) if isinstance(kind, tuple) else 0) for _, kind in shape)


def _key_colons(shape: Shape) -> int:
    return sum(
        key.count(":") + (_key_colons(kind) if isinstance(kind, tuple) else 0)
        for key, kind in shape
    )
