"""Key-path patterns for allowlist mode and key suppressions.

A key path is the dotted list of object keys from the top of a JSON value to a
key, array indices left out: `{"payload": {"readings": [{"v": 1}]}}` has the
paths `payload`, `payload.readings` and `payload.readings.v`. A key that
itself holds a dot counts as two segments (`"retry.sleep_ms"` is
`retry.sleep_ms` either way), so flattened and nested telemetry read alike.

Pattern segments: a name (exact, case-sensitive; the schema is spelled one
way), `*` (exactly one segment), `**` (any number of segments, none
included), or a name with `*` inside (`hr*`, one segment, fnmatch style).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["PathPattern", "PathPatterns", "split_path"]


def split_path(path: str) -> tuple[str, ...]:
    return tuple(path.split(".")) if path else ()


@dataclass(frozen=True, slots=True)
class PathPattern:
    text: str
    segments: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> PathPattern:
        return cls(text, split_path(text.strip()))

    def matches(self, path: tuple[str, ...]) -> bool:
        return _match(self.segments, path, full=True)

    def could_contain(self, path: tuple[str, ...]) -> bool:
        """True when some path below `path` (or `path` itself) could match."""
        return _match(self.segments, path, full=False)


class PathPatterns:
    """A set of patterns with a cache per distinct path (paths repeat on every line)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(PathPattern.parse(p) for p in patterns if p.strip())
        self._cache: dict[tuple[str, bool], bool] = {}

    def allows(self, path: str, container: bool) -> bool:
        """A leaf must match a pattern; a container may also be on the way to one."""
        key = (path, container)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        segments = split_path(path)
        allowed = any(p.matches(segments) for p in self.patterns) or (
            container and any(p.could_contain(segments) for p in self.patterns)
        )
        if len(self._cache) < 100_000:
            self._cache[key] = allowed
        return allowed

    def first_match(self, path: str) -> int | None:
        """Index of the first pattern matching `path` exactly, or None."""
        segments = split_path(path)
        for index, pattern in enumerate(self.patterns):
            if pattern.matches(segments):
                return index
        return None


@lru_cache(maxsize=4096)
def _segment_regex(segment: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(segment))


def _segment_matches(pattern: str, name: str) -> bool:
    if pattern == "*":
        return True
    if "*" in pattern or "?" in pattern or "[" in pattern:
        return _segment_regex(pattern).match(name) is not None
    return pattern == name


def _match(pattern: tuple[str, ...], path: tuple[str, ...], *, full: bool) -> bool:
    """Glob match of segment tuples; with full=False, `path` may be a proper prefix.

    Iterative over (pattern index, path index) states, so no recursion depth
    and no exponential blow-up with several `**`.
    """
    states = {(0, 0)}
    seen: set[tuple[int, int]] = set()
    while states:
        state = states.pop()
        if state in seen:
            continue
        seen.add(state)
        p, i = state
        if i == len(path):
            if not full:
                return True  # the path is used up: something below it could still match
            if all(segment == "**" for segment in pattern[p:]):
                return True
            continue
        if p == len(pattern):
            continue
        segment = pattern[p]
        if segment == "**":
            states.add((p + 1, i))  # ** matches nothing more
            states.add((p, i + 1))  # ** swallows one segment
        elif _segment_matches(segment, path[i]):
            states.add((p + 1, i + 1))
    return False
