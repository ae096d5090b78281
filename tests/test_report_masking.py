"""Masking holds across formats: a renderer prints only the summary fields it was built for.

By contract a result never carries a raw value: a privacy finding names the
key and the place, never the value. This test goes one step further and puts
a raw value in a summary field no renderer was designed to show
(`raw_sample`), in a privacy-style result and in the known checks. It must
not appear in the terminal, PR comment, job summary, annotations or SARIF;
only `report.json`, which carries the results verbatim for other tools, has it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from test_report_data import RUN, fault_pass, integrity_fail, write_result

from opsguard.cli import main
from opsguard.core.result import CheckResult, Finding
from opsguard.report.annotations import render_annotations
from opsguard.report.json import report_document
from opsguard.report.markdown import render_comment, render_summary
from opsguard.report.sarif import render_sarif
from opsguard.report.terminal import render_check, render_report

RAW_VALUE = "52713-SECRET"


def _privacy_style() -> CheckResult:
    findings = [
        Finding(
            "pii-email",
            "error",
            f"telemetry/2025-08-{day:02d}.jsonl",
            day,
            "/user/contact",
            "key 'contact' holds an e-mail address (value masked)",
        )
        for day in range(1, 25)
    ]
    findings.append(
        Finding(
            "pii-phone",
            "warning",
            "telemetry/2025-08-25.jsonl",
            3,
            "/note",
            "key 'note' holds a phone number (value masked)",
        )
    )
    summary = {
        "violations": 24,
        "files": 24,
        "lines": 24,
        "raw_sample": RAW_VALUE,
        "examples": [{"key": "contact", "value": RAW_VALUE}],
    }
    return CheckResult("privacy", "fail", summary, tuple(findings))


def _with_secret(result: CheckResult) -> CheckResult:
    return CheckResult(
        result.check,
        result.status,
        {**result.summary, "raw_sample": RAW_VALUE},
        result.findings,
        result.duration_s,
    )


def _results() -> tuple[CheckResult, ...]:
    return (_with_secret(integrity_fail()), _privacy_style(), _with_secret(fault_pass()))


RENDERERS: dict[str, Callable[[tuple[CheckResult, ...]], str]] = {
    "terminal": lambda results: render_report(results, max_findings=1_000),
    "terminal-color": lambda results: render_report(results, color=True),
    "check": lambda results: "".join(render_check(r, max_findings=1_000) for r in results),
    "comment": lambda results: render_comment(results, RUN, max_findings=1_000),
    "comment-counts-only": lambda results: render_comment(results, RUN, limit=900),
    "summary": lambda results: render_summary(results, RUN),
    "annotations": render_annotations,
    "sarif": lambda results: render_sarif(results).decode(),
}


@pytest.mark.parametrize("view", sorted(RENDERERS))
def test_raw_value_appears_in_no_view(view: str) -> None:
    text = RENDERERS[view](_results())

    assert text  # the view rendered something
    assert RAW_VALUE not in text
    assert "52713" not in text


@pytest.mark.parametrize("view", ["comment", "summary", "terminal", "sarif"])
def test_the_masked_finding_is_still_reported(view: str) -> None:
    text = RENDERERS[view](_results())

    assert "privacy" in text
    assert "contact" in text


def test_only_the_json_document_carries_the_summary_verbatim() -> None:
    document = json.loads(report_document(_results()))

    privacy = next(r for r in document["results"] if r["check"] == "privacy")
    assert privacy["summary"]["raw_sample"] == RAW_VALUE


def test_report_command_writes_the_value_only_to_report_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)  # never touch a real runner's files
    for result in _results():
        write_result(tmp_path / "results", result)

    outputs = {}
    for fmt in ("terminal", "markdown", "summary", "annotations", "sarif"):
        assert (
            main(["report", "--results-dir", "results", "--out-dir", "out", "--format", fmt]) == 0
        )
        outputs[fmt] = capsys.readouterr().out

    for fmt, printed in outputs.items():
        assert RAW_VALUE not in printed, fmt
    for name in ("report.md", "summary.md", "report.sarif"):
        assert RAW_VALUE not in (tmp_path / "out" / name).read_text(encoding="utf-8"), name
    assert RAW_VALUE in (tmp_path / "out" / "report.json").read_text(encoding="utf-8")
