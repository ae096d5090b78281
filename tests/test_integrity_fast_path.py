"""The integrity fast path gives the exact path's result, record for record.

The differential test writes generated JSONL -- clean records, every kind of
defect, and lines built to fool a byte-level shortcut (doubled keys with and
without space before the colon, escaped keys and colons, colons in key names
and values, nested objects, numbers at band bounds, huge integers) -- and
checks it twice, with the fast path and without (`exact=True`), in small and
large blocks. The result JSON must be identical but for the duration.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsguard import load_config
from opsguard.core.config import Config
from opsguard.integrity import records
from opsguard.integrity.bands import Band, BandTable
from opsguard.integrity.check import check_integrity, scan_integrity
from opsguard.integrity.fastpath import fast_path
from opsguard.integrity.fix import apply_remediation, plan_document, plan_remediation
from opsguard.integrity.settings import Fields

AS_OF = date(2025, 8, 20)

DATES = ["2025-08-01", "2025-08-02", "2025-08-19", "2025-08-21", "2025-02-30", "2025-8-01", ""]
VERSIONS = ["1.0.0", "v1.0.0", "1", "1.0", "2.0.0", "v2", "latest", "", " 1.0.0 ", "1+a:b"]
SCORES: list[Any] = [0, 0.0, -0.0, 39.9, 40, 40.0, 59.99, 60, 79.5, 80, 100, 100.0, 100.5, -1]
SCORES += [True, None, "50", 10**30, 2**53 + 1, 1e300]
BANDS: list[Any] = ["poor", "fair", "good", "excellent", "Good", "great", "", None, 3]


def _config(tmp_path: Path, scope: str = "version") -> Config:
    return load_config(
        cwd=tmp_path,
        environ={},
        overrides={"integrity.duplicate_scope": scope, "integrity.min_records": 0},
    )


def _value() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.sampled_from(["x", "10:30", "a:b:c", "", "\\", '"']),
        st.integers(-5, 5),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        st.booleans(),
        st.none(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.sampled_from(["sleep", "k:1", "hr", "date"]), inner, max_size=3),
        ),
        max_leaves=6,
    )


@st.composite
def _record(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for field, pool in (
        ("date", DATES),
        ("schema_version", VERSIONS),
        ("score", SCORES),
        ("band", BANDS),
    ):
        if draw(st.integers(0, 19)):  # now and then a field is missing
            record[field] = draw(st.sampled_from(pool))
    if draw(st.booleans()):
        record["components"] = {"sleep": draw(st.sampled_from([0.5, 1, "10:00"])), "hr": 60}
    if draw(st.integers(0, 3)) == 0:
        record[draw(st.sampled_from(["note", "a:b", "extra"]))] = draw(_value())
    return record


def _mapped(record: dict[str, Any]) -> dict[str, Any]:
    """A clean record most of the time: the band the score maps to."""
    score: Any = record.get("score")
    if type(score) in (int, float) and 0 <= score <= 100:
        bands = ((40, "poor"), (60, "fair"), (80, "good"))
        record["band"] = next((name for bound, name in bands if score < bound), "excellent")
    return record


def _dumps(value: Any) -> bytes:
    """Compact JSON, like orjson's, but for integers beyond 64 bits too."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


@st.composite
def _line(draw: st.DrawFn) -> bytes:
    record = draw(_record())
    if draw(st.integers(0, 2)):
        record = _mapped(record)
    form = draw(st.integers(0, 9))
    if form <= 3:
        return _dumps(record)
    if form == 4:
        return json.dumps(record).encode()  # ", " and ": " separators
    if form == 5:  # a key written twice, with or without a space before the colon
        body = _dumps(record)[1:-1]
        key = draw(st.sampled_from(["date", "score", "band", "components", "zz"]))
        space = draw(st.sampled_from(["", " "]))
        extra = f'"{key}"{space}:{_dumps(draw(_value())).decode()}'
        return b"{" + (body + b"," if body else b"") + extra.encode() + b"}"
    if form == 6:  # escapes: a key or a colon spelled with \u
        text = _dumps(record).decode()
        text = text.replace('"date"', '"\\u0064ate"', 1).replace(":00", "\\u003a00", 1)
        return text.encode()
    if form == 7:  # not a record: corrupt, blank, another JSON value, bad bytes
        broken = [b"", b"   ", b'{"date":', b"[1, 2]", b"42", b'"x"', b"\xff\xfe"]
        return draw(st.sampled_from([*broken, b'{"a":"\\ud800"}']))
    if form == 8:  # two lines' worth of JSON on one line
        return _dumps(record) + b" " + _dumps(record)
    return _dumps(record).replace(b":", b" : ")


@st.composite
def _file(draw: st.DrawFn) -> list[bytes]:
    base = draw(st.lists(_line(), min_size=1, max_size=60))
    # Runs of clean records, so that blocks are mostly decoded by the fast path.
    clean = orjson.dumps(
        _mapped({"date": "2025-08-10", "schema_version": "1.0.0", "score": 50, "band": "x"})
    )
    runs = draw(st.lists(st.integers(0, len(base)), max_size=4))
    for at in sorted(runs, reverse=True):
        base[at:at] = [clean.replace(b"08-10", f"08-{10 + at % 9:02d}".encode())] * 3
    return base


def _result(paths: list[Path], config: Config, cwd: Path, *, exact: bool) -> dict[str, Any]:
    document = orjson.loads(
        check_integrity(paths, config, as_of=AS_OF, cwd=cwd, exact=exact).to_json()
    )
    document.pop("duration_s")
    return dict(document)


@pytest.mark.parametrize("block_bytes", [64, 1 << 16])
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    files=st.lists(_file(), min_size=1, max_size=2),
    scope=st.sampled_from(["version", "major", "date"]),
    newline=st.sampled_from([b"\n", b"\r\n"]),
    bom=st.booleans(),
)
def test_the_fast_path_and_the_exact_path_agree(  # noqa: PLR0917  (hypothesis passes them)
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    block_bytes: int,
    files: list[list[bytes]],
    scope: str,
    newline: bytes,
    bom: bool,
) -> None:
    monkeypatch.setattr(records, "_BLOCK_BYTES", block_bytes)
    folder = tmp_path / "records"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for number, lines in enumerate(files):
        data = newline.join(lines) + newline
        (folder / f"{number}.jsonl").write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    config = _config(tmp_path, scope)
    fast = _result([folder], config, tmp_path, exact=False)
    exact = _result([folder], config, tmp_path, exact=True)
    assert fast == exact


def _clean_lines(count: int) -> list[bytes]:
    lines = []
    for n in range(count):
        score = n % 101
        record = _mapped(
            {
                "date": f"2025-08-{7 + n % 14:02d}",  # in the window, each key once
                "schema_version": f"{n // 14}.0.0",
                "score": score,
                "band": "",
                "components": {"sleep": 0.5, "note": "at 10:00"},
            }
        )
        lines.append(orjson.dumps(record))
    return lines


def test_a_large_clean_file_and_its_duplicates_agree(tmp_path: Path) -> None:
    """Thousands of records over several blocks, with duplicates placed across blocks,
    before and after the first, and a doubled key in the middle of a clean run."""
    lines = _clean_lines(3000)
    lines.insert(2500, lines[10])  # a duplicate far after its first
    lines.insert(5, lines[2000])  # a duplicate before the record it duplicates
    doubled = b',"components":{"sleep":0.5,"note":"at 10:00"}}'
    lines.insert(1500, lines[1499].replace(b"}}", b"}" + doubled))  # a doubled key
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    config = _config(tmp_path)
    fast = _result([folder], config, tmp_path, exact=False)
    assert fast == _result([folder], config, tmp_path, exact=True)
    assert fast["summary"]["counts"] == {"duplicate-key": 1, "duplicate": 3}


def _fields_and_bands() -> tuple[Fields, BandTable]:
    bounds = [("poor", 0, 40), ("fair", 40, 60), ("good", 60, 80), ("excellent", 80, 100)]
    return Fields(), BandTable.build([Band(name, low, high) for name, low, high in bounds])


def _learned() -> Any:
    fast = fast_path(*_fields_and_bands())
    assert fast is not None
    fast.learn(
        {"date": "2025-08-01", "schema_version": "1", "score": 50, "band": "fair", "note": "x"}
    )
    return fast


def test_the_fast_path_decodes_only_what_it_proves() -> None:
    fast = _learned()
    block = [
        b'{"date":"2025-08-01","schema_version":"1","score":50,"band":"fair","note":"a:b"}\n',
        b'{"date":"2025-08-01","schema_version":"1","score":50,"band":"good","note":"x"}\n',
        b'{"date":"2025-08-01","schema_version":"1","score":50,"band":"fair","note":1}\n',
        b'{"date":"2025-08-01","schema_version":"1","score":50,"band":"fair"}\n',
        b'{"date":"x","schema_version":"1","score":60,"band":"good","note":"x","more":1}\n',
        b'{"date":"2025-08-01","schema_version":"1","score":50,"band":"fair","note":"x",'
        b'"note" :"y"}\n',
        b'{"date":"2025-08-01","schema_version":"1","score":50,"band":"fair","note":"\\u003a"}\n',
        b'{"date":"2025-08-01","schema_version":"1","score":60,"band":"good","note":""}\n',
    ]
    decoded, indices, declined = fast.decode(block)
    # 1: band does not fit the score; 2: a number where a string was learned; 3: a field
    # missing; 4: a field not learned; 5: a doubled key; 6: an escaped colon.
    assert indices == [0, 7]
    assert declined == [1, 2, 3, 4, 5, 6]
    assert [r.date for r in decoded] == ["2025-08-01", "2025-08-01"]


def test_before_it_learns_a_shape_the_fast_path_declines_everything() -> None:
    fast = fast_path(*_fields_and_bands())
    assert fast is not None
    line = b'{"date":"2025-08-01","schema_version":"1","score":50,"band":"fair"}\n'
    assert fast.decode([line, line]) == ([], [], [0, 1])


@pytest.mark.parametrize(
    ("bands", "top"),
    [
        ([Band("a:b", 0, 50), Band("c", 50, 100)], 100.0),  # a colon in a band name
        ([Band("a", 0, 2.0**53), Band("b", 2.0**53, 2.0**54)], 2.0**54),  # beyond exact floats
    ],
)
def test_where_it_cannot_be_exact_there_is_no_fast_path(bands: list[Band], top: float) -> None:
    assert fast_path(Fields(), BandTable.build(bands, 0.0, top)) is None


def _defective_file(tmp_path: Path) -> Path:
    lines = _clean_lines(400)
    lines[7] = lines[7].replace(b'"band":"', b'"band":"x', 1)  # a band mismatch
    lines[100] = b'{"date": broken'
    lines[250] = lines[3]  # a duplicate
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return folder


def test_a_plan_from_what_the_check_read_is_the_plan_from_the_file(tmp_path: Path) -> None:
    folder = _defective_file(tmp_path)
    config = _config(tmp_path)
    scan = scan_integrity([folder], config, as_of=AS_OF, cwd=tmp_path)
    assert scan.reads and scan.reads[0].spans  # the check kept the flagged lines' spans
    from_reads = plan_remediation(scan.result, config, cwd=tmp_path, reads=scan.reads)
    from_file = plan_remediation(scan.result, config, cwd=tmp_path)
    assert plan_document(from_reads) == plan_document(from_file)
    assert len(from_reads.actions) == 3


def test_a_plan_for_showing_only_is_not_applied(tmp_path: Path) -> None:
    folder = _defective_file(tmp_path)
    before = (folder / "a.jsonl").read_bytes()
    config = _config(tmp_path)
    scan = scan_integrity([folder], config, as_of=AS_OF, cwd=tmp_path)
    plan = plan_remediation(scan.result, config, cwd=tmp_path, reads=scan.reads, digest=False)
    assert plan.actions
    with pytest.raises(ValueError) as refused:
        apply_remediation(plan, config)
    assert str(refused.value) == (
        "the plan was made for showing only (digest=False); plan again to apply"
    )
    assert (folder / "a.jsonl").read_bytes() == before


def test_a_file_changed_since_the_check_is_planned_from_its_bytes(tmp_path: Path) -> None:
    """The spans the check kept are for the file it read; a file changed since (another
    size) is read again whole, and the plan follows the new bytes."""
    folder = _defective_file(tmp_path)
    config = _config(tmp_path)
    scan = scan_integrity([folder], config, as_of=AS_OF, cwd=tmp_path)
    path = folder / "a.jsonl"
    path.write_bytes(b"\n" + path.read_bytes())  # every line moves down by one
    plan = plan_remediation(scan.result, config, cwd=tmp_path, reads=scan.reads)
    assert plan_document(plan) == plan_document(plan_remediation(scan.result, config, cwd=tmp_path))
