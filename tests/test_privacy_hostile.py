"""Hostile input for the privacy scan (GitHub issue #11): no hang, no crash, no echoed value,
and a guard that cannot see cannot pass. docs/privacy.md ("Input rules") has the table."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import orjson
import pytest
from support import run_opsguard
from test_privacy_scan import WalkEverything, findings_of

from opsguard import load_config
from opsguard.core.files import open_regular as open_regular_file
from opsguard.core.result import CheckResult
from opsguard.privacy import scan as scan_module
from opsguard.privacy.check import check_privacy
from opsguard.privacy.scan import Scanner
from opsguard.privacy.settings import PrivacyConfig

CLEAN = b'{"event":"auto_run","status":"ok","duration_ms":12}\n'


def _check(tmp_path: Path, *paths: Path) -> CheckResult:
    config = load_config(cwd=tmp_path, environ={}).with_sections(privacy=PrivacyConfig())
    return check_privacy(list(paths) or [tmp_path], config, cwd=tmp_path)


def _where(result: CheckResult) -> list[tuple[str, int | None, str, str, str]]:
    return [(f.path, f.line, f.pointer, f.code, f.severity) for f in result.findings]


# --- special files: never opened, a warning that names them ------------------------------------


def test_a_fifo_and_a_socket_in_a_directory_are_skipped_with_a_warning(tmp_path: Path) -> None:
    telemetry = tmp_path / "t"
    telemetry.mkdir()
    (telemetry / "a.jsonl").write_bytes(CLEAN)
    os.mkfifo(telemetry / "pipe.jsonl")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(telemetry / "sock.log"))
    try:
        # A subprocess with a timeout: opening the FIFO would block forever.
        proc = run_opsguard(["privacy", "t", "--json", "out.json"], tmp_path, timeout=60)
    finally:
        server.close()

    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [(f["path"], f["code"], f["severity"]) for f in data["findings"]] == [
        ("t/pipe.jsonl", "special-file", "warning"),
        ("t/sock.log", "special-file", "warning"),
    ]
    assert data["findings"][0]["message"] == "FIFO, not a regular file: skipped, never opened"
    assert data["summary"]["files"] == 1


def test_a_named_fifo_is_exit_2_in_one_line(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jsonl")

    proc = run_opsguard(["privacy", "pipe.jsonl"], tmp_path, timeout=60)

    assert proc.returncode == 2
    assert (
        proc.stderr.strip().splitlines()
        == ["opsguard: error: not a regular file (FIFO): pipe.jsonl"]
        or len(proc.stderr.strip().splitlines()) == 1
    )
    assert "FIFO" in proc.stderr


def test_a_file_swapped_for_a_fifo_after_discovery_is_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.jsonl").write_bytes(CLEAN)
    real = scan_module.discover_telemetry

    def swap(paths: Any) -> Any:
        found = real(paths)
        (tmp_path / "a.jsonl").unlink()
        os.mkfifo(tmp_path / "a.jsonl")
        return found

    monkeypatch.setattr(scan_module, "discover_telemetry", swap)

    result = _check(tmp_path)

    assert _where(result) == [("a.jsonl", None, "", "special-file", "warning")]


# --- a guard that cannot see cannot pass -------------------------------------------------------


def test_a_permission_denied_file_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, which reads anything: EACCES is simulated where the scan opens.
    (tmp_path / "a.jsonl").write_bytes(CLEAN)
    (tmp_path / "locked.jsonl").write_bytes(b'{"rhr":52}\n')
    real = open_regular_file

    def open_regular(path: Path) -> Any:
        if path.name == "locked.jsonl":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(scan_module, "open_regular", open_regular)

    result = _check(tmp_path)

    assert result.status == "fail"
    assert _where(result) == [("locked.jsonl", None, "", "unreadable", "error")]
    assert result.findings[0].message == (
        "cannot read file: Permission denied; nothing in it was scanned"
    )
    assert result.summary["reasons"] == [
        "1 input(s) could not be seen (unreadable, no-files): a guard that cannot see cannot pass"
    ]


def test_an_empty_directory_fails_with_no_files(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()

    result = _check(tmp_path, tmp_path / "t")

    assert result.status == "fail"
    assert _where(result) == [("t", None, "", "no-files", "error")]
    assert (result.summary["files"], result.summary["lines"]) == (0, 0)


def test_a_tree_of_only_symlinked_directories_fails_with_no_files(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir()
    (real / "a.jsonl").write_bytes(b'{"rhr":52}\n')
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "link").symlink_to(real, target_is_directory=True)

    proc = run_opsguard(["privacy", "t", "--json", "out.json"], tmp_path, timeout=60)

    assert proc.returncode == 1
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [f["code"] for f in data["findings"]] == ["no-files"]
    assert data["status"] == "fail"


def test_empty_files_are_seen_and_clean(tmp_path: Path) -> None:
    # Files that hold nothing leak nothing: the scan saw them, so this is not no-files.
    (tmp_path / "a.jsonl").write_bytes(b"")
    (tmp_path / "b.json").write_bytes(b"")

    result = _check(tmp_path)

    assert result.status == "pass"
    assert result.findings == ()


def test_a_symlink_loop_and_a_broken_link_are_unreadable(tmp_path: Path) -> None:
    (tmp_path / "ok.jsonl").write_bytes(CLEAN)
    (tmp_path / "loop.jsonl").symlink_to(tmp_path / "loop.jsonl")
    (tmp_path / "gone.log").symlink_to(tmp_path / "nowhere.log")

    result = _check(tmp_path)

    assert result.status == "fail"
    assert _where(result) == [
        ("gone.log", None, "", "unreadable", "error"),
        ("loop.jsonl", None, "", "unreadable", "error"),
    ]
    assert "Too many levels of symbolic links" in result.findings[1].message


# --- duplicate keys: every occurrence is seen --------------------------------------------------


@pytest.mark.parametrize(
    ("line", "pointer", "code"),
    [
        (b'{"note":"jane.leak@example.org","note":"ok"}', "/note", "pii"),
        (b'{"payload":{"rhr":52},"payload":{}}', "/payload/rhr", "raw-metric"),
        (b'{"items":[{"hrv_ms":41}],"items":[]}', "/items/0/hrv_ms", "raw-metric"),
        (b'{"rhr":52,"rhr":null}', "/rhr", "raw-metric"),
        (b'{"a":{"b":{"email":"x@y.org","email":""}}}', "/a/b/email", "pii"),
    ],
)
def test_a_repeated_key_hides_nothing(tmp_path: Path, line: bytes, pointer: str, code: str) -> None:
    # Alone, and after a block of clean lines (where the fast path runs in steady state).
    (tmp_path / "alone.jsonl").write_bytes(line + b"\n")
    (tmp_path / "steady.jsonl").write_bytes(CLEAN * 3000 + line + b"\n")
    (tmp_path / "doc.json").write_bytes(b'{"runs": [\n' + line + b"\n]}\n")

    result = _check(tmp_path)

    # (The address is found twice under `email`: by its key and by the email detector.)
    assert sorted({(f.path, f.line, f.pointer, f.code) for f in result.findings}) == [
        ("alone.jsonl", 1, pointer, code),
        ("doc.json", 2, "/runs/0" + pointer, code),
        ("steady.jsonl", 3001, pointer, code),
    ]


def test_repeated_keys_take_the_same_path_as_the_exact_walk(tmp_path: Path) -> None:
    rows = [
        CLEAN.strip(),
        b'{"p":{"rhr":52},"p":{"ok":1}}',
        b'{"p":{"ok":1},"p":{"ok":2}}',
        b'{"msg":"a { brace","msg":"ok"}',
        b'{"retry":{"attempts":1},"retry":{"attempts":2,"hrv":1}}',
        b'{"x":[{"a":{"weight":70}}],"x":[{"a":{}}]}',
    ]
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(rows * 200) + b"\n")

    fast = findings_of(Scanner, path)
    assert fast == findings_of(WalkEverything, path)
    assert len(fast) == 3 * 200


# --- names and messages ------------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path: Path) -> None:
    telemetry = tmp_path / "t"
    telemetry.mkdir()
    name = os.fsencode(telemetry) + b"/2025-08-01-\xff.jsonl"
    with open(name, "wb") as handle:
        handle.write(b'{"rhr":52}\n')
    bad = os.fsencode(telemetry) + b"/x\n::warning title=INJECTED::pwned\x1b[2J.log"
    with open(bad, "wb") as handle:
        handle.write(b"INFO hrv: 41ms\n")

    proc = run_opsguard(
        ["privacy", "t", "--json", "out.json", "--results-dir", "r"], tmp_path, timeout=60
    )

    assert proc.returncode == 1, proc.stderr
    raw = (tmp_path / "out.json").read_bytes()
    raw.decode("utf-8")  # valid UTF-8
    data = orjson.loads(raw)
    paths = sorted(f["path"] for f in data["findings"])
    assert paths == [
        "t/2025-08-01-\\xff.jsonl",
        "t/x\\x0a::warning title=INJECTED::pwned\\x1b[2J.log",
    ]
    assert (tmp_path / "r" / "privacy.json").exists()
    for line in (proc.stdout + proc.stderr).splitlines():
        assert not line.startswith("::")
    assert "\x1b" not in proc.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (CLEAN + b'{"a": NaN}\n', "not valid JSON: NaN is not JSON at column 7 (byte 58)"),
        (
            CLEAN + b'{"msg": "caf\xe9"}\n',
            "not valid JSON: invalid UTF-8 at column 13 (byte 64)",
        ),
        (CLEAN + b'{"a": 1\n', "not valid JSON: the data ends inside a value (truncated?)"),
    ],
)
def test_jsonl_parse_messages_give_the_files_position(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / "t.jsonl").write_bytes(content)

    result = _check(tmp_path)

    assert result.findings[0].line == 2
    assert result.findings[0].message.startswith(message), result.findings[0].message


def test_a_json_document_message_gives_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "d.json").write_bytes(b'{\n  "a": 1,\n  "b": NaN\n}\n')

    result = _check(tmp_path)

    assert [(f.line, f.message) for f in result.findings] == [
        (3, "not valid JSON: NaN is not JSON at column 8 (byte 19): scanned as text")
    ]


def test_no_planted_value_reaches_any_output(tmp_path: Path) -> None:
    telemetry = tmp_path / "t"
    telemetry.mkdir()
    (telemetry / "dup.jsonl").write_bytes(b'{"note":"zq9dup@example.org","note":"ok"}\n')
    (telemetry / "nul.log").write_bytes(b"INFO boot\x00\nINFO zq9nul@example.org rhr=5271\n")
    (telemetry / "wide.log").write_bytes("INFO zq9wide@example.org\n".encode("utf-16"))
    (telemetry / "bad.jsonl").write_bytes(b'{"x": "zq9bad\xff@example.org"}\n')

    proc = run_opsguard(["privacy", "t", "--json", "out.json"], tmp_path, timeout=60)

    assert proc.returncode == 1
    output = proc.stdout + proc.stderr + (tmp_path / "out.json").read_text(encoding="utf-8")
    for value in ("zq9dup", "zq9nul", "zq9wide", "zq9bad", "5271"):
        assert value not in output
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert data["summary"]["violations"] >= 4
