"""Where the command line writes, and what it says about itself (issue #11, items 2, 5 and 15).

Outputs: `-` is stdout (the lines for people then go to stderr), a device or
FIFO is written through and never replaced, a directory, socket or block
device is exit 2 before anything runs. Every `--help` gives the exit codes,
and the README's synopses list every flag that exists.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support import clean_env, run_opsguard

from opsguard.cli import COMMANDS, build_parser

REPO = Path(__file__).resolve().parent.parent
RECORD = {"date": "2025-08-10", "schema_version": "1.0.0", "score": 72.0, "band": "good"}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "opsguard.toml").write_text(
        '[paths]\nrecords = ["records"]\ntelemetry = ["telemetry"]\nquarantine = "quarantine"\n'
        '[retention]\nnow = "2025-08-15T00:00:00Z"\n',
        encoding="utf-8",
    )
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "r.json").write_text(json.dumps(RECORD), encoding="utf-8")
    (tmp_path / "telemetry").mkdir()
    (tmp_path / "telemetry" / "2025-06-01.jsonl").write_text("{}\n", encoding="utf-8")
    (tmp_path / "quarantine").mkdir()
    return tmp_path


def _one_line(proc: subprocess.CompletedProcess[str], expected: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == expected + "\n"


# --- `-` and /dev/stdout -----------------------------------------------------------------------


def test_json_dash_puts_only_the_result_on_stdout(work: Path) -> None:
    proc = run_opsguard(["integrity", "--json", "-", "--as-of", "2025-08-14"], work)

    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["check"], result["status"]) == ("integrity", "pass")
    assert "verdict: PASS" in proc.stderr
    assert (work / ".opsguard" / "results" / "integrity.json").is_file()


def test_json_to_dev_stdout_through_a_pipe_is_written_through(work: Path) -> None:
    proc = run_opsguard(["integrity", "--json", "/dev/stdout", "--as-of", "2025-08-14"], work)

    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["check"] == "integrity"


def test_the_retention_plan_on_stdout(work: Path) -> None:
    proc = run_opsguard(["retention", "--plan-out", "-"], work)

    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["schema"] == "opsguard.retention-plan/1"
    assert "root telemetry: 30 days" in proc.stderr  # the listing, on stderr


def test_the_integrity_plan_file_holds_what_the_terminal_leaves_out(work: Path) -> None:
    noise = b"".join(b"{garbage %d\n" % i for i in range(40))
    (work / "records" / "noise.jsonl").write_bytes(noise + json.dumps(RECORD).encode() + b"\n")

    shown = run_opsguard(["integrity", "--as-of", "2025-08-14", "--max-findings", "3"], work)
    written = run_opsguard(["integrity", "--as-of", "2025-08-14", "--plan-out", "plan.json"], work)

    assert "  ... and 38 more; --plan-out FILE writes them all\n" in shown.stdout
    assert shown.stdout.count("  quarantine records/noise.jsonl:") == 3
    assert written.returncode == 1
    plan = json.loads((work / "plan.json").read_text(encoding="utf-8"))
    assert len(plan["actions"]) == 41  # 40 corrupt lines and the duplicate of r.json


def test_only_one_output_can_be_stdout(work: Path) -> None:
    proc = run_opsguard(["retention", "--json", "-", "--log", "-"], work)

    _one_line(proc, "opsguard: error: only one output can be stdout (-): --json, --log")


# --- devices, FIFOs, directories, sockets -------------------------------------------------------


def _device(work: Path, name: str) -> str:
    """As root, a mknod copy of /dev/NAME in the work directory: a regression must replace
    the copy, never the system's device. Another user cannot replace the real one."""
    if os.geteuid() != 0:
        return f"/dev/{name}"
    os.mknod(work / name, stat.S_IFCHR | 0o666, os.stat(f"/dev/{name}").st_rdev)
    return name


def test_dev_null_is_written_through_and_stays_a_device(work: Path) -> None:
    null = _device(work, "null")
    proc = run_opsguard(["integrity", "--json", null, "--as-of", "2025-08-14"], work)

    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(os.stat(work / null).st_mode)


def test_dev_full_is_exit_2_and_stays_a_device(work: Path) -> None:
    full = _device(work, "full")
    proc = run_opsguard(["integrity", "--json", full, "--as-of", "2025-08-14"], work)

    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == (
        f"opsguard: error: cannot write {full}: No space left on device"
    )
    assert stat.S_ISCHR(os.stat(work / full).st_mode)


def test_a_fifo_nobody_reads_is_exit_2_not_a_hang(work: Path) -> None:
    os.mkfifo(work / "out.json")

    proc = run_opsguard(["integrity", "--json", "out.json"], work, timeout=60)

    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == (
        "opsguard: error: cannot write out.json: a FIFO that nobody reads"
    )
    assert stat.S_ISFIFO(os.lstat(work / "out.json").st_mode)


@pytest.mark.parametrize(
    ("command", "flag"),
    [
        (["integrity"], "--json"),
        (["integrity"], "--plan-out"),
        (["retention"], "--plan-out"),
        (["retention"], "--log"),
        (["retention"], "--json"),
    ],
)
def test_a_directory_or_socket_as_an_output_is_exit_2_before_anything_runs(
    work: Path, command: list[str], flag: str
) -> None:
    (work / "out").mkdir()
    proc = run_opsguard([*command, flag, "out"], work)
    _one_line(proc, f"opsguard: error: {flag} out: not a regular file (directory); nothing was run")

    server = socket.socket(socket.AF_UNIX)
    server.bind(str(work / "s.sock"))
    try:
        proc = run_opsguard([*command, flag, "s.sock"], work)
    finally:
        server.close()
    _one_line(proc, f"opsguard: error: {flag} s.sock: not a regular file (socket); nothing was run")
    assert not (work / ".opsguard").exists()  # not even the provisional result


# --- numbers and names in the configuration -------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (
            ["retention", "--days", "99999999999999999999"],
            {},
            "opsguard retention: error: argument --days: must be a positive integer (at most "
            "36500), got 99999999999999999999 (see --help)",
        ),
        (
            ["retention"],
            {"RETENTION_DAYS": "99999999999999999999"},
            "opsguard: error: environment variable RETENTION_DAYS: must be a positive integer "
            "(at most 36500), got 99999999999999999999",
        ),
        (
            ["integrity", "--set", "integrity.window_days=" + "9" * 5000],
            {},
            "opsguard: error: --set integrity.window_days: must be a positive integer (at most "
            "36500), got an integer too long to read",
        ),
        (
            ["retention", "--now", "99999999999999999999"],
            {},
            "opsguard retention: error: argument --now: out of range: a timestamp must lie in "
            "the years 1 to 9999 (see --help)",
        ),
        (
            ["fault", "--seed", "18446744073709551616"],
            {},
            "opsguard fault: error: argument --seed: must be an integer at least 0 and at most "
            "4294967295, got 18446744073709551616 (see --help)",
        ),
        (
            ["integrity", "--max-findings", "-1"],
            {},
            "opsguard integrity: error: argument --max-findings: must be an integer at least 0 "
            "and at most 1000000, got -1 (see --help)",
        ),
        (
            ["retention"],
            {"OPSGUARD_FOO": "1"},
            "opsguard: error: environment variable OPSGUARD_FOO: unknown",
        ),
        (
            ["retention"],
            {"OPSGUARD_RETENTON_DAYS": "3"},
            "opsguard: error: environment variable OPSGUARD_RETENTON_DAYS: unknown (did you mean "
            "'OPSGUARD_RETENTION_DAYS'?)",
        ),
    ],
)
def test_out_of_range_numbers_and_unknown_names_are_one_line(
    work: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    _one_line(run_opsguard(args, work, env), expected)


def test_a_config_file_with_a_huge_integer_is_one_line(work: Path) -> None:
    (work / "opsguard.toml").write_text(
        f"[integrity]\nwindow_days = {'9' * 5000}\n", encoding="utf-8"
    )
    proc = run_opsguard(["integrity"], work)
    assert proc.returncode == 2
    assert proc.stderr.endswith("opsguard.toml: invalid TOML: an integer too long to read\n")
    assert len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_config_that_is_not_a_file_says_what_it_is(work: Path, kind: str) -> None:
    if kind == "directory":
        (work / "conf").mkdir()
        expected = "opsguard: error: config file is a directory: conf"
    else:
        os.mkfifo(work / "conf")
        expected = "opsguard: error: config file is not a regular file: conf"
    _one_line(run_opsguard(["integrity", "--config", "conf"], work, timeout=60), expected)


# --- --help and the README ------------------------------------------------------------------------


def _help(command: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "opsguard", command, "--help"],
        capture_output=True,
        text=True,
        env=clean_env({"COLUMNS": "200"}),
        check=True,
    ).stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_help_says_the_exit_codes(command: str) -> None:
    text = " ".join(_help(command).split()).lower()
    assert re.search(r"exit codes?:|exits? 0", text), text


def _options(command: str) -> set[str]:
    parser = build_parser([command])
    # argparse keeps no public list of subparsers: find the action that holds them.
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    sub = subparsers.choices[command]
    return {
        option
        for action in sub._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }


def _synopsis(command: str) -> str:
    """The `opsguard COMMAND ...` lines (and their indented continuations) in a README fence."""
    inside = False
    found: list[str] = []
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = not inside
            continue
        if found and not line.startswith(" "):
            break
        if found or (inside and line.startswith(f"opsguard {command} ")):
            found.append(line)
    assert found, f"README.md has no synopsis of `opsguard {command}`"
    return "\n".join(found)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_readme_synopsis_lists_every_flag(command: str) -> None:
    synopsis = _synopsis(command)
    missing = sorted(o for o in _options(command) if not re.search(rf"{o}\b", synopsis))
    assert missing == [], f"README synopsis of `opsguard {command}` misses {missing}"
