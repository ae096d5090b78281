"""The retention rule: how old a file is, and whether it goes.

One rule, written once and tested at its boundary: a file is a candidate if
and only if its age is strictly greater than `days x 86400` seconds at
`now`. Ages are integer nanoseconds (`st_mtime_ns`, and the clock turned
into nanoseconds without a float), so "exactly at the cutoff" is exact: kept.
It is the rule of `find -mmin +M` with `M = days x 1440` (GNU find compares
the age in seconds with `M x 60`), and not that of `find -mtime +N`, which
counts whole days rounded down and so means N+1 days or more.

The age is measured from one instant per file, its *basis*:

- `mtime` (default): the file's own `lstat` mtime, a symlink's being the
  link's. The tools in `anchors/retention_metrics.md` that age by atime keep
  files "years old" alive because something read them; mtime is what users
  expect.
- `name`: a date or timestamp in the file name, because a git checkout or a
  cache restore resets every mtime to the moment of the checkout. A name
  without one falls back to mtime, and the decision says so.

Protect globs are matched here too, so that every "never" lives beside the
one "always".
"""

from __future__ import annotations

import calendar
import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = [
    "DAY_NS",
    "NS",
    "Protector",
    "age_text",
    "from_ns",
    "limit_ns",
    "name_stamp_ns",
    "seconds",
    "to_ns",
]

NS = 1_000_000_000
DAY_NS = 86_400 * NS
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

# A date in a file name, optionally with a time, always read as UTC:
#   2025-08-01  2025_08_01  2025.08.01  20250801
#   2025-08-01T06:00:00Z  2025-08-01T0600Z  2025-08-01_06-00-00  20250801T060000Z
# The date separator is the same twice (or absent); digits may not touch the
# stamp on either side, so an id like 120250801 or a version 2025081 is no date.
_NAME_STAMP = re.compile(
    r"(?<!\d)(?P<y>\d{4})(?P<sep>[-_.]?)(?P<m>\d{2})(?P=sep)(?P<d>\d{2})"
    r"(?:[T_](?P<H>\d{2})(?P<tsep>[:-]?)(?P<M>\d{2})(?:(?P=tsep)(?P<S>\d{2}))?(?:\.\d+)?Z?)?"
    r"(?!\d)"
)
_YEARS = range(1970, 3000)


def to_ns(moment: datetime) -> int:
    """Nanoseconds since the epoch, exactly (no float on the way)."""
    return (moment - _EPOCH) // _MICROSECOND * 1000


def from_ns(ns: int) -> datetime:
    """The UTC datetime of `ns` (to the microsecond)."""
    return _EPOCH + timedelta(microseconds=ns // 1000)


def seconds(age_ns: int | None) -> float | None:
    """An age in seconds, for the summary, the plan and the log (None stays None)."""
    return None if age_ns is None else age_ns / NS


def limit_ns(days: int) -> int:
    """The age a file must exceed to be a candidate."""
    return days * DAY_NS


def name_stamp_ns(name: str) -> int | None:
    """The instant the first valid date or timestamp in `name` denotes, or None.

    A date alone means 00:00:00 UTC of that day, so `2025-08-01.jsonl` is
    exactly 30 days old at 2025-08-31T00:00:00Z (and kept).
    """
    for match in _NAME_STAMP.finditer(name):
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
        hour = int(match["H"] or 0)
        minute = int(match["M"] or 0)
        second = int(match["S"] or 0)
        if year not in _YEARS:
            continue
        try:
            datetime(year, month, day, hour, minute, second)  # validates the calendar
        except ValueError:
            continue
        return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) * NS
    return None


def age_text(age_ns: int) -> str:
    """`45d 06:00:00`; a file dated after `now` is `in the future by 471d 00:00:00`, never a
    negative age."""
    seconds = abs(age_ns) // NS
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    span = f"{days}d {hours:02d}:{minutes:02d}:{secs:02d}"
    return f"in the future by {span}" if age_ns < 0 else span


@dataclass(frozen=True, slots=True)
class Protector:
    """Protect globs: a glob without `/` matches a file name, one with `/` a path below the root.

    Matching is case-sensitive (`fnmatch.fnmatchcase`), on every platform.
    """

    by_name: re.Pattern[str] | None
    by_path: re.Pattern[str] | None
    # The first characters a protected name can start with, when every name glob starts
    # with a literal (`.gitkeep`, `README*`): a set lookup spares most names the regex.
    # None when some glob starts with a wildcard.
    first_chars: frozenset[str] | None = None

    @classmethod
    def build(cls, globs: Sequence[str]) -> Protector:
        name_globs = [g for g in globs if "/" not in g]
        names = [fnmatch.translate(g) for g in name_globs]
        paths = [fnmatch.translate(g.strip("/")) for g in globs if "/" in g]
        literal = all(g and g[0] not in "*?[" for g in name_globs)
        return cls(
            re.compile("|".join(names)) if names else None,
            re.compile("|".join(paths)) if paths else None,
            frozenset(g[0] for g in name_globs) if literal else None,
        )

    @property
    def uses_paths(self) -> bool:
        return self.by_path is not None

    def protects(self, name: str, rel: str) -> bool:
        first = self.first_chars
        if (
            self.by_name is not None
            and (first is None or name[:1] in first)
            and self.by_name.match(name)
        ):
            return True
        return self.by_path is not None and self.by_path.match(rel) is not None
