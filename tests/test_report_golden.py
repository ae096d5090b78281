"""Golden files of the human views: terminal, PR comment, job summary and annotations.

Each view of two result sets (`mixed`: fail/pass/error, `all_pass`) is compared
with `tests/golden/report_<set>_<view>.{txt,md}`. After an intended change of
a renderer, regenerate the files and review the diff before committing:

    OPSGUARD_UPDATE_GOLDEN=1 python -m pytest tests/test_report_golden.py
    git diff tests/golden/

(`UPDATE_GOLDEN=1` works too.) The variable is read when this module is
imported, because the autouse fixture in conftest.py removes every
`OPSGUARD_*` variable before each test runs. Besides the exact text, each
golden file is checked for shape (well-formed tables, one line per
annotation), so that a regenerated file cannot silently be broken.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from test_report_data import (
    HEAD_SHA,
    RUN,
    all_pass_results,
    assert_tables_well_formed,
    marker_state,
    mixed_results,
    parse_annotation,
)

from opsguard.core.result import CheckResult
from opsguard.report.annotations import render_annotations
from opsguard.report.markdown import render_comment, render_summary
from opsguard.report.terminal import render_report

UPDATE = os.environ.get("OPSGUARD_UPDATE_GOLDEN") == "1" or os.environ.get("UPDATE_GOLDEN") == "1"
GOLDEN = Path(__file__).resolve().parent / "golden"

SETS: dict[str, Callable[[], tuple[CheckResult, ...]]] = {
    "mixed": mixed_results,
    "all_pass": all_pass_results,
}
VIEWS: dict[str, tuple[str, Callable[[Sequence[CheckResult]], str]]] = {
    "terminal": ("txt", lambda results: render_report(results, color=False)),
    "comment": ("md", lambda results: render_comment(results, RUN)),
    "summary": ("md", lambda results: render_summary(results, RUN)),
    "annotations": ("txt", render_annotations),
}


def _golden(set_name: str, view: str) -> Path:
    return GOLDEN / f"report_{set_name}_{view}.{VIEWS[view][0]}"


def _render(set_name: str, view: str) -> str:
    return VIEWS[view][1](SETS[set_name]())


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("set_name", sorted(SETS))
def test_view_matches_its_golden_file(set_name: str, view: str) -> None:
    path = _golden(set_name, view)
    rendered = _render(set_name, view)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8", newline="")
    assert path.is_file(), f"{path} is missing: run with OPSGUARD_UPDATE_GOLDEN=1 and review it"
    expected = path.read_text(encoding="utf-8")

    assert rendered == expected, (
        f"{path.name} differs; if the change is intended, regenerate with "
        "OPSGUARD_UPDATE_GOLDEN=1 and review `git diff tests/golden/`"
    )


@pytest.mark.parametrize("set_name", sorted(SETS))
def test_golden_markdown_is_well_formed(set_name: str) -> None:
    for view in ("comment", "summary"):
        text = _golden(set_name, view).read_text(encoding="utf-8")
        blocks = assert_tables_well_formed(text)
        # The check table: a header, a delimiter and one row per check.
        assert blocks[0][0] == "| | check | verdict | key figure |"
        assert len(blocks[0]) == 2 + len(SETS[set_name]())
        assert text.count("<details>") == text.count("</details>")
        assert text.endswith("\n") and not text.endswith("\n\n")


def test_golden_mixed_comment_reads_in_ten_seconds() -> None:
    text = _golden("mixed", "comment").read_text(encoding="utf-8")
    lines = text.split("\n")

    state = marker_state(text)
    assert state == {
        "head_sha": HEAD_SHA,
        "run_id": "42",
        "run_attempt": None,
        # A check that could not run outranks a failure: the verdict has a blind spot.
        "status": "error",
        "checks": {"integrity": "fail", "atomic-write-fault": "pass", "license-audit": "error"},
    }
    assert lines[1] == (
        "### ⚠️ opsguard: 1 of 3 checks failed (integrity); 1 could not run (license-audit)"
    )
    # Key figures: integrity's rate with numerator/denominator, threshold and window; the
    # fault harness's trials and corrupt count; a check without a figure falls back to counts.
    assert (
        "| ❌ | integrity | fail (1 warning) | failure rate 10.00% \\(3/30 records\\) vs "
        "threshold 5.00%, window 2025-07-16..2025-08-14 |" in lines
    )
    assert any(
        line.startswith("| ✅ | atomic-write-fault | pass | 200 crash trials, 0 corrupt")
        for line in lines
    )
    assert (
        "| ⚠️ | license-audit | error | could not run: license scanner exited with status 3 |"
        in lines
    )
    # Failing findings are folded away; warnings are not failing findings.
    assert "<details><summary>❌ integrity: 3 failing findings</summary>" in lines
    assert "<details><summary>⚠️ license-audit: 1 failing finding</summary>" in lines
    assert "archive/2025-06-30" not in text
    assert (
        lines[-2] == "[Full report in the job summary](https://github.com/org/repo/actions/runs/42)"
    )
    assert "shortened" not in text


def test_golden_mixed_summary_lists_warnings_too() -> None:
    text = _golden("mixed", "summary").read_text(encoding="utf-8")

    assert "<code>records/archive/2025-06-30.json:1</code>" in text
    assert "| invalid-date (warning) |" in text
    assert "<!--" not in text  # the marker belongs to the comment only
    assert text.rstrip("\n").endswith("[Workflow run](https://github.com/org/repo/actions/runs/42)")


def test_golden_all_pass_views() -> None:
    comment = _golden("all_pass", "comment").read_text(encoding="utf-8")
    terminal = _golden("all_pass", "terminal").read_text(encoding="utf-8")

    assert comment.split("\n")[1] == "### ✅ opsguard: all 3 checks passed"
    assert "<details>" not in comment
    assert "syscall kills skipped \\(strace not found\\)" in comment
    assert marker_state(comment)["status"] == "pass"
    assert terminal.rstrip("\n").endswith("verdict: PASS (3 of 3 checks passed)")
    assert "failing findings" not in terminal


@pytest.mark.parametrize("set_name", sorted(SETS))
def test_golden_annotations_are_one_command_per_finding(set_name: str) -> None:
    text = _golden(set_name, "annotations").read_text(encoding="utf-8")
    results = SETS[set_name]()
    findings = [f for r in results for f in r.findings]

    lines = text.splitlines()
    assert len(lines) == len(findings)
    for line, finding in zip(lines, findings, strict=True):
        level, properties, data = parse_annotation(line)
        assert level == finding.severity
        assert properties["file"] == finding.path
        assert properties.get("line") == (None if finding.line is None else str(finding.line))
        assert properties["title"].endswith(f": {finding.code}")
        assert data.startswith(finding.message)


def test_golden_terminal_mixed_lists_failing_findings_with_file_and_line() -> None:
    text = _golden("mixed", "terminal").read_text(encoding="utf-8")

    assert "  failing findings (4):" in text
    assert "  integrity: records/2025-08-02.jsonl:7: corrupt-json: invalid JSON" in text
    assert "  integrity: records/2025-08-05.json:1: missing-field /band: missing field 'band'" in (
        text
    )
    assert "  license-audit: LICENSES/vendor.txt: tool-crashed: " in text
    assert "2025-06-30" not in text  # a warning is not a failing finding
    assert "\033[" not in text
    assert text.rstrip("\n").endswith("verdict: ERROR (1 of 3 checks passed)")
