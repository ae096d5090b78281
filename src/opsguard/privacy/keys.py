"""Key names: tokenize, normalize, and match them against the deny-list.

Telemetry keys come in every spelling (`restingHeartRate`, `resting_heart_rate`,
`RESTING-HEART-RATE`, `avgSpO2Value`). Comparing them needs two views of a key:

- its **normalized** form: lowercase, with every character that is not a letter
  or digit dropped, so case and `_ - . space` never matter;
- its **tokens**: the words it is made of (camelCase humps, snake and kebab
  parts, letter/digit changes), so a real metric (`avgRestingHeartRate`,
  `hrv_ms`) can be told from a pipeline word that merely contains one
  (`heartbeat`, `steps_completed`, `sleep_ms`).

A deny entry is itself a key name, optionally with `*` at either end. It
matches a key when its normalized form occurs in the key's normalized form
starting and ending on token boundaries, and:

- without a `*` the entry must be the whole key (`steps` flags `steps` and
  `Steps`, not `steps_completed`);
- a leading `*` lets other tokens come before it, a trailing `*` after it
  (`*heart rate*` flags `avgRestingHeartRate` and `heartRateZones`, never
  `heartbeat`; `*hrv*` flags `hrv_ms`; `weight` alone stays exact).

A key with dots (`payload.rhr`, a flattened attribute name) is also checked
segment by segment. `safe_keys` (normalized) always win. Classification is
cached per distinct key string: keys repeat on every line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .values import value_class

__all__ = [
    "CACHE_LIMIT",
    "DenyEntry",
    "KeyClassifier",
    "KeyMatch",
    "normalize_key",
    "parse_entry",
    "token_bounds",
    "tokenize_key",
]

# Distinct keys remembered per classifier; past it, keys are classified afresh
# (memory must not grow without bound on telemetry with generated key names).
CACHE_LIMIT = 100_000

_DIGIT, _UPPER, _LOWER = 0, 1, 2


def tokenize_key(key: str) -> tuple[str, ...]:
    """The lowercase words of a key: `avgSpO2Value` -> (`avg`, `sp`, `o`, `2`, `value`).

    Any character that is neither a letter nor a digit separates tokens; a
    change between letters and digits separates tokens; a capital after a
    lowercase letter starts a token; in a run of capitals the last one starts
    a new token when a lowercase letter follows (`HRVSummary` -> `hrv`, `summary`).
    """
    tokens: list[str] = []
    current: list[str] = []
    previous = -1
    for char in key:
        if char.isdigit():
            kind = _DIGIT
        elif char.isalpha():
            kind = _UPPER if char.isupper() else _LOWER
        else:
            if current:
                tokens.append("".join(current))
                current = []
            previous = -1
            continue
        if current:
            if (kind == _DIGIT) != (previous == _DIGIT) or (kind == _UPPER and previous == _LOWER):
                tokens.append("".join(current))
                current = []
            elif kind == _LOWER and previous == _UPPER and len(current) > 1:
                tokens.append("".join(current[:-1]))
                current = current[-1:]
        current.append(char)
        previous = kind
    if current:
        tokens.append("".join(current))
    return tuple(token.lower() for token in tokens)


def normalize_key(key: str) -> str:
    """Lowercase, letters and digits only: `Resting-Heart_Rate` -> `restingheartrate`."""
    return "".join(tokenize_key(key))


def token_bounds(tokens: tuple[str, ...]) -> frozenset[int]:
    """Offsets in the normalized key where a token starts or ends."""
    bounds = {0}
    offset = 0
    for token in tokens:
        offset += len(token)
        bounds.add(offset)
    return frozenset(bounds)


@dataclass(frozen=True, slots=True)
class DenyEntry:
    """One deny-list name, parsed: what it matches and what it is."""

    text: str  # as written (for messages and docs)
    normalized: str
    open_start: bool  # a leading `*`: other tokens may precede it
    open_end: bool  # a trailing `*`: other tokens may follow it
    group: str  # raw-metric, location, pii, secret
    label: str  # a human kind: "heart rate", "HRV", "email", ...

    def matches(self, normalized: str, bounds: frozenset[int]) -> bool:
        needle = self.normalized
        start = normalized.find(needle)
        while start >= 0:
            end = start + len(needle)
            if (start == 0 or (self.open_start and start in bounds)) and (
                end == len(normalized) or (self.open_end and end in bounds)
            ):
                return True
            start = normalized.find(needle, start + 1)
        return False


def parse_entry(text: str, group: str, label: str) -> DenyEntry | None:
    """Parse `*heart rate*`-style text; None when it holds no letter or digit."""
    stripped = text.strip()
    open_start = stripped.startswith("*")
    open_end = stripped.endswith("*") and len(stripped) > 1
    normalized = normalize_key(stripped.strip("*"))
    if not normalized:
        return None
    return DenyEntry(stripped, normalized, open_start, open_end, group, label)


@dataclass(frozen=True, slots=True)
class KeyMatch:
    """Why a key is denied: its group (the finding code), kind, the entry that matched,
    and the value class that decides whether its value confirms it (`values.judge`)."""

    group: str
    label: str
    entry: str
    value_class: str = "identity"


class KeyClassifier:
    """Classify key names against deny entries, with a per-key cache.

    Not a dataclass: it owns a mutable cache and is shared by one scan.
    """

    def __init__(self, entries: Iterable[DenyEntry], safe_keys: Iterable[str] = ()) -> None:
        self.entries: tuple[DenyEntry, ...] = tuple(entries)
        self.safe: frozenset[str] = frozenset(normalize_key(k) for k in safe_keys) - {""}
        self._cache: dict[str, KeyMatch | None] = {}
        # Index: entries by their first character, to skip most of them per key.
        self._by_char: Mapping[str, tuple[tuple[int, DenyEntry], ...]] = _index(self.entries)

    def classify(self, key: str) -> KeyMatch | None:
        """The deny entry this key matches, or None when it is not denied."""
        cache = self._cache
        try:
            return cache[key]
        except KeyError:
            pass
        match = self._classify(key)
        if len(cache) < CACHE_LIMIT:
            cache[key] = match
        return match

    def _classify(self, key: str) -> KeyMatch | None:
        match = self._match_one(key)
        if match is None and ("." in key or "/" in key):
            for segment in key.replace("/", ".").split("."):
                if segment and segment != key:
                    match = self._match_one(segment)
                    if match is not None:
                        break
        return match

    def _match_one(self, key: str) -> KeyMatch | None:
        tokens = tokenize_key(key)
        normalized = "".join(tokens)
        if not normalized or normalized in self.safe:
            return None
        bounds = token_bounds(tokens)
        best: tuple[int, DenyEntry] | None = None
        for char in set(normalized):
            for rank, entry in self._by_char.get(char, ()):
                if (best is None or rank < best[0]) and entry.matches(normalized, bounds):
                    best = (rank, entry)
        if best is None:
            return None
        entry = best[1]
        return KeyMatch(entry.group, entry.label, entry.text, value_class(entry.group, entry.label))


def _index(entries: tuple[DenyEntry, ...]) -> dict[str, tuple[tuple[int, DenyEntry], ...]]:
    """Entries by the first character of their normalized form, with their rank.

    When several entries match one key, the earliest in `entries` wins, so the
    result never depends on set iteration order.
    """
    index: dict[str, list[tuple[int, DenyEntry]]] = {}
    for rank, entry in enumerate(entries):
        index.setdefault(entry.normalized[0], []).append((rank, entry))
    return {char: tuple(items) for char, items in index.items()}
