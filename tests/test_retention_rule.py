"""The retention rule on its own: the boundary, dates in names, protect globs, the judge."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard.retention.judge import SAME_MTIME_SPREAD_NS, RootJudge
from opsguard.retention.model import Decision, PlannedFile
from opsguard.retention.rule import (
    DAY_NS,
    NS,
    Protector,
    age_text,
    from_ns,
    limit_ns,
    name_stamp_ns,
    to_ns,
)

NOW = datetime(2025, 8, 15, tzinfo=UTC)
NOW_NS = to_ns(NOW)
DEV = 42


def fake_stat(
    *,
    age_ns: int = 0,
    size: int = 10,
    ino: int = 1,
    dev: int = DEV,
    kind: int = stat.S_IFREG,
) -> os.stat_result:
    mtime_ns = NOW_NS - age_ns
    return os.stat_result(
        (kind | 0o644, ino, dev, 1, 0, 0, size, 0, mtime_ns // NS, mtime_ns // NS),
        {"st_mtime_ns": mtime_ns, "st_ctime_ns": mtime_ns},
    )


def judge(**overrides: object) -> RootJudge:
    options: dict[str, object] = {
        "root_dev": DEV,
        "days": 30,
        "age_from": "mtime",
        "now_ns": NOW_NS,
        "protector": Protector.build([".gitkeep", "README*"]),
        "record_kept": True,
    }
    options.update(overrides)
    return RootJudge(**options)  # type: ignore[arg-type]


def by_name(decisions: tuple[Decision, ...]) -> dict[str, Decision]:
    return {d.name: d for d in decisions}


def fate(decision: Decision) -> tuple[str, str, str]:
    return decision.action, decision.reason, decision.basis


# --------------------------------------------------------------------------- the clock


def test_clock_conversion_is_exact() -> None:
    moment = datetime(2025, 8, 15, 6, 0, 0, 123456, tzinfo=UTC)
    assert to_ns(moment) == 1_755_237_600_123_456_000
    assert from_ns(to_ns(moment)) == moment
    # The same instant in another zone is the same nanosecond.
    assert to_ns(moment.astimezone(timezone(timedelta(hours=5)))) == to_ns(moment)
    assert to_ns(moment.astimezone(timezone(timedelta(hours=-9, minutes=-30)))) == to_ns(moment)
    assert limit_ns(30) == 30 * 86_400 * NS == 30 * DAY_NS


@pytest.mark.parametrize(
    ("age_ns", "action"),
    [
        (30 * DAY_NS - NS, "keep"),
        (30 * DAY_NS - 1, "keep"),
        (30 * DAY_NS, "keep"),  # exactly at the cutoff: kept
        (30 * DAY_NS + 1, "delete"),  # one nanosecond past: removed
        (30 * DAY_NS + NS, "delete"),  # one second past: removed
        (-DAY_NS, "keep"),  # from the future
    ],
)
def test_the_boundary_is_strictly_greater(age_ns: int, action: str) -> None:
    decisions = judge()("", [("f.log", fake_stat(age_ns=age_ns))])
    assert decisions[0].action == action
    assert decisions[0].age_ns == age_ns


@given(st.integers(min_value=-(10**18), max_value=10**18), st.integers(1, 3650))
def test_candidate_iff_age_exceeds_days(age_ns: int, days: int) -> None:
    decision = judge(days=days)("", [("f.log", fake_stat(age_ns=age_ns))])[0]
    assert (decision.action == "delete") == (age_ns > days * 86_400 * NS)


def test_age_text() -> None:
    assert age_text(30 * DAY_NS) == "30d 00:00:00"
    assert age_text(31 * DAY_NS + 18 * 3600 * NS + 61 * NS) == "31d 18:01:01"
    # A file dated after `now`: said in words, never as a negative age.
    assert age_text(-5 * NS) == "in the future by 0d 00:00:05"
    assert age_text(-471 * DAY_NS) == "in the future by 471d 00:00:00"
    assert age_text(0) == "0d 00:00:00"


# --------------------------------------------------------------------------- dates in names


def _ns(*parts: int) -> int:
    y, m, d, hh, mm, ss = (*parts, 0, 0, 0)[:6]
    return to_ns(datetime(y, m, d, hh, mm, ss, tzinfo=UTC))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2025-08-01.jsonl", (2025, 8, 1)),
        ("telemetry-20250801T0600Z.log", (2025, 8, 1, 6, 0)),
        ("pipeline-20250616T0600Z.log", (2025, 6, 16, 6, 0)),
        ("events-2025-07-01T06:30:15Z.jsonl", (2025, 7, 1, 6, 30, 15)),
        ("events-2025-07-01T06:30:15.250Z.jsonl", (2025, 7, 1, 6, 30, 15)),
        ("dump_2025-07-01_06-30-15.json", (2025, 7, 1, 6, 30, 15)),
        ("app_2025_07_01.txt", (2025, 7, 1)),
        ("app.2025.07.01.gz", (2025, 7, 1)),
        ("backup-20250701.tar", (2025, 7, 1)),
        ("backup-20250701T063015Z.tar", (2025, 7, 1, 6, 30, 15)),
        ("service.log.2025-07-01", (2025, 7, 1)),
        ("2025-13-01 then 2025-07-02.log", (2025, 7, 2)),  # first valid date wins
        ("2025-07-01T0600.log", (2025, 7, 1, 6, 0)),
        ("x2025-08-01.log9999", (2025, 8, 1)),
    ],
)
def test_dates_in_names(name: str, expected: tuple[int, ...]) -> None:
    assert name_stamp_ns(name) == _ns(*expected)


@pytest.mark.parametrize(
    "name",
    [
        "notes.txt",
        "v1.2.3.log",
        "2025-02-30.log",  # not a calendar date
        "2025-13-01.log",
        "id-120250801.log",  # digits touch the date: an id, not a date
        "20250801123.log",
        "2025-0801.log",  # mixed separators
        "1969-12-31.log",  # before the epoch: not a plausible file date
        "12345678.log",
        "2025-08.jsonl",  # a month is not a day
    ],
)
def test_names_without_a_date(name: str) -> None:
    assert name_stamp_ns(name) is None


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30)))
def test_name_styles_round_trip(moment: datetime) -> None:
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    day = moment.replace(hour=0, minute=0, second=0)
    for name, instant in (
        (f"{moment:%Y-%m-%d}.jsonl", day),
        (f"t-{moment:%Y%m%dT%H%MZ}.log", moment.replace(second=0)),
        (f"t-{moment:%Y%m%dT%H%M%SZ}.log", moment),
        (f"e-{moment:%Y-%m-%dT%H:%M:%SZ}.jsonl", moment),
        (f"b-{moment:%Y%m%d}.tar", day),
    ):
        assert name_stamp_ns(name) == to_ns(instant), name


def test_name_mode_ages_by_the_name_and_falls_back_to_mtime() -> None:
    root = judge(age_from="name")
    files = [
        ("2025-07-15.jsonl", fake_stat(ino=1)),  # mtime fresh, name 31 days old
        ("2025-07-16.jsonl", fake_stat(ino=2)),  # exactly 30 days: kept
        ("notes.txt", fake_stat(ino=3, age_ns=40 * DAY_NS)),  # no date: mtime, old
        ("readme.txt", fake_stat(ino=4)),  # no date: mtime, young
    ]
    decisions = by_name(root("", files))
    assert fate(decisions["2025-07-15.jsonl"]) == ("delete", "old", "name")
    assert fate(decisions["2025-07-16.jsonl"]) == ("keep", "young", "name")
    assert decisions["2025-07-16.jsonl"].age_ns == 30 * DAY_NS
    assert fate(decisions["notes.txt"]) == ("delete", "old", "mtime-fallback")
    assert fate(decisions["readme.txt"]) == ("keep", "young", "mtime-fallback")
    assert root.fallback == ["notes.txt", "readme.txt"]


# --------------------------------------------------------------------------- protect globs


def test_protect_globs_match_names_or_paths() -> None:
    protector = Protector.build([".gitkeep", "README*", "keep/*.log", "/pinned/**"])
    assert protector.protects(".gitkeep", "a/b/.gitkeep")
    assert protector.protects("README.md", "README.md")
    assert not protector.protects("readme.md", "readme.md")  # case-sensitive
    assert protector.protects("x.log", "keep/x.log")
    assert not protector.protects("x.log", "other/x.log")
    assert protector.protects("y", "pinned/a/y")


def test_protected_special_and_foreign_files_are_skipped_whatever_their_age() -> None:
    old = 400 * DAY_NS
    files = [
        (".gitkeep", fake_stat(age_ns=old, ino=1)),
        ("README", fake_stat(age_ns=old, ino=2)),
        ("fifo", fake_stat(age_ns=old, ino=3, kind=stat.S_IFIFO)),
        ("sock", fake_stat(age_ns=old, ino=4, kind=stat.S_IFSOCK)),
        ("mounted.log", fake_stat(age_ns=old, ino=5, dev=DEV + 1)),
        ("link", fake_stat(age_ns=old, ino=6, kind=stat.S_IFLNK)),
    ]
    decisions = by_name(judge()("", files))
    assert fate(decisions[".gitkeep"])[:2] == ("skip", "protected")
    assert fate(decisions["README"])[:2] == ("skip", "protected")
    assert fate(decisions["fifo"])[:2] == ("skip", "special-file")
    assert fate(decisions["sock"])[:2] == ("skip", "special-file")
    assert fate(decisions["mounted.log"])[:2] == ("skip", "other-filesystem")
    assert fate(decisions["link"])[:2] == ("delete", "old")  # a symlink is judged as a link


# --------------------------------------------------------------------------- the judge's figures


def test_kept_files_are_counted_not_recorded_unless_asked() -> None:
    files = [
        ("old.log", fake_stat(age_ns=31 * DAY_NS, ino=1)),
        ("young.log", fake_stat(age_ns=2 * DAY_NS, ino=2)),
        ("younger.log", fake_stat(age_ns=DAY_NS, ino=3)),
    ]
    quiet = judge(record_kept=False)
    assert [d.name for d in quiet("", files)] == ["old.log"]
    assert (quiet.files, quiet.kept, quiet.oldest_kept_ns) == (3, 2, 2 * DAY_NS)
    loud = judge(record_kept=True)
    decisions = loud("sub", files)
    assert [d.rel for d in decisions] == ["sub/old.log", "sub/young.log", "sub/younger.log"]
    assert [d.action for d in decisions] == ["delete", "keep", "keep"]
    assert (loud.kept, loud.oldest_kept_ns) == (2, 2 * DAY_NS)


def test_mtime_spread_is_tracked_until_it_is_wide() -> None:
    root = judge()
    root("", [("a", fake_stat(ino=1)), ("b", fake_stat(ino=2, age_ns=NS))])
    assert root.mtime_low is not None and root.mtime_high is not None
    assert root.mtime_high - root.mtime_low <= SAME_MTIME_SPREAD_NS
    root("x", [("c", fake_stat(ino=3, age_ns=DAY_NS))])
    assert root.mtime_high - root.mtime_low > SAME_MTIME_SPREAD_NS
    assert root.aged_by_mtime == 3


# --------------------------------------------------------------------------- sidecars


def test_a_sidecar_follows_its_entry() -> None:
    files = [
        ("old.json", fake_stat(age_ns=40 * DAY_NS, ino=1)),
        ("old.json.why.json", fake_stat(age_ns=DAY_NS, ino=2)),  # young, goes with its entry
        ("young.json", fake_stat(age_ns=DAY_NS, ino=3)),
        ("young.json.why.json", fake_stat(age_ns=40 * DAY_NS, ino=4)),  # old, stays with it
        ("orphan.json.why.json", fake_stat(age_ns=40 * DAY_NS, ino=5)),  # alone: own age
    ]
    for record in (True, False):
        root = judge(record_kept=record)
        decisions = by_name(root("q", files))
        assert decisions["old.json"].action == "delete"
        assert fate(decisions["old.json.why.json"])[:2] == ("delete", "sidecar")
        assert fate(decisions["orphan.json.why.json"])[:2] == ("delete", "old")
        if record:
            assert fate(decisions["young.json.why.json"])[:2] == ("keep", "sidecar-kept")
        else:
            assert "young.json.why.json" not in decisions
        assert root.kept == 2  # young.json and its sidecar
        assert root.oldest_kept_ns == 40 * DAY_NS


# --------------------------------------------------------------------------- plans


def test_plan_membership_and_identity_decide() -> None:
    same = fake_stat(age_ns=DAY_NS, ino=7, size=5)  # young now: the plan still decides
    changed = fake_stat(age_ns=40 * DAY_NS, ino=8, size=5)
    plan = {
        "a/same.log": PlannedFile("a/same.log", DEV, 7, 5, same.st_mtime_ns, same.st_ctime_ns),
        "a/changed.log": PlannedFile(
            "a/changed.log", DEV, 8, 5, changed.st_mtime_ns, changed.st_ctime_ns + 1
        ),
        "a/gone.log": PlannedFile("a/gone.log", DEV, 9, 5, 0, 0),
    }
    root = judge(plan=plan)
    decisions = by_name(
        root(
            "a",
            [
                ("same.log", same),
                ("changed.log", changed),
                ("unplanned.log", fake_stat(age_ns=40 * DAY_NS, ino=10)),
            ],
        )
    )
    assert fate(decisions["same.log"])[:2] == ("delete", "planned")
    assert fate(decisions["changed.log"])[:2] == ("skip", "changed-since-plan")
    assert fate(decisions["unplanned.log"])[:2] == ("keep", "not-in-plan")
    missing = root.missing()
    assert [(d.rel, d.action, d.reason) for d in missing] == [
        ("a/gone.log", "skip", "changed-since-plan")
    ]


def test_with_a_plan_a_sidecar_is_never_promoted() -> None:
    entry = fake_stat(age_ns=40 * DAY_NS, ino=1)
    sidecar = fake_stat(age_ns=40 * DAY_NS, ino=2)
    plan = {"e.json": PlannedFile("e.json", DEV, 1, 10, entry.st_mtime_ns, entry.st_ctime_ns)}
    decisions = by_name(judge(plan=plan)("", [("e.json", entry), ("e.json.why.json", sidecar)]))
    assert decisions["e.json"].action == "delete"
    assert fate(decisions["e.json.why.json"])[:2] == ("keep", "not-in-plan")
