"""The scanner over files: placement, pointers and lines, bad input, allowlist mode,
and the fast path, which must report exactly what a full walk of every line reports."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsguard import load_config
from opsguard.core.config import Config
from opsguard.core.errors import OpsguardError
from opsguard.core.result import CheckResult, Finding
from opsguard.privacy import build_policy
from opsguard.privacy import scan as scan_module
from opsguard.privacy.check import check_privacy
from opsguard.privacy.collect import Collector
from opsguard.privacy.scan import Scanner
from opsguard.privacy.settings import PrivacyConfig


def _config(tmp_path: Path, privacy: PrivacyConfig | None = None) -> Config:
    config = load_config(cwd=tmp_path, environ={})
    return config.with_sections(privacy=privacy or PrivacyConfig())


def _check(tmp_path: Path, *paths: Path, privacy: PrivacyConfig | None = None) -> CheckResult:
    return check_privacy(list(paths) or [tmp_path], _config(tmp_path, privacy), cwd=tmp_path)


def _jsonl(path: Path, *objects: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(o) + b"\n" for o in objects))
    return path


def _where(result: CheckResult) -> list[tuple[str, int | None, str, str]]:
    return [(f.path, f.line, f.pointer, f.code) for f in result.findings]


CLEAN = {
    "ts": "2025-08-01T06:00:03Z",
    "event": "auto_run",
    "status": "ok",
    "duration_ms": 1834,
    "records_written": 1,
    "steps_completed": 4,
    "retry": {"attempts": 1, "sleep_ms": 0},
}


# --- placement ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "pointer", "code"),
    [
        ({"restingHeartRate": 52}, "/restingHeartRate", "raw-metric"),
        ({"payload": {"data": {"hrv_ms": 41}}}, "/payload/data/hrv_ms", "raw-metric"),
        ({"items": [{"ok": 1}, {"avgSpO2": 97}]}, "/items/1/avgSpO2", "raw-metric"),
        ({"items": [[{"start-latitude": 52.1}]]}, "/items/0/0/start-latitude", "location"),
        ({"user": {"DISPLAY_NAME": "x"}}, "/user/DISPLAY_NAME", "pii"),
        ({"auth": {"refreshToken": "x"}}, "/auth/refreshToken", "secret"),
        ({"msg": "fetched rhr=52 ok"}, "/msg", "raw-metric"),
        ({"notes": ["ok", "hrv: 41ms"]}, "/notes/1", "raw-metric"),
        ({"who": {"contact": "zq9@example.org"}}, "/who/contact", "pii"),
        ({"where": "52.37291,4.89307"}, "/where", "location"),
        ({"zq9@example.org": 1}, "/<redacted>", "pii"),
        ({"a/b~c": {"rhr": 52}}, "/a~1b~0c/rhr", "raw-metric"),
    ],
)
def test_a_leak_is_named_by_file_line_and_pointer(
    tmp_path: Path, event: dict[str, Any], pointer: str, code: str
) -> None:
    _jsonl(tmp_path / "t.jsonl", CLEAN, {"event": "fetch", **event}, CLEAN)

    result = _check(tmp_path)

    assert result.status == "fail"
    assert (("t.jsonl", 2, pointer, code)) in _where(result)
    assert all(f.line == 2 for f in result.findings)


def test_a_denied_container_is_reported_at_its_leaves(tmp_path: Path) -> None:
    _jsonl(
        tmp_path / "t.jsonl",
        {"hrvSummary": {"weeklyAvg": 44, "lastNightAvg": 41}},
        {"hrvSummary": {"status": "BALANCED"}},
        {"bodyBatteryValuesArray": [[1, 60], [2, 58]]},
        {"hrvSummary": {}, "restingHeartRate": None, "steps": "", "rr": []},
    )

    assert _where(_check(tmp_path)) == [
        ("t.jsonl", 1, "/hrvSummary/weeklyAvg", "raw-metric"),
        ("t.jsonl", 1, "/hrvSummary/lastNightAvg", "raw-metric"),
        ("t.jsonl", 2, "/hrvSummary", "raw-metric"),  # nothing inside it was a metric name
        ("t.jsonl", 3, "/bodyBatteryValuesArray", "raw-metric"),
        # line 4: every denied key is empty (null, "", {}, []): nothing leaked
    ]


def test_repeats_on_one_line_are_one_finding(tmp_path: Path) -> None:
    _jsonl(tmp_path / "t.jsonl", {"readings": [{"spo2": 97}, {"spo2": 95}, {"spo2": 96}]})

    (finding,) = _check(tmp_path).findings

    assert finding.pointer == "/readings/0/spo2"
    assert "3 times on this line" in finding.message


def test_json_document_findings_carry_the_keys_own_line(tmp_path: Path) -> None:
    (tmp_path / "doc.json").write_text(
        '[\n  {"event": "a"},\n  {"event": "b",\n   "payload": {\n     "rhr": 52}},\n'
        '  {"note": "mail zq9@example.org"}\n]\n',
        encoding="utf-8",
    )

    assert _where(_check(tmp_path)) == [
        ("doc.json", 5, "/1/payload/rhr", "raw-metric"),
        ("doc.json", 6, "/2/note", "pii"),
    ]


def test_free_text_findings_name_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "run.log").write_text(
        "INFO status=ok heartbeat=ok\nINFO fetched rhr=52 spo2=97\nWARN hrv: 41ms\n",
        encoding="utf-8",
    )

    result = _check(tmp_path)

    assert _where(result) == [
        ("run.log", 2, "", "raw-metric"),
        ("run.log", 2, "", "raw-metric"),
        ("run.log", 3, "", "raw-metric"),
    ]
    assert result.findings[0].message == (
        "heart rate key 'rhr' holding a number in free text (column 14)"
    )


def test_the_sample_telemetry_is_clean(repo: Path) -> None:
    result = _check(repo, repo / "fixtures" / "sample" / "telemetry")

    assert result.status == "pass", result.findings
    assert result.findings == ()
    assert result.summary["files"] > 0
    assert result.summary["lines"] > 0


def test_the_leak_fixtures_give_the_readme_findings(repo: Path) -> None:
    result = _check(repo, repo / "fixtures" / "leaks")

    assert result.status == "fail"
    assert result.summary["violations"] == 31
    assert result.summary["violating_lines"] == 19
    assert result.summary["counts"] == {
        "raw-metric": 14,
        "pii": 6,
        "location": 4,
        "secret": 7,
        "unreadable": 1,
    }
    assert result.summary["skipped_files"] == 1  # the README
    readme = (repo / "fixtures" / "leaks" / "README.md").read_text(encoding="utf-8")
    for finding in result.findings:
        name = finding.path.rsplit("/", 1)[-1]
        row = f"| `{name}` | {finding.line} | " + (
            f"`{finding.pointer}`" if finding.pointer else ""
        )
        assert row in readme, row


# --- bad input: findings or one-line errors, never a traceback ---------------------------------


def test_binary_data_is_a_failing_unreadable_and_not_scanned_as_text(tmp_path: Path) -> None:
    # Random bytes, compressed data: nothing in them can be judged, so the gate fails.
    (tmp_path / "blob.jsonl").write_bytes(bytes(range(256)) * 64 + b"rhr=52\n")
    (tmp_path / "ok.jsonl").write_bytes(b'{"ok":1}\n')

    result = _check(tmp_path)

    assert result.status == "fail"
    assert _where(result) == [("blob.jsonl", None, "", "unreadable")]
    assert result.findings[0].severity == "error"
    assert result.findings[0].message.startswith("binary data, not text")
    assert result.summary["violations"] == 0
    assert result.summary["unseen"] == 1
    assert "could not be seen" in result.summary["reasons"][0]


@pytest.mark.parametrize("suffix", [".log", ".jsonl", ".txt"])
def test_nul_bytes_are_ignored_and_the_rest_is_scanned(tmp_path: Path, suffix: str) -> None:
    # A log with one NUL byte: the email and `rhr=58` on the next line are still seen.
    body = (
        b'{"msg":"boot\x00 ok"}\n{"msg":"jane.leak@example.org rhr=58"}\n'
        if suffix == ".jsonl"
        else b"INFO boot\x00 ok\nINFO jane.leak@example.org rhr=58\n"
    )
    (tmp_path / f"run{suffix}").write_bytes(body)

    result = _check(tmp_path)

    assert [(f.line, f.code, f.severity) for f in result.findings] == [
        (2, "pii", "error"),
        (2, "raw-metric", "error"),
        (None, "unreadable", "warning"),
    ]
    assert result.findings[-1].message == (
        "1 NUL byte(s) (first at byte " + str(body.index(b"\x00")) + "): ignored, the rest "
        "scanned as text"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_are_decoded_by_their_bom(tmp_path: Path, encoding: str) -> None:
    bom = {"utf-16-be": b"\xfe\xff", "utf-32-be": b"\x00\x00\xfe\xff"}.get(encoding, b"")
    (tmp_path / "run.log").write_bytes(bom + "ok\nINFO rhr=52 caf\u00e9\n".encode(encoding))
    (tmp_path / "t.jsonl").write_bytes(bom + '{"ok":1}\n{"hrv_ms":41}\n'.encode(encoding))

    result = _check(tmp_path)

    assert _where(result) == [
        ("run.log", 2, "", "raw-metric"),
        ("run.log", None, "", "unreadable"),
        ("t.jsonl", 2, "/hrv_ms", "raw-metric"),
        ("t.jsonl", None, "", "unreadable"),
    ]
    assert result.findings[1].severity == "warning"
    assert "(by its byte order mark): decoded and scanned" in result.findings[1].message


def test_utf16_without_a_bom_is_read_as_text_with_nuls(tmp_path: Path) -> None:
    (tmp_path / "run.log").write_bytes("ok\nINFO rhr=52\n".encode("utf-16-le"))

    assert [(f.line, f.code) for f in _check(tmp_path).findings] == [
        (2, "raw-metric"),
        (None, "unreadable"),
    ]


def test_a_non_utf8_jsonl_line_is_unreadable_and_still_scanned(tmp_path: Path) -> None:
    (tmp_path / "t.jsonl").write_bytes(
        orjson.dumps(CLEAN) + b'\n{"msg":"caf\xe9 rhr=52"}\n' + orjson.dumps(CLEAN) + b"\n"
    )

    result = _check(tmp_path)

    assert _where(result) == [("t.jsonl", 2, "", "unreadable"), ("t.jsonl", 2, "", "raw-metric")]


def test_a_non_utf8_log_line_is_unreadable_and_still_scanned(tmp_path: Path) -> None:
    (tmp_path / "run.log").write_bytes(b"ok\n\xff\xfe rhr=52\nok\n")

    assert _where(_check(tmp_path)) == [
        ("run.log", 2, "", "unreadable"),
        ("run.log", 2, "", "raw-metric"),
    ]


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".log"])
def test_a_byte_order_mark_is_tolerated(tmp_path: Path, suffix: str) -> None:
    body = b'{"rhr": 52}' if suffix != ".log" else b"rhr=52"
    (tmp_path / f"t{suffix}").write_bytes(b"\xef\xbb\xbf" + body + b"\n")

    result = _check(tmp_path)

    assert [(f.line, f.code) for f in result.findings] == [(1, "raw-metric")]
    if suffix != ".log":
        assert result.findings[0].pointer == "/rhr"


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".log", ".txt"])
def test_an_empty_file_is_clean(tmp_path: Path, suffix: str) -> None:
    (tmp_path / f"empty{suffix}").write_bytes(b"")

    result = _check(tmp_path)

    assert result.status == "pass"
    assert result.findings == ()
    assert result.summary["files"] == 1


def test_blank_lines_and_crlf_are_fine(tmp_path: Path) -> None:
    (tmp_path / "t.jsonl").write_bytes(b'\r\n   \r\n{"ok":1}\r\n\r\n{"rhr":52}\r\n')

    assert _where(_check(tmp_path)) == [("t.jsonl", 5, "/rhr", "raw-metric")]


def test_a_50_mb_line(tmp_path: Path) -> None:
    blob = "x" * (50 * 1024 * 1024)
    _jsonl(tmp_path / "big.jsonl", CLEAN, {"blob": blob, "payload": {"rhr": 52}}, CLEAN)
    (tmp_path / "big.log").write_text("ok\n" + blob + " rhr=52\n", encoding="utf-8")

    result = _check(tmp_path)

    assert _where(result) == [
        ("big.jsonl", 2, "/payload/rhr", "raw-metric"),
        ("big.log", 2, "", "raw-metric"),
    ]


def test_deeply_nested_json_within_orjsons_limit_is_walked(tmp_path: Path) -> None:
    depth = 1000
    line = '{"a":' * depth + '{"rhr":52}' + "}" * depth
    (tmp_path / "deep.jsonl").write_text(line + "\n", encoding="utf-8")

    (finding,) = _check(tmp_path).findings

    assert finding.code == "raw-metric"
    assert finding.pointer == "/a" * depth + "/rhr"


def test_json_nested_past_orjsons_limit_is_unreadable_and_scanned_as_text(tmp_path: Path) -> None:
    depth = 3000
    line = '{"a":' * depth + '{"restingHeartRate":52}' + "}" * depth
    (tmp_path / "deep.jsonl").write_text(line + "\n", encoding="utf-8")
    (tmp_path / "deep.json").write_text(line + "\n", encoding="utf-8")

    assert sorted(_where(_check(tmp_path))) == [
        ("deep.json", 1, "", "raw-metric"),
        ("deep.json", 1, "", "unreadable"),
        ("deep.jsonl", 1, "", "raw-metric"),
        ("deep.jsonl", 1, "", "unreadable"),
    ]


def test_a_torn_json_document_is_unreadable_and_scanned_as_text(tmp_path: Path) -> None:
    (tmp_path / "doc.json").write_text('{\n  "ok": 1,\n  "rhr": 52,\n  "x": [', encoding="utf-8")

    assert _where(_check(tmp_path)) == [
        ("doc.json", 4, "", "unreadable"),
        ("doc.json", 3, "", "raw-metric"),
    ]


def test_a_json_document_over_the_limit_is_scanned_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan_module, "MAX_JSON_DOCUMENT", 64)
    (tmp_path / "big.json").write_text(
        '{\n  "padding": "' + "x" * 100 + '",\n  "rhr": 52\n}\n', encoding="utf-8"
    )

    assert _where(_check(tmp_path)) == [
        ("big.json", None, "", "unreadable"),
        ("big.json", 3, "", "raw-metric"),
    ]


def test_lines_that_are_not_objects(tmp_path: Path) -> None:
    (tmp_path / "t.jsonl").write_text(
        '["ok", {"rhr": 52}]\n"mail zq9@example.org"\n42\nnull\n', encoding="utf-8"
    )

    assert _where(_check(tmp_path)) == [
        ("t.jsonl", 1, "/1/rhr", "raw-metric"),
        ("t.jsonl", 2, "", "pii"),
    ]


def test_other_files_and_hidden_files_are_skipped_and_counted(tmp_path: Path) -> None:
    _jsonl(tmp_path / "a" / "t.jsonl", CLEAN)
    (tmp_path / "a" / "notes.md").write_text("rhr=52\n", encoding="utf-8")
    (tmp_path / "a" / "dump.csv").write_text("rhr,52\n", encoding="utf-8")
    (tmp_path / "a" / "old.jsonl.gz").write_bytes(b"\x1f\x8b")
    _jsonl(tmp_path / "a" / ".hidden.jsonl", {"rhr": 52})

    result = _check(tmp_path, tmp_path / "a")

    assert result.status == "pass"
    assert result.summary["files"] == 1
    assert result.summary["skipped_files"] == 4


def test_a_directory_that_cannot_be_listed_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "t" / "locked"
    _jsonl(locked / "a.jsonl", {"rhr": 52})
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:  # as for a directory without read permission
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)

    result = _check(tmp_path, tmp_path / "t")

    # A guard that cannot see cannot pass: the directory fails, and so does scanning nothing.
    assert result.status == "fail"
    assert _where(result) == [("t/locked", None, "", "unreadable"), ("t", None, "", "no-files")]
    assert [f.severity for f in result.findings] == ["error", "error"]
    assert result.findings[0].message == (
        "cannot list directory: Permission denied; nothing below it was scanned"
    )
    assert result.summary["unseen"] == 2
    assert result.summary["violations"] == 0


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OpsguardError, match=r"path not found: .*nope"):
        _check(tmp_path, tmp_path / "nope")


def test_a_named_file_of_another_kind_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a\n", encoding="utf-8")
    with pytest.raises(OpsguardError, match="not a telemetry file"):
        _check(tmp_path, tmp_path / "x.csv")


def test_findings_beyond_the_limit_are_counted_not_kept(tmp_path: Path) -> None:
    _jsonl(tmp_path / "t.jsonl", *({"rhr": n} for n in range(50)))

    result = check_privacy([tmp_path], _config(tmp_path), cwd=tmp_path, limit=10)

    assert len(result.findings) == 10
    assert result.summary["violations"] == 50
    assert result.summary["findings_omitted"] == 40
    assert result.summary["counts"] == {"raw-metric": 50}


# --- allowlist mode ----------------------------------------------------------------------------

ALLOW = (
    "ts",
    "event",
    "status",
    "payload.status",
    "payload.items.*",
    "retry.**",
    "meta.*.id",
    "flat.key",
)


def test_allowlist_mode_reports_undeclared_keys(tmp_path: Path) -> None:
    _jsonl(
        tmp_path / "t.jsonl",
        {"ts": "x", "event": "a", "status": "ok", "payload": {"status": "ok"}},
        {"event": "a", "payload": {"items": [{"id": 1, "name": "n"}, {"id": 2}]}},
        {"event": "a", "retry": {"attempts": 1, "backoff": {"ms": [100, 200]}}},
        {"event": "a", "meta": {"x": {"id": 1}, "y": {"id": 2, "note": "n"}}},
        {"event": "a", "flat.key": 1, "flat": {"key": 2}},
        {"event": "a", "debug": {"dump": {"deep": 1}}, "payload": {"extra": 1}},
        {"event": "a", "restingHeartRate": 52},
    )
    privacy = PrivacyConfig(mode="allowlist", allow=ALLOW)

    result = _check(tmp_path, privacy=privacy)

    assert _where(result) == [
        ("t.jsonl", 4, "/meta/y/note", "unknown-field"),
        ("t.jsonl", 6, "/debug", "unknown-field"),  # once, not for each key below it
        ("t.jsonl", 6, "/payload/extra", "unknown-field"),
        ("t.jsonl", 7, "/restingHeartRate", "unknown-field"),
        ("t.jsonl", 7, "/restingHeartRate", "raw-metric"),  # the deny-list still applies
    ]
    assert result.summary["mode"] == "allowlist"
    assert result.findings[0].message == "key 'meta.y.note' is not declared in privacy.allow"


def test_a_declared_key_on_the_deny_list_still_fails(tmp_path: Path) -> None:
    _jsonl(tmp_path / "t.jsonl", {"event": "a", "rhr": 52})
    privacy = PrivacyConfig(mode="allowlist", allow=("event", "rhr"))

    assert _where(_check(tmp_path, privacy=privacy)) == [("t.jsonl", 1, "/rhr", "raw-metric")]


def test_allowlist_paths_with_wildcards() -> None:
    from opsguard.privacy.patterns import PathPatterns

    patterns = PathPatterns(["a.*", "b.**", "c.**.z", "d.hr*"])
    assert patterns.allows("a.x", False)
    assert not patterns.allows("a.x.y", False)
    assert patterns.allows("a", True)  # a container on the way to a declared path
    assert not patterns.allows("a", False)  # but not as a leaf
    assert patterns.allows("b", False)  # ** matches nothing too
    assert patterns.allows("b.x.y.z", False)
    assert patterns.allows("c.z", False)
    assert patterns.allows("c.x.y.z", False)
    assert not patterns.allows("c.x.y", False)
    assert patterns.allows("c.x.y", True)
    assert patterns.allows("d.hrv", False)
    assert not patterns.allows("e", True)


# --- the fast path reports exactly what the full walk reports ----------------------------------


class WalkEverything(Scanner):
    """The reference: every line through the exact walk, no prefilter, no shortcut (the
    prefilter and hostile-input tests compare with it too)."""

    use_prefilter = False

    def _fast_check(self, objects: list[Any], lines: Any) -> tuple[dict[int, list[int]], set[int]]:
        every = range(len(objects))
        return dict.fromkeys(every, scan_module._ANYWHERE), set(every)


_KEYS = st.sampled_from(
    [
        "ts",
        "event",
        "status",
        "retry",
        "payload",
        "items",
        "sleep_ms",
        "steps_completed",
        "heartbeat",
        "restingHeartRate",
        "hrv_ms",
        "startLatitude",
        "email",
        "oauth_token",
        "zq9@example.org",
        "caf\u00e9",
        'q"uote',
        "",
    ]
)
_STRINGS = st.sampled_from(
    [
        "ok",
        "took 35 ms",
        "fetched rhr=52",
        "hrv: 41ms",
        "zq9@example.org",
        "52.37291,4.89307",
        "Bearer zq9BearerT0ken0123456789",
        "a {brace} in text",
        "[bracket]",
        'quote " and \\ backslash',
        "tab\there",
        "caf\u00e9",
        "",
    ]
)
_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 100), _STRINGS),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=12,
)
_LINES = st.lists(
    st.one_of(st.dictionaries(_KEYS, _VALUES, max_size=6), _VALUES), min_size=1, max_size=30
)
# Objects only, no brace in any string: blocks the fast path clears without the full pass.
_PLAIN_VALUES = st.recursive(
    st.one_of(st.none(), st.integers(-5, 100), _STRINGS.filter(lambda s: "{" not in s)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, min_size=1, max_size=4)
    ),
    max_leaves=12,
)
_PLAIN_LINES = st.lists(st.dictionaries(_KEYS, _PLAIN_VALUES, max_size=6), min_size=1, max_size=30)


def findings_of(scanner_type: type[Scanner], path: Path) -> list[Finding]:
    collector = Collector(limit=100_000)
    scanner_type(build_policy(PrivacyConfig()), collector).scan([path], path.parent)
    return collector.findings


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(st.one_of(_LINES, _PLAIN_LINES), st.booleans(), st.sampled_from([160, 1 << 16]))
def test_fast_path_equals_full_walk(
    tmp_path: Path, events: list[Any], ascii_only: bool, block_size: int
) -> None:
    path = tmp_path / "t.jsonl"
    dump = ascii_dumps if ascii_only else orjson_dumps
    # Twice: the second time the scanner has learned the shapes (its steady state).
    text = "".join(dump(e) + "\n" for e in events)
    path.write_text(text + text, encoding="utf-8")

    with mock.patch.object(scan_module, "BLOCK_SIZE", block_size):
        assert findings_of(Scanner, path) == findings_of(WalkEverything, path)


def orjson_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def ascii_dumps(value: Any) -> str:
    """JSON with every non-ASCII character escaped (`\\u00e9`): keys the raw bytes disguise."""
    return json.dumps(value, ensure_ascii=True)


def test_fast_path_equals_full_walk_across_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan_module, "BLOCK_SIZE", 512)
    events: list[Any] = []
    for n in range(400):
        event: dict[str, Any] = {**CLEAN, "n": n}
        if n % 37 == 5:
            event["payload"] = {"deep": {"restingHeartRate": n}}
        if n % 41 == 7:
            event["files"] = [{"name": "a"}, {"bb_max": 1}]
        if n % 43 == 11:
            event["msg"] = "fetched rhr=52"
        if n % 53 == 13:
            event["note"] = "brace { in a string"
        events.append(event)
    path = _jsonl(tmp_path / "t.jsonl", *events)

    fast = findings_of(Scanner, path)

    assert fast == findings_of(WalkEverything, path)
    assert len(fast) > 20


def test_denied_keys_below_container_keys_name_their_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The key pass tracks no lines below a top-level key unless that subtree holds a
    # denied key: a key on every line (`retry`), on a few (`payload`), arrays of objects.
    monkeypatch.setattr(scan_module, "BLOCK_SIZE", 700)
    events: list[Any] = []
    for n in range(120):
        event: dict[str, Any] = {**CLEAN, "n": n, "retry": {"attempts": 1, "sub": {"k": n}}}
        if n % 5 == 0:
            event["payload"] = {"endpoint": "/x", "items": [{"id": 1}, {"id": 2}]}
        if n % 29 == 3:
            event["payload"] = {"endpoint": "/x", "items": [{"id": 1}, {"hrv_ms": n}]}
        if n % 31 == 17:
            event["retry"] = {"attempts": 1, "sub": {"restingHeartRate": n}}
        events.append(event)
    _jsonl(tmp_path / "t.jsonl", *events)
    # Twice: the second file is scanned with the container keys learned.
    _jsonl(tmp_path / "u.jsonl", *events)

    fast = findings_of(Scanner, tmp_path)

    assert fast == findings_of(WalkEverything, tmp_path)
    lines = [n + 1 for n in range(120) if n % 29 == 3 or n % 31 == 17]
    assert [(Path(f.path).name, f.line) for f in fast] == [
        *(("t.jsonl", line) for line in lines),
        *(("u.jsonl", line) for line in lines),
    ]


def test_a_repeated_string_is_judged_on_every_line(tmp_path: Path) -> None:
    # A string's verdict is cached: the same message is clean (or a leak) on every line.
    events = [
        {**CLEAN, "msg": "read timed out after 30 s" if n % 2 else "fetched rhr=52"}
        for n in range(10)
    ]
    _jsonl(tmp_path / "t.jsonl", *events)

    result = _check(tmp_path)

    assert [f.line for f in result.findings] == [1, 3, 5, 7, 9]
    assert {f.pointer for f in result.findings} == {"/msg"}
