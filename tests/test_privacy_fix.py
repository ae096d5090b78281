"""`opsguard privacy --fix`: flagged values are masked in place, and no copy of them survives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support import run_opsguard

# The leak fixtures' distinctive values (fixtures/leaks/README.md).
PLANTED = ("52713", "zq9secret@example.org", "zq9oauthT0ken5550123", "52.37291", "4.89307")


@pytest.fixture
def leaks(tmp_path: Path, repo: Path) -> Path:
    target = tmp_path / "telemetry"
    shutil.copytree(repo / "fixtures" / "leaks", target)
    (target / "README.md").unlink()
    return target


def _everything(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def test_fix_masks_every_flagged_value_and_the_scan_then_passes(leaks: Path) -> None:
    before = _everything(leaks)

    proc = run_opsguard(["privacy", "telemetry", "--fix"], leaks.parent)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("redaction applied (the scan below ran after it):\n")
    assert "nested.jsonl: " in proc.stdout and "place(s) redacted" in proc.stdout
    after = _everything(leaks)
    for name, data in after.items():
        for value in PLANTED:
            assert value.encode() not in data, (name, value)
    for value in PLANTED:
        assert value not in proc.stdout + proc.stderr
    # Lines without a finding keep their bytes; flagged values became "[redacted]".
    old_lines = before["nested.jsonl"].splitlines()
    new_lines = after["nested.jsonl"].splitlines()
    assert new_lines[0] == old_lines[0] and new_lines[11] == old_lines[11]
    assert json.loads(new_lines[1])["payload"]["restingHeartRate"] == "[redacted]"
    assert after["pipeline.log"].splitlines()[1].endswith(b"fetched rhr=[redacted] spo2=[redacted]")
    assert json.loads(after["summary.json"])["device"]["serial_number"] == "[redacted]"


def test_each_file_gets_a_hidden_note_without_the_values(leaks: Path) -> None:
    run_opsguard(["privacy", "telemetry", "--fix"], leaks.parent)

    note = json.loads((leaks / ".pipeline.log.why.json").read_text(encoding="utf-8"))
    assert note["schema"] == "opsguard.redaction/1"
    assert note["file"] == "pipeline.log"
    assert {entry["code"] for entry in note["redactions"]} >= {"raw-metric", "pii", "secret"}
    assert all(set(entry) == {"at", "line", "pointer", "code"} for entry in note["redactions"])
    # Hidden: the next scan does not read the notes.
    proc = run_opsguard(["privacy", "telemetry", "--json", "out.json"], leaks.parent)
    result = json.loads((leaks.parent / "out.json").read_text(encoding="utf-8"))
    assert result["summary"]["files"] == 3, proc.stdout


def test_a_second_fix_changes_nothing(leaks: Path) -> None:
    run_opsguard(["privacy", "telemetry", "--fix"], leaks.parent)
    first = _everything(leaks)

    proc = run_opsguard(["privacy", "telemetry", "--fix"], leaks.parent)

    assert proc.returncode == 0
    assert "  nothing to redact\n" in proc.stdout
    assert _everything(leaks) == first


def test_without_fix_nothing_changes(leaks: Path) -> None:
    before = _everything(leaks)

    assert run_opsguard(["privacy", "telemetry"], leaks.parent).returncode == 1

    assert _everything(leaks) == before


def test_a_file_it_cannot_read_as_text_is_left_and_said(tmp_path: Path) -> None:
    telemetry = tmp_path / "telemetry"
    telemetry.mkdir()
    blob = bytes(range(256)) * 40
    (telemetry / "blob.log").write_bytes(blob)

    proc = run_opsguard(["privacy", "telemetry", "--fix"], tmp_path)

    assert proc.returncode == 1
    assert "blob.log: not redacted:" in proc.stdout
    assert (telemetry / "blob.log").read_bytes() == blob


def test_a_suppressed_finding_is_not_redacted(tmp_path: Path) -> None:
    telemetry = tmp_path / "telemetry"
    telemetry.mkdir()
    line = b'{"event":"fetch","payload":{"restingHeartRate":52}}\n'
    (telemetry / "a.jsonl").write_bytes(line)
    (tmp_path / "opsguard.toml").write_text(
        '[[privacy.suppressions]]\nkey = "payload.restingHeartRate"\n'
        'reason = "synthetic test data"\nexpires = 2999-01-01\n',
        encoding="utf-8",
    )

    proc = run_opsguard(["privacy", "telemetry", "--fix"], tmp_path)

    assert proc.returncode == 0, proc.stdout
    assert (telemetry / "a.jsonl").read_bytes() == line
