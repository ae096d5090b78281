"""The record readers keep file and line for every item and never stop at a defect."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from opsguard.core.errors import OpsguardError
from opsguard.core.files import discover_files, display_path, element_lines
from opsguard.integrity.records import RECORD_SUFFIXES, CorruptItem, RecordItem, read_records

RECORD = {"date": "2025-08-01", "schema_version": "v1.0.0", "score": 72.4, "band": "good"}


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _read(path: Path) -> list[RecordItem | CorruptItem]:
    return list(read_records(path, path.name))


def _lines(items: list[RecordItem | CorruptItem]) -> list[int | None]:
    return [item.line for item in items]


# --- JSONL -----------------------------------------------------------------------------------


def test_jsonl_blank_lines_are_skipped_and_line_numbers_kept(tmp_path: Path) -> None:
    line = json.dumps(RECORD)
    path = _write(tmp_path / "r.jsonl", f"\n{line}\n\n   \n{line}\n\n")

    items = _read(path)

    assert all(isinstance(item, RecordItem) for item in items)
    assert _lines(items) == [2, 5]
    assert [item.value for item in items if isinstance(item, RecordItem)] == [RECORD, RECORD]
    assert all(item.path == "r.jsonl" for item in items)


def test_jsonl_records_have_empty_pointer(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.jsonl", json.dumps(RECORD) + "\n")

    (item,) = _read(path)

    assert isinstance(item, RecordItem)
    assert item.pointer == ""


def test_jsonl_utf8_bom_is_ignored(tmp_path: Path) -> None:
    line = json.dumps(RECORD)
    path = _write(tmp_path / "r.jsonl", b"\xef\xbb\xbf" + f"{line}\n{line}\n".encode())

    items = _read(path)

    assert [type(item) for item in items] == [RecordItem, RecordItem]
    assert _lines(items) == [1, 2]


def test_jsonl_corrupt_middle_line_is_reported_and_reading_continues(tmp_path: Path) -> None:
    line = json.dumps(RECORD)
    path = _write(tmp_path / "r.jsonl", f'{line}\n{{"date": "2025-08-02", \n{line}\n')

    items = _read(path)

    assert [type(item) for item in items] == [RecordItem, CorruptItem, RecordItem]
    assert _lines(items) == [1, 2, 3]
    corrupt = items[1]
    assert isinstance(corrupt, CorruptItem)
    assert corrupt.path == "r.jsonl"
    assert corrupt.message.startswith("invalid JSON")


def test_jsonl_non_utf8_line_is_corrupt_not_an_exception(tmp_path: Path) -> None:
    line = json.dumps(RECORD).encode()
    path = _write(tmp_path / "r.jsonl", line + b"\n" + b'{"date": "\xff\xfe"}\n' + line + b"\n")

    items = _read(path)

    assert [type(item) for item in items] == [RecordItem, CorruptItem, RecordItem]
    assert items[1].line == 2


@pytest.mark.parametrize("content", ["", "\n\n   \n", "\ufeff\n"])
def test_jsonl_empty_file_is_corrupt_as_an_empty_json_file_is(tmp_path: Path, content: str) -> None:
    # One rule for both suffixes (docs/input-rules.md): a record file without a record is
    # most often a torn write, never silence.
    (item,) = _read(_write(tmp_path / "r.jsonl", content))

    assert item == CorruptItem(
        "r.jsonl", None, "empty file: a record file with no record (a torn or truncated write?)"
    )


def test_jsonl_huge_single_line_is_one_record(tmp_path: Path) -> None:
    big = "x" * (50 * 1024 * 1024)
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"date": "2025-08-01", "schema_version": "1", "score": 50, "band": "fair", ')
        fh.write('"blob": "')
        fh.write(big)
        fh.write('"}\n')
    assert path.stat().st_size > 50 * 1024 * 1024

    items = _read(path)

    assert len(items) == 1
    (item,) = items
    assert isinstance(item, RecordItem)
    assert item.line == 1
    assert isinstance(item.value, dict)
    assert len(item.value["blob"]) == len(big)


# --- JSON: single object -----------------------------------------------------------------------


def test_json_single_object_line_is_first_non_space_character(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.json", "\n\n   \n  " + json.dumps(RECORD, indent=2) + "\n")

    (item,) = _read(path)

    assert isinstance(item, RecordItem)
    assert item.line == 4
    assert item.pointer == ""
    assert item.value == RECORD


def test_json_single_object_on_first_line(tmp_path: Path) -> None:
    (item,) = _read(_write(tmp_path / "r.json", json.dumps(RECORD)))

    assert isinstance(item, RecordItem)
    assert item.line == 1


def test_json_with_bom_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.json", b"\xef\xbb\xbf" + json.dumps(RECORD).encode())

    (item,) = _read(path)

    assert isinstance(item, RecordItem)
    assert item.value == RECORD


# --- JSON: arrays ------------------------------------------------------------------------------


def test_json_pretty_array_gives_each_element_its_start_line(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "[",  # 1
            '  {"date": "2025-08-01", "note": "has [ bracket, comma"},',  # 2
            "  {",  # 3
            '    "note": "escaped \\" quote, and ] [ {",',  # 4
            '    "nested": [[1, 2], {"a": [3, {"b": 4}]}]',  # 5
            "  },",  # 6
            "",  # 7
            '  "a string, with [ commas ]",',  # 8
            "  [",  # 9
            "    1,",  # 10
            "    2",  # 11
            "  ],",  # 12
            '  "trailing backslash \\\\", 7, null,',  # 13
            "  {}",  # 14
            "]",  # 15
        ]
    )
    path = _write(tmp_path / "r.json", text)

    items = _read(path)

    assert all(isinstance(item, RecordItem) for item in items)
    assert _lines(items) == [2, 3, 8, 9, 13, 13, 13, 14]
    assert [item.pointer for item in items if isinstance(item, RecordItem)] == [
        f"/{i}" for i in range(8)
    ]
    values = [item.value for item in items if isinstance(item, RecordItem)]
    assert values[1] == {
        "note": 'escaped " quote, and ] [ {',
        "nested": [[1, 2], {"a": [3, {"b": 4}]}],
    }
    assert values[3] == [1, 2]


def test_element_lines_directly() -> None:
    data = b'[\n  "a",\n  "b\\"],[",\n\n  {"x": [1,\n 2]},\n  3\n]'

    assert element_lines(data) == [2, 3, 5, 7]


def test_element_lines_first_element_on_bracket_line() -> None:
    assert element_lines(b'[{"a": 1},\n {"a": 2},\n {"a": 3}]') == [1, 2, 3]


def test_json_empty_array_yields_nothing(tmp_path: Path) -> None:
    assert _read(_write(tmp_path / "a.json", "[]")) == []
    assert _read(_write(tmp_path / "b.json", "[\n\n]\n")) == []


def test_json_single_line_array_gives_line_one_for_all(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.json", json.dumps([RECORD, RECORD, 5]) + "\n")

    items = _read(path)

    assert _lines(items) == [1, 1, 1]
    assert [item.pointer for item in items if isinstance(item, RecordItem)] == ["/0", "/1", "/2"]


def test_json_single_line_array_after_blank_lines_reports_its_real_line(tmp_path: Path) -> None:
    # A single object after blank lines reports the line it starts on; an array on one
    # line after blank lines must do the same for its elements.
    path = _write(tmp_path / "r.json", "\n\n" + json.dumps([RECORD, RECORD]) + "\n")

    items = _read(path)

    assert _lines(items) == [3, 3]


# --- JSON: defects -----------------------------------------------------------------------------


@pytest.mark.parametrize("content", ["", "   \n\n  ", "\ufeff"])
def test_json_empty_file_is_corrupt(tmp_path: Path, content: str) -> None:
    (item,) = _read(_write(tmp_path / "r.json", content))

    assert item == CorruptItem(
        "r.json", None, "empty file: a record file with no record (a torn or truncated write?)"
    )


def test_json_truncated_file_is_corrupt_with_a_line(tmp_path: Path) -> None:
    (item,) = _read(_write(tmp_path / "r.json", '{\n  "date": "2025-08-01",\n'))

    assert isinstance(item, CorruptItem)
    assert isinstance(item.line, int)
    assert item.line >= 1
    assert item.message.startswith("invalid JSON")


def test_json_non_utf8_bytes_are_corrupt_not_an_exception(tmp_path: Path) -> None:
    (item,) = _read(_write(tmp_path / "r.json", b'{"date": "\xff\xfe\xfa"}'))

    assert isinstance(item, CorruptItem)


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_deeply_nested_json_is_corrupt_without_recursion_error(tmp_path: Path, suffix: str) -> None:
    path = _write(tmp_path / f"deep{suffix}", "[" * 100_000 + "]" * 100_000 + "\n")

    items = _read(path)

    assert len(items) == 1
    assert isinstance(items[0], CorruptItem)


def test_unreadable_path_is_corrupt_not_an_exception(tmp_path: Path) -> None:
    link = tmp_path / "gone.json"
    link.symlink_to(tmp_path / "missing.json")

    (item,) = _read(link)

    assert item == CorruptItem(
        "gone.json", None, "cannot read file: No such file or directory", "unreadable"
    )


# --- discover_files ----------------------------------------------------------------------------


def test_discover_sorted_recursive_and_skips_other_files(tmp_path: Path) -> None:
    root = tmp_path / "records"
    wanted = [
        _write(root / "b.json", "{}"),
        _write(root / "a.jsonl", ""),
        _write(root / "sub" / "deeper" / "c.json", "{}"),
        _write(root / "sub" / "a.JSON", "{}"),
        _write(root / "z.json", "{}"),
    ]
    _write(root / "README.md", "x")
    _write(root / "sub" / "notes.txt", "x")
    _write(root / "data.csv", "x")

    found = discover_files([root], RECORD_SUFFIXES)

    assert list(found.files) == sorted(wanted)
    assert found.files == tuple(sorted(found.files))
    assert found.skipped == 3


def test_discover_skips_hidden_files(tmp_path: Path) -> None:
    root = tmp_path / "records"
    visible = _write(root / "a.json", "{}")
    _write(root / ".hidden.json", "{}")
    _write(root / "sub" / ".also.jsonl", "{}")

    found = discover_files([root], RECORD_SUFFIXES)

    assert found.files == (visible,)
    assert found.skipped == 2


def test_discover_does_not_follow_symlinked_directories(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _write(outside / "secret.json", "{}")
    root = tmp_path / "records"
    inside = _write(root / "a.json", "{}")
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)

    found = discover_files([root], RECORD_SUFFIXES)

    assert found.files == (inside,)
    assert found.skipped == 2


def test_discover_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OpsguardError, match="not found"):
        discover_files([tmp_path / "no" / "such"], RECORD_SUFFIXES)


def test_discover_named_file_with_other_suffix_is_an_error(tmp_path: Path) -> None:
    named = _write(tmp_path / "foo.csv", "a,b\n")

    with pytest.raises(OpsguardError, match=r"foo\.csv"):
        discover_files([named], RECORD_SUFFIXES)


def test_discover_named_record_file_is_taken_whatever_its_case(tmp_path: Path) -> None:
    named = _write(tmp_path / "one.JSONL", "")

    assert discover_files([named], RECORD_SUFFIXES).files == (named,)


def test_discover_directory_named_like_a_record_file_is_walked(tmp_path: Path) -> None:
    directory = tmp_path / "x.json"
    inner = _write(directory / "inner.json", "{}")
    nested_dir = tmp_path / "outer"
    nested = _write(nested_dir / "y.jsonl" / "z.jsonl", "")

    assert discover_files([directory], RECORD_SUFFIXES).files == (inner,)
    assert discover_files([nested_dir], RECORD_SUFFIXES).files == (nested,)


def test_discover_duplicates_in_the_input_are_read_once(tmp_path: Path) -> None:
    root = tmp_path / "records"
    a = _write(root / "a.json", "{}")
    b = _write(root / "sub" / "b.json", "{}")

    found = discover_files([root, a, root / "sub", root, a], RECORD_SUFFIXES)

    assert found.files == (a, b)


def test_discover_duplicates_do_not_double_count_skipped_files(tmp_path: Path) -> None:
    root = tmp_path / "records"
    _write(root / "a.json", "{}")
    _write(root / "README.md", "x")

    found = discover_files([root, root], RECORD_SUFFIXES)

    assert found.skipped == 1


def test_discover_relative_paths_are_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _write(tmp_path / "records" / "a.json", "{}")
    monkeypatch.chdir(tmp_path)

    found = discover_files([Path("records")], RECORD_SUFFIXES)

    assert found.files == (a,)
    assert found.files[0].is_absolute()


def test_discover_nothing_given_finds_nothing() -> None:
    found = discover_files([], RECORD_SUFFIXES)

    assert found.files == ()
    assert found.skipped == 0


# --- display_path ------------------------------------------------------------------------------


def test_display_path_relative_under_cwd(tmp_path: Path) -> None:
    assert display_path(tmp_path / "data" / "a.json", tmp_path) == "data/a.json"


def test_display_path_absolute_outside_cwd(tmp_path: Path) -> None:
    cwd = tmp_path / "work"
    outside = tmp_path / "elsewhere" / "a.json"

    shown = display_path(outside, cwd)

    assert shown == outside.as_posix()
    assert Path(shown).is_absolute()


def test_a_directory_that_cannot_be_listed_is_an_error_not_a_silent_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "records" / "locked"
    locked.mkdir(parents=True)
    (locked / "a.json").write_text("{}", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(OpsguardError, match=r"cannot list directory .*locked"):
        discover_files([tmp_path / "records"], RECORD_SUFFIXES)
