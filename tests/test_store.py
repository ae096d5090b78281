"""RecordStore: the ingestion writer refuses what the gate would fail and writes nothing then."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from opsguard import DuplicateRecord, RecordRejected, RecordStore, load_config
from opsguard.core.config import Config
from opsguard.core.errors import OpsguardError
from opsguard.integrity.check import check_integrity

NOW = datetime(2025, 8, 20, 12, tzinfo=UTC)


def _config(tmp_path: Path, **overrides: Any) -> Config:
    return load_config(cwd=tmp_path, environ={}, overrides=overrides)


def _record(
    day: str = "2025-08-01", version: str = "v1.0.0", score: float = 72.4
) -> dict[str, Any]:
    bands = [(40, "poor"), (60, "fair"), (80, "good"), (101, "excellent")]
    band = next(name for limit, name in bands if score < limit)
    return {"date": day, "schema_version": version, "score": score, "band": band}


def _tree(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "records"
    directory.mkdir()
    return directory


def test_writes_the_record_as_written_by_default(tmp_path: Path, store_dir: Path) -> None:
    store = RecordStore(store_dir, _config(tmp_path), now=NOW)

    path = store.write(_record(version=" V1.0 "))

    assert path == store_dir / "2025-08-01.json"
    stored = orjson.loads(path.read_bytes())
    assert stored == _record(version=" V1.0 ")  # nothing rewritten behind the caller's back


def test_normalize_version_stores_the_normalized_version(tmp_path: Path, store_dir: Path) -> None:
    store = RecordStore(store_dir, _config(tmp_path), now=NOW, normalize_version=True)

    path = store.write(_record(version=" V1.0 "))

    stored = orjson.loads(path.read_bytes())
    assert stored["schema_version"] == "1.0.0"
    assert stored["band"] == "good"


def test_the_lock_lies_beside_the_folder_not_in_it(tmp_path: Path, store_dir: Path) -> None:
    RecordStore(store_dir, _config(tmp_path), now=NOW).write(_record())

    assert sorted(p.name for p in store_dir.iterdir()) == ["2025-08-01.json"]
    assert (tmp_path / ".records.opsguard-store.lock").is_file()


def test_the_lock_can_live_inside_the_folder(tmp_path: Path, store_dir: Path) -> None:
    RecordStore(store_dir, _config(tmp_path), now=NOW, lock="inside").write(_record())

    assert (store_dir / ".opsguard-store.lock").is_file()
    assert not (tmp_path / ".records.opsguard-store.lock").exists()


def test_a_second_version_of_a_day_turns_its_file_into_an_array(
    tmp_path: Path, store_dir: Path
) -> None:
    store = RecordStore(store_dir, _config(tmp_path), now=NOW)
    store.write(_record(version="1.0"))

    store.write(_record(version="v2"))

    stored = orjson.loads((store_dir / "2025-08-01.json").read_bytes())
    assert [r["schema_version"] for r in stored] == ["1.0", "v2"]


def test_a_duplicate_names_the_first_and_the_version_as_written(
    tmp_path: Path, store_dir: Path
) -> None:
    store = RecordStore(store_dir, _config(tmp_path), now=NOW)
    store.write(_record(version="1.0.0"))

    with pytest.raises(DuplicateRecord) as caught:
        store.write(_record(version="v1.0"))

    first = store_dir / "2025-08-01.json"
    assert str(caught.value) == (
        f"duplicate : duplicate of {first}:1 (key '2025-08-01', schema_version 'v1.0' = '1.0.0', "
        "scope version)"
    )


@pytest.mark.parametrize("later", ["v1.0.0", "1.0.0", "1.0", "1", " V1.0.0 "])
def test_refuses_duplicates_across_version_styles(
    tmp_path: Path, store_dir: Path, later: str
) -> None:
    store = RecordStore(store_dir, _config(tmp_path), now=NOW)
    store.write(_record(version="v1.0.0"))
    before = _tree(store_dir)

    with pytest.raises(DuplicateRecord) as caught:
        store.write(_record(version=later, score=50.0))

    assert caught.value.codes == ("duplicate",)
    assert caught.value.first.path.endswith("2025-08-01.json")
    assert _tree(store_dir) == before


def test_duplicate_of_a_record_written_before_the_store_existed(
    tmp_path: Path, store_dir: Path
) -> None:
    legacy = store_dir / "legacy.jsonl"
    legacy.write_bytes(orjson.dumps(_record(day="2025-08-02", version="1.0")) + b"\n")
    store = RecordStore(store_dir, _config(tmp_path), now=NOW)

    with pytest.raises(DuplicateRecord) as caught:
        store.write(_record(day="2025-08-02", version="v1"))

    assert str(caught.value.first) == f"{legacy}:1"
    assert not (store_dir / "2025-08-02.json").exists()


def test_duplicate_written_by_another_store_instance_is_seen_under_the_lock(
    tmp_path: Path, store_dir: Path
) -> None:
    config = _config(tmp_path)
    first, second = RecordStore(store_dir, config, now=NOW), RecordStore(store_dir, config, now=NOW)
    first.write(_record())

    with pytest.raises(DuplicateRecord):
        second.write(_record(version="1"))


def test_another_version_on_the_same_day_joins_the_day_file(
    tmp_path: Path, store_dir: Path
) -> None:
    store = RecordStore(store_dir, _config(tmp_path), now=NOW)
    store.write(_record(version="1.0.0"))

    path = store.write(_record(version="2.0.0", score=30.0))

    stored = orjson.loads(path.read_bytes())
    assert [r["schema_version"] for r in stored] == ["1.0.0", "2.0.0"]
    with pytest.raises(DuplicateRecord) as caught:
        store.write(_record(version="v2"))
    assert caught.value.first.line == 8  # the second element of the pretty-printed array
    result = check_integrity([store_dir], _config(tmp_path), cwd=tmp_path, now=NOW)
    assert result.status == "pass"
    assert result.summary["records"] == 2


def test_scope_date_refuses_any_second_record_for_a_day(tmp_path: Path, store_dir: Path) -> None:
    store = RecordStore(
        store_dir, _config(tmp_path, **{"integrity.duplicate_scope": "date"}), now=NOW
    )
    store.write(_record(version="1.0.0"))

    with pytest.raises(DuplicateRecord):
        store.write(_record(version="2.0.0"))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"band": "excellent"}, "band-mismatch"),
        ({"score": 104.0}, "score-out-of-range"),
        ({"score": "72"}, "wrong-type"),
        ({"schema_version": "latest"}, "invalid-schema-version"),
        ({"date": "2025-02-30"}, "invalid-date"),
        ({"date": "2025-09-01"}, "future-date"),
    ],
)
def test_refuses_records_the_gate_would_fail(
    tmp_path: Path, store_dir: Path, change: dict[str, Any], code: str
) -> None:
    store = RecordStore(store_dir, _config(tmp_path), now=NOW)

    with pytest.raises(RecordRejected) as caught:
        store.write({**_record(), **change})

    assert code in caught.value.codes
    assert _tree(store_dir) == {}


def test_missing_field_is_refused(tmp_path: Path, store_dir: Path) -> None:
    store = RecordStore(store_dir, _config(tmp_path), now=NOW)
    record = _record()
    del record["band"]

    with pytest.raises(RecordRejected) as caught:
        store.write(record)

    assert caught.value.codes == ("missing-field",)


def test_corrupt_day_file_is_not_overwritten(tmp_path: Path, store_dir: Path) -> None:
    corrupt = store_dir / "2025-08-01.json"
    corrupt.write_bytes(b'{"date": "2025-08-01", "sch')
    store = RecordStore(store_dir, _config(tmp_path), now=NOW)

    with pytest.raises(OpsguardError, match="corrupt"):
        store.write(_record(version="2.0.0"))

    assert corrupt.read_bytes() == b'{"date": "2025-08-01", "sch'


def test_missing_directory_is_an_opsguard_error(tmp_path: Path) -> None:
    with pytest.raises(OpsguardError, match="not found"):
        RecordStore(tmp_path / "nope", _config(tmp_path), now=NOW)


def _write_in_child(directory: str, version: str, results: Any) -> None:
    config = load_config(cwd=Path(directory), environ={})
    store = RecordStore(directory, config, now=NOW)
    try:
        store.write(_record(day="2025-08-05", version=version))
        results.put("written")
    except DuplicateRecord:
        results.put("duplicate")


def test_concurrent_writers_store_one_record_per_key(tmp_path: Path, store_dir: Path) -> None:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    children = [
        context.Process(target=_write_in_child, args=(str(store_dir), style, results))
        for style in ("v1.0.0", "1.0.0", "1.0", "1", "v1")
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    outcomes = sorted(results.get(timeout=5) for _ in children)

    assert outcomes == ["duplicate"] * 4 + ["written"]
    stored = orjson.loads((store_dir / "2025-08-05.json").read_bytes())
    assert isinstance(stored, dict)
