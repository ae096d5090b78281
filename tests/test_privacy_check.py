"""The privacy gate and its command: summary, suppressions, masking, canary, exit codes."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from support import load_json, run_opsguard

from opsguard import load_config
from opsguard.catalog import key_figure
from opsguard.cli import main
from opsguard.core.config import Config
from opsguard.core.result import CheckResult
from opsguard.privacy import scan as scan_module
from opsguard.privacy import text as text_module
from opsguard.privacy.check import check_privacy, check_privacy_self_test
from opsguard.privacy.codes import PRIVACY_CODES, PRIVACY_SELF_TEST_CODES
from opsguard.privacy.settings import PrivacyConfig, Suppression

# The keys a result file had before look_alikes and unseen were added (at the end).
SUMMARY_KEYS_IN_ORDER = (
    "mode",
    "files",
    "lines",
    "skipped_files",
    "violations",
    "violating_files",
    "violating_lines",
    "counts",
    "suppressed",
    "suppressions",
    "suppressions_used",
    "expired_suppressions",
    "findings_omitted",
    "reasons",
)
SUMMARY_KEYS = {*SUMMARY_KEYS_IN_ORDER, "look_alikes", "unseen"}


def _config(tmp_path: Path, privacy: PrivacyConfig | None = None) -> Config:
    config = load_config(cwd=tmp_path, environ={})
    return config.with_sections(privacy=privacy or PrivacyConfig())


def _jsonl(path: Path, *objects: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(o) + b"\n" for o in objects))
    return path


# --- summary and gate --------------------------------------------------------------------------


def test_summary_follows_the_contract(tmp_path: Path) -> None:
    _jsonl(tmp_path / "a.jsonl", {"ok": 1}, {"rhr": 52, "email": "x"}, {"ok": 2})
    _jsonl(tmp_path / "b.jsonl", {"steps": 100})
    (tmp_path / "c.jsonl").write_bytes(b'{"torn":\n')
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")

    result = check_privacy([tmp_path], _config(tmp_path), cwd=tmp_path)

    assert result.check == "privacy"
    assert result.status == "fail"
    assert set(result.summary) == SUMMARY_KEYS
    summary = result.summary
    assert summary["mode"] == "denylist"
    assert (summary["files"], summary["lines"], summary["skipped_files"]) == (3, 5, 1)
    assert summary["violations"] == 3
    assert (summary["violating_files"], summary["violating_lines"]) == (2, 2)
    assert summary["counts"] == {"raw-metric": 2, "pii": 1, "unreadable": 1}
    assert summary["reasons"] == [
        "3 privacy violation(s) in 2 file(s) / 2 line(s): raw-metric 2, pii 1"
    ]
    assert list(result.summary)[: len(SUMMARY_KEYS) - 2] == list(SUMMARY_KEYS_IN_ORDER)
    assert key_figure(result).startswith("3 violations in 2 files / 2 lines; 3 files / 5 lines")
    CheckResult.from_json(result.to_json())  # the result-file contract


def test_warnings_alone_pass(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_bytes(b'{"torn":\n\x00')

    result = check_privacy([tmp_path], _config(tmp_path), cwd=tmp_path)

    assert result.status == "pass"
    assert result.summary["reasons"] == []
    # The torn line (scanned as text) and the NUL byte (ignored): seen, so warnings.
    assert [(f.code, f.severity) for f in result.findings] == [
        ("unreadable", "warning"),
        ("unreadable", "warning"),
    ]


def test_every_code_has_help() -> None:
    assert set(PRIVACY_CODES) == {
        "raw-metric",
        "pii",
        "location",
        "secret",
        "unknown-field",
        "unreadable",
        "special-file",
        "no-files",
        "expired-suppression",
    }
    assert all(text.endswith(".") or text.endswith(")") for text in PRIVACY_CODES.values())
    assert set(PRIVACY_SELF_TEST_CODES) == {"canary-missed", "canary-false-positive"}


# --- suppressions ------------------------------------------------------------------------------

TODAY = date(2025, 8, 14)


def _suppressed(tmp_path: Path, *suppressions: Suppression, as_of: date = TODAY) -> CheckResult:
    _jsonl(
        tmp_path / "telemetry" / "a.jsonl",
        {"payload": {"debug": {"rhr": 52}}},
        {"payload": {"steps": 10}},
    )
    _jsonl(tmp_path / "telemetry" / "legacy-1.jsonl", {"weight": 70})
    privacy = PrivacyConfig(suppressions=suppressions)
    return check_privacy(
        [tmp_path / "telemetry"], _config(tmp_path, privacy), as_of=as_of, cwd=tmp_path
    )


def test_a_key_suppression_counts_instead_of_failing(tmp_path: Path) -> None:
    result = _suppressed(
        tmp_path, Suppression("payload.debug.*", None, "legacy dump", date(2025, 9, 1))
    )

    assert [f.pointer for f in result.findings] == ["/payload/steps", "/weight"]
    assert result.summary["suppressed"] == 1
    assert result.summary["suppressions_used"] == 1
    assert result.summary["violations"] == 2


def test_a_file_suppression_matches_relative_to_the_config_root(tmp_path: Path) -> None:
    result = _suppressed(
        tmp_path,
        Suppression(None, "telemetry/legacy-*.jsonl", "old files", date(2025, 9, 1)),
        Suppression("payload.**", None, "payload under review", date(2025, 8, 14)),
        Suppression("never.matches", None, "unused", date(2025, 9, 1)),
    )

    assert result.status == "pass"
    assert result.findings == ()
    assert result.summary["suppressed"] == 3
    assert result.summary["suppressions"] == 3
    assert result.summary["suppressions_used"] == 2


def test_an_expired_suppression_suppresses_nothing_and_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "opsguard.toml").write_text("", encoding="utf-8")
    config = load_config(cwd=tmp_path, environ={})
    result = _suppressed(
        tmp_path,
        Suppression("payload.**", None, "payload under review", date(2025, 8, 13)),
        Suppression(None, "telemetry/legacy-*", "old files", date(2025, 9, 1)),
    )

    assert config.source is None or config.source.name == "opsguard.toml"
    assert result.status == "fail"
    expired = [f for f in result.findings if f.code == "expired-suppression"]
    assert len(expired) == 1
    assert expired[0].severity == "error"
    assert "expired on 2025-08-13" in expired[0].message
    assert "payload under review" in expired[0].message
    assert [f.pointer for f in result.findings if f.code == "raw-metric"] == [
        "/payload/debug/rhr",
        "/payload/steps",
    ]
    assert result.summary["expired_suppressions"] == 1
    assert result.summary["counts"]["expired-suppression"] == 1
    assert "1 expired suppression(s)" in result.summary["reasons"][-1]


def test_the_expiry_day_itself_is_still_valid(tmp_path: Path) -> None:
    suppression = Suppression("payload.**", None, "review", date(2025, 8, 14))

    on_the_day = _suppressed(tmp_path, suppression, as_of=date(2025, 8, 14))
    day_after = _suppressed(tmp_path, suppression, as_of=date(2025, 8, 15))

    assert on_the_day.summary["expired_suppressions"] == 0
    assert day_after.summary["expired_suppressions"] == 1


def test_suppressions_from_the_config_file_and_as_of_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "opsguard.toml").write_text(
        '[paths]\ntelemetry = ["telemetry"]\n'
        "[[privacy.suppressions]]\n"
        'key = "payload.debug.rhr"\nreason = "legacy"\nexpires = 2025-08-20\n',
        encoding="utf-8",
    )
    _jsonl(tmp_path / "telemetry" / "a.jsonl", {"payload": {"debug": {"rhr": 52}}})
    monkeypatch.chdir(tmp_path)

    assert main(["privacy", "--as-of", "2025-08-20"]) == 0
    assert main(["privacy", "--as-of", "2025-08-21"]) == 1
    out = capsys.readouterr().out
    assert "opsguard.toml: expired-suppression" in out


# --- masking: no matched value in any output ---------------------------------------------------

LEAK_VALUES = (
    "5271300417",
    "52713.04",
    "zq9secret@example.org",
    "zq9secret",
    "eyJhbGciOiJIUzI1NiJ9.eyJ6cTkiOiJsZWFrIn0.zq9SigNaTuRe",
    "zq9SigNaTuRe",
    "zq9BearerT0ken0123456789",
    "zq9oauthT0ken5550123",
    "52.372911",
    "4.893071",
    "Zq9 Person",
    "ZQ9-SERIAL-3391",
)


def _leak_corpus(directory: Path) -> Path:
    _jsonl(
        directory / "t.jsonl",
        {"payload": {"restingHeartRate": 5271300417, "hrvSummary": {"lastNightAvg": 52713.04}}},
        {"user": {"displayName": "Zq9 Person", "emailAddress": "zq9secret@example.org"}},
        {"auth": {"oauth_token": "zq9oauthT0ken5550123"}},
        {"headers": {"x": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ6cTkiOiJsZWFrIn0.zq9SigNaTuRe"}},
        {"msg": "fetched rhr=5271300417 for zq9secret@example.org at 52.372911,4.893071"},
        {"zq9secret@example.org": {"5271300417": 1}},
        {"device": {"serial_number": "ZQ9-SERIAL-3391"}},
        {"activity": {"startLatitude": 52.372911, "startLongitude": 4.893071}},
    )
    (directory / "t.jsonl").open("ab").write(
        b'{"torn":{"rhr":5271300417,"mail":"zq9secret@example.org"\n'
    )
    (directory / "run.log").write_text(
        "INFO rhr=5271300417 user=zq9secret@example.org\n"
        "DEBUG Authorization: Bearer zq9BearerT0ken0123456789\n"
        "INFO at 52.372911, 4.893071 hrv: 52713.04ms\n",
        encoding="utf-8",
    )
    (directory / "bad.log").write_bytes(b"\xff rhr=5271300417 zq9secret@example.org\n")
    (directory / "doc.json").write_text(
        json.dumps(
            {"runs": [{"avgSleepHRV": 5271300417, "owner": "zq9secret@example.org"}]}, indent=2
        ),
        encoding="utf-8",
    )
    return directory


def test_no_matched_value_reaches_any_output(tmp_path: Path) -> None:
    corpus = _leak_corpus(tmp_path / "telemetry")

    proc = run_opsguard(
        [
            "privacy",
            str(corpus),
            "--json",
            "out.json",
            "--results-dir",
            "results",
            "--max-findings",
            "1000",
        ],
        tmp_path,
    )

    assert proc.returncode == 1, proc.stderr
    outputs = {
        "stdout": proc.stdout,
        "stderr": proc.stderr,
        "--json": (tmp_path / "out.json").read_text(encoding="utf-8"),
        "results": (tmp_path / "results" / "privacy.json").read_text(encoding="utf-8"),
    }
    data = json.loads(outputs["--json"])
    assert data["summary"]["violations"] >= 20  # the corpus was really found
    for name, text in outputs.items():
        for value in LEAK_VALUES:
            assert value not in text, f"{value!r} leaked into {name}"
    assert "<redacted>" in outputs["--json"]  # the email used as a key


def test_an_internal_error_does_not_echo_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Whatever breaks inside the scan, the one-line error names no value: the scanner
    # raises nothing built from data (this forces a failure in the detectors).
    corpus = _leak_corpus(tmp_path / "telemetry")

    def broken(*_: object) -> list[Any]:
        raise RuntimeError("detector failed")

    monkeypatch.setattr(scan_module, "detect_text", broken)
    monkeypatch.chdir(tmp_path)

    assert main(["privacy", str(corpus)]) == 2
    captured = capsys.readouterr()
    for value in LEAK_VALUES:
        assert value not in captured.out + captured.err


# --- the canary --------------------------------------------------------------------------------


def test_self_test_passes(tmp_path: Path) -> None:
    result = check_privacy_self_test(_config(tmp_path))

    assert result.check == "privacy-self-test"
    assert result.status == "pass", [f.message for f in result.findings[:5]]
    assert result.summary["missed"] == 0
    assert result.summary["false_positives"] == 0
    assert result.summary["leaks"] > 400
    assert result.summary["caught"] == result.summary["leaks"]
    assert result.summary["clean_lines"] > 100


def test_self_test_includes_configured_names(tmp_path: Path) -> None:
    privacy = PrivacyConfig(deny={"raw-metric": ("readiness raw",)})

    result = check_privacy_self_test(_config(tmp_path, privacy))

    assert result.status == "pass"
    assert (
        result.summary["leaks"] == check_privacy_self_test(_config(tmp_path)).summary["leaks"] + 2
    )


def test_self_test_fails_when_the_scanner_misses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_module, "_EMAIL", re.compile(r"(?!x)x"))

    result = check_privacy_self_test(_config(tmp_path))

    assert result.status == "fail"
    missed = [f for f in result.findings if f.code == "canary-missed"]
    assert missed
    assert all("email" in f.message for f in missed)
    assert result.summary["reasons"][0].endswith("planted leak(s) not caught")


def test_self_test_fails_on_false_positives(tmp_path: Path) -> None:
    # A configured name so broad that it flags ordinary telemetry (`duration_ms`) is reported.
    privacy = PrivacyConfig(deny={"raw-metric": ("*ms*",)})

    result = check_privacy_self_test(_config(tmp_path, privacy))

    assert result.status == "fail"
    flagged = [f for f in result.findings if f.code == "canary-false-positive"]
    assert flagged
    assert "configured key 'duration_ms' holding a number" in flagged[0].message
    assert result.summary["false_positives"] == len({(f.path, f.line) for f in flagged})
    assert result.summary["reasons"] == [
        f"{result.summary['false_positives']} false positive(s) on clean lines"
    ]


def test_self_test_cli(tmp_path: Path) -> None:
    proc = run_opsguard(["privacy", "--self-test", "--results-dir", "r"], tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(
        r"(\d+)/\1 leaks caught, 0/(\d+) look-alikes flagged, 0/\d+ clean lines flagged",
        proc.stdout,
    ), proc.stdout
    assert load_json(tmp_path / "r" / "privacy-self-test.json")["status"] == "pass"


# --- the command line --------------------------------------------------------------------------


def test_repository_config_passes(repo: Path, tmp_path: Path) -> None:
    proc = run_opsguard(["privacy", "--results-dir", str(tmp_path / "r")], repo)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = load_json(tmp_path / "r" / "privacy.json")
    assert data["findings"] == []
    assert data["summary"]["files"] > 0


def test_leak_fixtures_fail_with_file_line_and_pointer(repo: Path, tmp_path: Path) -> None:
    proc = run_opsguard(
        [
            "privacy",
            "fixtures/leaks",
            "--results-dir",
            str(tmp_path / "r"),
            "--max-findings",
            "100",
        ],
        repo,
    )

    assert proc.returncode == 1
    assert "fixtures/leaks/nested.jsonl:2: raw-metric /payload/restingHeartRate:" in proc.stdout
    assert "fixtures/leaks/summary.json:8: raw-metric /runs/0/metrics/avgSleepHRV:" in proc.stdout
    assert "fixtures/leaks/pipeline.log:2: raw-metric: heart rate key 'rhr'" in proc.stdout
    assert "verdict: FAIL" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["privacy", "no/such/path"], "path not found: no/such/path"),
        (["privacy", "--mode", "allowlist", "t"], "allowlist mode needs the allowed key paths"),
        (["privacy", "--mode", "strict"], "must be one of denylist, allowlist"),
        (["privacy", "--as-of", "yesterday"], "expected a date"),
        (["privacy", "--self-test", "t"], "give no PATH"),
        (["privacy", "t/notes.csv"], "not a telemetry file"),
    ],
)
def test_exit_2_is_one_line(tmp_path: Path, args: list[str], needle: str) -> None:
    _jsonl(tmp_path / "t" / "a.jsonl", {"ok": 1})
    (tmp_path / "t" / "notes.csv").write_text("x\n", encoding="utf-8")

    proc = run_opsguard(args, tmp_path)

    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert needle in proc.stderr
    assert proc.stdout == ""


def test_mode_flag_overrides_the_config(tmp_path: Path) -> None:
    (tmp_path / "opsguard.toml").write_text(
        '[paths]\ntelemetry = ["t"]\n[privacy]\nallow = ["event"]\n', encoding="utf-8"
    )
    _jsonl(tmp_path / "t" / "a.jsonl", {"event": "x", "status": "ok"})

    assert run_opsguard(["privacy"], tmp_path).returncode == 0
    proc = run_opsguard(["privacy", "--mode", "allowlist", "--json", "o.json"], tmp_path)

    assert proc.returncode == 1
    data = load_json(tmp_path / "o.json")
    assert data["summary"]["mode"] == "allowlist"
    assert [f["code"] for f in data["findings"]] == ["unknown-field"]


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\x02" * 1000,
        b"\xff\xfe\xfd\n" * 10,
        b'\xef\xbb\xbf{"rhr": 52}\n',
        b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"\n",
        b"",
        b"\n\n\n",
        b'{"unterminated": "str\n',
    ],
)
def test_bad_input_never_gives_a_traceback(tmp_path: Path, content: bytes) -> None:
    for suffix in (".jsonl", ".json", ".log"):
        (tmp_path / "t" / f"x{suffix}").parent.mkdir(exist_ok=True)
        (tmp_path / "t" / f"x{suffix}").write_bytes(content)

    proc = run_opsguard(["privacy", "t"], tmp_path)

    assert proc.returncode in (0, 1)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr == ""


# --- documentation stays true ------------------------------------------------------------------


def test_every_privacy_code_and_default_entry_is_documented(repo: Path) -> None:
    from opsguard.privacy.denylist import DEFAULT_DENY

    doc = (repo / "docs" / "privacy.md").read_text(encoding="utf-8")
    for code in (*PRIVACY_CODES, *PRIVACY_SELF_TEST_CODES):
        assert f"| `{code}` |" in doc, f"{code} is not documented"
    for group, labels in DEFAULT_DENY.items():
        for label, names in labels.items():
            row = f"| `{group}` | {label} | " + ", ".join(f"`{n}`" for n in names) + " |"
            assert row in doc, f"docs/privacy.md: the {group}/{label} row is out of date"
