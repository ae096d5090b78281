"""Size budgets: the PR comment (65,536 characters) and the job summary (1 MiB).

The comment degrades in a fixed order until it fits: fewer findings per
check, then passing checks folded into one line, then counts only. Each
test builds an input that can only fit at one level and checks what that
level keeps and drops.
"""

from __future__ import annotations

import pytest
from test_report_data import (
    HEAD_SHA,
    RUN,
    assert_tables_well_formed,
    marker_state,
)

from opsguard.core.result import CheckResult, Finding, RunContext
from opsguard.report.markdown import COMMENT_LIMIT, SUMMARY_LIMIT, render_comment, render_summary

SHORTENED = "This comment was shortened to fit GitHub's size limit"
FINDINGS_HEADER = "| location | code | message |"


def _failing(
    n: int,
    *,
    message: str = "invalid JSON: unexpected end of data",
    check: str = "integrity",
    distinct_codes: bool = False,
) -> CheckResult:
    findings = tuple(
        Finding(
            f"code-{i:06d}" if distinct_codes else "corrupt-json",
            "error",
            f"records/day-{i:06d}.jsonl",
            i + 1,
            "",
            message,
        )
        for i in range(n)
    )
    return CheckResult(check, "fail", {}, findings)


def _passing(name: str) -> CheckResult:
    return CheckResult(name, "pass", {}, ())


def _finding_rows(body: str) -> list[str]:
    return [line for line in body.split("\n") if line.startswith("| <code>records/")]


def _assert_fits_with_marker_and_headline(body: str, limit: int = COMMENT_LIMIT) -> None:
    assert len(body) <= limit
    state = marker_state(body)
    assert state["head_sha"] == HEAD_SHA
    assert state["run_id"] == "42"
    assert body.split("\n")[1].startswith("### ❌ opsguard: ")


# --- the comment ----------------------------------------------------------------------------------


def test_hundred_thousand_short_findings_fit_at_the_configured_count() -> None:
    body = render_comment([_failing(100_000), _passing("atomic-write-fault")], RUN)

    _assert_fits_with_marker_and_headline(body)
    assert len(_finding_rows(body)) == 10
    assert "… and 99990 more in the job summary." in body
    assert "| ✅ | atomic-write-fault | pass |" in body  # nothing had to be folded
    assert SHORTENED not in body  # ten findings per check is the configuration, not a cut
    assert_tables_well_formed(body)


def test_hundred_thousand_long_findings_are_shortened_and_say_so() -> None:
    body = render_comment([_failing(100_000, message="x" * 9_000)], RUN)

    _assert_fits_with_marker_and_headline(body)
    assert "shortened" in body
    assert SHORTENED in body
    assert "[workflow run](https://github.com/org/repo/actions/runs/42)" in body
    assert 0 < len(_finding_rows(body)) < 10
    assert body.endswith("._\n")


def test_level_one_fewer_findings_keeps_every_check_row() -> None:
    # 10 findings of 8,000 characters cannot fit (80,000); half of them can (40,000).
    failing = _failing(10, message="m" * 8_000)
    body = render_comment([failing, _passing("atomic-write-fault")], RUN)

    _assert_fits_with_marker_and_headline(body)
    assert len(_finding_rows(body)) == 5
    assert "… and 5 more in the job summary." in body
    assert "| ✅ | atomic-write-fault | pass |" in body  # passing checks not folded yet
    assert "passing check(s)" not in body
    assert SHORTENED in body
    assert_tables_well_formed(body)


def test_level_one_shows_as_many_findings_as_fit() -> None:
    # 2,000-character messages: 10 per check for 5 checks do not fit (100,000), 5 per check do.
    results = [_failing(10, message="m" * 2_000, check=f"check-{n}") for n in range(5)]
    body = render_comment(results, RUN)

    _assert_fits_with_marker_and_headline(body)
    for n in range(5):
        assert f"<details><summary>❌ check-{n}: 10 failing findings</summary>" in body
    assert len(_finding_rows(body)) == 25
    assert body.count("… and 5 more in the job summary.") == 5
    assert SHORTENED in body


def test_level_two_folds_passing_checks_only_after_findings_are_gone() -> None:
    # 2,000 passing checks: their table rows alone exceed the limit, their names do not.
    passing = [_passing(f"ok-{n:04d}") for n in range(2_000)]
    results = [_failing(3), *passing]
    unfolded_rows = sum(
        len(f"| ✅ | ok-{n:04d} | pass | 0 error finding\\(s\\) |") for n in range(2000)
    )
    assert unfolded_rows > COMMENT_LIMIT  # the input really forces this level

    body = render_comment(results, RUN)

    _assert_fits_with_marker_and_headline(body)
    assert "✅ 2000 passing check(s): ok-0000, ok-0001," in body
    assert "| ✅ | ok-0000 |" not in body
    assert "| ❌ | integrity | fail |" in body  # failing checks keep their row
    # Findings went first: the failing check is still there, folded, without rows.
    assert "<details><summary>❌ integrity: 3 failing findings</summary>" in body
    assert "… and 3 more in the job summary." in body
    assert FINDINGS_HEADER not in body
    assert SHORTENED in body
    assert_tables_well_formed(body)


def test_level_three_counts_only_points_to_the_summary() -> None:
    # 600 failing checks: their <details> blocks do not fit, one count line each does.
    failing = [_failing(2, check=f"fail-{n:03d}") for n in range(600)]
    results = [*failing, _passing("atomic-write-fault")]

    body = render_comment(results, RUN)

    _assert_fits_with_marker_and_headline(body)
    assert "<details>" not in body
    assert FINDINGS_HEADER not in body
    assert "❌ fail-000: corrupt-json 2" in body
    assert "❌ fail-599: corrupt-json 2" in body
    assert "✅ 1 passing check(s): atomic-write-fault" in body
    assert "| ✅ | atomic-write-fault |" not in body
    assert "every finding is in the job summary" in body
    assert "[Full report in the job summary](https://github.com/org/repo/actions/runs/42)" in body
    assert SHORTENED in body
    assert_tables_well_formed(body)


def test_counts_only_overflowing_is_cut_hard_but_keeps_marker_and_note() -> None:
    # 200 distinct codes: even the counts-only view exceeds a 600-character limit.
    result = _failing(200, distinct_codes=True)

    body = render_comment([result], RUN, limit=600)

    _assert_fits_with_marker_and_headline(body, limit=600)
    # Only the hard cut ends with the note without the run link (RUN has a URL).
    assert body.endswith(
        "_This comment was shortened to fit GitHub's size limit; every finding is in the "
        "job summary._\n"
    )
    assert body.count(SHORTENED) == 1


@pytest.mark.parametrize("limit", [300, 1_000, 3_000, 6_000, 20_000])
def test_any_limit_is_respected(limit: int) -> None:
    results = [_failing(50, message="z" * 500), _passing("atomic-write-fault")]
    full = render_comment(results, RUN, limit=10**9)

    body = render_comment(results, RUN, limit=limit)

    assert len(body) <= limit
    marker_state(body)  # the marker survives even a hard cut
    if len(full) > limit:
        assert SHORTENED in body
    else:
        assert body == full


def test_no_note_without_a_run_url_still_says_shortened() -> None:
    body = render_comment([_failing(10, message="m" * 8_000)], RunContext())

    assert len(body) <= COMMENT_LIMIT
    assert SHORTENED in body
    assert "workflow run" not in body
    assert "](" not in body.replace("\\](", "")  # no link at all without a URL


def test_max_findings_is_honoured_before_any_budget() -> None:
    body = render_comment([_failing(7)], RUN, max_findings=3)

    assert len(_finding_rows(body)) == 3
    assert "… and 4 more in the job summary." in body
    assert SHORTENED not in body


def test_max_findings_zero_shows_counts_in_the_fold() -> None:
    body = render_comment([_failing(7)], RUN, max_findings=0)

    assert not _finding_rows(body)
    assert "… and 7 more in the job summary." in body
    assert SHORTENED not in body


# --- the job summary ------------------------------------------------------------------------------


def test_summary_of_hundred_thousand_long_findings_stays_under_one_mib() -> None:
    result = _failing(100_000, message="s" * 500)

    text = render_summary([result], RUN)

    assert len(text.encode()) <= SUMMARY_LIMIT
    assert "The summary reached GitHub's 1 MiB limit" in text
    shown = len(_finding_rows(text))
    assert 1_000 < shown < 100_000
    assert f"{100_000 - shown} more finding(s) of integrity are in the result file" in text
    assert_tables_well_formed(text)


def test_summary_counts_bytes_not_characters() -> None:
    # Four bytes per character: a character count would let this through at ~4 MiB.
    result = _failing(20_000, message="🙂" * 100)

    text = render_summary([result], RUN)

    assert len(text.encode()) <= SUMMARY_LIMIT
    assert "1 MiB limit" in text


def test_summary_lists_every_finding_when_it_fits() -> None:
    result = _failing(2_000)

    text = render_summary([result], RUN)

    assert len(_finding_rows(text)) == 2_000
    assert "1 MiB limit" not in text


def test_summary_cut_note_fits_even_with_a_long_check_name() -> None:
    result = _failing(100_000, message="s" * 500, check="c" * 3_000)

    text = render_summary([result], RUN)

    assert len(text.encode()) <= SUMMARY_LIMIT
