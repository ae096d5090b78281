"""`opsguard report` and `opsguard gate`: files, printed views, exit codes, GitHub Actions, colour.

Most tests call `opsguard.cli.main` in a temporary working directory; a few
run the real process, for exit codes and for what a pipe receives. The
`report` Nox session is checked from a consumer noxfile, as a user gets it.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from support import run_nox, run_opsguard
from test_report_data import (
    all_pass_results,
    integrity_fail,
    integrity_pass,
    marker_state,
    mixed_results,
    set_mtime,
    unknown_error,
    write_result,
)

from opsguard.cli import main
from opsguard.core.result import CheckResult, RunContext
from opsguard.deliver import github
from opsguard.deliver.results import collect_results
from opsguard.report.annotations import render_annotations
from opsguard.report.json import report_document
from opsguard.report.markdown import render_comment, render_summary
from opsguard.report.sarif import render_sarif
from opsguard.report.terminal import render_report, use_color

VIEW_FILES = {"report.md", "summary.md", "report.sarif", "report.json"}
GITHUB_VARS = (
    "GITHUB_ACTIONS",
    "GITHUB_OUTPUT",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_EVENT_PATH",
    "GITHUB_SHA",
    "GITHUB_RUN_ID",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "NO_COLOR",
)
PR_HEAD = "feedfacefeedfacefeedfacefeedfacefeedface"
MERGE_SHA = "badc0ffeebadc0ffeebadc0ffeebadc0ffeebadc"
RUN_URL = "https://github.com/org/repo/actions/runs/42"
RUNNER_RUN = "42-1"  # the opsguard run id of GitHub run 42, attempt 1


@pytest.fixture(autouse=True)
def _no_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite may itself run under GitHub Actions: start every test outside it.
    for name in GITHUB_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory (no configuration file above it)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _results_dir(work: Path, results: Sequence[CheckResult], run_id: str | None = None) -> Path:
    directory = work / "results"
    directory.mkdir(exist_ok=True)
    for result in results:
        write_result(directory, dataclasses.replace(result, run_id=run_id))
    return directory


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("opsguard: error: ")
    return lines[0]


def parse_github_output(text: str) -> dict[str, str]:
    """Read `$GITHUB_OUTPUT` the way the runner does: `name=value` and `name<<DELIM` blocks."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            assert delimiter, line
            body: list[str] = []
            while lines[index] != delimiter:
                body.append(lines[index])
                index += 1
            index += 1
            values[name] = "\n".join(body)
        else:
            name, value = line.split("=", 1)
            values[name] = value
    return values


# --- gate -----------------------------------------------------------------------------------------


def test_gate_passes_when_every_check_passed(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _results_dir(work, all_pass_results())

    assert main(["gate", "--results-dir", "results"]) == 0
    assert capsys.readouterr().out == "opsguard gate: PASS (3 checks)\n"


def test_gate_fails_when_any_check_failed(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _results_dir(work, (integrity_fail(), *all_pass_results()[1:]))

    assert main(["gate", "--results-dir", "results"]) == 1
    assert capsys.readouterr().out == "opsguard gate: FAIL (integrity)\n"


def test_gate_fails_when_a_check_could_not_run(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _results_dir(work, (integrity_pass(), unknown_error()))

    assert main(["gate", "--results-dir", "results"]) == 2
    assert capsys.readouterr().out == "opsguard gate: ERROR (could not run: license-audit)\n"


def test_gate_exits_2_on_an_empty_results_dir(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "results").mkdir()

    assert main(["gate", "--results-dir", "results"]) == 2
    captured = capsys.readouterr()
    assert "no result files" in _one_error_line(captured.err)
    assert captured.out == ""


def test_gate_exits_2_on_a_missing_results_dir(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gate", "--results-dir", "nowhere"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "results directory not found" in line
    assert "nowhere" in line


def test_gate_default_results_dir_is_dot_opsguard_results(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_result(work / ".opsguard" / "results", integrity_fail())

    assert main(["gate"]) == 1


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"{not json", "not an opsguard result"),
        (b'{"schema": "opsguard.result/2"}', "unknown result schema"),
        (b"[]", "must be a JSON object"),
        (
            b'{"schema": "opsguard.result/1", "check": "x", "status": "maybe", '
            b'"summary": {}, "findings": [], "duration_s": 0}',
            "unknown status",
        ),
    ],
    ids=["json", "schema", "array", "status"],
)
@pytest.mark.parametrize("command", ["gate", "report"])
def test_a_malformed_result_file_is_one_line_naming_it(
    work: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    content: bytes,
    why: str,
) -> None:
    results = _results_dir(work, mixed_results())
    (results / "broken.json").write_bytes(content)

    args = [command, "--results-dir", "results"]
    if command == "report":
        args += ["--out-dir", "out"]
    assert main(args) == 2

    captured = capsys.readouterr()
    line = _one_error_line(captured.err)
    assert "broken.json" in line
    assert why in line
    assert captured.out == ""
    assert not (work / "out").exists()  # no view is written from half the results


def test_newest_file_per_check_wins(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = work / "results"
    failing = write_result(results, integrity_fail(), name="integrity.json")
    passing = write_result(results, integrity_pass(), name="integrity-copy.json")

    set_mtime(failing, 1_700_000_000)
    set_mtime(passing, 1_700_000_100)
    assert main(["gate", "--results-dir", "results"]) == 0
    assert collect_results(results) == (integrity_pass(),)

    set_mtime(failing, 1_700_000_200)
    assert main(["gate", "--results-dir", "results"]) == 1
    assert collect_results(results) == (integrity_fail(),)


def test_gate_exit_codes_of_the_real_process(tmp_path: Path) -> None:
    write_result(tmp_path / "pass", integrity_pass())
    write_result(tmp_path / "fail", integrity_fail())
    (tmp_path / "empty").mkdir()

    assert run_opsguard(["gate", "--results-dir", "pass"], tmp_path).returncode == 0
    assert run_opsguard(["gate", "--results-dir", "fail"], tmp_path).returncode == 1
    for directory in ("empty", "missing"):
        proc = run_opsguard(["gate", "--results-dir", directory], tmp_path)
        assert proc.returncode == 2
        _one_error_line(proc.stderr)


# --- report: files and printed views --------------------------------------------------------------


def test_report_writes_every_view_and_prints_the_terminal(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _results_dir(work, mixed_results())
    out = work / "out"
    out.mkdir()
    (out / "report.md").write_text("stale\n", encoding="utf-8")

    assert main(["report", "--results-dir", "results", "--out-dir", "out"]) == 0  # checks failed

    assert {p.name for p in out.iterdir()} == VIEW_FILES  # replaced, no temp file left
    results = collect_results(work / "results")
    assert (out / "report.md").read_text(encoding="utf-8") == render_comment(results)
    assert (out / "summary.md").read_text(encoding="utf-8") == render_summary(results)
    assert (out / "report.sarif").read_bytes() == render_sarif(results)
    assert (out / "report.json").read_bytes() == report_document(results)
    captured = capsys.readouterr()
    assert captured.out == render_report(results) + (
        "views written to out/: report.md, summary.md, report.sarif, report.json\n"
    )
    assert "\033[" not in captured.out
    assert captured.err == ""


def test_report_default_directories(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for result in all_pass_results():
        write_result(work / ".opsguard" / "results", result)

    assert main(["report"]) == 0

    assert {p.name for p in (work / ".opsguard").iterdir()} == VIEW_FILES | {"results"}
    assert "views written to .opsguard/:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("fmt", "file"),
    [
        ("markdown", "report.md"),
        ("summary", "summary.md"),
        ("sarif", "report.sarif"),
        ("json", "report.json"),
    ],
)
def test_report_prints_the_chosen_format(
    work: Path, capsys: pytest.CaptureFixture[str], fmt: str, file: str
) -> None:
    _results_dir(work, mixed_results())

    assert main(["report", "--results-dir", "results", "--out-dir", "out", "--format", fmt]) == 0

    printed = capsys.readouterr().out
    assert printed == (work / "out" / file).read_text(encoding="utf-8")
    assert "opsguard report\n" not in printed


def test_report_prints_annotations_on_request(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _results_dir(work, mixed_results(), run_id=RUNNER_RUN)

    assert (
        main(["report", "--results-dir", "results", "--out-dir", "out", "--format", "annotations"])
        == 0
    )

    assert capsys.readouterr().out == render_annotations(collect_results(work / "results"))
    assert {p.name for p in (work / "out").iterdir()} == VIEW_FILES


def test_report_flags_reach_the_comment(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _results_dir(work, (integrity_fail(),))

    code = main(
        [
            "report",
            "--results-dir",
            "results",
            "--out-dir",
            "out",
            "--max-findings",
            "1",
            "--head-sha",
            "abc123",
            "--run-url",
            "https://ci.example/run/7",
        ]
    )

    assert code == 0
    comment = (work / "out" / "report.md").read_text(encoding="utf-8")
    state = marker_state(comment)
    assert (state["head_sha"], state["run_id"]) == ("abc123", None)
    assert "… and 2 more in the job summary." in comment
    assert "(https://ci.example/run/7)" in comment


@pytest.mark.parametrize("setup", ["empty", "missing"])
def test_report_exits_2_without_results(
    work: Path, capsys: pytest.CaptureFixture[str], setup: str
) -> None:
    if setup == "empty":
        (work / "results").mkdir()

    assert main(["report", "--results-dir", "results", "--out-dir", "out"]) == 2

    _one_error_line(capsys.readouterr().err)
    assert not (work / "out").exists()


def test_report_process_pipes_plain_text_and_exits_0_on_failures(tmp_path: Path) -> None:
    write_result(tmp_path / ".opsguard" / "results", integrity_fail())

    proc = run_opsguard(["report"], tmp_path)

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("opsguard report\n")
    assert "verdict: FAIL" in proc.stdout
    assert "\033[" not in proc.stdout  # a pipe is not a TTY
    assert "::error" not in proc.stdout  # not under GitHub Actions
    assert proc.stderr == ""


# --- report under GitHub Actions ------------------------------------------------------------------


@pytest.fixture
def runner(work: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A GitHub Actions step on a pull request; the runner files already hold a previous step."""
    output = work / "runner" / "output"
    summary = work / "runner" / "step_summary"
    event = work / "runner" / "event.json"
    output.parent.mkdir()
    output.write_text("previous=kept\nnotes<<EOF_1\nline one\nline two\nEOF_1\n", encoding="utf-8")
    summary.write_text("## Previous step\n\nits table\n", encoding="utf-8")
    event.write_text(
        json.dumps({"number": 5, "pull_request": {"number": 5, "head": {"sha": PR_HEAD}}}),
        encoding="utf-8",
    )
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": MERGE_SHA,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "org/repo",
        "GITHUB_RUN_ID": "42",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return {"output": output, "summary": summary}


def _with_privacy_and_retention() -> tuple[CheckResult, ...]:
    privacy = CheckResult("privacy", "pass", {"violations": 0, "files": 12, "lines": 480}, ())
    retention = CheckResult("retention", "pass", {"candidates": 7, "bytes": 4096}, ())
    return (integrity_fail(), privacy, retention)


def test_report_under_actions_writes_outputs_summary_and_annotations(
    work: Path, runner: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _results_dir(work, _with_privacy_and_retention(), run_id=RUNNER_RUN)

    assert main(["report", "--results-dir", "results", "--out-dir", "out"]) == 0

    outputs = parse_github_output(runner["output"].read_text(encoding="utf-8"))
    assert outputs["previous"] == "kept"
    assert outputs["notes"] == "line one\nline two"
    assert outputs["passed"] == "false"
    assert outputs["integrity-failure-rate"] == "0.1"
    assert outputs["privacy-violations"] == "0"
    assert outputs["retention-candidates"] == "7"
    assert Path(outputs["report-path"]) == (work / "out" / "report.md").resolve()
    raw = runner["output"].read_text(encoding="utf-8")
    for name in ("passed", "integrity-failure-rate", "report-path"):
        assert re.search(rf"^{re.escape(name)}<<(\S+)\n[^\n]*\n\1$", raw, re.MULTILINE), name

    results = collect_results(work / "results")
    context = RunContext(head_sha=PR_HEAD, run_id="42", run_url=RUN_URL, run_attempt="1")
    assert runner["summary"].read_text(encoding="utf-8") == (
        "## Previous step\n\nits table\n" + render_summary(results, context)
    )

    comment = (work / "out" / "report.md").read_text(encoding="utf-8")
    state = marker_state(comment)
    assert state["head_sha"] == PR_HEAD  # the PR head, not the merge commit in GITHUB_SHA
    assert state["run_id"] == "42"
    assert MERGE_SHA not in comment
    assert f"[Full report in the job summary]({RUN_URL})" in comment
    assert f"[Workflow run]({RUN_URL})" in (work / "out" / "summary.md").read_text(encoding="utf-8")

    printed = capsys.readouterr().out
    terminal, _, annotations = printed.partition(
        "views written to out/: report.md, summary.md, report.sarif, report.json\n"
    )
    assert terminal == render_report(results)
    assert annotations == render_annotations(results)
    assert annotations.count("::error ") == 3


def test_report_under_actions_prints_annotations_once(
    work: Path, runner: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _results_dir(work, mixed_results(), run_id=RUNNER_RUN)

    assert (
        main(["report", "--results-dir", "results", "--out-dir", "out", "--format", "annotations"])
        == 0
    )

    assert capsys.readouterr().out == render_annotations(collect_results(work / "results"))


def test_all_pass_under_actions_outputs_passed_true_and_empty_figures(
    work: Path, runner: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _results_dir(work, all_pass_results(), run_id=RUNNER_RUN)

    assert main(["report", "--results-dir", "results", "--out-dir", "out"]) == 0

    outputs = parse_github_output(runner["output"].read_text(encoding="utf-8"))
    assert outputs["passed"] == "true"
    assert outputs["integrity-failure-rate"] == "0.0"
    assert outputs["privacy-violations"] == ""  # no privacy result in this run
    assert outputs["retention-candidates"] == ""


def test_outside_actions_the_runner_files_are_left_alone(
    work: Path, runner: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS")
    before = {name: path.read_bytes() for name, path in runner.items()}
    _results_dir(work, mixed_results())

    assert main(["report", "--results-dir", "results", "--out-dir", "out"]) == 0

    assert {name: path.read_bytes() for name, path in runner.items()} == before


def test_output_delimiter_never_occurs_in_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = iter(["aaaa", "aaaa", "bbbb"])
    monkeypatch.setattr(github, "_token", lambda: next(tokens))
    target = tmp_path / "output"
    value = "first line\nopsguard_aaaa\nlast line"

    assert github.write_outputs({"multi": value}, {"GITHUB_OUTPUT": str(target)})

    text = target.read_text(encoding="utf-8")
    assert text.startswith("multi<<opsguard_bbbb\n")
    assert parse_github_output(text) == {"multi": value}


def test_write_outputs_and_summary_do_nothing_outside_actions() -> None:
    assert github.write_outputs({"passed": "true"}, {}) is False
    assert github.append_step_summary("# x\n", {}) is False


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"pull_request": {"head": {"sha": PR_HEAD}}}, PR_HEAD),
        ({"pull_request": {"head": {}}}, MERGE_SHA),
        ({"push": True}, MERGE_SHA),
        (None, MERGE_SHA),
    ],
    ids=["pull-request", "no-head-sha", "push", "malformed"],
)
def test_run_context_head_sha(tmp_path: Path, event: object, expected: str) -> None:
    path = tmp_path / "event.json"
    path.write_text("{oops" if event is None else json.dumps(event), encoding="utf-8")
    env = {
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_SHA": MERGE_SHA,
        "GITHUB_SERVER_URL": "https://github.example.com",
        "GITHUB_REPOSITORY": "org/repo",
        "GITHUB_RUN_ID": "9",
    }

    context = github.run_context(env)

    assert context == RunContext(
        expected, "9", "https://github.example.com/org/repo/actions/runs/9", run_attempt="1"
    )


def test_run_context_outside_actions_is_empty() -> None:
    assert github.run_context({}) == RunContext()


# --- colour ---------------------------------------------------------------------------------------


class FakeStream(io.StringIO):
    """A text stream that claims to be (or not to be) a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    ("tty", "no_color", "expected"),
    [
        (True, None, True),
        (True, "1", False),
        (True, "", True),  # NO_COLOR set but empty does not count (no-color.org)
        (False, None, False),
        (False, "1", False),
    ],
)
def test_use_color(
    monkeypatch: pytest.MonkeyPatch, tty: bool, no_color: str | None, expected: bool
) -> None:
    if no_color is not None:
        monkeypatch.setenv("NO_COLOR", no_color)

    assert use_color(FakeStream(tty)) is expected


def test_colour_is_only_ansi_when_asked_for() -> None:
    results = mixed_results()

    coloured = render_report(results, color=True)
    plain = render_report(results, color=False)

    assert "\033[31mFAIL\033[0m" in coloured
    assert "\033[32mPASS\033[0m" in coloured
    assert "\033[33mERROR\033[0m" in coloured
    assert "\033" not in plain
    assert re.sub(r"\033\[\d+m", "", coloured) == plain


@pytest.mark.parametrize(("no_color", "ansi"), [(None, True), ("1", False)])
def test_report_command_colours_a_tty_unless_no_color(
    work: Path, monkeypatch: pytest.MonkeyPatch, no_color: str | None, ansi: bool
) -> None:
    _results_dir(work, mixed_results())
    if no_color is not None:
        monkeypatch.setenv("NO_COLOR", no_color)
    stream = FakeStream(tty=True)
    monkeypatch.setattr(sys, "stdout", stream)

    assert main(["report", "--results-dir", "results", "--out-dir", "out"]) == 0

    assert ("\033[" in stream.getvalue()) is ansi
    assert "\033" not in (work / "out" / "report.md").read_text(encoding="utf-8")


# --- the Nox session ------------------------------------------------------------------------------


def _selected_sessions(listing: str) -> list[str]:
    return re.findall(r"^\* (\S+)", listing, re.MULTILINE)


def test_report_and_gate_sessions_run_last_in_a_consumer_noxfile(tmp_path: Path) -> None:
    noxfile = tmp_path / "noxfile.py"
    noxfile.write_text("import opsguard.sessions  # noqa: F401\n", encoding="utf-8")

    proc = run_nox(noxfile, ["-l"], tmp_path)

    assert proc.returncode == 0, proc.stderr
    selected = _selected_sessions(proc.stdout)
    assert "integrity" in selected
    assert selected.index("integrity") < selected.index("report")
    assert selected[-2:] == ["report", "gate"]


def test_report_and_gate_sessions_run_last_in_the_repository(repo: Path, tmp_path: Path) -> None:
    proc = run_nox(repo / "noxfile.py", ["-l"], repo)

    assert proc.returncode == 0, proc.stderr
    assert _selected_sessions(proc.stdout)[-2:] == ["report", "gate"]


def test_report_session_renders_the_results_of_the_guards(repo: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    noxfile = project / "noxfile.py"
    noxfile.write_text("import opsguard.sessions  # noqa: F401\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "opsguard.toml").write_text(
        f'[paths]\nrecords = ["{(repo / "fixtures" / "defects").as_posix()}"]\n',
        encoding="utf-8",
    )

    proc = run_nox(noxfile, ["-s", "integrity", "report"], work)

    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output  # integrity failed; report still ran
    assert "opsguard report" in output
    assert "verdict: FAIL (0 of 1 checks passed)" in output
    assert {p.name for p in (work / ".opsguard").iterdir()} == VIEW_FILES | {"results"}
    assert marker_state((work / ".opsguard" / "report.md").read_text(encoding="utf-8"))[
        "checks"
    ] == {"integrity": "fail"}
