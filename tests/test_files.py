"""core.files: how names are shown, and which files discovery refuses to open."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard.core.errors import OpsguardError
from opsguard.core.files import discover_files, display_path, printable

SUFFIXES = (".jsonl", ".json")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("2025-08-01.json", "2025-08-01.json"),
        ("über-ünïcode.json", "über-ünïcode.json"),
        ("x\n::warning title=INJECTED::pwned", "x\\x0a::warning title=INJECTED::pwned"),
        ("\x1b[2Jclear", "\\x1b[2Jclear"),
        ("tab\there\r", "tab\\x09here\\x0d"),
        ("del\x7f and c1\x85", "del\\x7f and c1\\x85"),
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
