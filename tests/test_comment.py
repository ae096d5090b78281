"""`opsguard comment` end to end: the real process against the fake GitHub API.

Each test runs `python -m opsguard comment` with the runner's environment
(`GITHUB_API_URL` at the fake, a real-shaped event payload, `GITHUB_OUTPUT`)
and a `report.md` from the real renderer, then asserts the exact API calls,
the comments left on the PR, the step outputs and the exit code. Every run
also checks that the token never appears in the output and that every
request carried it.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_github import (
    BOT_LOGIN,
    COMMENT,
    ISSUE_COMMENTS,
    FakeGitHub,
    Reply,
    permission_denied,
    pull_request_event,
    push_event,
    secondary_rate_limit,
    server_error,
    write_event,
)
from support import run_opsguard
from test_report_data import all_pass_results, mixed_results

from opsguard.core.result import RunContext
from opsguard.deliver.comment import (
    ApiError,
    GitHubClient,
    Marker,
    context_from_env,
    deliver_comment,
    is_newer,
    next_link,
    parse_marker,
    plan_comment,
)
from opsguard.deliver.comment import Comment as ApiComment
from opsguard.report.markdown import MARKER_PREFIX, render_comment
from opsguard.retry import RetryPolicy

REPO = "octo-org/octo-repo"
HEAD = "1111111111111111111111111111111111111111"
NEWER_HEAD = "2222222222222222222222222222222222222222"
PR = 7
RUN_ID = "1000"
PULL = f"/repos/{REPO}/pulls/{PR}"
LIST = f"GET /repos/{REPO}/issues/{PR}/comments?per_page=100"
POST = f"POST /repos/{REPO}/issues/{PR}/comments"


def report(
    *, run_id: str = RUN_ID, attempt: str = "1", head: str = HEAD, passing: bool = False
) -> str:
    """A PR comment body exactly as `opsguard report` renders it."""
    context = RunContext(
        head_sha=head,
        run_id=run_id,
        run_url=f"https://github.example/{REPO}/actions/runs/{run_id}",
        run_attempt=attempt,
    )
    return render_comment(all_pass_results() if passing else mixed_results(), context)


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith("::warning ")]

    @property
    def notices(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith("::notice ")]


class Workspace:
    """A working directory with `.opsguard/report.md`, an event file and the fake API."""

    def __init__(self, root: Path, github: FakeGitHub) -> None:
        self.root, self.github = root, github
        self.github.add_pull(PR, HEAD)

    def write_report(self, body: str) -> str:
        path = self.root / ".opsguard" / "report.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(body, encoding="utf-8")
        return body

    def run(
        self,
        *args: str,
        event_name: str = "pull_request",
        event: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        token: bool = True,
        check_auth: bool = True,
    ) -> Result:
        payload = event if event is not None else pull_request_event(PR, HEAD, REPO)
        event_path = write_event(self.root, payload)
        output = self.root / "github_output"
        output.write_text("", encoding="utf-8")
        environ = self.github.env(
            event_name,
            event_path,
            GITHUB_OUTPUT=str(output),
            GITHUB_STEP_SUMMARY=str(self.root / "summary.md"),
            GITHUB_SHA="9" * 40,  # the merge commit on a PR: never the head
            GITHUB_RUN_ID=RUN_ID,
            # urllib honours proxy variables; the fake is on loopback.
            no_proxy="127.0.0.1,localhost",
            NO_PROXY="127.0.0.1,localhost",
        )
        if not token:
            del environ["GITHUB_TOKEN"]
        environ.update(env or {})
        before = len(self.github.requests)
        done = run_opsguard(["comment", *args], self.root, environ, timeout=60)
        self._check_secrecy(done, before, check_auth=check_auth)
        return Result(done.returncode, done.stdout, done.stderr, _outputs(output))

    def _check_secrecy(
        self, done: subprocess.CompletedProcess[str], before: int, *, check_auth: bool
    ) -> None:
        assert self.github.token not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        if check_auth:
            assert all(r.authorized for r in self.github.requests[before:])

    def lines(self, since: int = 0) -> list[str]:
        return [r.line for r in self.github.requests[since:]]


def _outputs(path: Path) -> dict[str, str]:
    """`$GITHUB_OUTPUT` in the `name<<DELIMITER` form, parsed."""
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines:
        name, _, delimiter = lines.pop(0).partition("<<")
        end = lines.index(delimiter)
        outputs[name] = "\n".join(lines[:end])
        del lines[: end + 1]
    return outputs


@pytest.fixture(autouse=True)
def _no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # The in-process client uses urllib, which honours a proxy from the environment.
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(repository=REPO) as fake:
        yield fake


@pytest.fixture
def work(tmp_path: Path, github: FakeGitHub) -> Workspace:
    return Workspace(tmp_path, github)


# --- creating and keeping one comment ---------------------------------------------------


def test_the_first_run_creates_exactly_one_comment(work: Workspace, github: FakeGitHub) -> None:
    body = work.write_report(report())
    result = work.run()
    assert result.code == 0, result.stderr
    # The stale-run guard, every page of comments (one here), then the POST; no /user
    # call, since no comment carries the marker yet.
    assert work.lines() == [f"GET {PULL}", LIST, POST]
    [comment] = github.comments(PR)
    assert comment.body == body and comment.login == BOT_LOGIN
    assert result.outputs == {
        "comment-url": f"https://github.example/{REPO}/pull/{PR}#issuecomment-{comment.id}",
        "comment-id": str(comment.id),
        "delivery": "comment",
    }
    request = github.calls("POST")[0]
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == "2022-11-28"


def test_later_runs_update_it_and_skip_an_unchanged_body(
    work: Workspace, github: FakeGitHub
) -> None:
    work.write_report(report())
    assert work.run().code == 0
    [created] = github.comments(PR)

    mark = len(github.requests)
    again = work.run()
    assert again.code == 0
    # Same body: found (the Actions token's /user is 403, so the bot is the author), kept.
    assert work.lines(mark) == [f"GET {PULL}", LIST, "GET /user"]
    assert again.outputs["delivery"] == "comment"
    assert again.outputs["comment-id"] == str(created.id)

    mark = len(github.requests)
    newer = work.write_report(report(run_id="1001", passing=True))
    assert work.run().code == 0
    assert work.lines(mark) == [
        f"GET {PULL}",
        LIST,
        "GET /user",
        f"PATCH /repos/{REPO}/issues/comments/{created.id}",
    ]
    [updated] = github.comments(PR)
    assert (updated.id, updated.body) == (created.id, newer)


def test_every_page_is_listed_and_ours_on_the_last_page_is_updated(
    work: Workspace, github: FakeGitHub
) -> None:
    for n in range(120):
        github.add_comment(PR, f"review comment {n}", login=f"reviewer{n % 3}")
    ours = github.add_comment(PR, report(run_id="999"))
    for n in range(29):
        github.add_comment(PR, f"late comment {n}", login="octocat")
    body = work.write_report(report())

    assert work.run().code == 0
    assert work.lines() == [
        f"GET {PULL}",
        LIST,
        f"GET /repos/{REPO}/issues/{PR}/comments?page=2&per_page=100",
        "GET /user",
        f"PATCH /repos/{REPO}/issues/comments/{ours.id}",
    ]
    assert not github.calls("POST")
    comments = github.comments(PR)
    assert len(comments) == 150
    assert [c.body for c in comments if c.id == ours.id] == [body]


def test_duplicates_are_healed_and_other_comments_never_touched(
    work: Workspace, github: FakeGitHub
) -> None:
    oldest = github.add_comment(PR, report(run_id="990"))
    quoting = github.add_comment(
        PR, f"Why does the bot write\n{report(run_id='990')}\nin its comment?", login="octocat"
    )
    impostor = github.add_comment(PR, report(run_id="995"), login="octocat")
    second = github.add_comment(PR, report(run_id="991"))
    third = github.add_comment(PR, report(run_id="992"))
    body = work.write_report(report())

    result = work.run()
    assert result.code == 0
    writes = [r.line for r in github.writes]
    assert writes == [
        f"PATCH /repos/{REPO}/issues/comments/{oldest.id}",
        f"DELETE /repos/{REPO}/issues/comments/{second.id}",
        f"DELETE /repos/{REPO}/issues/comments/{third.id}",
    ]
    left = {c.id: c.body for c in github.comments(PR)}
    assert left == {oldest.id: body, quoting.id: quoting.body, impostor.id: impostor.body}
    assert result.outputs["comment-id"] == str(oldest.id)


def test_a_personal_access_token_finds_its_own_login(tmp_path: Path) -> None:
    with FakeGitHub(repository=REPO, user_login="release-bot") as github:
        work = Workspace(tmp_path, github)
        bots = github.add_comment(PR, report(run_id="990"), login=BOT_LOGIN)
        mine = github.add_comment(PR, report(run_id="991"))
        work.write_report(report())
        assert work.run().code == 0
        assert [r.line for r in github.writes] == [f"PATCH /repos/{REPO}/issues/comments/{mine.id}"]
        assert bots.id in {c.id for c in github.comments(PR)}


# --- failures -----------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True])
def test_a_permission_403_warns_once_and_is_not_retried(
    work: Workspace, github: FakeGitHub, strict: bool
) -> None:
    github.enqueue("POST", ISSUE_COMMENTS, permission_denied())
    work.write_report(report())
    result = work.run(*(["--fail-on-report-error"] if strict else []))
    assert result.code == (2 if strict else 0)
    assert len(github.calls("POST")) == 1
    assert github.comments(PR) == []
    [warning] = result.warnings
    assert warning.startswith("::warning title=opsguard comment::the token cannot comment")
    assert "Resource not accessible by integration" in warning
    assert "pull-requests: write" in warning and "job summary" in warning
    assert result.outputs["delivery"] == "failed"


def test_two_502s_while_listing_are_retried(work: Workspace, github: FakeGitHub) -> None:
    github.enqueue("GET", ISSUE_COMMENTS, server_error(502), server_error(502))
    work.write_report(report())
    result = work.run()
    assert result.code == 0
    assert work.lines() == [f"GET {PULL}", LIST, LIST, LIST, POST]
    assert len(github.comments(PR)) == 1
    assert result.stdout.count("HTTP 502; retrying in") == 2


@pytest.mark.parametrize("carried_out", [True, False])
def test_a_502_on_post_lists_again_before_creating_again(
    work: Workspace, github: FakeGitHub, carried_out: bool
) -> None:
    # carried_out: GitHub created the comment but the answer was lost.
    github.enqueue("POST", ISSUE_COMMENTS, server_error(502, apply=carried_out))
    body = work.write_report(report())
    result = work.run()
    assert result.code == 0
    expected = [f"GET {PULL}", LIST, POST, LIST]
    expected += ["GET /user"] if carried_out else [POST]
    assert work.lines() == expected
    [comment] = github.comments(PR)
    assert comment.body == body
    assert result.outputs["delivery"] == "comment"
    assert result.outputs["comment-id"] == str(comment.id)


def test_a_secondary_rate_limit_waits_the_retry_after(work: Workspace, github: FakeGitHub) -> None:
    github.enqueue("POST", ISSUE_COMMENTS, secondary_rate_limit(retry_after=1))
    work.write_report(report())
    result = work.run()
    assert result.code == 0
    # A rate-limited POST was refused, not carried out: it is retried as it is.
    assert work.lines() == [f"GET {PULL}", LIST, POST, POST]
    assert len(github.comments(PR)) == 1
    assert "GitHub rate limit (retry-after); retrying in 1.0 s" in result.stdout


def test_bad_credentials_warn_and_exit_0(work: Workspace, github: FakeGitHub) -> None:
    work.write_report(report())
    wrong = "ghp_wrongTokenValue000000000000000000"
    result = work.run(env={"GITHUB_TOKEN": wrong}, check_auth=False)
    assert result.code == 0
    assert wrong not in result.stdout + result.stderr
    assert work.lines() == [f"GET {PULL}"]  # a 401 is not retried
    [warning] = result.warnings
    assert "could not comment" in warning and "HTTP 401 (Bad credentials)" in warning
    assert result.outputs["delivery"] == "failed"


def test_a_lost_connection_is_an_api_error_without_details() -> None:
    listener = FakeGitHub().start()
    url = listener.url
    listener.stop()  # nothing listens there any more
    client = GitHubClient(url, "ghs_secret", policy=RetryPolicy(attempts=1))
    with pytest.raises(ApiError) as caught:
        client.request("GET", f"/repos/{REPO}/pulls/{PR}")
    assert caught.value.status is None and caught.value.ambiguous
    assert str(caught.value) == (
        f"GET /repos/{REPO}/pulls/{PR}: connection failed (ConnectionRefusedError)"
    )


def test_a_missing_report_is_exit_2_with_one_line(work: Workspace, github: FakeGitHub) -> None:
    result = work.run()
    assert result.code == 2
    assert result.stderr.count("\n") == 1
    assert "report.md" in result.stderr and "opsguard report" in result.stderr
    assert github.requests == []


# --- what is sent -------------------------------------------------------------------------


def test_a_body_over_the_limit_is_cut_with_a_note(work: Workspace, github: FakeGitHub) -> None:
    work.write_report(report() + "\n" + "x" * 70_000 + "\n")
    result = work.run()
    assert result.code == 0
    [post] = github.calls("POST")
    sent = post.body["body"]
    assert len(sent) <= 65_536
    assert sent.startswith(MARKER_PREFIX)
    assert "cut to GitHub's 65,536-character limit" in sent
    assert len(github.comments(PR)) == 1


# --- never overwriting newer results ------------------------------------------------------


def test_a_run_for_an_older_head_never_writes(work: Workspace, github: FakeGitHub) -> None:
    github.set_head(PR, NEWER_HEAD)
    newer = github.add_comment(PR, report(head=NEWER_HEAD, run_id="1001"))
    work.write_report(report())
    result = work.run()
    assert result.code == 0
    assert work.lines() == [f"GET {PULL}"]
    assert [c.body for c in github.comments(PR)] == [newer.body]
    assert result.outputs["delivery"] == "skipped"
    [notice] = result.notices
    assert "moved on to 222222222222" in notice


@pytest.mark.parametrize(
    ("existing_run", "existing_attempt"), [("2000", "1"), (RUN_ID, "2")], ids=["run", "attempt"]
)
def test_a_run_older_than_the_existing_comment_never_writes(
    work: Workspace, github: FakeGitHub, existing_run: str, existing_attempt: str
) -> None:
    existing = github.add_comment(PR, report(run_id=existing_run, attempt=existing_attempt))
    work.write_report(report(passing=True))
    result = work.run()
    assert result.code == 0
    assert github.writes == []
    assert [c.body for c in github.comments(PR)] == [existing.body]
    assert result.outputs["delivery"] == "skipped"


# --- which pull request -------------------------------------------------------------------


def test_a_push_comments_on_the_open_pr_whose_head_it_is(
    work: Workspace, github: FakeGitHub
) -> None:
    github.add_pull(8, NEWER_HEAD)
    github.add_pull(9, HEAD, state="closed")
    github.add_pull(10, HEAD, head_repository="someone/fork")
    work.write_report(report())
    result = work.run(event_name="push", event=push_event(HEAD, REPO), env={"GITHUB_SHA": HEAD})
    assert result.code == 0
    assert work.lines() == [
        f"GET /repos/{REPO}/commits/{HEAD}/pulls",
        f"GET {PULL}",
        LIST,
        POST,
    ]
    assert [len(github.comments(n)) for n in (7, 8, 9, 10)] == [1, 0, 0, 0]


def test_a_push_without_an_open_pr_is_skipped(work: Workspace, github: FakeGitHub) -> None:
    work.write_report(report())
    result = work.run(
        event_name="push", event=push_event(NEWER_HEAD, REPO), env={"GITHUB_SHA": NEWER_HEAD}
    )
    assert result.code == 0
    assert github.writes == []
    assert result.outputs["delivery"] == "skipped"
    assert len(result.notices) == 1


def test_an_event_without_a_pr_is_skipped(work: Workspace, github: FakeGitHub) -> None:
    work.write_report(report())
    result = work.run(event_name="schedule", event={"schedule": "0 5 * * *"})
    assert result.code == 0
    assert github.requests == []
    assert result.outputs["delivery"] == "skipped"
    [notice] = result.notices
    assert "schedule" in notice


def test_a_fork_pr_is_skipped_without_any_call(work: Workspace, github: FakeGitHub) -> None:
    work.write_report(report())
    event = pull_request_event(PR, HEAD, REPO, head_repository="contributor/octo-repo")
    result = work.run(event=event)
    assert result.code == 0
    assert github.requests == []
    assert result.outputs["delivery"] == "skipped"
    [notice] = result.notices
    assert "fork" in notice and "job summary" in notice


def test_pull_request_target_comments_on_a_fork_pr(work: Workspace, github: FakeGitHub) -> None:
    # The base repository's token can write there, so the fork is not a reason to skip.
    work.write_report(report())
    event = pull_request_event(PR, HEAD, REPO, head_repository="contributor/octo-repo")
    assert work.run(event_name="pull_request_target", event=event).code == 0
    assert len(github.comments(PR)) == 1


# --- dry run, secrecy, GHES --------------------------------------------------------------


def test_dry_run_reads_but_never_writes(work: Workspace, github: FakeGitHub) -> None:
    stale = github.add_comment(PR, report(run_id="990"))
    github.add_comment(PR, report(run_id="991"))
    body = work.write_report(report())
    result = work.run("--dry-run")
    assert result.code == 0
    assert github.writes == []
    assert {r.method for r in github.requests} == {"GET"}
    assert body in result.stdout
    assert f"would PATCH /repos/{REPO}/issues/comments/{stale.id}" in result.stdout
    assert "would DELETE" in result.stdout
    assert "GITHUB_TOKEN is set (not shown)" in result.stdout
    assert result.outputs["delivery"] == "skipped"


def test_dry_run_without_a_token_makes_no_call(work: Workspace, github: FakeGitHub) -> None:
    body = work.write_report(report())
    result = work.run("--dry-run", token=False)
    assert result.code == 0
    assert github.requests == []
    assert body in result.stdout
    assert f"would GET /repos/{REPO}/issues/{PR}/comments?per_page=100" in result.stdout


def test_the_token_is_never_printed_even_when_echoed(work: Workspace, github: FakeGitHub) -> None:
    # A server message that quotes the token must not carry it into the log.
    github.enqueue(
        "POST",
        ISSUE_COMMENTS,
        Reply(422, {"message": f"bad token {github.token}"}),
        Reply(422, {"message": f"bad token {github.token}"}),
    )
    work.write_report(report())
    for args in ((), ("--dry-run",)):
        result = work.run(*args)  # `run` asserts the token is absent from both streams
        assert result.code == 0
    assert len(github.calls("POST")) == 1
    # Nor in an exception or a repr, for library users.
    client = GitHubClient(github.url, github.token, policy=RetryPolicy(attempts=1))
    with pytest.raises(ApiError) as caught:
        client.request("POST", f"/repos/{REPO}/issues/{PR}/comments", body={"body": "x"})
    assert "bad token ***" in str(caught.value)
    assert github.token not in str(caught.value) + repr(caught.value) + repr(client)


def test_github_enterprise_api_url_with_a_path_prefix(tmp_path: Path) -> None:
    with FakeGitHub(repository=REPO, prefix="/api/v3") as github:
        work = Workspace(tmp_path, github)
        work.write_report(report())
        assert github.url.endswith("/api/v3")
        assert work.run().code == 0
        work.write_report(report(run_id="1001"))
        for n in range(120):  # a second page: the Link URL carries the prefix too
            github.add_comment(PR, f"comment {n}", login="octocat")
        assert work.run().code == 0
        assert all(r.raw_path.startswith("/api/v3/") for r in github.requests)
        assert len(github.calls("PATCH", COMMENT)) == 1
        assert len(github.comments(PR)) == 121


# --- the pure parts -----------------------------------------------------------------------


def test_the_marker_parser_tolerates_missing_and_string_fields() -> None:
    body = report(run_id="1000", attempt="3")
    assert parse_marker(body) == Marker(HEAD, 1000, 3, "error")  # mixed: one check errored
    legacy = f'{MARKER_PREFIX}{{"head_sha": "{HEAD}", "run_id": 12, "status": "pass"}} -->\n'
    assert parse_marker(legacy) == Marker(HEAD, 12, None, "pass")
    assert parse_marker("hello\n" + body) is None
    assert parse_marker(f"{MARKER_PREFIX}not json -->") is None


def test_run_ids_compare_as_integers() -> None:
    own = Marker(HEAD, 9, 1)
    assert is_newer(Marker(HEAD, 10, 1), own)  # "10" < "9" as strings
    assert not is_newer(Marker(HEAD, 8, 5), own)
    assert is_newer(Marker(HEAD, 9, 2), own)
    assert not is_newer(Marker(NEWER_HEAD, 99, 1), own)  # another head: the PR read decides
    assert not is_newer(None, own)


def test_the_plan_keeps_the_oldest_of_ours_only() -> None:
    body = report()
    comments = [
        ApiComment(5, BOT_LOGIN, report(run_id="2"), ""),
        ApiComment(3, "octocat", body, ""),
        ApiComment(4, BOT_LOGIN, "  " + body, ""),  # the marker is not first
        ApiComment(6, BOT_LOGIN, body.replace("\n", "\r\n"), ""),
    ]
    plan = plan_comment(comments, body, Marker(HEAD, 1000, 1), BOT_LOGIN)
    assert (plan.action, plan.keep and plan.keep.id, [c.id for c in plan.delete]) == (
        "update",
        5,
        [6],
    )


def test_next_link_follows_rel_next_only() -> None:
    header = (
        '<https://api.example/x?page=1>; rel="prev", <https://api.example/x?page=3>; rel="next", '
        '<https://api.example/x?page=9>; rel="last"'
    )
    assert next_link(header) == "https://api.example/x?page=3"
    assert next_link('<https://api.example/x?page=1>; rel="first"') is None
    assert next_link("") is None


def test_output_lines_hold_no_raw_control_characters(work: Workspace, github: FakeGitHub) -> None:
    github.enqueue(
        "POST",
        ISSUE_COMMENTS,
        Reply(400, {"message": "bad\n::error::injected\x1b[31m"}),
    )
    work.write_report(report())
    result = work.run()
    assert result.code == 0
    assert not any(line.startswith("::error") for line in result.stdout.splitlines())
    assert "\x1b" not in result.stdout
    assert re.search(r"HTTP 400 \(bad ::error::injected", result.warnings[0])


def test_a_wait_beyond_the_time_budget_gives_up_at_once(tmp_path: Path, github: FakeGitHub) -> None:
    # In process, with a 5 s budget: a secondary limit without retry-after means >= 60 s.
    github.add_pull(PR, HEAD)
    github.enqueue("POST", ISSUE_COMMENTS, secondary_rate_limit(retry_after=None))
    event = write_event(tmp_path, pull_request_event(PR, HEAD, REPO))
    context = context_from_env(github.env("pull_request", event))
    said: list[tuple[str, str]] = []
    outcome = deliver_comment(
        report(), context, say=lambda level, text: said.append((level, text)), total_timeout=5
    )
    assert outcome.delivery == "failed" and not outcome.permission
    assert len(github.calls("POST")) == 1
    assert any("would exceed the time budget, giving up" in text for _, text in said)
    [warning] = [text for level, text in said if level == "warning"]
    assert "secondary rate limit" in warning
