"""Shared inputs of the report-view tests: realistic result sets, hostile strings, parsers.

The other `test_report_*` modules import their data from here (tests/ is on
`sys.path` under pytest's default import mode), so that the golden files, the
escaping, SARIF and masking tests all look at the same results. The few tests
at the bottom check that the data itself is what the other tests assume.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from opsguard.core.result import CheckResult, Finding, RunContext
from opsguard.deliver.results import collect_results
from opsguard.report.markdown import MARKER_PREFIX

HEAD_SHA = "0123abcdef0123abcdef0123abcdef0123abcdef"
RUN = RunContext(
    head_sha=HEAD_SHA,
    run_id="42",
    run_url="https://github.com/org/repo/actions/runs/42",
)

# --- realistic results ----------------------------------------------------------------------------


def integrity_fail() -> CheckResult:
    """A failing integrity run: 3 of 30 records in the window failed, one warning outside it."""
    findings = (
        Finding(
            "corrupt-json",
            "error",
            "records/2025-08-02.jsonl",
            7,
            "",
            "invalid JSON: unexpected end of data: line 7 column 1 (char 311)",
        ),
        Finding(
            "missing-field",
            "error",
            "records/2025-08-05.json",
            1,
            "/band",
            "missing field 'band'",
        ),
        Finding(
            "band-mismatch",
            "error",
            "records/2025-08-09.json",
            1,
            "/band",
            "band 'good' but score 38.0 maps to 'poor'",
        ),
        Finding(
            "invalid-date",
            "warning",
            "records/archive/2025-06-30.json",
            1,
            "/date",
            "date '2025-06-31' is not a calendar date in YYYY-MM-DD form",
        ),
    )
    summary = {
        "records": 60,
        "records_in_window": 30,
        "failed_records": 3,
        "failure_rate": 0.1,
        "threshold": 0.05,
        "window": {"start": "2025-07-16", "end": "2025-08-14", "days": 30},
        "counts": {"corrupt-json": 1, "missing-field": 1, "band-mismatch": 1},
        "outside_window": {"records": 30, "failed_records": 1, "counts": {"invalid-date": 1}},
        "duplicate_scope": "version",
        "reasons": ["failure rate 10.00% (3/30) >= threshold 5.00%"],
    }
    return CheckResult("integrity", "fail", summary, findings, duration_s=0.25)


def integrity_pass() -> CheckResult:
    """A passing integrity run with one warning outside the window (warnings never gate)."""
    findings = (
        Finding(
            "duplicate",
            "warning",
            "records/archive/2025-05-02.json",
            1,
            "",
            "duplicate of records/archive/2025-05-01.json:1 (key 2025-05-01, 1.0.0, scope version)",
        ),
    )
    summary = {
        "records": 60,
        "records_in_window": 30,
        "failed_records": 0,
        "failure_rate": 0.0,
        "threshold": 0.05,
        "window": {"start": "2025-07-16", "end": "2025-08-14", "days": 30},
        "counts": {},
        "outside_window": {"records": 30, "failed_records": 1, "counts": {"duplicate": 1}},
        "duplicate_scope": "version",
        "reasons": [],
    }
    return CheckResult("integrity", "pass", summary, findings, duration_s=0.2)


def _fault_summary(*, syscall_order_ok: bool | None, skipped: str | None) -> dict[str, object]:
    return {
        "writer": "opsguard:atomic_write",
        "seed": 1234,
        "trials": 200,
        "corrupt": 0,
        "bad_reads": 0,
        "reads": 1800,
        "orphans_swept": 57,
        "leftovers_removed": 0,
        "writer_errors": 0,
        "matrix_cases": 15,
        "matrix_failures": 0,
        "syscall_kill_points": 0 if skipped else 5,
        "syscall_kill_missed": 0,
        "syscall_order_ok": syscall_order_ok,
        "negative_control_detected": True,
        "negative_control": {"trials": 50, "corrupt": 31, "bad_reads": 4, "reads": 450},
        "skipped": skipped,
        "counts": {},
        "reasons": [],
    }


def fault_pass(*, traced: bool = True) -> CheckResult:
    """The atomic-write-fault harness passing, with or without the strace kill points."""
    summary = (
        _fault_summary(syscall_order_ok=True, skipped=None)
        if traced
        else _fault_summary(syscall_order_ok=None, skipped="strace not found")
    )
    return CheckResult("atomic-write-fault", "pass", summary, (), duration_s=12.5)


def unknown_error() -> CheckResult:
    """A check this opsguard version has no key figure for, which could not run."""
    findings = (
        Finding(
            "tool-crashed",
            "error",
            "LICENSES/vendor.txt",
            None,
            "",
            "license scanner exited with status 3",
        ),
    )
    return CheckResult("license-audit", "error", {"scanned": 0}, findings, duration_s=0.01)


def unknown_pass() -> CheckResult:
    return CheckResult("license-audit", "pass", {"scanned": 41}, (), duration_s=0.5)


def mixed_results() -> tuple[CheckResult, ...]:
    """One check of each status (fail, pass, error); in collect order."""
    return (integrity_fail(), fault_pass(), unknown_error())


def all_pass_results() -> tuple[CheckResult, ...]:
    return (integrity_pass(), fault_pass(traced=False), unknown_pass())


# --- hostile strings ------------------------------------------------------------------------------

# Each one alone, and all of them at once, end up as paths, pointers, check names and messages.
HOSTILE_PARTS = (
    "a|b||c",
    "`tick` ``double``",
    "<!-- open",
    "close -->",
    "@org/team",
    "<script>alert(1)</script>",
    "line1\nline2\r\nline3",
    "[click](javascript:x)",
    "x](javascript:x)",
    "&lt;b&gt; already escaped",
    "100% done, key: value",
)
HOSTILE = " ".join(HOSTILE_PARTS)


def hostile_results() -> tuple[CheckResult, ...]:
    """Hostile text in every user-controlled field: path, pointer, check name and message."""
    findings = [
        Finding("corrupt-json", "error", part, 3 + index, "/" + part, part)
        for index, part in enumerate(HOSTILE_PARTS)
    ]
    findings.append(Finding("missing-field", "error", HOSTILE, None, "/" + HOSTILE, HOSTILE))
    findings.append(Finding("duplicate", "warning", HOSTILE, 2, "", HOSTILE))
    return (
        CheckResult("integrity", "fail", {}, tuple(findings)),
        CheckResult(
            "evil|check @org/team <script>-->\nname",
            "fail",
            {},
            (Finding("boom", "error", HOSTILE, 1, HOSTILE, HOSTILE),),
        ),
        CheckResult("ok`check`|<b>", "pass", {}, ()),
    )


# --- helpers --------------------------------------------------------------------------------------


def write_result(directory: Path, result: CheckResult, *, name: str | None = None) -> Path:
    """Write `result` as a result file (default `<check>.json`) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (name or f"{result.check}.json")
    path.write_bytes(result.to_json())
    return path


def set_mtime(path: Path, seconds: float) -> None:
    os.utime(path, (seconds, seconds))


def table_cells(row: str) -> int:
    """The number of cells of a GFM table row: unescaped `|` (a backslash escapes one char) - 1."""
    pipes = 0
    index = 0
    while index < len(row):
        char = row[index]
        if char == "\\":
            index += 2
            continue
        if char == "|":
            pipes += 1
        index += 1
    return pipes - 1


def table_blocks(markdown: str) -> list[list[str]]:
    """Each GFM table in `markdown`: its consecutive lines starting with `|`."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in markdown.split("\n"):
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def assert_tables_well_formed(markdown: str) -> list[list[str]]:
    """Every table: a header, a delimiter row, and rows with exactly the header's cell count."""
    blocks = table_blocks(markdown)
    for block in blocks:
        assert len(block) >= 2, block
        width = table_cells(block[0])
        assert width >= 1, block[0]
        assert re.fullmatch(r"\|(---\|)+", block[1]), block[1]
        assert table_cells(block[1]) == width
        for row in block[2:]:
            assert row.endswith("|"), row
            assert table_cells(row) == width, row
    return blocks


def marker_state(comment: str) -> dict[str, object]:
    """The JSON state of the comment's first-line marker, un-wrapped and parsed."""
    first = comment.split("\n", 1)[0]
    assert first.startswith(MARKER_PREFIX), first
    assert first.endswith(" -->"), first
    assert first.count("-->") == 1, first
    state = json.loads(first[len(MARKER_PREFIX) : -len(" -->")])
    assert isinstance(state, dict)
    return state


_WORKFLOW_ESCAPE = re.compile(r"%(25|0D|0A|3A|2C)")
_WORKFLOW_CHARS = {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}


def workflow_unescape(text: str) -> str:
    """Undo GitHub's workflow-command escaping (`%25 %0D %0A %3A %2C`) in one pass."""
    return _WORKFLOW_ESCAPE.sub(lambda m: _WORKFLOW_CHARS[m.group(1)], text)


def parse_annotation(line: str) -> tuple[str, dict[str, str], str]:
    """`::level k=v,k=v::data` -> (level, unescaped properties, unescaped data)."""
    match = re.fullmatch(r"::(error|warning|notice) ([^:]*)::(.*)", line)
    assert match, line
    level, raw_properties, data = match.groups()
    properties: dict[str, str] = {}
    for item in raw_properties.split(","):
        key, sep, value = item.partition("=")
        assert sep, item
        assert key not in properties, line
        properties[key] = workflow_unescape(value)
    return level, properties, workflow_unescape(data)


def text_outside_code(markdown: str) -> str:
    """The visible text outside `<code>` elements, entities decoded (what a mention filter sees)."""
    return html.unescape(re.sub(r"<code>.*?</code>", " ", markdown))


def all_findings(results: Iterable[CheckResult]) -> list[tuple[str, Finding]]:
    return [(r.check, f) for r in results for f in r.findings]


# --- the data is what the other modules assume ----------------------------------------------------


def test_result_sets_round_trip_through_result_files(tmp_path: Path) -> None:
    for result in (*mixed_results(), *all_pass_results(), *hostile_results()):
        assert CheckResult.from_json(result.to_json()) == result


def test_mixed_set_is_in_collect_order_and_has_every_status(tmp_path: Path) -> None:
    results = mixed_results()
    for result in results:
        write_result(tmp_path, result)

    assert collect_results(tmp_path) == results
    assert [r.status for r in results] == ["fail", "pass", "error"]


def test_hostile_set_covers_every_listed_attack() -> None:
    for needle in ("|", "`", "<!--", "-->", "@org/team", "<script>", "\n", "](javascript:x)"):
        assert needle in HOSTILE
    assert "&lt;" in HOSTILE


def test_table_cell_counter_honours_backslash_escapes() -> None:
    assert table_cells("| a | b |") == 2
    assert table_cells("| a \\| b | c |") == 2
    assert table_cells("| a \\\\| b | c |") == 3
    assert table_cells("| <code>a&#124;b</code> | c |") == 2


def test_workflow_unescape_decodes_in_one_pass() -> None:
    assert workflow_unescape("%250A") == "%0A"
    assert workflow_unescape("a%3Ab%2Cc%0D%0A") == "a:b,c\r\n"
