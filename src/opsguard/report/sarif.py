"""SARIF 2.1.0, ready for `github/codeql-action/upload-sarif`.

One run, one rule per finding code (with its help text from `codes`), one
result per finding. Locations are relative URIs against `%SRCROOT%` (absolute
paths outside the working directory become `file://` URIs).
`partialFingerprints` hash the check, code, path and JSON pointer — not the
line — so an alert survives the finding moving to another line; identical
keys in one file are told apart by their order.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import orjson

from .._version import __version__
from ..catalog import code_help
from ..core.result import CheckResult, Finding

if TYPE_CHECKING:
    from importlib import metadata

__all__ = ["FINGERPRINT_KEY", "information_uri", "render_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "opsguardFinding/v1"


def render_sarif(results: Sequence[CheckResult]) -> bytes:
    rules: dict[str, dict[str, Any]] = {}
    for result in results:
        for finding in result.findings:
            if finding.code not in rules:
                rules[finding.code] = _rule(result.check, finding.code)
    index = {code: i for i, code in enumerate(rules)}
    seen: Counter[tuple[str, str, str, str]] = Counter()
    sarif_results = []
    for result in results:
        for finding in result.findings:
            key = (result.check, finding.code, finding.path, finding.pointer)
            occurrence = seen[key]
            seen[key] += 1
            sarif_results.append(_result(result.check, finding, index[finding.code], occurrence))
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": _driver(list(rules.values()))},
                "results": sarif_results,
            }
        ],
    }
    return orjson.dumps(log, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def _driver(rules: list[dict[str, Any]]) -> dict[str, Any]:
    driver: dict[str, Any] = {"name": "opsguard", "version": __version__}
    uri = information_uri()
    if uri is not None:  # optional in SARIF: better none than a made-up one
        driver["informationUri"] = uri
    driver["rules"] = rules
    return driver


@functools.cache
def information_uri() -> str | None:
    """The repository URL of the installed distribution (`[project.urls]` in pyproject.toml:
    `Repository`, else `Homepage` or `Source`), or None when it names none."""
    for dist in _distributions():
        by_label: dict[str, str] = {}
        for entry in dist.metadata.get_all("Project-URL") or []:
            label, _, url = str(entry).partition(",")
            by_label[label.strip().lower()] = url.strip()
        for label in ("repository", "homepage", "source"):
            if by_label.get(label):
                return by_label[label]
    return None


def _distributions() -> list[metadata.Distribution]:
    """The installed distribution(s) of this package, found by what they provide: the
    `opsguard` package, or (an editable install lists no files) its entry points."""
    from importlib import metadata

    names = metadata.packages_distributions().get("opsguard")
    if names:
        return [metadata.distribution(name) for name in names]
    return [
        dist
        for dist in metadata.distributions()
        if any(point.value.startswith("opsguard.") for point in dist.entry_points)
    ]


def fingerprint(check: str, finding: Finding, occurrence: int = 0) -> str:
    material = "\x1f".join((check, finding.code, finding.path, finding.pointer, str(occurrence)))
    return hashlib.sha256(material.encode()).hexdigest()


def _rule(check: str, code: str) -> dict[str, Any]:
    text = code_help(check, code) or f"opsguard {check} finding {code}."
    return {
        "id": code,
        "name": "".join(part.capitalize() for part in code.split("-")),
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": f"{text} See the opsguard documentation for the {check} check."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["opsguard", check]},
    }


def _result(check: str, finding: Finding, rule_index: int, occurrence: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": "error" if finding.severity == "error" else "warning",
        "message": {"text": finding.message or finding.code},
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(check, finding, occurrence)},
        "properties": {"check": check, "pointer": finding.pointer},
    }
    # A finding about the run itself (a check that could not run) has no file to point at.
    if finding.path:
        physical: dict[str, Any] = {"artifactLocation": _artifact(finding.path)}
        if finding.line is not None:
            physical["region"] = {"startLine": finding.line}
        result["locations"] = [{"physicalLocation": physical}]
    return result


def _artifact(path: str) -> dict[str, Any]:
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return {"uri": "file://" + quote(path)}
    return {"uri": quote(path), "uriBaseId": "%SRCROOT%"}
