"""Remediation (`opsguard integrity --fix`): plan, apply, and never lose a record.

Every test works on a copy in tmp_path; the repository's fixtures are only read.
"""

from __future__ import annotations

import builtins
import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard import load_config
from opsguard.core.atomic import TEMP_PATTERN, atomic_write
from opsguard.core.config import Config
from opsguard.core.files import element_lines, element_spans
from opsguard.core.quarantine import quarantine_file
from opsguard.integrity import fix as remediate
from opsguard.integrity.bands import map_score_to_band
from opsguard.integrity.check import check_integrity
from opsguard.integrity.fix import (
    FixBand,
    QuarantineFile,
    QuarantineRecord,
    RemediationPlan,
    apply_remediation,
    describe_plan,
    describe_report,
    plan_remediation,
)
from opsguard.integrity.store import LOCK_NAME

AS_OF = date(2025, 8, 14)
NOW = 1_755_000_000.0  # 2025-08-12T12:00:00Z: quarantine stamps are deterministic
NEEDS_HUMAN = {
    "missing-field": 1,
    "wrong-type": 3,
    "invalid-date": 1,
    "future-date": 1,
    "invalid-schema-version": 2,
    "score-out-of-range": 2,
}


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def defects(tmp_path: Path, repo: Path) -> Path:
    """A private copy of fixtures/defects."""
    return Path(shutil.copytree(repo / "fixtures" / "defects", tmp_path / "defects"))


def _config(tmp_path: Path) -> Config:
    return load_config(
        cwd=tmp_path, environ={}, overrides={"paths.quarantine": tmp_path / "quarantine"}
    )


def _plan(tmp_path: Path, target: Path, config: Config | None = None) -> RemediationPlan:
    config = config or _config(tmp_path)
    result = check_integrity([target], config, as_of=AS_OF, cwd=tmp_path)
    return plan_remediation(result, config, cwd=tmp_path)


def _tree(root: Path) -> dict[str, bytes]:
    """Every file below root (relative path -> bytes)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _record(day: str, version: str = "1.0.0", score: float = 72.0, band: str = "good") -> bytes:
    return json.dumps(
        {"date": day, "schema_version": version, "score": score, "band": band}
    ).encode()


def _quarantined(tmp_path: Path) -> dict[str, bytes]:
    return _tree(tmp_path / "quarantine") if (tmp_path / "quarantine").exists() else {}


# --- element_spans (the one addition to records.py) ----------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)


@given(value=st.lists(_json_values, max_size=6), indent=st.booleans(), bom=st.booleans())
def test_element_spans_give_each_element_exactly(
    value: list[object], indent: bool, bom: bool
) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + orjson.dumps(
        value, option=orjson.OPT_INDENT_2 if indent else 0
    )
    spans = element_spans(data)
    assert [orjson.loads(data[start:end]) for start, end in spans] == value
    assert all(data[start:end] == data[start:end].strip() for start, end in spans)
    if indent and value:
        starts = [data.count(b"\n", 0, start) + 1 for start, _ in spans]
        assert starts == element_lines(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"[]", []),
        (b" [ ] ", []),
        (b"[1, 2 ,3]", [b"1", b"2", b"3"]),
        (b'[ "a,]" , {"b": [1, {"c": "]"}]} ]', [b'"a,]"', b'{"b": [1, {"c": "]"}]}']),
        (b'{"a": [1, 2]}', []),
        (b'"[1, 2]"', []),
        (b"42", []),
    ],
)
def test_element_spans_cases(data: bytes, expected: list[bytes]) -> None:
    assert [data[start:end] for start, end in element_spans(data)] == expected


# --- the plan on fixtures/defects ----------------------------------------------------------


def test_plan_lists_exactly_the_fixable_findings(tmp_path: Path, defects: Path) -> None:
    plan = _plan(tmp_path, defects)

    by_file = {file.shown: file.actions for file in plan.files}
    assert set(by_file) == {
        "defects/band-mismatch.json",
        "defects/broken.json",
        "defects/corrupt.jsonl",
        "defects/duplicate.json",
        "defects/old.json",
    }
    (fix,) = by_file["defects/band-mismatch.json"]
    assert isinstance(fix, FixBand)
    assert (fix.line, fix.pointer, fix.old, fix.new) == (1, "/band", "good", "poor")
    (old_fix,) = by_file["defects/old.json"]  # outside the window (a warning): still fixed
    assert isinstance(old_fix, FixBand)
    assert (old_fix.line, old_fix.pointer, old_fix.old, old_fix.new) == (
        2,
        "/0/band",
        "poor",
        "excellent",
    )
    (broken,) = by_file["defects/broken.json"]
    assert isinstance(broken, QuarantineFile)  # a corrupt .json moves whole
    assert broken.codes == ("corrupt-json",)
    assert broken.reason.startswith("corrupt-json: invalid JSON")
    (cut,) = by_file["defects/corrupt.jsonl"]
    assert isinstance(cut, QuarantineRecord)
    assert (cut.line, cut.pointer, cut.codes) == (2, "", ("corrupt-json",))
    (dup,) = by_file["defects/duplicate.json"]
    assert isinstance(dup, QuarantineFile)
    assert dup.codes == ("duplicate",)
    assert "clean.jsonl:4" in dup.reason

    assert plan.skipped == ()
    assert plan.needs_human_counts == NEEDS_HUMAN
    assert len(plan.actions) == 5


def test_planning_changes_nothing(tmp_path: Path, defects: Path) -> None:
    before = _tree(tmp_path)
    stats = {p: p.stat().st_mtime_ns for p in defects.iterdir()}

    plan = _plan(tmp_path, defects)
    describe_plan(plan)

    assert _tree(tmp_path) == before
    assert {p: p.stat().st_mtime_ns for p in defects.iterdir()} == stats
    assert not (tmp_path / "quarantine").exists()


def test_describe_plan(tmp_path: Path, defects: Path) -> None:
    lines = describe_plan(_plan(tmp_path, defects))

    assert lines == [
        "fix band defects/band-mismatch.json:1 /band 'good' -> 'poor'",
        "quarantine defects/broken.json (corrupt-json)",
        "quarantine defects/corrupt.jsonl:2 (corrupt-json; the line is cut out of the file)",
        "quarantine defects/duplicate.json (duplicate)",
        "fix band defects/old.json:2 /0/band 'poor' -> 'excellent'",
        "needs a human: missing-field 1, wrong-type 3, invalid-date 1, future-date 1, "
        "invalid-schema-version 2, score-out-of-range 2",
    ]
    text = "\n".join(lines)
    for raw in ("38.0", "90.0", "2025-08", "2.0.0", "latest", "104.5"):
        assert raw not in text  # no record value but bands and locations


# --- applying --------------------------------------------------------------------------------


def test_apply_fixes_bands_and_quarantines_byte_for_byte(tmp_path: Path, defects: Path) -> None:
    original = _tree(defects)
    plan = _plan(tmp_path, defects)

    report = apply_remediation(plan, _config(tmp_path), now=NOW)

    # Band fixes: the records now map correctly; only the band's bytes changed.
    fixed = json.loads((defects / "band-mismatch.json").read_bytes())
    assert fixed["band"] == map_score_to_band(fixed["score"]) == "poor"
    assert (defects / "band-mismatch.json").read_bytes() == original["band-mismatch.json"].replace(
        b'"band": "good"', b'"band": "poor"'
    )
    old = json.loads((defects / "old.json").read_bytes())
    assert [r["band"] for r in old] == ["excellent", "excellent"]
    assert (defects / "old.json").read_bytes() == original["old.json"].replace(
        b'"band": "poor"', b'"band": "excellent"'
    )

    # Whole files moved, byte for byte, keeping their relative path; the sources are gone.
    stamp = "20250812T120000Z"
    stored = tmp_path / "quarantine" / "records" / stamp / "defects"
    for name in ("broken.json", "duplicate.json"):
        assert not (defects / name).exists()
        assert (stored / name).read_bytes() == original[name]

    # The torn JSONL line is cut out exactly; lines 1 and 3 stay byte-identical.
    lines = original["corrupt.jsonl"].splitlines(keepends=True)
    assert (stored / "corrupt.jsonl.line2.jsonl").read_bytes() == lines[1]
    assert (defects / "corrupt.jsonl").read_bytes() == lines[0] + lines[2]

    # Sidecars say why and when, and hold the digest of the stored bytes.
    for name, code in (
        ("broken.json", "corrupt-json"),
        ("duplicate.json", "duplicate"),
        ("corrupt.jsonl.line2.jsonl", "corrupt-json"),
    ):
        sidecar = json.loads((stored / f"{name}.why.json").read_bytes())
        assert sidecar["codes"] == [code]
        assert sidecar["reason"].startswith(f"{code}: ")
        assert sidecar["quarantined_at"] == "2025-08-12T12:00:00Z"
        assert sidecar["sha256"] == hashlib.sha256((stored / name).read_bytes()).hexdigest()

    # The other files are untouched.
    untouched = set(original) - {
        "band-mismatch.json",
        "old.json",
        "broken.json",
        "duplicate.json",
        "corrupt.jsonl",
    }
    assert {name: original[name] for name in untouched} == {
        name: (defects / name).read_bytes() for name in untouched
    }

    assert [(f.path, f.new) for f in report.band_fixes] == [
        ("defects/band-mismatch.json", "poor"),
        ("defects/old.json", "excellent"),
    ]
    assert [(q.path, q.line, q.whole_file) for q in report.quarantined] == [
        ("defects/broken.json", None, True),
        ("defects/corrupt.jsonl", 2, False),
        ("defects/duplicate.json", None, True),
    ]
    assert [q.stored for q in report.quarantined] == [
        stored / "broken.json",
        stored / "corrupt.jsonl.line2.jsonl",
        stored / "duplicate.json",
    ]
    assert report.skipped == ()
    assert report.needs_human_counts == NEEDS_HUMAN
    assert describe_report(report)[-1] == "2 band fixes, 3 quarantined, 0 skipped"
    assert (
        f"quarantined defects/corrupt.jsonl:2 (corrupt-json) -> quarantine/records/{stamp}/"
        "defects/corrupt.jsonl.line2.jsonl"
    ) in describe_report(report)


def test_it_is_idempotent(tmp_path: Path, defects: Path) -> None:
    config = _config(tmp_path)
    plan = _plan(tmp_path, defects, config)
    apply_remediation(plan, config, now=NOW)
    after_first = _tree(tmp_path)

    # A second check finds nothing fixable: the plan is empty, only humans' work is left.
    again = _plan(tmp_path, defects, config)
    assert again.empty
    assert again.actions == ()
    assert again.skipped == ()
    assert again.needs_human_counts == NEEDS_HUMAN
    assert describe_plan(again)[0] == "nothing to fix"
    report = apply_remediation(again, config, now=NOW + 60)
    assert not report.changed
    assert _tree(tmp_path) == after_first

    # Applying the first plan again does nothing either: every file changed or is gone.
    stale = apply_remediation(plan, config, now=NOW + 120)
    assert not stale.changed
    assert len(stale.skipped) == len(plan.actions)
    assert _tree(tmp_path) == after_first


def test_a_file_changed_after_planning_is_skipped(tmp_path: Path, defects: Path) -> None:
    config = _config(tmp_path)
    plan = _plan(tmp_path, defects, config)
    target = defects / "band-mismatch.json"
    changed = target.read_bytes().replace(b", ", b",  ")  # the same record, spelled anew
    target.write_bytes(changed)

    report = apply_remediation(plan, config, now=NOW)

    assert target.read_bytes() == changed
    (skip,) = report.skipped
    assert (skip.path, skip.codes) == ("defects/band-mismatch.json", ("band-mismatch",))
    assert "changed since the plan" in skip.reason
    assert [f.path for f in report.band_fixes] == ["defects/old.json"]  # the rest went ahead
    assert len(report.quarantined) == 3
    assert any(
        line.startswith("skipped defects/band-mismatch.json:1") for line in describe_report(report)
    )


def test_a_finding_the_file_no_longer_bears_out_is_skipped_at_planning(
    tmp_path: Path, defects: Path
) -> None:
    config = _config(tmp_path)
    result = check_integrity([defects], config, as_of=AS_OF, cwd=tmp_path)
    (defects / "corrupt.jsonl").write_bytes(_record("2025-08-20") + b"\n")  # repaired by hand
    (defects / "band-mismatch.json").write_bytes(_record("2025-08-03", score=38.0, band="poor"))

    plan = plan_remediation(result, config, cwd=tmp_path)

    assert {s.path for s in plan.skipped} == {
        "defects/corrupt.jsonl",
        "defects/band-mismatch.json",
    }
    assert all("no longer matches" in s.reason or "not where" in s.reason for s in plan.skipped)
    assert {f.shown for f in plan.files} == {
        "defects/broken.json",
        "defects/duplicate.json",
        "defects/old.json",
    }


# --- granularity -----------------------------------------------------------------------------


@pytest.mark.parametrize("position", [0, 1, 2])
@pytest.mark.parametrize("indent", [True, False])
def test_duplicate_array_element_is_cut_out_exactly(
    tmp_path: Path, position: int, indent: bool
) -> None:
    records = tmp_path / "records"
    records.mkdir()
    (records / "a.json").write_bytes(_record("2025-08-01"))
    elements = [_record("2025-08-02"), _record("2025-08-03", band="poor"), _record("2025-08-04")]
    elements[1] = elements[1].replace(b'"poor"', b'"good"')  # keep it clean
    elements.insert(position, _record("2025-08-01", "v1", 12.5, "good"))  # duplicate of a.json
    separator, opening, closing = (b",\n  ", b"[\n  ", b"\n]\n") if indent else (b", ", b"[", b"]")
    original = opening + separator.join(elements) + closing
    (records / "b.json").write_bytes(original)

    plan = _plan(tmp_path, records)
    (cut,) = plan.actions
    assert isinstance(cut, QuarantineRecord)
    # The element's own band-mismatch (12.5 is "poor") goes with it, listed in its codes.
    assert (cut.pointer, cut.codes) == (f"/{position}", ("band-mismatch", "duplicate"))
    report = apply_remediation(plan, _config(tmp_path), now=NOW)

    (entry,) = report.quarantined
    assert entry.stored.name == f"b.json.element{position}.json"
    assert entry.stored.read_bytes() == elements[position]
    kept = elements[:position] + elements[position + 1 :]
    assert (records / "b.json").read_bytes() == opening + separator.join(kept) + closing
    sidecar = json.loads(entry.sidecar.read_bytes())
    assert sidecar["codes"] == ["band-mismatch", "duplicate"]
    assert sidecar["original"].endswith(f"b.json#/{position}")
    assert _plan(tmp_path, records).empty


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
@pytest.mark.parametrize("trailing", [True, False])
def test_duplicate_jsonl_line_is_cut_out_exactly(
    tmp_path: Path, newline: bytes, trailing: bool
) -> None:
    records = tmp_path / "records"
    records.mkdir()
    lines = [
        _record("2025-08-01") + newline,
        _record("2025-08-02") + newline,
        newline,  # a blank line: not a record, kept as it is
        _record("2025-08-01", "1.0") + newline,  # duplicate of line 1
        _record("2025-08-03") + (newline if trailing else b""),
    ]
    (records / "r.jsonl").write_bytes(b"".join(lines))

    report = apply_remediation(_plan(tmp_path, records), _config(tmp_path), now=NOW)

    (entry,) = report.quarantined
    assert (entry.line, entry.codes) == (4, ("duplicate",))
    assert entry.stored.name == "r.jsonl.line4.jsonl"
    assert entry.stored.read_bytes() == lines[3]
    assert (records / "r.jsonl").read_bytes() == b"".join(lines[:3] + lines[4:])


def test_torn_last_line_without_newline_is_cut_out(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    good = _record("2025-08-01") + b"\n"
    torn = b'{"date": "2025-08-02", "sche'
    (records / "r.jsonl").write_bytes(good + torn)

    report = apply_remediation(_plan(tmp_path, records), _config(tmp_path), now=NOW)

    assert report.quarantined[0].stored.read_bytes() == torn
    assert (records / "r.jsonl").read_bytes() == good


def test_a_byte_order_mark_stays_with_the_file(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    bom, torn, good = b"\xef\xbb\xbf", b"{torn\n", _record("2025-08-01") + b"\n"
    (records / "r.jsonl").write_bytes(bom + torn + good)

    report = apply_remediation(_plan(tmp_path, records), _config(tmp_path), now=NOW)

    assert report.quarantined[0].stored.read_bytes() == torn
    assert (records / "r.jsonl").read_bytes() == bom + good


def test_several_actions_on_one_file_are_one_rewrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = tmp_path / "records"
    records.mkdir()
    lines = [
        _record("2025-08-01") + b"\n",
        _record("2025-08-02", score=38.0, band="good") + b"\n",  # band-mismatch
        b"{torn\n",  # corrupt
        _record("2025-08-01", "v1.0.0") + b"\n",  # duplicate
        _record("2025-08-03", score=90.0, band="fair") + b"\n",  # band-mismatch
    ]
    (records / "r.jsonl").write_bytes(b"".join(lines))
    writes: list[Path] = []
    real = atomic_write

    def counting(path: Any, data: Any, **kwargs: Any) -> None:
        writes.append(Path(path))
        real(path, data, **kwargs)

    monkeypatch.setattr(remediate, "atomic_write", counting)
    report = apply_remediation(_plan(tmp_path, records), _config(tmp_path), now=NOW)

    assert writes == [records / "r.jsonl"]
    assert [(q.line, q.codes) for q in report.quarantined] == [
        (3, ("corrupt-json",)),
        (4, ("duplicate",)),
    ]
    assert (records / "r.jsonl").read_bytes() == (
        lines[0]
        + lines[1].replace(b'"good"', b'"poor"')
        + lines[4].replace(b'"fair"', b'"excellent"')
    )


def test_a_file_whose_every_record_goes_is_moved_whole(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    (records / "a.json").write_bytes(_record("2025-08-01") + b"\n")
    dupes = b"[" + _record("2025-08-01", "1") + b",\n " + _record("2025-08-01", "v1.0") + b"]"
    (records / "b.json").write_bytes(dupes)
    (records / "c.jsonl").write_bytes(b"\n{torn\n\n")

    plan = _plan(tmp_path, records)
    assert [(type(a), a.path, a.codes) for a in plan.actions] == [
        (QuarantineFile, "records/b.json", ("duplicate",)),
        (QuarantineFile, "records/c.jsonl", ("corrupt-json",)),
    ]
    report = apply_remediation(plan, _config(tmp_path), now=NOW)

    assert sorted(p.name for p in records.iterdir()) == ["a.json"]
    assert [q.stored.read_bytes() for q in report.quarantined] == [dupes, b"\n{torn\n\n"]
    sidecar = json.loads(report.quarantined[0].sidecar.read_bytes())
    assert sidecar["reason"].startswith("every record in the file is corrupt or a duplicate")


def test_band_fix_keeps_every_other_byte(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    # A byte order mark, odd spacing, an escaped key, a nested "band", a repeated key
    # (the last one counts, as for orjson) and a non-ASCII band name.
    original = (
        b'\xef\xbb\xbf  {"date":"2025-08-01",  "schema_version" : "1.0.0",\n'
        b'   "nested": {"band": "keep"}, "b\\u0061nd": "first", "score": 1e1,\n'
        b'   "band"  :  "g\\u00f6\\u00f6d" }  \n'
    )
    (records / "r.json").write_bytes(original)

    plan = _plan(tmp_path, records)
    (fix,) = plan.actions
    assert isinstance(fix, FixBand)
    assert (fix.old, fix.new) == ("g\u00f6\u00f6d", "poor")
    apply_remediation(plan, _config(tmp_path), now=NOW)

    assert (records / "r.json").read_bytes() == original.replace(b'"g\\u00f6\\u00f6d"', b'"poor"')


@given(
    score=st.floats(0, 100),
    band=st.sampled_from(["poor", "fair", "good", "excellent", "unknown", ""]),
    extra=st.dictionaries(st.sampled_from(["a", "band ", "x/y", "~"]), st.text(max_size=5)),
    indent=st.booleans(),
)
def test_band_edit_is_exactly_the_band(
    score: float, band: str, extra: dict[str, str], indent: bool
) -> None:
    record: dict[str, object] = {"date": "2025-08-01", **extra, "score": score, "band": band}
    data = orjson.dumps(record, option=orjson.OPT_INDENT_2 if indent else 0)
    unit = (0, len(data))
    span = remediate._string_member_span(data, unit, "band")
    assert span is not None
    assert data[span[0] : span[1]] == orjson.dumps(band)
    mapped = map_score_to_band(score)
    assert orjson.loads(remediate._edit(data, unit, span, mapped)) == {**record, "band": mapped}


# --- safety ----------------------------------------------------------------------------------


def test_nothing_is_written_except_through_atomic(
    tmp_path: Path, defects: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path)
    plan = _plan(tmp_path, defects, config)
    before = _tree(defects)
    targets: list[Path] = []
    moved: list[Path] = []

    def record_writes(func: Callable[..., Any], into: list[Path]) -> Callable[..., Any]:
        def wrapper(first: Any, *args: Any, **kwargs: Any) -> Any:
            into.append(Path(first))
            return func(first, *args, **kwargs)

        return wrapper

    def no_plain_writes(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(flag in mode for flag in "wax+"):
            raise AssertionError(f"plain write to {file}")
        return real_open(file, mode, *args, **kwargs)

    real_open = builtins.open
    monkeypatch.setattr(remediate, "atomic_write", record_writes(atomic_write, targets))
    monkeypatch.setattr(remediate, "quarantine_file", record_writes(quarantine_file, moved))
    monkeypatch.setattr(builtins, "open", no_plain_writes)
    for name in ("write_bytes", "write_text", "unlink", "rename", "replace", "touch"):
        monkeypatch.setattr(Path, name, _forbidden(name))

    apply_remediation(plan, config, now=NOW)
    monkeypatch.undo()

    after = _tree(defects)
    changed = {defects / n for n in set(before) | set(after) if before.get(n) != after.get(n)}
    assert changed == set(targets) | set(moved)
    assert len(targets) == 3  # band-mismatch.json, corrupt.jsonl, old.json: one write each
    temps = [p for p in tmp_path.rglob("*") if TEMP_PATTERN.match(p.name)]
    assert temps == []


def _forbidden(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"Path.{name} used during remediation")

    return refuse


def test_a_crash_before_the_rewrite_duplicates_but_never_loses(
    tmp_path: Path, defects: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path)
    plan = _plan(tmp_path, defects, config)
    original = (defects / "corrupt.jsonl").read_bytes()

    def crash(path: Any, data: Any, **kwargs: Any) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(remediate, "atomic_write", crash)
    report = apply_remediation(plan, config, now=NOW)

    # The cut line is in the quarantine AND still in the file: duplicated, not lost.
    assert (defects / "corrupt.jsonl").read_bytes() == original
    stored = tmp_path / "quarantine/records/20250812T120000Z/defects/corrupt.jsonl.line2.jsonl"
    assert stored.read_bytes() == original.splitlines(keepends=True)[1]
    skip = next(s for s in report.skipped if s.path == "defects/corrupt.jsonl")
    assert "Input/output error" in skip.reason
    assert "copies already in the quarantine" in skip.reason
    assert "defects/corrupt.jsonl" not in {q.path for q in report.quarantined}
    # Whole-file moves do not go through atomic_write: they happened.
    assert {q.path for q in report.quarantined} == {"defects/broken.json", "defects/duplicate.json"}


def test_files_in_the_quarantine_and_symlinks_are_not_touched(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    (records / "a.json").write_bytes(_record("2025-08-01", score=10.0))
    real = tmp_path / "elsewhere.json"
    real.write_bytes(_record("2025-08-02", score=10.0))
    (records / "link.json").symlink_to(real)
    config = load_config(
        cwd=tmp_path, environ={}, overrides={"paths.quarantine": records / "quarantine"}
    )
    inside = records / "quarantine" / "old.json"
    inside.parent.mkdir()
    inside.write_bytes(b"{torn")
    before = _tree(tmp_path)

    plan = _plan(tmp_path, records, config)

    assert [a.path for a in plan.actions] == ["records/a.json"]
    reasons = {s.path: s.reason for s in plan.skipped}
    assert "symbolic link" in reasons["records/link.json"]
    # The gate does not even read the quarantine, so nothing there is planned or skipped.
    assert "records/quarantine/old.json" not in reasons
    apply_remediation(plan, config, now=NOW)
    after = _tree(tmp_path)
    assert after["elsewhere.json"] == before["elsewhere.json"]
    assert after["records/quarantine/old.json"] == b"{torn"


def test_apply_holds_the_record_store_lock(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    target = records / "a.json"
    target.write_bytes(_record("2025-08-01", score=10.0))
    (records / LOCK_NAME).write_bytes(b"")
    config = _config(tmp_path)
    plan = _plan(tmp_path, records, config)

    fd = os.open(records / LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a store writer is busy
        worker = threading.Thread(target=apply_remediation, args=(plan, config))
        worker.start()
        time.sleep(0.2)
        assert b'"good"' in target.read_bytes()  # still waiting for the lock
    finally:
        os.close(fd)
    worker.join(timeout=10)
    assert b'"poor"' in target.read_bytes()


def test_plan_rejects_other_checks(tmp_path: Path) -> None:
    from opsguard.core.result import CheckResult

    with pytest.raises(ValueError, match="integrity"):
        plan_remediation(CheckResult("privacy", "pass", {}), _config(tmp_path), cwd=tmp_path)
