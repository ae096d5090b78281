"""End-to-end: action.yml's steps, run in order as a runner would, against a fake GitHub API.

`action_runner` executes every `run:` step of action.yml with bash, the step's evaluated
`env:`, `if:` conditions and the runner's files (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`,
...); `uses:` steps are simulated (setup-python's `python-path` is this interpreter).
opsguard is installed into the runner-temp virtualenv once per module by the action's
own install step (a real `pip install` of this checkout) and reused by every scenario.
The comment goes to `fake_github.FakeGitHub` on 127.0.0.1, which records each request.
"""

from __future__ import annotations

import platform
import shutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from action_runner import ActionRun, ActionRunner, StepResult
from fake_github import (
    BOT_LOGIN,
    COMMENT_LIMIT,
    ISSUE_COMMENTS,
    FakeGitHub,
    permission_denied,
    pull_request_event,
    secondary_rate_limit,
    server_error,
    write_event,
)
from support import clean_env

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
PR = 7
HEAD = "a" * 40
NEWER_HEAD = "b" * 40
MARKER = "<!-- opsguard:v1 "
FAST = {"checks": "integrity,privacy"}  # the guards most scenarios run (the harness takes s)

CONFIG = """\
# The Action's end-to-end test workspace: the sample fixtures, as in the repository.
[paths]
records = ["fixtures/sample/records"]
telemetry = ["fixtures/sample/telemetry"]
quarantine = "fixtures/sample/quarantine"

[retention]
days = 30
age_from = "name"
quarantine_age_from = "mtime"
now = 2025-08-15T00:00:00Z
"""


@dataclass(frozen=True)
class Installed:
    """The runner-temp virtualenv made by the action's install step, shared by the module."""

    runner_temp: Path
    install: StepResult


def _uses_outputs() -> dict[str, dict[str, str]]:
    return {
        "actions/setup-python": {
            "python-path": sys.executable,
            "python-version": platform.python_version(),
        },
    }


def _github(
    fake: FakeGitHub, workspace: Path, event: Mapping[str, object], **extra: str
) -> dict[str, object]:
    return {
        "token": fake.token,
        "event_name": extra.get("event_name", "pull_request"),
        "event": dict(event),
        "repository": fake.repository,
        "api_url": fake.url,
        "server_url": fake.server_url,
        "run_id": extra.get("run_id", "1000"),
        "run_attempt": extra.get("run_attempt", "1"),
        "sha": "c" * 40,
        "workspace": str(workspace),
        "action_path": str(REPO),
        "ref": f"refs/pull/{PR}/merge",
    }


def _runner_env(
    github: Mapping[str, object], event_path: Path, runner_temp: Path
) -> dict[str, str]:
    """The variables a GitHub-hosted runner sets for every step (no token among them)."""
    return clean_env(
        {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(github["workspace"]),
            "GITHUB_EVENT_NAME": str(github["event_name"]),
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": str(github["repository"]),
            "GITHUB_REPOSITORY_OWNER": str(github["repository"]).partition("/")[0],
            "GITHUB_API_URL": str(github["api_url"]),
            "GITHUB_SERVER_URL": str(github["server_url"]),
            "GITHUB_GRAPHQL_URL": f"{github['api_url']}/graphql",
            "GITHUB_RUN_ID": str(github["run_id"]),
            "GITHUB_RUN_ATTEMPT": str(github["run_attempt"]),
            "GITHUB_RUN_NUMBER": "12",
            "GITHUB_SHA": str(github["sha"]),
            "GITHUB_REF": str(github["ref"]),
            "GITHUB_HEAD_REF": "feature",
            "GITHUB_BASE_REF": "main",
            "GITHUB_ACTOR": "octocat",
            "GITHUB_JOB": "guards",
            "GITHUB_WORKFLOW": "opsguard",
            "GITHUB_ACTION": "__org_opsguard",
            "RUNNER_TEMP": str(runner_temp),
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
    )


def _workspace(root: Path) -> Path:
    workspace = root / "workspace"
    for name in ("sample", "defects"):
        shutil.copytree(FIXTURES / name, workspace / "fixtures" / name)
    (workspace / "opsguard.toml").write_text(CONFIG, encoding="utf-8")
    return workspace


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """Run the action up to its install step once: a real `pip install` of this checkout."""
    root = tmp_path_factory.mktemp("action-install")
    runner_temp = root / "runner-temp"
    runner_temp.mkdir()
    workspace = _workspace(root)
    with FakeGitHub() as fake:
        event_path = write_event(root, pull_request_event(PR, HEAD, fake.repository))
        github = _github(fake, workspace, pull_request_event(PR, HEAD, fake.repository))
        runner = ActionRunner(
            REPO,
            workspace=workspace,
            runner_temp=runner_temp,
            github=github,
            base_env=_runner_env(github, event_path, runner_temp),
            uses_outputs=_uses_outputs(),
        )
        result = runner.run(FAST, stop_after="install")
        assert not fake.requests, "installing must not call the GitHub API"
    install = result.step("install")
    assert install.exit_code == 0, install.stdout + install.stderr
    assert Path(install.outputs["python"]).is_file()
    # The virtualenv is under runner.temp, never in the workspace.
    assert Path(install.outputs["python"]).is_relative_to(runner_temp)
    assert not any(workspace.glob("**/pyvenv.cfg"))
    # The pip cache key names the action's pyproject hash, the Python and the runner.
    key = result.step("cache-key").outputs["key"]
    assert key.startswith(f"opsguard-pip-Linux-X64-{sys.implementation.name}")
    assert result.step("cache-key").outputs["dir"].startswith(str(runner_temp))
    yield Installed(runner_temp, install)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as github:
        github.add_pull(PR, head_sha=HEAD)
        yield github


@dataclass
class Job:
    """One scenario's simulated job: run the action (again) in the same workspace."""

    installed: Installed
    fake: FakeGitHub
    root: Path
    workspace: Path
    runs: int = 0

    def run(
        self,
        inputs: Mapping[str, str] | None = None,
        *,
        run_id: str = "1000",
        head_sha: str = HEAD,
        event_name: str = "pull_request",
    ) -> ActionRun:
        self.runs += 1
        runner_temp = self.root / f"runner-temp-{self.runs}"
        runner_temp.mkdir()
        event = pull_request_event(PR, head_sha, self.fake.repository)
        event_dir = self.root / f"event-{self.runs}"
        event_dir.mkdir()
        event_path = write_event(event_dir, event)
        github = _github(self.fake, self.workspace, event, run_id=run_id, event_name=event_name)
        runner = ActionRunner(
            REPO,
            workspace=self.workspace,
            runner_temp=runner_temp,
            github=github,
            base_env=_runner_env(github, event_path, runner_temp),
            uses_outputs=_uses_outputs(),
        )
        result = runner.run({**FAST, **(inputs or {})}, reuse={"install": self.installed.install})
        _assert_token_never_printed(result, self.fake.token)
        return result


@pytest.fixture
def job(installed: Installed, fake: FakeGitHub, tmp_path: Path) -> Job:
    return Job(installed, fake, tmp_path, _workspace(tmp_path))


def _assert_token_never_printed(run: ActionRun, token: str) -> None:
    assert token not in run.log
    assert token not in run.summary
    assert all(token not in value for value in run.outputs.values())
    for step in run.steps:
        assert all(token not in value for value in step.outputs.values())
        # Only the comment step is given the token (as GITHUB_TOKEN), and only through env.
        if step.id != "comment":
            assert token not in step.env.values()


def _exit_codes(run: ActionRun) -> dict[str, int | None]:
    return {step.id or step.name: step.exit_code for step in run.steps if step.kind == "run"}


def _lines(fake: FakeGitHub, since: int = 0) -> list[str]:
    return [r.line for r in fake.requests[since:]]


def _write_lines(fake: FakeGitHub, since: int = 0) -> list[str]:
    return [r.line for r in fake.requests[since:] if r.method != "GET"]


# --- the sticky comment ------------------------------------------------------------------


def test_first_run_creates_one_comment_and_a_second_run_updates_it(job: Job) -> None:
    first = job.run()
    assert _exit_codes(first) == {
        "inputs": 0,
        "cache-key": 0,
        "install": None,  # reused from the module's install
        "run": 0,
        "report": 0,
        "comment": 0,
        "gate": 0,
    }
    assert not first.failed
    assert first.outputs["passed"] == "true"
    assert first.outputs["status"] == "pass"
    assert first.outputs["exit-code"] == "0"
    assert first.outputs["privacy-violations"] == "0"
    assert float(first.outputs["integrity-failure-rate"]) == 0
    assert first.outputs["retention-candidates"] == ""  # retention did not run
    report = job.workspace / first.outputs["report-path"]
    assert report.is_file() and report.read_text(encoding="utf-8").startswith(MARKER)
    assert (job.workspace / first.outputs["sarif-path"]).is_file()
    assert first.step("run").outputs["exit-code"] == "0"
    assert first.step("comment").outputs["delivery"] == "comment"
    # The job summary holds the full report; the gate's verdict is in its log.
    assert "integrity" in first.summary and "privacy" in first.summary
    assert "PASS" in first.step("gate").stdout

    (created,) = job.fake.comments(PR)
    assert created.login == BOT_LOGIN
    assert created.body == report.read_text(encoding="utf-8")
    assert first.outputs["comment-url"] == created_url(job.fake, created.id)
    assert _write_lines(job.fake) == [f"POST /repos/{job.fake.repository}/issues/{PR}/comments"]
    assert all(r.authorized for r in job.fake.requests)

    before = len(job.fake.requests)
    second = job.run(run_id="1001")
    assert not second.failed
    (updated,) = job.fake.comments(PR)
    assert updated.id == created.id
    assert '"run_id":"1001"' in updated.body.splitlines()[0]
    assert _write_lines(job.fake, before) == [
        f"PATCH /repos/{job.fake.repository}/issues/comments/{created.id}"
    ]
    assert second.outputs["comment-url"] == first.outputs["comment-url"]


def created_url(fake: FakeGitHub, comment_id: int) -> str:
    return f"{fake.server_url}/{fake.repository}/pull/{PR}#issuecomment-{comment_id}"


def test_finds_its_comment_on_the_second_page_of_150(job: Job) -> None:
    for n in range(149):
        job.fake.add_comment(PR, f"review remark {n}", login=f"reviewer{n % 3}")
    job.run()  # creates opsguard's comment: the 150th, on page 2 of 100
    (ours,) = [c for c in job.fake.comments(PR) if c.body.startswith(MARKER)]
    assert len(job.fake.comments(PR)) == 150

    before = len(job.fake.requests)
    job.run(run_id="1001")
    repo = job.fake.repository
    assert _lines(job.fake, before) == [
        f"GET /repos/{repo}/pulls/{PR}",  # is this run's head still the PR's head?
        f"GET /repos/{repo}/issues/{PR}/comments?per_page=100",
        f"GET /repos/{repo}/issues/{PR}/comments?page=2&per_page=100",  # from Link: rel="next"
        "GET /user",  # whose comments are ours (403 for the Actions token: the bot)
        f"PATCH /repos/{repo}/issues/comments/{ours.id}",
    ]
    assert len(job.fake.comments(PR)) == 150


def test_stray_duplicates_are_cleaned_up(job: Job) -> None:
    job.run()
    (oldest,) = job.fake.comments(PR)
    job.fake.add_comment(PR, "a human in between", login="octocat")
    strays = [job.fake.add_comment(PR, oldest.body) for _ in range(2)]
    # Another user's comment with the marker is not ours: it is left alone.
    foreign = job.fake.add_comment(PR, oldest.body, login="mallory")

    before = len(job.fake.requests)
    run = job.run(run_id="1001")
    assert not run.failed
    repo = job.fake.repository
    assert sorted(_write_lines(job.fake, before)) == sorted(
        [
            f"PATCH /repos/{repo}/issues/comments/{oldest.id}",
            *(f"DELETE /repos/{repo}/issues/comments/{s.id}" for s in strays),
        ]
    )
    remaining = {c.id for c in job.fake.comments(PR)}
    assert oldest.id in remaining and foreign.id in remaining
    assert not remaining & {s.id for s in strays}


def test_a_read_only_token_warns_and_the_job_stays_green(job: Job) -> None:
    job.fake.enqueue("POST", ISSUE_COMMENTS, permission_denied())
    run = job.run()
    codes = _exit_codes(run)
    assert codes["comment"] == 0 and codes["gate"] == 0
    assert not run.failed
    assert run.step("comment").outputs["delivery"] == "failed"
    assert run.outputs["comment-url"] == ""
    assert "::warning" in run.step("comment").stdout
    assert "pull-requests: write" in run.step("comment").stdout
    assert job.fake.comments(PR) == []
    # The job summary is the fallback: it was written before the comment was tried.
    assert "integrity" in run.step("report").summary


def test_fail_on_report_error_fails_the_job_but_the_gate_still_runs(job: Job) -> None:
    job.fake.enqueue("POST", ISSUE_COMMENTS, permission_denied())
    run = job.run({"fail-on-report-error": "true"})
    codes = _exit_codes(run)
    assert codes["comment"] == 2
    assert codes["gate"] == 0  # it runs after a failed comment step (always())
    assert run.failed


def test_two_server_errors_then_success(job: Job) -> None:
    job.fake.enqueue("GET", ISSUE_COMMENTS, server_error(502), server_error(502))
    run = job.run()
    assert not run.failed
    assert len(job.fake.calls("GET", ISSUE_COMMENTS)) == 3
    assert len(job.fake.calls("POST", ISSUE_COMMENTS)) == 1
    assert len(job.fake.comments(PR)) == 1
    assert run.step("comment").outputs["delivery"] == "comment"


def test_secondary_rate_limit_waits_retry_after_then_posts(job: Job) -> None:
    job.fake.enqueue("POST", ISSUE_COMMENTS, secondary_rate_limit(retry_after=1))
    run = job.run()
    assert not run.failed
    assert len(job.fake.calls("POST", ISSUE_COMMENTS)) == 2
    assert len(job.fake.comments(PR)) == 1
    assert run.step("comment").outputs["delivery"] == "comment"


def test_a_report_too_long_for_a_comment_is_shortened_to_fit(job: Job) -> None:
    # 3,000 torn records, each a finding with a long path, and every finding asked for.
    records = job.workspace / "many" / ("a-very-long-directory-name-for-records-" * 4)
    records.mkdir(parents=True)
    (records / "torn.jsonl").write_text('{"date": "2025-08-01", \n' * 3000, encoding="utf-8")
    config = job.workspace / "opsguard.toml"
    config.write_text(CONFIG + "\n[report]\nmax_findings = 100000\n", encoding="utf-8")

    run = job.run({"checks": "integrity", "records": str(records.relative_to(job.workspace))})
    assert _exit_codes(run)["gate"] == 1
    (posted,) = job.fake.calls("POST", ISSUE_COMMENTS)
    body = posted.body["body"]
    assert len(body) <= COMMENT_LIMIT
    assert body.startswith(MARKER)
    assert "shortened" in body
    assert len(job.fake.comments(PR)) == 1
    # Nothing is lost: the job summary has far more than the comment could.
    assert len(run.summary) > COMMENT_LIMIT


def test_a_stale_run_does_not_overwrite_a_newer_head(job: Job) -> None:
    job.fake.set_head(PR, NEWER_HEAD)  # the PR moved on while this run was going
    run = job.run(head_sha=HEAD)
    assert not run.failed
    assert run.step("comment").outputs["delivery"] == "skipped"
    assert "moved on" in run.step("comment").stdout
    assert job.fake.writes == []


# --- verdicts, inputs and safety -----------------------------------------------------------


def test_defect_records_fail_the_gate_with_exit_1(job: Job) -> None:
    run = job.run({"checks": "integrity", "records": "fixtures/defects", "upload-sarif": "true"})
    codes = _exit_codes(run)
    assert codes["run"] == 0  # the run step records the code, it never fails itself
    assert run.step("run").outputs["exit-code"] == "1"
    assert codes["report"] == 0 and codes["comment"] == 0
    assert codes["gate"] == 1
    assert run.failed
    assert run.outputs["passed"] == "false"
    assert run.outputs["status"] == "fail"
    assert run.outputs["exit-code"] == "1"
    assert 0.42 < float(run.outputs["integrity-failure-rate"]) < 0.43
    # Annotations point at the defect files; the comment says it failed.
    assert "::error file=fixtures/defects/" in run.step("report").stdout
    (comment,) = job.fake.comments(PR)
    assert '"status":"fail"' in comment.body.splitlines()[0]
    # The SARIF upload (simulated: a `uses:` step) gets the report's SARIF file.
    (upload,) = [s for s in run.steps if s.name == "Upload SARIF to code scanning"]
    assert upload.outcome == "success"
    assert upload.with_["sarif_file"] == run.outputs["sarif-path"]
    assert (job.workspace / upload.with_["sarif_file"]).is_file()


def test_sarif_upload_is_off_by_default(job: Job) -> None:
    run = job.run({"comment": "false"})
    (upload,) = [s for s in run.steps if s.name == "Upload SARIF to code scanning"]
    assert upload.outcome == "skipped"


def test_fail_on_never_reports_but_does_not_fail(job: Job) -> None:
    run = job.run({"checks": "integrity", "records": "fixtures/defects", "fail-on": "never"})
    assert _exit_codes(run)["gate"] == 0
    assert not run.failed
    assert run.outputs["passed"] == "false"
    assert run.outputs["exit-code"] == "1"
    assert "fail-on is 'never'" in run.step("gate").stdout


def test_a_check_that_could_not_run_is_gate_exit_2(job: Job) -> None:
    run = job.run({"checks": "integrity", "records": "fixtures/no-such-records"})
    assert run.step("run").outputs["exit-code"] == "2"
    assert _exit_codes(run)["gate"] == 2
    assert run.failed
    assert run.outputs["status"] == "error"
    assert run.outputs["passed"] == "false"


def test_shell_metacharacters_in_inputs_are_never_executed(job: Job) -> None:
    hostile_records = "fixtures/sample/records:$(touch pwned-records);`touch pwned-backtick`"
    hostile_args = (
        "--max-findings 3 --set 'fields.band=x;`touch pwned-args-bt`;$(touch pwned-args)'"
    )
    run = job.run(
        {"checks": "integrity", "records": hostile_records, "opsguard-args": hostile_args}
    )
    assert not list(job.workspace.rglob("pwned*"))
    assert not list(job.root.rglob("pwned*"))
    # The text reached opsguard as data: a records path that does not exist (exit 2).
    assert run.step("run").outputs["exit-code"] == "2"
    assert _exit_codes(run)["gate"] == 2


def test_unquoted_separators_in_opsguard_args_are_words_not_commands(job: Job) -> None:
    run = job.run({"opsguard-args": "--max-findings 3 ; touch pwned-semicolon && touch pwned-and"})
    assert not list(job.root.rglob("pwned*"))
    # `;`, `touch`, ... became arguments of `opsguard run`, which refused them (exit 2).
    assert run.step("run").outputs["exit-code"] == "2"
    assert "unrecognized arguments" in run.step("run").stderr
    assert run.failed


def test_unbalanced_quotes_in_opsguard_args_fail_the_run_step(job: Job) -> None:
    run = job.run({"opsguard-args": "--set 'fields.band=x"})
    assert _exit_codes(run)["run"] == 2
    assert "::error title=opsguard invalid input::opsguard-args" in run.step("run").stdout
    assert run.step("gate").outcome == "skipped"
    assert run.failed


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fail-on", "sometimes"),
        ("retention-mode", "delete"),
        ("comment", "yes"),
        ("upload-sarif", "1"),
        ("fail-on-report-error", "True"),
    ],
)
def test_an_invalid_enumerated_input_fails_first_with_an_error_line(
    job: Job, name: str, value: str
) -> None:
    run = job.run({name: value})
    assert _exit_codes(run)["inputs"] == 1
    assert (
        f"::error title=opsguard invalid input::{name} must be one of" in run.step("inputs").stdout
    )
    assert all(s.outcome == "skipped" for s in run.steps[1:])
    assert job.fake.requests == []


def test_retention_is_a_dry_run_unless_apply(job: Job) -> None:
    telemetry = job.workspace / "fixtures" / "sample" / "telemetry"
    before = sorted(p.name for p in telemetry.iterdir())
    run = job.run({"checks": "retention", "comment": "false"})
    assert _exit_codes(run)["gate"] == 0
    candidates = int(run.outputs["retention-candidates"])
    assert candidates > 0
    assert sorted(p.name for p in telemetry.iterdir()) == before
    assert run.step("comment").outcome == "skipped"

    applied = job.run({"checks": "retention", "retention-mode": "apply", "comment": "false"})
    assert _exit_codes(applied)["gate"] == 0
    assert len(before) - len(list(telemetry.iterdir())) == candidates
