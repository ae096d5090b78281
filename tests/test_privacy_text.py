"""Value detectors and free-text forms, and the prefilter that must never hide one of them."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard.privacy import build_policy
from opsguard.privacy.keys import KeyClassifier
from opsguard.privacy.scan import _Lines, _triggered
from opsguard.privacy.settings import PrivacyConfig
from opsguard.privacy.text import detect_text, may_hit, may_hit_text, shown_name

CLASSIFIER: KeyClassifier = build_policy(PrivacyConfig()).classifier
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.dGVzdC1zaWduYXR1cmU"


def _codes(text: str) -> list[str]:
    return [hit.code for hit in detect_text(text, CLASSIFIER)]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("contact zq9secret@example.org now", ["pii"]),
        ("mail to a.b+c@mail.example.co.uk", ["pii"]),
        ("user@localhost has no domain", []),
        ("at 52.37291,4.89307", ["location"]),
        ("at 52.37291, -4.89307", ["location"]),
        ("at -33.868820 , 151.209296", ["location"]),
        ("ratio 152.123,4.567", []),  # 152 is no latitude
        ("versions 1.25, 3.10", []),  # fewer than three decimals
        ("at 95.12345,4.12345", []),  # out of range
        (f"token {JWT}", ["secret"]),
        ("Authorization: Bearer zq9BearerT0ken0123456789", ["secret", "secret"]),
        ("bearer abcdefghijklmnop1", ["secret"]),
        ('OAuth oauth_consumer_key="zq9consumer0123"', ["secret", "secret"]),
        ("Bearer authentication failed", []),
        ("fetched rhr=52 spo2=97", ["raw-metric", "raw-metric"]),
        ("hrv: 41ms", ["raw-metric"]),
        ("hrv:41ms", []),  # no space after the colon: reads like a time or a URL
        ("resting_heart_rate 52 bpm", ["raw-metric"]),
        ("rhr 52", []),  # no unit: prose like "retry 2 of 3"
        ("spo2 97 %", ["raw-metric"]),
        ('payload={"restingHeartRate": 52}', ["raw-metric"]),
        ('msg="fetched rhr=52"', ["raw-metric"]),
        ("payload.rhr=52", ["raw-metric"]),
        ("rhr=", []),
        ('rhr=""', []),
        ("rhr=null", []),
        ("status=ok duration_ms=3315 heartbeat=ok steps_completed=4", []),
        ("retry sleep_ms=200 took 35 ms", []),
        ("2025-06-16T06:00:05Z INFO auto_run", []),
        ("https://example.org/x?access_token=zq9", ["secret"]),
    ],
)
def test_detectors(text: str, codes: list[str]) -> None:
    assert sorted(_codes(text)) == sorted(codes)


def test_a_hit_names_the_key_and_never_the_value() -> None:
    for hit in detect_text("rhr=52713 user=zq9secret@example.org", CLASSIFIER):
        assert "52713" not in hit.detail
        assert "zq9secret" not in hit.detail
    (hit,) = list(detect_text("rhr=52713", CLASSIFIER))
    assert hit.detail == "key 'rhr'"
    assert hit.key == "rhr"
    assert hit.column == 1


def test_detectors_are_linear_on_long_pathological_input() -> None:
    # Each would be quadratic with naive patterns; here they finish at once on 1 MB.
    for text in ("a" * 1_000_000 + "@", "a=" * 500_000, "a.b" * 300_000 + "@x", "1.123," * 150_000):
        detect_text(text, CLASSIFIER)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("restingHeartRate", "'restingHeartRate'"),
        ("zq9secret@example.org", "<redacted>"),
        ("52713", "<redacted>"),
        ("2025-08-01", "<redacted>"),
        ("rhr=52", "<redacted>"),
        ("x" * 80, "<redacted>"),
        (JWT, "<redacted>"),
    ],
)
def test_shown_name_masks_names_that_look_like_values(name: str, shown: str) -> None:
    assert shown_name(name) == shown


# --- the prefilter is a superset of the detectors ----------------------------------------------

_PIECES = st.sampled_from(
    [
        "rhr",
        "spo2",
        "restingHeartRate",
        "status",
        "ok",
        "hrv",
        "52",
        "41",
        "97.5",
        "-4.89307",
        "52.37291",
        "=",
        ":",
        ": ",
        " ",
        "\t",
        ",",
        ", ",
        "ms",
        "bpm",
        "%",
        "BPM",
        "@",
        "zq9@example.org",
        "Bearer",
        "oauth",
        JWT[:20],
        JWT,
        '"',
        "'",
        "{",
        "}",
        "null",
        "é",
        "\\",
    ]
)


@given(st.lists(_PIECES, max_size=12).map("".join))
def test_prefilter_is_a_superset_on_text(text: str) -> None:
    if detect_text(text, CLASSIFIER):
        assert may_hit_text(text)
        assert may_hit(text.encode(), quotes=True)


@given(st.lists(_PIECES, max_size=12).map("".join))
def test_prefilter_is_a_superset_on_json_lines(text: str) -> None:
    """A string with a detection, inside a JSONL line, always puts that line on the slow path."""
    if not detect_text(text, CLASSIFIER):
        return
    line = orjson.dumps({"ts": "2025-08-01T06:00:00Z", "msg": text, "n": 1})
    block = b'{"event":"ok"}\n' + line + b'\n{"event":"ok"}\n'
    lines = _Lines(block)
    assert 1 in _triggered(lines)
    assert may_hit(line)


@given(st.lists(_PIECES, max_size=12).map("".join))
def test_prefilter_is_a_superset_on_keys(text: str) -> None:
    """A key that is itself text (an email as a key) is caught through the same prefilter."""
    if not detect_text(text, CLASSIFIER):
        return
    line = orjson.dumps({text: 1})
    assert 0 in _triggered(_Lines(line + b"\n"))
