"""Hostile names in every view: paths, pointers, check names and messages the PR author controls.

Markdown must keep every table's shape, inject no HTML, never close the
hidden marker early and mention nobody; workflow commands must stay one line
each with GitHub's escaping; SARIF and JSON carry the strings exactly; the
terminal prints one line per finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import unquote

import pytest
from test_report_data import (
    HOSTILE,
    HOSTILE_PARTS,
    RUN,
    all_findings,
    assert_tables_well_formed,
    hostile_results,
    marker_state,
    parse_annotation,
    table_cells,
    text_outside_code,
)

from opsguard.core.result import CheckResult, Finding
from opsguard.report.annotations import ANNOTATIONS_PER_LEVEL, render_annotations
from opsguard.report.escape import md_code, md_text, visible, workflow_data, workflow_property
from opsguard.report.json import report_document
from opsguard.report.markdown import render_comment, render_summary
from opsguard.report.sarif import render_sarif
from opsguard.report.terminal import render_check, render_report

ALLOWED_TAGS = {"<details>", "</details>", "<summary>", "</summary>", "<code>", "</code>"}


def _comment() -> str:
    return render_comment(hostile_results(), RUN, max_findings=100)


def _summary() -> str:
    return render_summary(hostile_results(), RUN)


MARKDOWN_VIEWS: dict[str, Callable[[], str]] = {"comment": _comment, "summary": _summary}


def _body_after_marker(view: str, text: str) -> str:
    if view == "comment":
        marker, _, rest = text.partition("\n")
        assert marker.startswith("<!-- opsguard:v1 ")
        return rest
    return text


# --- markdown: comment and summary ----------------------------------------------------------------


@pytest.mark.parametrize("view", sorted(MARKDOWN_VIEWS))
def test_tables_keep_their_column_count(view: str) -> None:
    text = MARKDOWN_VIEWS[view]()

    blocks = assert_tables_well_formed(text)

    check_table, *finding_tables = blocks
    assert len(check_table) == 2 + len(hostile_results())
    rows = [row for block in finding_tables for row in block[2:]]
    shown = [f for _, f in all_findings(hostile_results())]
    if view == "comment":
        shown = [f for f in shown if f.severity == "error"]
    assert len(rows) == len(shown)  # no row was split by a newline or merged


@pytest.mark.parametrize("view", sorted(MARKDOWN_VIEWS))
def test_no_html_but_the_renderers_own_tags(view: str) -> None:
    body = _body_after_marker(view, MARKDOWN_VIEWS[view]())

    assert "<script" not in body.lower()
    assert "<!--" not in body
    assert "-->" not in body
    tags = set(re.findall(r"</?[A-Za-z!][^>\s]*>?", body))
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS


@pytest.mark.parametrize("view", sorted(MARKDOWN_VIEWS))
def test_no_raw_mention_and_the_name_is_still_shown(view: str) -> None:
    text = MARKDOWN_VIEWS[view]()

    body = _body_after_marker(view, text)
    assert "@org" not in body  # today as `&#64;org/team`
    assert "org/team" in body


@pytest.mark.parametrize("view", sorted(MARKDOWN_VIEWS))
def test_already_escaped_text_is_shown_as_typed(view: str) -> None:
    text = MARKDOWN_VIEWS[view]()

    # Kept raw, `&lt;b&gt;` would render as `<b>`; escaped once more it reads as typed.
    assert "&lt;b&gt; already" not in text
    assert "&amp;lt;b&amp;gt; already escaped" in text


@pytest.mark.parametrize("view", sorted(MARKDOWN_VIEWS))
def test_every_backtick_is_escaped(view: str) -> None:
    text = _body_after_marker(view, MARKDOWN_VIEWS[view]())

    for match in re.finditer("`", text):
        backslashes = len(text[: match.start()]) - len(text[: match.start()].rstrip("\\"))
        assert backslashes % 2 == 1, text[max(0, match.start() - 40) : match.end() + 10]


@pytest.mark.parametrize("view", sorted(MARKDOWN_VIEWS))
def test_link_syntax_in_plain_text_is_escaped(view: str) -> None:
    text = MARKDOWN_VIEWS[view]()

    # Messages and check names (md_text): brackets and parentheses lose their meaning.
    assert "\\[click\\]\\(javascript:x\\)" in text
    assert "x\\]\\(javascript:x\\)" in text


def test_escaping_holds_at_every_degradation_level() -> None:
    # From the full comment down to the hard cut, through fewer findings, folded passing
    # checks (hostile names in one line) and counts only (hostile codes too).
    results = (
        *hostile_results(),
        CheckResult("@org/x <i>|", "fail", {}, (Finding("`c|d`@e", "error", "p", 1, "", "m"),)),
    )
    full = len(render_comment(results, RUN, limit=10**9))
    levels = set()
    for limit in range(700, full + 10, 10):
        body = render_comment(results, RUN, limit=limit)
        assert len(body) <= limit
        marker_state(body)
        rest = _body_after_marker("comment", body)
        assert "-->" not in rest and "<!--" not in rest
        assert not re.search(r"@[\w-]", rest)  # nothing that could mention
        assert set(re.findall(r"</?[A-Za-z!][^>\s]*>?", rest)) <= ALLOWED_TAGS
        hard_cut = body.endswith("every finding is in the job summary._\n")
        if not hard_cut:
            assert_tables_well_formed(body)
        levels.add(
            "hard"
            if hard_cut
            else "counts"
            if "<details>" not in body
            else "fold"
            if "passing check(s)" in body
            else "findings"
        )
    assert levels == {"hard", "counts", "fold", "findings"}


def test_hostile_check_names_stay_on_their_line() -> None:
    lines = _comment().split("\n")

    assert lines[1].startswith("### ❌ opsguard: 2 of 3 checks failed (integrity, evil\\|check ")
    assert lines[2] == ""
    summaries = [line for line in lines if line.startswith("<details><summary>")]
    assert len(summaries) == 2
    assert all(line.endswith("</summary>") for line in summaries)


def test_marker_cannot_be_closed_early_and_round_trips() -> None:
    comment = _comment()

    state = marker_state(comment)  # one `-->`, at the end of the first line; JSON parses

    assert comment.count("-->") == 1
    assert comment.count("<!--") == 1
    assert state["checks"] == {r.check: r.status for r in hostile_results()}
    assert state["head_sha"] == RUN.head_sha
    assert state["run_id"] == RUN.run_id


@pytest.mark.parametrize(
    "name",
    ["-->", "--!>", "a--b", "---->", "<!--", "x\n-->\ny", "\\-->", "\u2028-->", "--\u0000>"],
)
def test_marker_survives_any_check_name(name: str) -> None:
    results = [CheckResult(name, "fail", {}, (Finding("boom", "error", "p", 1, "", "m"),))]

    comment = render_comment(results, RUN)

    first = comment.split("\n", 1)[0]
    assert "--" not in first[len("<!-- ") : -len("-->")]
    assert ">" not in first[:-1]
    assert marker_state(comment)["checks"] == {name: "fail"}


# --- markdown: what the escaping does not yet cover (src bugs) ------------------------------------


def test_a_path_cannot_become_a_markdown_link() -> None:
    path = "[click](https://evil.example/x)"
    results = [CheckResult("integrity", "fail", {}, (Finding("boom", "error", path, 1, "", "m"),))]

    for text in (render_comment(results, RUN), render_summary(results, RUN), _comment()):
        assert "[click](https://evil.example/x)" not in text
        assert "](javascript:x)" not in text


def test_a_trailing_backslash_cannot_escape_the_closing_tag() -> None:
    finding = Finding("boom", "error", "C:\\data\\", None, "/key\\", "m")
    results = [CheckResult("integrity", "fail", {}, (finding,))]

    for text in (render_comment(results, RUN), render_summary(results, RUN)):
        assert "\\</code>" not in text


def test_no_mention_survives_entity_decoding() -> None:
    for view, render in MARKDOWN_VIEWS.items():
        assert "@org" not in text_outside_code(_body_after_marker(view, render()))


# --- escaping primitives --------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*HOSTILE_PARTS, HOSTILE, "", "\\", "a\\|b", "&#64;"])
def test_md_text_is_one_line_without_tags(text: str) -> None:
    escaped = md_text(text)

    assert "\n" not in escaped and "\r" not in escaped
    assert "<" not in escaped and ">" not in escaped
    assert not re.search(r"@[\w-]", escaped)
    assert table_cells(f"| {escaped} |") == 1  # cannot split a table cell


@pytest.mark.parametrize("text", [*HOSTILE_PARTS, HOSTILE, "", "a\\|b"])
def test_md_code_is_one_balanced_code_element(text: str) -> None:
    escaped = md_code(text)

    assert escaped.startswith("<code>") and escaped.endswith("</code>")
    inner = escaped[len("<code>") : -len("</code>")]
    assert not set(inner) & set("<>|`@\n\r")


def test_workflow_escapes_follow_github() -> None:
    assert workflow_data("50%\r\nnext: a,b") == "50%25%0D%0Anext: a,b"
    assert workflow_property("50%\r\nnext: a,b") == "50%25%0D%0Anext%3A a%2Cb"


# --- annotations ----------------------------------------------------------------------------------


def test_annotations_are_one_line_each_and_round_trip() -> None:
    results = hostile_results()
    text = render_annotations(results)

    lines = text.split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    assert not any("\r" in line for line in lines)
    errors = [(c, f) for c, f in all_findings(results) if f.severity == "error"]
    warnings = [(c, f) for c, f in all_findings(results) if f.severity == "warning"]
    expected = errors[:ANNOTATIONS_PER_LEVEL] + warnings[:ANNOTATIONS_PER_LEVEL]
    assert len(errors) > ANNOTATIONS_PER_LEVEL  # the hostile set also tests the cap
    annotations, notice = lines[:-1], lines[-1]
    assert len(annotations) == len(expected)

    parsed = [parse_annotation(line) for line in annotations]
    by_order = sorted(expected, key=lambda item: all_findings(results).index(item))
    for (level, properties, data), (check, finding) in zip(parsed, by_order, strict=True):
        assert level == finding.severity
        assert properties["file"] == finding.path
        assert properties["title"] == f"opsguard {check}: {finding.code}"
        assert properties.get("line") == (None if finding.line is None else str(finding.line))
        where = f" ({finding.pointer})" if finding.pointer else ""
        assert data == finding.message + where

    level, properties, data = parse_annotation(notice)
    assert level == "notice"
    assert properties == {"title": "opsguard"}
    more = len(errors) - ANNOTATIONS_PER_LEVEL
    assert data.startswith(f"{more} more error(s) and 0 more warning(s) are not annotated")


def test_annotation_properties_escape_colon_and_comma() -> None:
    finding = Finding("boom", "error", "dir,x/a:b%.json", 3, "/p", "m,:%")
    line = render_annotations([CheckResult("integrity", "fail", {}, (finding,))]).rstrip("\n")

    assert line == (
        "::error file=dir%2Cx/a%3Ab%25.json,line=3,title=opsguard integrity%3A boom::m,:%25 (/p)"
    )


# --- SARIF and JSON -------------------------------------------------------------------------------


def test_sarif_carries_the_strings_exactly() -> None:
    results = hostile_results()
    log = json.loads(render_sarif(results))

    sarif_results = log["runs"][0]["results"]
    findings = all_findings(results)
    assert len(sarif_results) == len(findings)
    for entry, (check, finding) in zip(sarif_results, findings, strict=True):
        assert entry["message"]["text"] == finding.message
        assert entry["properties"] == {"check": check, "pointer": finding.pointer}
        location = entry["locations"][0]["physicalLocation"]["artifactLocation"]
        assert unquote(location["uri"]) == finding.path
        assert not set(location["uri"]) & set(" \n\r|`<>@[]()")


def test_report_json_carries_the_results_verbatim() -> None:
    results = hostile_results()

    document = json.loads(report_document(results))

    assert [CheckResult.from_dict(r) for r in document["results"]] == list(results)


# --- terminal -------------------------------------------------------------------------------------


def _newline_free_paths() -> tuple[CheckResult, ...]:
    """The hostile set with newlines only in messages (paths, pointers, names are one line)."""
    flat: list[CheckResult] = []
    for result in hostile_results():
        findings = tuple(
            Finding(
                f.code,
                f.severity,
                " ".join(f.path.split()),
                f.line,
                " ".join(f.pointer.split()),
                f.message,
            )
            for f in result.findings
        )
        flat.append(CheckResult(" ".join(result.check.split()), result.status, {}, findings))
    return tuple(flat)


def test_terminal_prints_one_line_per_failing_finding_with_multiline_messages() -> None:
    results = _newline_free_paths()
    errors = [(c, f) for c, f in all_findings(results) if f.severity == "error"]

    text = render_report(results, max_findings=1_000)

    lines = text.split("\n")
    start = lines.index(f"  failing findings ({len(errors)}):")
    block = lines[start + 1 : start + 1 + len(errors)]
    assert lines[start + 1 + len(errors)] == ""
    for line, (check, finding) in zip(block, errors, strict=True):
        assert line.startswith(f"  {check}: {finding.location()}: {finding.code}")
        assert line.endswith(" ".join(finding.message.split()))


def test_render_check_prints_one_line_per_finding_with_multiline_messages() -> None:
    result = _newline_free_paths()[0]
    errors = [f for f in result.findings if f.severity == "error"]

    lines = render_check(result, max_findings=1_000).split("\n")

    start = lines.index(f"  findings ({len(errors)}):")
    assert lines[start + 1 + len(errors)] == ""
    for line, finding in zip(lines[start + 1 :], errors, strict=False):
        assert line.startswith(f"  {finding.location()}: {finding.code}")


def test_terminal_keeps_a_hostile_path_on_one_line() -> None:
    finding = Finding("boom", "error", "a\n::warning::injected", 1, "/k\ny", "m")
    result = CheckResult("integrity", "fail", {}, (finding,))

    report = render_report([result])
    check = render_check(result)

    for text in (report, check):
        assert not any(line.lstrip().startswith("::") for line in text.split("\n"))
    assert sum(1 for line in report.split("\n") if "boom" in line) == 1
    assert sum(1 for line in check.split("\n") if "boom" in line) == 1


# --- control characters: the last line of defence for text that is not a name -----------------


def test_control_characters_in_a_message_reach_no_view_raw() -> None:
    hostile = "boom \x1b[2J\x1b]0;owned\x07 \x00 \x85 done"
    results = [
        CheckResult(
            "integrity",
            "fail",
            {"counts": {"bad\x1bcode": 1}, "reasons": ["reason \x1b[31m"]},
            (Finding("bad\x1bcode", "error", "p", 1, "", hostile),),
        )
    ]

    views = [
        render_check(results[0]),
        render_report(results),
        render_comment(results, RUN),
        render_summary(results, RUN),
        render_annotations(results),
    ]

    for view in views:
        assert "\x1b" not in view and "\x00" not in view and "\x07" not in view
        assert "\x85" not in view
    # NEL (U+0085) is whitespace to Python: folded into the one line like a newline.
    assert "boom \\x1b[2J\\x1b]0;owned\\x07 \\x00 done" in views[0]


def test_visible_leaves_printable_text_and_whitespace_alone() -> None:
    assert visible("plain text\twith tab") == "plain text\twith tab"
    assert visible("a\\x0ab") == "a\\x0ab"  # an escaped name stays as it was shown
    assert visible("\x7f\u2028\U000e0001") == "\\x7f\\u2028\\U000e0001"
