"""Edges of the retention rule: invalid times in names, the first valid stamp, exact clocks.

A file name that only looks like a timestamp (minute 75, year 1969) must not
give the file an age; a later valid date in the same name still counts. Ages
are shown and converted without rounding up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard.retention.rule import NS, age_text, from_ns, name_stamp_ns, to_ns

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ns(*parts: int) -> int:
    y, m, d, hh, mm, ss = (*parts, 0, 0, 0)[:6]
    return to_ns(datetime(y, m, d, hh, mm, ss, tzinfo=UTC))


@pytest.mark.parametrize(
    "name",
    [
        "t-20250801T0675Z.log",  # minute 75
        "t-20250801T067500Z.log",
        "t-20250801T060075Z.log",  # second 75
        "e-2025-08-01T06:30:75Z.jsonl",
        "e-2025-08-01T06:75:00Z.jsonl",
        "e-2025-08-01T24:00:00Z.jsonl",  # hour 24
        "d_2025-08-01_06-61-00.json",
    ],
)
def test_an_impossible_time_of_day_is_no_stamp(name: str) -> None:
    assert name_stamp_ns(name) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("1969-12-31 then 2025-07-02.log", (2025, 7, 2)),  # year out of range first
        ("3000-01-01 then 2025-07-02.log", (2025, 7, 2)),
        ("2025-02-30 then 2025-07-02.log", (2025, 7, 2)),  # not a calendar date first
        ("t-20250801T0675Z then 2025-07-02.log", (2025, 7, 2)),  # impossible time first
        ("2999-12-31.log", (2999, 12, 31)),  # the last year accepted
        ("1970-01-01.log", (1970, 1, 1)),  # the first
    ],
)
def test_the_first_valid_stamp_wins(name: str, expected: tuple[int, ...]) -> None:
    assert name_stamp_ns(name) == _ns(*expected)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("e-2025-08-01T06:30:59Z.jsonl", (2025, 8, 1, 6, 30, 59)),
        ("e-2025-08-01T23:59Z.jsonl", (2025, 8, 1, 23, 59)),
        ("e-2025-12-31T23:59:59Z.jsonl", (2025, 12, 31, 23, 59, 59)),
    ],
)
def test_the_last_valid_minute_and_second(name: str, expected: tuple[int, ...]) -> None:
    assert name_stamp_ns(name) == _ns(*expected)


@pytest.mark.parametrize(
    ("age_ns", "text"),
    [
        (0, "0d 00:00:00"),
        (1, "0d 00:00:00"),
        (NS - 1, "0d 00:00:00"),
        (-1, "in the future by 0d 00:00:00"),
        (-NS, "in the future by 0d 00:00:01"),
        (86_399 * NS, "0d 23:59:59"),
        (86_400 * NS, "1d 00:00:00"),
    ],
)
def test_age_text(age_ns: int, text: str) -> None:
    assert age_text(age_ns) == text


@pytest.mark.parametrize(
    ("ns", "micros"), [(999, 0), (1_000, 1), (1_500, 1), (1_999, 1), (NS + 999, 1_000_000)]
)
def test_from_ns_truncates_to_the_microsecond(ns: int, micros: int) -> None:
    assert from_ns(ns) == EPOCH + timedelta(microseconds=micros)


@given(st.integers(min_value=0, max_value=2**62))
def test_from_ns_never_rounds_up(ns: int) -> None:
    moment = from_ns(ns)

    assert to_ns(moment) <= ns < to_ns(moment) + 1_000
