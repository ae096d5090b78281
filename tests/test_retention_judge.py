"""The judge's every decision, whole: identity, action, reason and basis, and the root's figures.

A decision carries the identity (device, inode, size, mtime, ctime) that the
deletion re-checks, and becomes a line of the listing, the plan and the
decision log; the figures (kept, oldest kept, candidates and their bytes,
skips by reason) become the summary. Each is compared exactly, on
hand-made directory listings: the judge makes no system call.
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime

import pytest

from opsguard.retention.judge import SAME_MTIME_SPREAD_NS, RootJudge
from opsguard.retention.model import Decision, PlannedFile
from opsguard.retention.rule import DAY_NS, NS, Protector, name_stamp_ns, to_ns

NOW_NS = to_ns(datetime(2025, 8, 15, tzinfo=UTC))
DEV = 42
OLD = 40 * DAY_NS
YOUNG = DAY_NS


def fake_stat(
    *, age_ns: int = 0, size: int = 10, ino: int = 1, dev: int = DEV, kind: int = stat.S_IFREG
) -> os.stat_result:
    mtime_ns = NOW_NS - age_ns
    return os.stat_result(
        (kind | 0o644, ino, dev, 1, 0, 0, size, 0, mtime_ns // NS, mtime_ns // NS),
        {"st_mtime_ns": mtime_ns, "st_ctime_ns": mtime_ns + 7},
    )


def judge(**overrides: object) -> RootJudge:
    options: dict[str, object] = {
        "root_dev": DEV,
        "days": 30,
        "age_from": "mtime",
        "now_ns": NOW_NS,
        "protector": Protector.build([".gitkeep", "keep/*.pin"]),
    }
    options.update(overrides)
    return RootJudge(**options)  # type: ignore[arg-type]


def decision(rel: str, info: os.stat_result, fate: tuple[int | None, str, str, str]) -> Decision:
    """The whole decision on `rel`: its identity from `info`, then (age, action, reason, basis)."""
    identity = (info.st_size, info.st_dev, info.st_ino, info.st_mtime_ns, info.st_ctime_ns)
    return Decision(rel, rel.rpartition("/")[2], *identity, *fate)


# --- whole decisions ---------------------------------------------------------------------------


def test_every_decision_carries_the_identity_it_was_judged_with() -> None:
    files = {
        "fifo": fake_stat(age_ns=OLD, ino=1, size=0, kind=stat.S_IFIFO),
        ".gitkeep": fake_stat(age_ns=OLD, ino=2, size=1),
        "mounted.log": fake_stat(age_ns=OLD, ino=3, size=3, dev=DEV + 1),
        "old.log": fake_stat(age_ns=OLD, ino=4, size=4),
        "young.log": fake_stat(age_ns=YOUNG, ino=5, size=5),
    }
    root = judge(record_kept=True)

    decisions = root("a/b", list(files.items()))

    assert decisions == (
        decision("a/b/fifo", files["fifo"], (None, "skip", "special-file", "-")),
        decision("a/b/.gitkeep", files[".gitkeep"], (None, "skip", "protected", "-")),
        decision("a/b/mounted.log", files["mounted.log"], (None, "skip", "other-filesystem", "-")),
        decision("a/b/old.log", files["old.log"], (OLD, "delete", "old", "mtime")),
        decision("a/b/young.log", files["young.log"], (YOUNG, "keep", "young", "mtime")),
    )


def test_protected_by_a_path_glob() -> None:
    info = fake_stat(age_ns=OLD)

    decisions = judge()("keep", [("x.pin", info)])

    assert decisions == (decision("keep/x.pin", info, (None, "skip", "protected", "-")),)


@pytest.mark.parametrize("globs", [[], ["logs/*.pin"], ["/pinned/**"]])
def test_a_protect_list_without_name_globs(globs: list[str]) -> None:
    root = judge(protector=Protector.build(globs))

    decisions = root("logs", [("x.pin", fake_stat(age_ns=OLD))])

    expected = "protected" if globs == ["logs/*.pin"] else "old"
    assert [d.reason for d in decisions] == [expected]


def test_skips_are_counted_by_reason() -> None:
    files = [
        ("f1", fake_stat(ino=1, kind=stat.S_IFIFO)),
        ("f2", fake_stat(ino=2, kind=stat.S_IFSOCK)),
        (".gitkeep", fake_stat(ino=3)),
        ("m1", fake_stat(ino=4, dev=DEV + 1)),
        ("m2", fake_stat(ino=5, dev=DEV + 2)),
        ("m3", fake_stat(ino=6, dev=DEV + 3)),
    ]
    root = judge()

    root("", files)
    root("sub", [(".gitkeep", fake_stat(ino=7))])

    assert root.skipped == {"special-file": 2, "protected": 2, "other-filesystem": 3}
    assert (root.files, root.kept, root.candidates) == (7, 0, 0)


def test_kept_files_are_not_recorded_by_default() -> None:
    root = judge()

    decisions = root("", [("old.log", fake_stat(age_ns=OLD)), ("young.log", fake_stat(ino=2))])

    assert [d.name for d in decisions] == ["old.log"]
    assert root.kept == 1


# --- the figures across directories ------------------------------------------------------------


def test_figures_add_up_over_directories() -> None:
    root = judge()

    root("a", [("old.log", fake_stat(age_ns=OLD, size=100)), ("y", fake_stat(age_ns=3 * DAY_NS))])
    root("b", [("old.log", fake_stat(age_ns=OLD, size=20)), ("y", fake_stat(age_ns=DAY_NS))])
    root("c", [("y", fake_stat(age_ns=5 * DAY_NS)), ("z", fake_stat(age_ns=2 * DAY_NS))])

    assert (root.files, root.kept, root.candidates, root.candidate_bytes) == (6, 4, 2, 120)
    assert root.oldest_kept_ns == 5 * DAY_NS


def test_the_oldest_kept_file_may_be_from_the_future() -> None:
    root = judge()

    root("", [("a", fake_stat(age_ns=-DAY_NS)), ("b", fake_stat(age_ns=-3 * DAY_NS))])

    assert root.oldest_kept_ns == -DAY_NS


def test_a_name_dated_centuries_ahead_is_its_true_age() -> None:
    # An age below -2**63 ns: no fixed "lowest age" stands in for it.
    root = judge(age_from="name")

    root("", [("2999-01-01.log", fake_stat())])

    stamp = name_stamp_ns("2999-01-01.log")
    assert stamp is not None
    assert root.oldest_kept_ns == NOW_NS - stamp < -(2**64)


def test_no_kept_file_means_no_oldest() -> None:
    root = judge()

    root("", [("old.log", fake_stat(age_ns=OLD))])

    assert root.oldest_kept_ns is None


# --- sidecars ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sidecar_first", [True, False])
def test_a_sidecar_goes_with_its_entry_wherever_it_is_listed(sidecar_first: bool) -> None:
    files = [
        ("e.json", fake_stat(age_ns=OLD, ino=1, size=100)),
        ("e.json.why.json", fake_stat(age_ns=YOUNG, ino=2, size=7)),
    ]
    root = judge()

    decisions = root("q", files[::-1] if sidecar_first else files)

    assert sorted((d.name, d.action, d.reason) for d in decisions) == [
        ("e.json", "delete", "old"),
        ("e.json.why.json", "delete", "sidecar"),
    ]
    assert (root.kept, root.oldest_kept_ns, root.candidates, root.candidate_bytes) == (
        0,
        None,
        2,
        107,
    )


def test_figures_of_a_directory_with_sidecars() -> None:
    files = [
        ("a.json", fake_stat(age_ns=400 * DAY_NS, ino=1, size=1000)),
        ("a.json.why.json", fake_stat(age_ns=YOUNG, ino=2, size=10)),
        ("b.json", fake_stat(age_ns=2 * DAY_NS, ino=3, size=1)),
        ("b.json.why.json", fake_stat(age_ns=OLD, ino=4, size=1)),
        ("fifo", fake_stat(ino=5, kind=stat.S_IFIFO)),
    ]
    root = judge()

    decisions = root("q", files)

    assert sorted((d.name, d.action, d.reason) for d in decisions) == [
        ("a.json", "delete", "old"),
        ("a.json.why.json", "delete", "sidecar"),
        ("fifo", "skip", "special-file"),
    ]
    # The kept pair: b.json (2 days) and its sidecar (40 days, kept with it).
    assert (root.kept, root.oldest_kept_ns) == (2, OLD)
    assert (root.candidates, root.candidate_bytes) == (2, 1010)


def test_a_file_named_like_a_sidecar_of_nothing_is_judged_alone() -> None:
    files = [
        ("a.log", fake_stat(age_ns=OLD, ino=1)),
        ("a.log.backup01", fake_stat(age_ns=YOUNG, ino=2)),  # 9 characters longer, no sidecar
        ("z.json.why.json", fake_stat(age_ns=YOUNG, ino=3)),
    ]

    decisions = judge(record_kept=True)("", files)

    assert [(d.name, d.action, d.reason) for d in decisions] == [
        ("a.log", "delete", "old"),
        ("a.log.backup01", "keep", "young"),
        ("z.json.why.json", "keep", "young"),
    ]


def test_a_protected_sidecar_stays_protected() -> None:
    files = [
        ("e.json", fake_stat(age_ns=OLD, ino=1)),
        ("e.json.why.json", fake_stat(age_ns=OLD, ino=2)),
    ]

    decisions = judge(protector=Protector.build(["*.why.json"]))("", files)

    assert [(d.name, d.action, d.reason) for d in decisions] == [
        ("e.json", "delete", "old"),
        ("e.json.why.json", "skip", "protected"),
    ]


# --- plans -------------------------------------------------------------------------------------


def test_planned_files_that_were_not_found_are_reported_whole() -> None:
    plan = {
        "a/b/gone.log": PlannedFile("a/b/gone.log", DEV, 9, 5, 1_000, 2_000),
        "top.log": PlannedFile("top.log", DEV + 1, 10, 6, 3_000, 4_000),
        "a/here.log": PlannedFile("a/here.log", DEV, 11, 10, 0, 0),
    }
    root = judge(plan=plan)
    root("a", [("here.log", fake_stat(ino=11))])

    missing = root.missing()

    assert missing == [
        Decision(
            "a/b/gone.log", "gone.log", 5, DEV, 9, 1_000, 2_000, None, "skip",
            "changed-since-plan", "-",
        ),
        Decision(
            "top.log", "top.log", 6, DEV + 1, 10, 3_000, 4_000, None, "skip",
            "changed-since-plan", "-",
        ),
    ]  # fmt: skip
    assert root.skipped["changed-since-plan"] == 3  # a/here.log changed, two are gone


def test_without_a_plan_nothing_is_missing() -> None:
    root = judge()

    assert root.missing() == []
    assert root.skipped == {}


# --- the same-mtime spread ---------------------------------------------------------------------


def test_a_spread_of_exactly_the_limit_is_still_tracked() -> None:
    root = judge()
    root("a", [("x", fake_stat(ino=1)), ("y", fake_stat(ino=2, age_ns=SAME_MTIME_SPREAD_NS))])
    assert root.mtime_high is not None and root.mtime_low is not None
    assert root.mtime_high - root.mtime_low == SAME_MTIME_SPREAD_NS

    root("b", [("z", fake_stat(ino=3, age_ns=DAY_NS))])

    # Not "all within 2 s": the day-old file widened the span.
    assert root.mtime_high - root.mtime_low == DAY_NS
    assert root.aged_by_mtime == 3


def test_name_aged_files_do_not_count_for_the_spread() -> None:
    root = judge(age_from="name")

    root("", [("2025-07-01.log", fake_stat(ino=1)), ("notes.txt", fake_stat(ino=2, age_ns=NS))])

    assert (root.mtime_low, root.mtime_high, root.aged_by_mtime) == (
        NOW_NS - NS,
        NOW_NS - NS,
        1,
    )
    assert root.fallback == ["notes.txt"]
