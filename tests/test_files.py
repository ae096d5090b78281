"""core.files: how names are shown, and which files discovery refuses to open."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard.core.errors import OpsguardError
from opsguard.core.files import (
    NotRegularFile,
    discover_files,
    display_path,
    duplicate_keys,
    json_problem,
    open_regular,
    printable,
    unprintable,
)

SUFFIXES = (".jsonl", ".json")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("2025-08-01.json", "2025-08-01.json"),
        ("über-ünïcode.json", "über-ünïcode.json"),
        ("x\n::warning title=INJECTED::pwned", "x\\x0a::warning title=INJECTED::pwned"),
        ("\x1b[2Jclear", "\\x1b[2Jclear"),
        ("tab\there\r", "tab\\x09here\\x0d"),
        ("del\x7f and c1\x85", "del\\x7f and c1\\u0085"),
        ("tag\U000e0001", "tag\\U000e0001"),
        ("line\u2028separator", "line\\u2028separator"),
        ("back\\slash", "back\\\\slash"),
        (os.fsdecode(b"2025-08-01-\xff.jsonl"), "2025-08-01-\\xff.jsonl"),
    ],
)
def test_printable_escapes_what_could_break_a_line_or_a_terminal(name: str, shown: str) -> None:
    assert printable(name) == shown


@given(st.text())
def test_printable_is_always_one_printable_line(text: str) -> None:
    shown = printable(text)
    assert shown.isprintable()
    assert not shown.startswith("::") or text.startswith("::")
    shown.encode("utf-8")  # never a lone surrogate: it can be stored in UTF-8 JSON


_NAMES = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=8)


@given(_NAMES, _NAMES)
def test_printable_is_unambiguous(first: str, second: str) -> None:
    # Different names never look the same once escaped (a literal `\\x0a` stays apart
    # from a newline, because its backslash is doubled).
    assert (printable(first) == printable(second)) == (first == second)


def test_a_literal_escape_sequence_is_not_a_newline() -> None:
    assert printable("a\\x0ab") != printable("a\nb")


def test_display_path_escapes_a_hostile_name(tmp_path: Path) -> None:
    name = "bad\nname\x1b.json"
    assert display_path(tmp_path / name, tmp_path) == "bad\\x0aname\\x1b.json"
    assert display_path(tmp_path, tmp_path) == "."


def test_a_fifo_or_socket_inside_a_directory_is_refused_not_opened(tmp_path: Path) -> None:
    (tmp_path / "good.jsonl").write_text("{}\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.jsonl")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock.jsonl"))
        found = discover_files([tmp_path], SUFFIXES)
    finally:
        server.close()

    assert found.files == (tmp_path / "good.jsonl",)
    assert found.special == (
        (tmp_path / "pipe.jsonl", "FIFO"),
        (tmp_path / "sock.jsonl", "socket"),
    )


def test_a_named_special_file_is_an_error_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jsonl")

    with pytest.raises(OpsguardError, match=r"^not a regular file \(FIFO\): .*pipe\.jsonl$"):
        discover_files([tmp_path / "pipe.jsonl"], SUFFIXES)
    device = r"^not a regular file \(character device\): /dev/null$"
    with pytest.raises(OpsguardError, match=device):
        discover_files([Path("/dev/null")], SUFFIXES)


def test_a_very_deep_tree_is_walked_without_recursion(tmp_path: Path) -> None:
    levels = [tmp_path]
    for _ in range(1500):  # deeper than Python's recursion limit
        levels.append(levels[-1] / "d")
        levels[-1].mkdir()
    (levels[-1] / "r.json").write_text("{}", encoding="utf-8")
    try:
        assert discover_files([tmp_path], SUFFIXES).files == (levels[-1] / "r.json",)
    finally:
        # pytest's own clean-up (shutil.rmtree) recurses: leave it a shallow tree.
        (levels[-1] / "r.json").unlink()
        for level in reversed(levels[1:]):
            level.rmdir()


def test_a_hostile_name_in_an_error_is_escaped(tmp_path: Path) -> None:
    with pytest.raises(OpsguardError) as info:
        discover_files([tmp_path / "gone\n::error::x.json"], SUFFIXES)
    assert "\n" not in str(info.value)
    assert "gone\\x0a::error::x.json" in str(info.value)


# --- unprintable: the name back from how it was shown --------------------------------------


@given(st.text())
def test_unprintable_inverts_printable(text: str) -> None:
    assert unprintable(printable(text)) == text


@given(st.binary(max_size=12))
def test_every_file_name_comes_back_from_its_shown_form(raw: bytes) -> None:
    name = os.fsdecode(raw)
    assert os.fsencode(unprintable(printable(name))) == raw


def test_an_undecodable_byte_and_a_c1_control_are_shown_apart() -> None:
    assert printable(os.fsdecode(b"\x85")) == "\\x85"
    assert printable("\x85") == "\\u0085"
    assert unprintable("\\x85") == os.fsdecode(b"\x85")
    assert unprintable("\\u0085") == "\x85"
    assert unprintable("plain") == "plain"
    assert unprintable("a\\\\b\\x0a") == "a\\b\n"


# --- open_regular: the one reader that never blocks on a FIFO ----------------------------------


def test_open_regular_reads_a_file_and_a_link_to_one(tmp_path: Path) -> None:
    (tmp_path / "f.json").write_bytes(b"{}")
    (tmp_path / "link.json").symlink_to("f.json")
    for name in ("f.json", "link.json"):
        with open_regular(tmp_path / name) as handle:
            assert handle.read() == b"{}"


def test_open_regular_refuses_a_fifo_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jsonl")
    with pytest.raises(NotRegularFile, match=r"not a regular file \(FIFO\)"):
        open_regular(tmp_path / "pipe.jsonl")
    with pytest.raises(NotRegularFile, match=r"not a regular file \(character device\)"):
        open_regular(Path("/dev/null"))
    with pytest.raises(NotRegularFile, match=r"not a regular file \(directory\)"):
        open_regular(tmp_path)


# --- json_problem: plain words at the file's own positions -----------------------------------


def _problem(data: bytes) -> str:
    with pytest.raises(orjson.JSONDecodeError) as info:
        orjson.loads(data)
    return json_problem(data, info.value).at()


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b'{"a": NaN}', "NaN is not JSON at line 1, column 7 (byte 6)"),
        (b'{"a": -NaN}', "NaN is not JSON at line 1, column 8 (byte 7)"),
        (b'{"a": Infinity}', "Infinity is not JSON at line 1, column 7 (byte 6)"),
        (b'{"a": 1', "the data ends inside a value (truncated?) at line 1, column 8 (byte 7)"),
        (b'{"\xc3\xa9": "\xff"}', "invalid UTF-8 at line 1, column 8 (byte 8)"),
        (b'\n\n  {"a": 1,}', "a trailing comma at line 3, column 10 (byte 11)"),
        (b"\x00", "a NUL byte at line 1, column 1 (byte 0)"),
        (
            b"{'a': 1}",
            "a single-quoted string (JSON strings use double quotes) at line 1, column 2 (byte 1)",
        ),
        (
            b'{"a":"\x1b[2J"}',
            "an unescaped control character inside a string at line 1, column 7 (byte 6)",
        ),
        (
            b'{"a":1} {"b":2}',
            "more data after the end of the JSON value at line 1, column 9 (byte 8)",
        ),
        (
            b'{"a": tru}',
            "an invalid literal (JSON has true, false and null) at line 1, column 7 (byte 6)",
        ),
    ],
)
def test_json_problems_are_said_plainly_where_they_are(data: bytes, said: str) -> None:
    assert _problem(data) == said


def test_json_problem_positions_count_characters_and_bytes(tmp_path: Path) -> None:
    data = '{"é": "ü", x}'.encode()
    # Column 12 in characters, byte 13: the two accented letters take two bytes each.
    assert _problem(data) == "expected a key in double quotes at line 1, column 12 (byte 13)"


@given(st.binary(max_size=40))
def test_json_problem_never_quotes_the_input_and_stays_inside_it(data: bytes) -> None:
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        problem = json_problem(data, exc)
        assert 0 <= problem.offset <= len(data)
        assert problem.line >= 1 and problem.column >= 1
        assert problem.reason.isprintable()


# --- duplicate_keys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b'{"score":10,"score":90,"band":"excellent"}', [("/score", 2)]),
        (b'{"a":1,"b":2}', []),
        (b'{"a":{"a":1},"b":[{"a":1},{"a":1}]}', []),
        (b'{"s":"\\u0061","a":1,"\\u0061":2,"a":3}', [("/a", 3)]),
        (b'[{"x":1},{"y":[1,{"z":1,"z":2}],"y":0}]', [("/1/y/1/z", 2), ("/1/y", 2)]),
        (b'{"a/b":1,"a/b":2,"t~":1,"t~":2}', [("/a~1b", 2), ("/t~0", 2)]),
        (b'{"k:":"v:","w":":"}', []),
    ],
)
def test_duplicate_keys(data: bytes, found: list[tuple[str, int]]) -> None:
    assert duplicate_keys(data) == found


@given(
    st.recursive(
        st.none() | st.integers() | st.text(max_size=4),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=3), children, max_size=3)
        ),
        max_leaves=10,
    )
)
def test_no_duplicate_keys_in_what_json_dumps_writes(value: object) -> None:
    assert duplicate_keys(json.dumps(value).encode()) == []
