"""Protect globs: a protected file is never removed, whatever the globs start with.

`Protector` keeps a set of first characters to spare most names the regex when
every name glob starts with a literal; these tests pin that the shortcut never
changes which files are protected, in particular for lists whose globs all
start with a wildcard (`*.keep`), where it must not be used at all.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from opsguard import load_config
from opsguard.retention.check import check_retention
from opsguard.retention.judge import RootJudge
from opsguard.retention.rule import DAY_NS, NS, Protector, to_ns
from opsguard.retention.settings import RetentionRoot

NOW = datetime(2025, 8, 15, tzinfo=UTC)
NOW_NS = to_ns(NOW)
OLD = 400 * DAY_NS

WILDCARD_ONLY = [["*.keep"], ["?.keep"], ["[ab].keep"], ["*.keep", "?eep*"], ["*"]]


def _expected(globs: list[str], name: str, rel: str) -> bool:
    """What a protect list means, spelled out with fnmatch (case-sensitive)."""
    by_name = any(fnmatch.fnmatchcase(name, g) for g in globs if "/" not in g)
    by_path = any(fnmatch.fnmatchcase(rel, g.strip("/")) for g in globs if "/" in g)
    return by_name or by_path


@pytest.mark.parametrize("globs", WILDCARD_ONLY, ids=repr)
def test_globs_that_all_start_with_a_wildcard_protect(globs: list[str]) -> None:
    protector = Protector.build(globs)

    assert protector.first_chars is None  # no shortcut: any first character may match
    assert protector.protects("a.keep", "a.keep")
    assert protector.protects("a.keep", "deep/er/a.keep")
    assert protector.protects("a.log", "a.log") is (globs == ["*"])


@pytest.mark.parametrize(
    ("globs", "first"),
    [([".gitkeep", "README*"], {".", "R"}), (["a*", "b?", "c[xy]"], {"a", "b", "c"})],
)
def test_literal_first_characters_are_the_shortcut(globs: list[str], first: set[str]) -> None:
    protector = Protector.build(globs)

    assert protector.first_chars == frozenset(first)
    for glob in globs:
        name = glob.replace("*", "x").replace("?", "y").replace("[xy]", "x")
        assert protector.protects(name, name), name
    assert not protector.protects("other", "other")


def test_a_mixed_list_protects_what_each_glob_names() -> None:
    protector = Protector.build([".gitkeep", "*.keep", "logs/*.pin"])

    assert protector.first_chars is None
    assert protector.protects(".gitkeep", ".gitkeep")
    assert protector.protects("a.keep", "a.keep")
    assert protector.protects("x.pin", "logs/x.pin")
    assert not protector.protects("x.pin", "x.pin")
    assert protector.uses_paths
    assert not Protector.build(["*.keep"]).uses_paths


def test_an_empty_list_protects_nothing() -> None:
    protector = Protector.build([])

    assert (protector.by_name, protector.by_path) == (None, None)
    assert not protector.protects("", "")
    assert not protector.protects(".gitkeep", ".gitkeep")


_GLOB_CHARS = st.sampled_from(["a", "b", "X", ".", "*", "?", "[ab]", "[!a]", "[/a]", "/"])
_GLOBS = st.lists(st.lists(_GLOB_CHARS, min_size=1, max_size=4).map("".join), max_size=4)
_NAMES = st.text(alphabet="abX.", max_size=4)


@example(["[/a]b"], "ab", ["d"])  # a path glob, even though its only `/` is in brackets
@example(["Xd/*"], "a", ["Xd"])  # only slashes are stripped from a path glob
@given(_GLOBS, _NAMES, st.lists(_NAMES, max_size=2))
def test_protects_means_fnmatch_of_some_glob(globs: list[str], name: str, dirs: list[str]) -> None:
    rel = "/".join([*dirs, name])

    assert Protector.build(globs).protects(name, rel) == _expected(globs, name, rel)


# --- the judge and a real apply ----------------------------------------------------------------


def _stat(ino: int) -> os.stat_result:
    mtime = NOW_NS - OLD
    return os.stat_result(
        (stat.S_IFREG | 0o644, ino, 42, 1, 0, 0, 10, 0, mtime // NS, mtime // NS),
        {"st_mtime_ns": mtime, "st_ctime_ns": mtime},
    )


@given(_GLOBS, st.lists(_NAMES.filter(bool), min_size=1, max_size=5, unique=True))
def test_the_judge_skips_exactly_the_protected_files(globs: list[str], names: list[str]) -> None:
    protector = Protector.build(globs)
    judge = RootJudge(root_dev=42, days=30, age_from="mtime", now_ns=NOW_NS, protector=protector)

    decisions = judge("d", [(name, _stat(i)) for i, name in enumerate(names)])

    protected = {d.name for d in decisions if d.reason == "protected"}
    deleted = {d.name for d in decisions if d.action == "delete"}
    assert protected == {n for n in names if _expected(globs, n, f"d/{n}")}
    assert deleted == set(names) - protected
    assert judge.skipped["protected"] == len(protected)


@pytest.mark.parametrize("globs", WILDCARD_ONLY, ids=repr)
def test_apply_never_deletes_a_file_a_wildcard_glob_protects(
    tmp_path: Path, globs: list[str]
) -> None:
    root = tmp_path / "telemetry"
    for rel in ("a.keep", "sub/b.keep", "old.log"):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        os.utime(path, ns=(NOW_NS - OLD, NOW_NS - OLD))
    config = load_config(cwd=tmp_path, environ={}, overrides={"retention.protect": globs})

    report = check_retention(
        [RetentionRoot(root, 30, "mtime")], config, apply=True, force=True, now=NOW, cwd=tmp_path
    )

    left = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    protected = {"a.keep", "sub/b.keep"} | ({"old.log"} if globs == ["*"] else set())
    assert left == protected
    assert report.result.summary["skipped"] == {"protected": len(protected)}
