"""What the harness hands the writer under test, and how it recognises a complete copy.

Three payload modes (`fault.payload`, `--payload`):

- `bytes`: self-checking versions of random bytes (`versions.py`), passed as
  `bytes`; the file must hold exactly those bytes.
- `text`: the same versions with a UTF-8 text payload, passed as `str`; the
  file must hold its UTF-8 encoding.
- `json`: a JSON object passed as a `dict`. With a `RecordShape` it is a
  record the integrity gate would accept (the configured field names, a
  schema version, a score and the band that score maps to), so that a
  pipeline's `save_record(path, record)` or `RecordStore.write(record)` can be
  tested; without one, a generic object. The writer serializes it as it
  likes (indent, key order, a trailing newline): the file must parse back to
  the object, or to a list of such objects (a `RecordStore` day file holding
  a second schema version).

Every version names itself, so an oracle can regenerate it and compare: the
bytes and text versions by their header line, a record by its date (`n`
days after 2000-01-01) and the patch of its schema version (`trial + 2`), a
generic object by its `trial` and `n` keys. A file that parses but is not a
version the harness wrote is as corrupt as a truncated one.

Why the record shape is passed in: a guard package imports only `core`, so
this package cannot read the integrity settings; the catalog builds a
`RecordShape` from them (`opsguard.catalog.fault_records`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

import orjson

from .settings import PAYLOADS
from .versions import VersionPool, fixed_version, problem_of

__all__ = [
    "MAX_WRITES",
    "PAYLOADS",
    "JsonPayload",
    "Payload",
    "RecordShape",
    "VersionPayload",
    "make_payload",
]

# Writes per crash trial in json mode: each record needs a date of its own.
MAX_WRITES: Final = 5000
_BASE_DAY = date(2000, 1, 1)
_GENERIC_TEXT = 64  # characters of text in a generic JSON object


@dataclass(frozen=True, slots=True)
class RecordShape:
    """The records the `json` payload makes: field names, score range and band table.

    `bands` are `(name, min inclusive, max exclusive)`, as the integrity
    settings' band table holds them. No defaults here: the field names and the
    band table are defined once, in the integrity settings, and
    `opsguard.catalog.fault_records(config)` makes the shape from them.
    """

    date: str
    schema_version: str
    score: str
    band: str
    bands: tuple[tuple[str, float, float], ...]


class Payload:
    """One payload mode: the versions a writer is given, and the oracle of its files."""

    name: str = ""
    # The largest `n` a crash trial may write (None: unbounded).
    max_writes: int | None = None
    # File names a writer of this payload produces in a directory (None: any name).
    suffixes: tuple[str, ...] | None = None

    def version(self, trial: int, n: int) -> Any:
        """Version `n` of crash trial `trial` (trial -1: the seed; -2: the fixed versions)."""
        raise NotImplementedError

    def fixed(self, n: int, size: int) -> Any:
        """A small version of a known size, for the error matrix and the strace runs."""
        raise NotImplementedError

    def encode(self, value: Any) -> bytes:
        """The bytes the harness itself writes for `value` (the seed and old contents)."""
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:
        """The value `encode` made `data` from (the strace child reads its payload so)."""
        raise NotImplementedError

    def problem(self, content: bytes) -> str | None:
        """Why `content` is not one complete version (cheap: a reader's tight loop)."""
        raise NotImplementedError

    def incomplete(self, content: bytes | None, last_trial: int) -> str | None:
        """Why `content` is not a complete version written up to trial `last_trial`."""
        raise NotImplementedError

    def canonical(self, content: bytes | None) -> object:
        """What two files must share to hold the same version (bytes, or parsed JSON)."""
        return content

    def holds(self, content: bytes | None, value: Any) -> bool:
        """True when `content` is exactly the version `value`."""
        return content is not None and self.canonical(content) == self.canonical(self.encode(value))


class VersionPayload(Payload):
    """`bytes` and `text`: the self-checking versions of `versions.py`."""

    def __init__(self, seed: int, *, text: bool) -> None:
        self.name = "text" if text else "bytes"
        self._text = text
        self._pool = VersionPool(seed, text=text)

    def version(self, trial: int, n: int) -> bytes | str:
        return self.decode(self._pool.version(trial, n))

    def fixed(self, n: int, size: int) -> bytes | str:
        return self.decode(fixed_version(n, size, text=self._text))

    def encode(self, value: Any) -> bytes:
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)

    def decode(self, data: bytes) -> bytes | str:
        return data.decode("utf-8") if self._text else data

    def problem(self, content: bytes) -> str | None:
        return problem_of(content)

    def incomplete(self, content: bytes | None, last_trial: int) -> str | None:
        return self._pool.incomplete(content, last_trial)


class JsonPayload(Payload):
    """`json`: records of a `RecordShape`, or generic objects when there is none."""

    name = "json"
    max_writes = MAX_WRITES
    suffixes = (".json", ".jsonl")

    def __init__(self, records: RecordShape | None) -> None:
        self.records = records
        if records is not None:
            names = (records.date, records.schema_version, records.score, records.band)
            if len(set(names)) != len(names):
                raise ValueError("the record fields must have four different names")
            if not records.bands:
                raise ValueError("the record shape needs at least one band")

    def version(self, trial: int, n: int) -> dict[str, Any]:
        if not 0 <= n <= MAX_WRITES:
            raise ValueError(f"version n must be in [0, {MAX_WRITES}], got {n}")
        if self.records is None:
            return {"trial": trial, "n": n, "text": _generic_text(trial, n)}
        shape = self.records
        name, score = self._score(trial, n)
        return {
            shape.date: (_BASE_DAY + timedelta(days=n)).isoformat(),
            shape.schema_version: f"1.0.{trial + 2}",
            shape.score: score,
            shape.band: name,
        }

    def fixed(self, n: int, size: int) -> dict[str, Any]:
        return self.version(-2, n % (MAX_WRITES + 1))

    def encode(self, value: Any) -> bytes:
        return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)

    def canonical(self, content: bytes | None) -> object:
        if content is None:
            return None
        try:
            return orjson.dumps(orjson.loads(content), option=orjson.OPT_SORT_KEYS)
        except orjson.JSONDecodeError:
            return content  # unparsable: equal only to the same bytes

    def problem(self, content: bytes) -> str | None:
        return self._check(content, None)

    def incomplete(self, content: bytes | None, last_trial: int) -> str | None:
        if content is None:
            return "target missing"
        return self._check(content, last_trial)

    def _check(self, content: bytes, last_trial: int | None) -> str | None:
        if not content.strip():
            return "empty file" if not content else "only whitespace"
        try:
            value = orjson.loads(content)
        except orjson.JSONDecodeError:
            return f"not complete JSON ({len(content)} bytes)"
        items = value if isinstance(value, list) and value else [value]
        for item in items:
            problem = self._unknown(item, last_trial)
            if problem is not None:
                return problem
        return None

    def _unknown(self, item: object, last_trial: int | None) -> str | None:
        """Why `item` is not a version the harness wrote (None when it is one)."""
        if not isinstance(item, dict):
            return f"a JSON {type(item).__name__}, not an object"
        identity = self._identity(item)
        if identity is None:
            return "an object that names no version of the harness"
        trial, n = identity
        if last_trial is not None and not -1 <= trial <= last_trial:
            return f"names version ({trial}, {n}), which was never written"
        if item != self.version(trial, n):
            return f"differs from version ({trial}, {n}) as written"
        return None

    def _identity(self, item: Mapping[str, Any]) -> tuple[int, int] | None:
        if self.records is None:
            trial, n = item.get("trial"), item.get("n")
            ok = isinstance(trial, int) and isinstance(n, int) and 0 <= n <= MAX_WRITES
            return (trial, n) if ok else None  # type: ignore[return-value]
        day, version = item.get(self.records.date), item.get(self.records.schema_version)
        if not isinstance(day, str) or not isinstance(version, str):
            return None
        try:
            n = (date.fromisoformat(day) - _BASE_DAY).days
            major, minor, patch = version.split(".")
            trial = int(patch) - 2
        except ValueError:
            return None
        if (major, minor) != ("1", "0") or not 0 <= n <= MAX_WRITES or not patch.isdigit():
            return None
        return trial, n

    def _score(self, trial: int, n: int) -> tuple[str, float]:
        """A band and a score inside it (one decimal where the band allows), from (trial, n)."""
        assert self.records is not None  # noqa: S101 - only called with a shape
        bands = self.records.bands
        k = ((trial + 3) * 7919 + n * 104_729) & 0xFFFFF
        name, low, high = bands[k % len(bands)]
        steps = math.floor((high - low) * 10) if math.isfinite(high - low) else 0
        score = low
        if steps > 1:
            candidate = round(low + (k // len(bands)) % steps / 10, 1)
            if low <= candidate < high:
                score = candidate
        return name, float(score)


def make_payload(mode: str, seed: int, records: RecordShape | None = None) -> Payload:
    """The payload of `mode` (`bytes`, `text` or `json`) for crash trials seeded with `seed`."""
    if mode == "json":
        return JsonPayload(records)
    if mode in ("bytes", "text"):
        return VersionPayload(seed, text=mode == "text")
    raise ValueError(f"unknown payload mode {mode!r}; choose from {', '.join(PAYLOADS)}")


def _generic_text(trial: int, n: int) -> str:
    # Printable, with a non-ASCII tail: a writer must keep text intact, whatever its encoding.
    digits = f"{(trial + 3) * 2_654_435_761 + n * 40_503:x}"
    return (digits * (_GENERIC_TEXT // len(digits) + 1))[: _GENERIC_TEXT - 2] + "é日"
