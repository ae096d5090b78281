"""A key proposes, the value confirms: the value shapes of each key class (GitHub issue #14).

Each row is a decision; docs/privacy.md ("Value shapes") states the rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard import load_config
from opsguard.privacy.check import check_privacy
from opsguard.privacy.settings import PrivacyConfig
from opsguard.privacy.values import VALUE_CLASSES, judge, judge_text, value_class

CONFIRMED = [
    # measurement: a number, a numeric string, a unit, a reading, samples, a condition
    ("measurement", 52),
    ("measurement", 0),
    ("measurement", 97.5),
    ("measurement", "52"),
    ("measurement", "52 bpm"),
    ("measurement", "7h 30min"),
    ("measurement", "HIGH"),
    ("measurement", "balanced"),
    ("measurement", True),
    ("measurement", [52, 54, 51]),
    ("measurement", [[1722488400, 60], [1722488460, 58]]),
    ("measurement", [{"ts": "2025-08-01T01:00:00Z", "value": 52}]),
    ("measurement", [{"name": "rhr", "value": 52}]),  # a named measurement
    ("measurement", {"overall": {"value": 81, "qualifierKey": "GOOD"}}),
    ("measurement", [{"startGMT": "2025-08-01T01:00:00", "activityLevel": 1.0}]),
    # identity: a name, an id, a date, an address, an email
    ("identity", "Jane Doe"),
    ("identity", "jdoe"),
    ("identity", "Jane/Doe 2"),
    ("identity", 12345),
    ("identity", "1990-05-12"),
    ("identity", "12/05/1990"),
    ("identity", "jane@example.org"),
    ("identity", "female"),
    ("identity", "https://example.org/u/jdoe"),
    ("identity", {"id": 1, "name": "Jane"}),
    ("identity", ["admin", "Jane Doe"]),
    # credential: a token, a password, a number
    ("credential", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
    ("credential", "hunter2"),
    ("credential", "changeme"),
    ("credential", "password"),
    ("credential", 123456),
    ("credential", "Bearer abc"),
    ("credential", {"value": "s3cr3t-v4lue"}),
    # coordinate: degrees, semicircles, strings with digits, pairs
    ("coordinate", 52.3676),
    ("coordinate", 624865324),
    ("coordinate", "52.3676"),
    ("coordinate", "52\u00b022'N"),
    ("coordinate", [4.9041, 52.3676]),
    ("coordinate", {"lat": 52.1, "lon": 4.3}),
    # place: an address, a place name
    ("place", "Baker Street 221b"),
    ("place", "Amsterdam"),
]

LOOK_ALIKES = [
    ("measurement", "bold"),
    ("measurement", "   "),
    ("measurement", ["checkout", "build"]),
    (
        "measurement",
        [
            {"name": "Checkout", "status": "completed", "number": 1},
            {"name": "Test", "status": "completed", "number": 2},
        ],
    ),
    ("measurement", {"uses": "actions/checkout@v4"}),
    ("measurement", {"mode": "auto"}),
    ("identity", "octo-org/hello-world"),
    ("identity", "group/sub.group/repo-2"),
    ("identity", "Write"),
    ("identity", "anonymous"),
    ("identity", "N/A"),
    ("identity", False),
    ("identity", "****"),
    ("identity", {"public": True, "searchable": False}),
    ("credential", "write"),
    ("credential", "READ"),
    ("credential", "admin"),
    ("credential", True),
    ("credential", "********"),
    ("credential", "ghp_****abcd"),
    ("credential", "[REDACTED]"),
    ("credential", "<filtered>"),
    ("credential", "${{ secrets.API_TOKEN }}"),
    ("credential", "${API_TOKEN}"),
    ("credential", "$API_TOKEN"),
    ("credential", {"enabled": True, "scope": "read"}),
    ("coordinate", "disabled"),
    ("coordinate", False),
    ("coordinate", {"enabled": True}),
    ("place", "none"),
]


@pytest.mark.parametrize(("cls", "value"), CONFIRMED)
def test_a_value_of_the_class_confirms(cls: str, value: Any) -> None:
    verdict = judge(cls, value)

    assert verdict.confirmed, verdict.shape
    assert str(value) not in verdict.shape or str(value) in ("0",)  # a shape, not the value


@pytest.mark.parametrize(("cls", "value"), LOOK_ALIKES)
def test_a_look_alike_does_not(cls: str, value: Any) -> None:
    verdict = judge(cls, value)

    assert not verdict.confirmed, verdict.shape


@pytest.mark.parametrize(
    ("token", "confirmed"),
    [
        ("52", True),
        ("41ms", True),
        ('"52"', True),
        ("write", False),
        ('"octo-org/hello"', False),
        ("true", False),
        ("[1,2]", True),  # a container: cannot be seen whole here
        ('"unterminated', True),
    ],
)
def test_free_text_values(token: str, confirmed: bool) -> None:
    cls = "credential" if token in ("write", "true") else "measurement"
    if "octo" in token:
        cls = "identity"

    assert judge_text(cls, token).confirmed is confirmed


def test_every_deny_group_and_kind_has_a_value_class() -> None:
    from opsguard.privacy.denylist import DEFAULT_DENY

    for group, labels in DEFAULT_DENY.items():
        for label in labels:
            assert value_class(group, label) in VALUE_CLASSES


_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=40),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(st.sampled_from(VALUE_CLASSES), _JSON)
def test_judging_never_fails_and_never_shows_the_value(cls: str, value: Any) -> None:
    verdict = judge(cls, value)

    assert verdict.shape
    if isinstance(value, str) and len(value) > 3:
        assert value not in verdict.shape


@given(st.sampled_from(VALUE_CLASSES), st.text(max_size=200))
def test_judging_free_text_never_fails(cls: str, token: str) -> None:
    assert judge_text(cls, token).shape


# --- through the scanner: messages, look-alike counts, containers ------------------------------


def _scan(tmp_path: Path, *events: Any, explain: bool = False) -> Any:
    (tmp_path / "t.jsonl").write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    config = load_config(cwd=tmp_path, environ={}).with_sections(privacy=PrivacyConfig())
    return check_privacy([tmp_path], config, cwd=tmp_path, explain=explain)


def test_messages_name_the_key_class_and_the_value_shape(tmp_path: Path) -> None:
    result = _scan(
        tmp_path,
        {"restingHeartRate": 52713},
        {"user": {"displayName": "Jane Person"}},
        {"bodyBatteryValuesArray": [[1, 60], [2, 58]]},
        {"repository": {"full_name": "octo-org/hello"}},
    )

    assert [(f.line, f.pointer, f.message) for f in result.findings] == [
        (1, "/restingHeartRate", "heart rate key 'restingHeartRate' holding a number"),
        (2, "/user/displayName", "identity key 'displayName' holding a name-like string"),
        (
            3,
            "/bodyBatteryValuesArray",
            "body battery key 'bodyBatteryValuesArray' holding a list of samples",
        ),
    ]
    assert result.summary["look_alikes"] == 1


def test_explain_adds_the_deny_entry_and_never_the_value(tmp_path: Path) -> None:
    result = _scan(
        tmp_path,
        {"restingHeartRate": 52713},
        {"msg": "synced zq9secret@example.org rhr=52713"},
        explain=True,
    )

    messages = [f.message for f in result.findings]
    assert messages[0] == (
        "heart rate key 'restingHeartRate' holding a number [why: key class raw metric "
        "(deny entry '*heart rate*'); value shape a number]"
    )
    assert "[why: the email address detector matched]" in messages[1]
    assert "[why: key class raw metric (deny entry '*rhr*')" in messages[2]
    assert not any("52713" in m or "zq9secret" in m for m in messages)


def test_a_container_is_judged_only_when_nothing_inside_it_was_found(tmp_path: Path) -> None:
    result = _scan(
        tmp_path,
        {"hrvSummary": {"weeklyAvg": 44}},  # the leaf, not the container
        {"steps": [{"name": "Checkout", "status": "completed"}]},  # descriptive: clean
        {"steps": [{"name": "Checkout", "hrv": 41}]},  # a denied leaf inside: found there
    )

    assert [(f.line, f.pointer) for f in result.findings] == [
        (1, "/hrvSummary/weeklyAvg"),
        (3, "/steps/0/hrv"),
    ]
    assert result.summary["look_alikes"] == 1


def test_free_text_look_alikes_are_counted_not_flagged(tmp_path: Path) -> None:
    (tmp_path / "run.log").write_text(
        "INFO grant secret_scanning_alerts=write\nINFO auth token=*** rhr=52\n", encoding="utf-8"
    )
    config = load_config(cwd=tmp_path, environ={}).with_sections(privacy=PrivacyConfig())

    result = check_privacy([tmp_path], config, cwd=tmp_path)

    assert [(f.line, f.code) for f in result.findings] == [(2, "raw-metric")]
    assert result.summary["look_alikes"] == 2
