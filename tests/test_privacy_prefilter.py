"""The byte prefilter reports exactly what the exact walk reports (GitHub issue #13).

Lines the prefilter proves clean are never parsed; the proof must never be
wrong. Hypothesis feeds the same generated lines — valid, defective and
adversarial (deny words split by any separator, escapes, non-ASCII keys,
numbers a double cannot hold, torn lines, values side by side, repeated
keys) — to the scanner with the prefilter and to a scanner that walks every
line, and compares every finding, the counts and the look-alikes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_privacy_scan import WalkEverything

from opsguard.privacy import build_policy
from opsguard.privacy import prefilter as prefilter_module
from opsguard.privacy import scan as scan_module
from opsguard.privacy.collect import Collector
from opsguard.privacy.scan import Scanner
from opsguard.privacy.settings import PrivacyConfig

pytestmark = pytest.mark.skipif(
    prefilter_module.load(()) is None, reason="the prefilter's engines are not installed"
)


def _run(kind: type[Scanner], path: Path, privacy: PrivacyConfig) -> tuple[Any, ...]:
    collector = Collector(limit=100_000)
    scanner = kind(build_policy(privacy), collector)
    stats = scanner.scan([path], path.parent)
    return (collector.findings, dict(collector.counts), scanner.look_alikes, stats)


def _same(path: Path, privacy: PrivacyConfig | None = None) -> tuple[Any, ...]:
    privacy = privacy or PrivacyConfig()
    with mock.patch.object(scan_module, "PREFILTER_MIN_SIZE", 0):
        fast = _run(Scanner, path, privacy)
    assert fast == _run(WalkEverything, path, privacy)
    return fast


ADVERSARIAL: tuple[bytes, ...] = (
    b'{"he_art.rate":52}',
    b'{"HEART-RATE":1,"ok":2}',
    b'{"Resting Heart Rate":58}',
    b'{"payload.hr":5}',
    b'{"a/hr":1}',
    b'{"user.id":3}',
    b'{"x":{"r_H_r":1}}',
    b'{"\\u0072hr":52}',
    b'{"msg":"a \\" b"}',
    b'{"h\xc3\xa9art_rate":1}',
    b'{"\xe2\x84\xaaelvin":1}',
    b'{"caf\xc3\xa9":"ok"}',
    b'{"a":1e400}',
    b'{"a":1e308}',
    b'{"a":-1.5E-400}',
    b'{"a":[1,1E+999]}',
    b"[" + b"9" * 400 + b"]",
    b"1e400",
    b'{"a":',
    b'{"a": NaN}',
    b'{"a":1}{"b":2}',
    b"1 2",
    b"[1,",
    b"2]",
    b"",
    b"   ",
    b'{"a":1} ',
    b' {"a":1}',
    b'{"a":1}\r',
    b'{"a":"\xff"}',
    b'{"a":"x\x01y"}',
    b"[" * 1100 + b"]" * 1100,
    b'{"a":"\\ud800"}',
    b'{"note":"z@example.org","note":"ok"}',
    b'{"p":{"rhr":52},"p":{}}',
    b'{"full_name":"octo-org/hello"}',
    b'{"secret_scanning_alerts":"write"}',
    b'{"steps":[{"name":"Checkout","status":"completed"}]}',
    b'{"msg":"retry after 60 s"}',
    b'{"msg":"HTTP 429: slow down"}',
    b'{"ts":"2025-08-01T06:00:03Z","run_id":"dbc48e81973e"}',
    b'{"endpoint":"/hrv-service/hrv"}',
    b'{"sleep_ms":0,"steps_completed":4,"heartbeat":"ok"}',
)
_KEYS = st.sampled_from(
    ["ts", "event", "retry", "payload", "items", "sleep_ms", "steps_completed", "heartbeat",
     "restingHeartRate", "hrv_ms", "startLatitude", "email", "oauth_token", "full_name", "steps",
     "token", "zq9@example.org", "caf\u00e9", 'q"uote', "a.b", "x/hr", ""]
)  # fmt: skip
_STRINGS = st.sampled_from(
    ["ok", "took 35 ms", "fetched rhr=52", "hrv: 41ms", "zq9@example.org", "52.37291,4.89307",
     "Bearer zq9BearerT0ken0123456789", "a {brace}", "octo-org/hello", "write", "********",
     "caf\u00e9", "", "1e400"]
)  # fmt: skip
_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 10**20), st.floats(), _STRINGS),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=12,
)


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return b"null"


_LINE = st.one_of(
    st.dictionaries(_KEYS, _VALUES, max_size=6).map(_dumps),
    _VALUES.map(_dumps),
    st.sampled_from(ADVERSARIAL),
    st.binary(max_size=40),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(
    st.lists(_LINE, min_size=1, max_size=40),
    st.sampled_from([b"\n", b"\r\n"]),
    st.booleans(),
    st.sampled_from([64, 512, 1 << 16]),
)
def test_the_prefilter_reports_what_the_exact_walk_reports(
    tmp_path: Path, lines: list[bytes], newline: bytes, final_newline: bool, block_size: int
) -> None:
    path = tmp_path / "t.jsonl"
    # Twice: the second time the scanner has learned the shapes (its steady state).
    text = newline.join(lines) + (newline if final_newline else b"")
    path.write_bytes(text + b"\n" + text)

    with mock.patch.object(scan_module, "BLOCK_SIZE", block_size):
        _same(path)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(st.lists(st.sampled_from(ADVERSARIAL), min_size=1, max_size=60))
def test_adversarial_lines_among_clean_ones(tmp_path: Path, lines: list[bytes]) -> None:
    clean = b'{"ts":"2025-08-01T06:00:03Z","event":"fetch","status":"ok","retry":{"sleep_ms":0}}'
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join([clean] * 50 + lines + [clean] * 50) + b"\n")

    with mock.patch.object(scan_module, "BLOCK_SIZE", 512):
        _same(path)


def test_configured_names_are_in_the_pattern(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"ok":1}\n{"Readiness-Raw":7}\n{"n\xc3\xa4me":"x"}\n' * 100)
    privacy = PrivacyConfig(deny={"raw-metric": ("*readiness raw*",), "pii": ("n\u00e4me",)})

    findings, _, _, _ = _same(path, privacy)

    assert {(f.line, f.code) for f in findings} >= {(2, "raw-metric"), (3, "pii")}


def test_clean_lines_are_not_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clean = b'{"ts":"2025-08-01T06:00:03Z","event":"fetch","status":"ok","retry":{"sleep_ms":0}}'
    leak = b'{"event":"fetch","payload":{"restingHeartRate":52}}'
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join([clean] * 999 + [leak]) + b"\n")
    parsed: list[int] = []
    real = scan_module._parse_lines

    def counting(lines: list[bytes]) -> list[Any]:
        parsed.append(len(lines))
        return real(lines)

    monkeypatch.setattr(scan_module, "_parse_lines", counting)
    monkeypatch.setattr(scan_module, "PREFILTER_MIN_SIZE", 0)

    findings, _, _, stats = _run(Scanner, path, PrivacyConfig())

    assert [(f.line, f.pointer) for f in findings] == [(1000, "/payload/restingHeartRate")]
    assert stats.lines == 1000
    assert sum(parsed) == 1  # only the leaking line was parsed


def test_a_block_that_is_not_proven_is_scanned_the_exact_way(tmp_path: Path) -> None:
    # A value spanning two lines, each invalid alone: msgspec takes the pair, the tiling
    # check refuses the block, and both lines are reported as not JSON.
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"ok":1}\n[1,\n2] 3\n{"ok":2}\n')

    findings, _, _, _ = _same(path)

    assert [(f.line, f.code) for f in findings] == [(2, "unreadable"), (3, "unreadable")]


def test_nesting_past_orjsons_limit_is_parsed_whatever_the_recursion_limit(
    tmp_path: Path,
) -> None:
    # msgspec's depth limit follows the interpreter's recursion limit; orjson's is 1024.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(50_000)
    try:
        path = tmp_path / "t.jsonl"
        deep = b"[" * 1100 + b"]" * 1100
        path.write_bytes(b'{"ok":1}\n' + deep + b"\n" + b'{"ok":2}\n')

        findings, _, _, _ = _same(path)
    finally:
        sys.setrecursionlimit(limit)

    assert [(f.line, f.code) for f in findings] == [(2, "unreadable")]
