"""The result-file contract: JSON shape, round trip, and refusal of malformed files."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard import CheckResult, Finding, OpsguardError
from opsguard.core.result import RESULT_SCHEMA, ResultFileError

TOP_LEVEL_KEYS = {"schema", "check", "status", "run_id", "summary", "findings", "duration_s"}

findings = st.builds(
    Finding,
    code=st.sampled_from(["corrupt-json", "duplicate", "band-mismatch", "pii", "x"]),
    severity=st.sampled_from(["error", "warning"]),
    path=st.text(),
    line=st.none() | st.integers(min_value=1, max_value=2**53),
    pointer=st.text(),
    message=st.text(),
)

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)

results = st.builds(
    CheckResult,
    check=st.sampled_from(["integrity", "privacy", "retention", "fault"]) | st.text(),
    status=st.sampled_from(["pass", "fail", "error"]),
    summary=st.dictionaries(st.text(), _json_values, max_size=5),
    findings=st.lists(findings, max_size=5).map(tuple),
    duration_s=st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
    run_id=st.none() | st.text(),
)


def _sample() -> CheckResult:
    return CheckResult(
        check="integrity",
        status="fail",
        summary={"records": 400, "failed_records": 6, "counts": {"duplicate": 4}},
        findings=(
            Finding(
                code="band-mismatch",
                severity="error",
                path="data/records/2025-08-03.json",
                line=1,
                pointer="/band",
                message="band 'good' but score 38.0 maps to 'poor'",
            ),
            Finding("duplicate", "warning", "data/records/ü.jsonl", None, "", "doppelt — 重复"),
        ),
        duration_s=0.41,
    )


def _sample_dict() -> dict[str, Any]:
    return orjson.loads(_sample().to_json())  # type: ignore[no-any-return]


@given(findings)
def test_finding_dict_round_trip(finding: Finding) -> None:
    assert Finding.from_dict(orjson.loads(orjson.dumps(finding.to_dict()))) == finding


@given(results)
def test_result_json_round_trip(result: CheckResult) -> None:
    raw = result.to_json()
    back = CheckResult.from_json(raw)
    assert back == result
    assert back.to_json() == raw
    # A str is accepted as well as bytes.
    assert CheckResult.from_json(raw.decode("utf-8")) == result


def test_sample_round_trip_and_shape() -> None:
    result = _sample()
    raw = result.to_json()
    assert raw.endswith(b"\n")
    data = orjson.loads(raw)
    assert set(data) == TOP_LEVEL_KEYS
    assert data["schema"] == RESULT_SCHEMA == "opsguard.result/1"
    assert data["status"] == "fail"
    assert data["findings"][0] == {
        "code": "band-mismatch",
        "severity": "error",
        "path": "data/records/2025-08-03.json",
        "line": 1,
        "pointer": "/band",
        "message": "band 'good' but score 38.0 maps to 'poor'",
    }
    assert data["findings"][1]["line"] is None
    assert CheckResult.from_json(raw) == result
    assert not result.passed
    assert result.findings[0].location() == "data/records/2025-08-03.json:1"
    assert result.findings[1].location() == "data/records/ü.jsonl"


@given(results)
def test_json_has_exactly_the_contract_keys(result: CheckResult) -> None:
    data = orjson.loads(result.to_json())
    assert set(data) == TOP_LEVEL_KEYS
    assert data["schema"] == "opsguard.result/1"
    for finding in data["findings"]:
        assert set(finding) == {"code", "severity", "path", "line", "pointer", "message"}


def test_passed() -> None:
    assert CheckResult("integrity", "pass", {}).passed
    assert not CheckResult("integrity", "error", {}).passed


_DROP = object()


def _with(**changes: Any) -> bytes:
    data = _sample_dict()
    for key, value in changes.items():
        if value is _DROP:
            del data[key]
        else:
            data[key] = value
    return orjson.dumps(data)


def _with_finding(**changes: Any) -> bytes:
    data = _sample_dict()
    data["findings"][0].update(changes)
    return orjson.dumps(data)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"{not json", id="invalid-json"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b"[]", id="array"),
        pytest.param(orjson.dumps([_sample_dict()]), id="array-of-result"),
        pytest.param(b'"opsguard.result/1"', id="string"),
        pytest.param(b"null", id="null"),
        pytest.param(_with(schema="opsguard.result/2"), id="wrong-schema"),
        pytest.param(_with(schema=_DROP), id="missing-schema"),
        pytest.param(_with(status="passed"), id="unknown-status"),
        pytest.param(_with(status=_DROP), id="missing-status"),
        pytest.param(_with(check=3), id="non-string-check"),
        pytest.param(_with(summary=[]), id="summary-not-object"),
        pytest.param(_with(findings=_DROP), id="missing-findings"),
        pytest.param(_with(findings={}), id="findings-not-list"),
        pytest.param(_with(findings=["x"]), id="finding-not-object"),
        pytest.param(_with_finding(severity="fatal"), id="bad-severity"),
        pytest.param(_with_finding(severity=None), id="missing-severity"),
        pytest.param(_with_finding(line=True), id="line-bool"),
        pytest.param(_with_finding(line="1"), id="line-string"),
        pytest.param(_with_finding(line=1.0), id="line-float"),
        pytest.param(_with_finding(message=None), id="message-null"),
        pytest.param(_with(duration_s="0.41"), id="duration-string"),
        pytest.param(_with(duration_s=None), id="duration-null"),
        pytest.param(_with(duration_s=True), id="duration-bool"),
        pytest.param(_with(duration_s=_DROP), id="duration-missing"),
        pytest.param(_sample().to_json().replace(b"0.41", b"1e400"), id="duration-overflow"),
        pytest.param(b"[" * 5000 + b"]" * 5000, id="too-deep"),
    ],
)
def test_malformed_files_raise_result_file_error(raw: bytes) -> None:
    source = "results/integrity.json"
    with pytest.raises(ResultFileError) as exc_info:
        CheckResult.from_json(raw, source=source)
    assert isinstance(exc_info.value, OpsguardError)
    message = str(exc_info.value)
    assert message.startswith(f"{source}: ")
    assert "\n" not in message


def test_default_source_is_named() -> None:
    with pytest.raises(ResultFileError, match=r"^<result>: "):
        CheckResult.from_json(b"[]")


def test_messages_name_the_problem() -> None:
    with pytest.raises(ResultFileError, match=re.escape("opsguard.result/2")):
        CheckResult.from_json(_with(schema="opsguard.result/2"))
    with pytest.raises(ResultFileError, match="unknown status 'passed'"):
        CheckResult.from_json(_with(status="passed"))
    with pytest.raises(ResultFileError, match="unknown severity 'fatal'"):
        CheckResult.from_json(_with_finding(severity="fatal"))
    with pytest.raises(ResultFileError, match="line"):
        CheckResult.from_json(_with_finding(line=True))
    with pytest.raises(ResultFileError, match="duration_s"):
        CheckResult.from_json(_with(duration_s="0.41"))
    with pytest.raises(ResultFileError, match="findings"):
        CheckResult.from_json(_with(findings=_DROP))


def test_multiline_bad_value_stays_on_one_line() -> None:
    with pytest.raises(ResultFileError) as exc_info:
        CheckResult.from_json(_with(status="pa\nss"), source="a.json")
    assert "\n" not in str(exc_info.value)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        pytest.param(_with(duration_s=-0.5), "duration_s", id="negative-duration"),
        pytest.param(_with_finding(line=0), "line", id="line-zero"),
        pytest.param(_with_finding(line=-3), "line", id="negative-line"),
    ],
)
def test_from_json_rejects_negative_duration_and_non_positive_line(
    raw: bytes, fragment: str
) -> None:
    with pytest.raises(ResultFileError, match=fragment):
        CheckResult.from_json(raw, source="r.json")
