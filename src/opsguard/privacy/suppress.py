"""Suppressions: reviewed exceptions with a reason and an expiry date.

A suppression names a key path (`payload.debug.*`, the wildcards of
allowlist patterns) or a file glob (fnmatch, matched against the path
relative to the config file's directory and relative to the working
directory; `*` crosses `/`). A match on a live suppression is counted, not
failed. A suppression whose `expires` date is before the reference day
(`--as-of`, default today) suppresses nothing and is itself an
`expired-suppression` finding, so an exception cannot outlive its review.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .patterns import PathPattern, split_path
from .settings import Suppression

__all__ = ["Suppressor", "describe"]


def describe(suppression: Suppression) -> str:
    if suppression.key is not None:
        return f"key {suppression.key!r}"
    return f"file {suppression.file!r}"


@dataclass(frozen=True, slots=True)
class _Live:
    index: int
    key: PathPattern | None
    file: str | None


class Suppressor:
    """Matches findings against the live suppressions and counts what each one absorbed."""

    def __init__(
        self,
        suppressions: Sequence[Suppression],
        *,
        as_of: date,
        root: Path,
        cwd: Path,
    ) -> None:
        self.suppressions = tuple(suppressions)
        self.expired: tuple[int, ...] = tuple(
            i for i, s in enumerate(self.suppressions) if s.expires < as_of
        )
        self._live = tuple(
            _Live(i, PathPattern.parse(s.key) if s.key is not None else None, s.file)
            for i, s in enumerate(self.suppressions)
            if i not in self.expired
        )
        self.used = [0] * len(self.suppressions)
        self._roots = (root, cwd)
        self._cwd = cwd
        self._file_cache: dict[str, tuple[str, ...]] = {}

    def match(self, shown_path: str, key_path: str) -> int | None:
        """The index of the live suppression covering this finding, counting the use."""
        if not self._live:
            return None
        segments = split_path(key_path)
        for live in self._live:
            if live.key is not None:
                hit = bool(segments) and live.key.matches(segments)
            else:
                glob = live.file or ""
                hit = any(
                    fnmatch.fnmatchcase(candidate, glob) for candidate in self._relative(shown_path)
                )
            if hit:
                self.used[live.index] += 1
                return live.index
        return None

    def _relative(self, shown_path: str) -> tuple[str, ...]:
        cached = self._file_cache.get(shown_path)
        if cached is not None:
            return cached
        absolute = Path(os.path.abspath(self._cwd / shown_path))
        candidates: list[str] = [shown_path]
        candidates.extend(
            absolute.relative_to(base).as_posix()
            for base in self._roots
            if absolute.is_relative_to(base)
        )
        result = tuple(dict.fromkeys(candidates))
        self._file_cache[shown_path] = result
        return result
