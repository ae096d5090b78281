"""A fake GitHub REST API on 127.0.0.1, for tests that run opsguard (or action.yml) for real.

It serves the endpoints a PR-comment client needs, behaving as GitHub documents:

- `USER` = `/user`: GET, the PAT's login, or 403 for the Actions token;
- `PULL` = `/repos/{owner}/{repo}/pulls/{pull_number}`: GET;
- `COMMIT_PULLS` = `/repos/{owner}/{repo}/commits/{commit_sha}/pulls`: GET, the PRs
  whose head is that SHA (any state);
- `ISSUE_COMMENTS` = `/repos/{owner}/{repo}/issues/{issue_number}/comments`: GET
  (paginated), POST;
- `COMMENT` = `/repos/{owner}/{repo}/issues/comments/{comment_id}`: PATCH, DELETE.

Listing paginates like GitHub: `per_page` (default 30, max 100) and `page`,
ascending comment id, a `Link` header with `rel="next"`/`"last"` (and
`"prev"`/`"first"` after page 1) only when there is more than one page. A body
over 65,536 characters is a 422 "Body is too long", an unknown route or object
a 404, a missing or wrong token a 401 "Bad credentials". The API can live under
a prefix, as on GitHub Enterprise Server (`prefix="/api/v3"`).

Usage::

    with FakeGitHub(token="ghs_test") as github:       # or the `fake_github` fixture
        github.add_pull(7, head_sha=SHA)
        github.add_comment(7, "a human comment", login="octocat")
        github.enqueue("GET", ISSUE_COMMENTS, server_error(502), server_error(502))
        github.enqueue("POST", ISSUE_COMMENTS, permission_denied())
        env = github.env("pull_request", event_path)     # GITHUB_API_URL, GITHUB_TOKEN, ...
        ...run opsguard...
        assert [r.line for r in github.requests] == ["GET /repos/o/r/pulls/7", ...]
        assert len(github.comments(7)) == 1

State you can seed: pull requests (`add_pull`, `set_head`), comments
(`add_comment`: body and author), and the token kind: `user_login=None` (the
default) behaves like the Actions `GITHUB_TOKEN` (`GET /user` is 403 and
comments are authored by `github-actions[bot]`); `user_login="octocat"` like a
personal access token of that user.

Scripted faults: `enqueue(method, route, *replies)` queues canned `Reply`s
for the next matching requests, served in order before normal handling
resumes. `Reply(..., apply=True)` first carries the request out and then
answers with the canned reply (a POST that created the comment but whose
response was lost: the case that makes blind retries create duplicates).
Ready-made replies: `server_error`, `permission_denied`,
`secondary_rate_limit`, `primary_rate_limit`.

Every request is recorded as a `Request` (method, path, route, query,
headers, JSON body, whether the Authorization header carried the expected
token) in `requests`, in arrival order.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "BOT_LOGIN",
    "COMMENT",
    "COMMENT_LIMIT",
    "COMMIT_PULLS",
    "DEFAULT_TOKEN",
    "ISSUE_COMMENTS",
    "PULL",
    "USER",
    "FakeComment",
    "FakeGitHub",
    "Reply",
    "Request",
    "fake_github",
    "permission_denied",
    "primary_rate_limit",
    "pull_request_event",
    "push_event",
    "secondary_rate_limit",
    "server_error",
    "write_event",
]

USER = "/user"
PULL = "/repos/{owner}/{repo}/pulls/{pull_number}"
COMMIT_PULLS = "/repos/{owner}/{repo}/commits/{commit_sha}/pulls"
ISSUE_COMMENTS = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
COMMENT = "/repos/{owner}/{repo}/issues/comments/{comment_id}"
ROUTES = (USER, PULL, COMMIT_PULLS, ISSUE_COMMENTS, COMMENT)

BOT_LOGIN = "github-actions[bot]"
# Looks like an Actions token, so that a leak of it is easy to grep for.
DEFAULT_TOKEN = "ghs_fakeTokenValue0123456789abcdefXYZ"  # noqa: S105 (a fake)
COMMENT_LIMIT = 65_536
DOCS = "https://docs.github.com/rest"
_NUMBERED = {"pull_number", "issue_number", "comment_id"}


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part)
        if i % 2 == 0
        else f"(?P<{part}>{'[0-9]+' if part in _NUMBERED else '[^/]+'})"
        for i, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


_PATTERNS = {route: _pattern(route) for route in ROUTES}


@dataclass(frozen=True)
class Reply:
    """A canned response. `body` is JSON-encoded (None: empty); `apply` runs the real
    handler first (state changes) and then sends this reply instead of its answer."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    apply: bool = False


def server_error(status: int = 502, *, apply: bool = False) -> Reply:
    return Reply(status, {"message": "Server Error"}, apply=apply)


def permission_denied() -> Reply:
    """The Actions token without `pull-requests: write` (fork, Dependabot, permissions block)."""
    return Reply(
        403,
        {"message": "Resource not accessible by integration", "documentation_url": DOCS},
        {"x-ratelimit-remaining": "4999"},
    )


def secondary_rate_limit(retry_after: int | None = 1) -> Reply:
    headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
    message = (
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
        "again. If you reach out to GitHub Support for help, please include the request ID."
    )
    return Reply(403, {"message": message, "documentation_url": DOCS}, headers)


def primary_rate_limit(reset_epoch: int) -> Reply:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset_epoch)}
    message = "API rate limit exceeded for installation ID 1."
    return Reply(403, {"message": message, "documentation_url": DOCS}, headers)


@dataclass(frozen=True)
class Request:
    """One request as the fake received it."""

    method: str
    raw_path: str  # as received, with any prefix, without the query
    path: str  # below the API URL (prefix removed)
    route: str | None  # the matched template (`ISSUE_COMMENTS`, ...), None when unknown
    params: Mapping[str, str]  # the template's values: {"issue_number": "7", ...}
    query: Mapping[str, str]
    headers: Mapping[str, str]  # names lower-cased
    body: Any  # the parsed JSON body, or None
    authorized: bool  # Authorization carried the expected token

    @property
    def line(self) -> str:
        """`GET /repos/o/r/issues/7/comments?page=2&per_page=100` (query sorted)."""
        query = urllib.parse.urlencode(sorted(self.query.items()))
        return f"{self.method} {self.path}" + (f"?{query}" if query else "")


@dataclass
class FakeComment:
    """A comment in the fake's state (mutable: PATCH changes it)."""

    id: int
    issue: int
    body: str
    login: str
    created_at: str
    updated_at: str


@dataclass
class _Pull:
    number: int
    head_sha: str
    state: str
    head_repository: str


class FakeGitHub:
    """The fake API: seed it, script faults, run the client, read `requests` and `comments`."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        repository: str = "octo-org/octo-repo",
        prefix: str = "",
        user_login: str | None = None,
        server_url: str = "https://github.example",
    ) -> None:
        self.token = token
        self.repository = repository
        self.prefix = prefix.rstrip("/")
        self.user_login = user_login
        self.server_url = server_url
        self._lock = threading.Lock()
        self._pulls: dict[int, _Pull] = {}
        self._comments: dict[int, FakeComment] = {}
        self._next_id = 1_000
        self._clock = 0
        self._queues: dict[tuple[str, str], deque[Reply]] = {}
        self._requests: list[Request] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def start(self) -> FakeGitHub:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for it when a test ends.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The API base URL, for `GITHUB_API_URL` (`http://127.0.0.1:PORT[/prefix]`)."""
        if self._server is None:
            raise RuntimeError("the fake is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.prefix}"

    def env(self, event_name: str, event_path: Path | str, **extra: str) -> dict[str, str]:
        """The runner's variables a comment client reads, pointing at this fake."""
        env = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_API_URL": self.url,
            "GITHUB_SERVER_URL": self.server_url,
            "GITHUB_REPOSITORY": self.repository,
            "GITHUB_TOKEN": self.token,
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_RUN_ID": "1000",
            "GITHUB_RUN_ATTEMPT": "1",
        }
        env.update(extra)
        return env

    # --- state ---

    @property
    def login(self) -> str:
        """Who the token writes as: the PAT's user, or the Actions bot."""
        return self.user_login or BOT_LOGIN

    def add_pull(
        self,
        number: int,
        head_sha: str,
        *,
        state: str = "open",
        head_repository: str | None = None,
    ) -> None:
        with self._lock:
            self._pulls[number] = _Pull(number, head_sha, state, head_repository or self.repository)

    def set_head(self, number: int, head_sha: str) -> None:
        """A new push to the PR."""
        with self._lock:
            self._pulls[number].head_sha = head_sha

    def add_comment(self, issue: int, body: str, *, login: str | None = None) -> FakeComment:
        """A comment that already exists (by `login`, default the token's own user)."""
        with self._lock:
            return self._create(issue, body, login or self.login)

    def comments(self, issue: int) -> list[FakeComment]:
        """The issue's comments now, oldest first (copies)."""
        with self._lock:
            return [
                FakeComment(**vars(c))
                for c in sorted(self._comments.values(), key=lambda c: c.id)
                if c.issue == issue
            ]

    def enqueue(self, method: str, route: str, *replies: Reply) -> None:
        """Answer the next requests of `method` on `route` with `replies`, in order."""
        if route not in _PATTERNS:
            raise ValueError(f"unknown route {route!r}; use one of the route constants")
        with self._lock:
            self._queues.setdefault((method.upper(), route), deque()).extend(replies)

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def calls(self, method: str | None = None, route: str | None = None) -> list[Request]:
        """The recorded requests of that method and/or route."""
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (route is None or r.route == route)
        ]

    @property
    def writes(self) -> list[Request]:
        """Every POST, PATCH and DELETE received (including refused ones)."""
        return [r for r in self.requests if r.method != "GET"]

    # --- handling (called by the handler thread) ---

    def _create(self, issue: int, body: str, login: str) -> FakeComment:
        self._next_id += 1
        self._clock += 1
        stamp = f"2025-01-01T00:{self._clock // 60 % 60:02d}:{self._clock % 60:02d}Z"
        comment = FakeComment(self._next_id, issue, body, login, stamp, stamp)
        self._comments[comment.id] = comment
        return comment

    def _comment_json(self, comment: FakeComment) -> dict[str, Any]:
        owner_repo = self.repository
        return {
            "id": comment.id,
            "node_id": f"IC_fake{comment.id}",
            "url": f"{self.url}/repos/{owner_repo}/issues/comments/{comment.id}",
            "html_url": f"{self.server_url}/{owner_repo}/pull/{comment.issue}"
            f"#issuecomment-{comment.id}",
            "issue_url": f"{self.url}/repos/{owner_repo}/issues/{comment.issue}",
            "body": comment.body,
            "user": {
                "login": comment.login,
                "id": 41898282 if comment.login == BOT_LOGIN else 1,
                "type": "Bot" if comment.login.endswith("[bot]") else "User",
            },
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "author_association": "NONE" if comment.login.endswith("[bot]") else "MEMBER",
        }

    def _pull_json(self, pull: _Pull) -> dict[str, Any]:
        owner, _, repo = pull.head_repository.partition("/")
        return {
            "url": f"{self.url}/repos/{self.repository}/pulls/{pull.number}",
            "number": pull.number,
            "state": pull.state,
            "html_url": f"{self.server_url}/{self.repository}/pull/{pull.number}",
            "head": {
                "label": f"{owner}:feature",
                "ref": "feature",
                "sha": pull.head_sha,
                "repo": {"full_name": pull.head_repository, "name": repo, "fork": False},
            },
            "base": {"ref": "main", "repo": {"full_name": self.repository}},
        }

    def _handle(
        self,
        method: str,
        route: str | None,
        params: Mapping[str, str],
        query: Mapping[str, str],
        body: Any,
    ) -> tuple[int, Any, dict[str, str]]:
        wrong_repo = f"{params.get('owner')}/{params.get('repo')}" != self.repository
        if route is None or (route != USER and wrong_repo):
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        not_found: tuple[int, Any, dict[str, str]] = (404, {"message": "Not Found"}, {})
        if route == USER and method == "GET":
            if self.user_login is None:
                return 403, {"message": "Resource not accessible by integration"}, {}
            return 200, {"login": self.user_login, "id": 1, "type": "User"}, {}
        if route == PULL and method == "GET":
            pull = self._pulls.get(int(params["pull_number"]))
            return (200, self._pull_json(pull), {}) if pull else not_found
        if route == COMMIT_PULLS and method == "GET":
            sha = params["commit_sha"]
            found = [self._pull_json(p) for p in self._pulls.values() if p.head_sha == sha]
            return 200, found, {}
        if route == ISSUE_COMMENTS:
            issue = int(params["issue_number"])
            if issue not in self._pulls:
                return not_found
            if method == "GET":
                return self._list(issue, query)
            if method == "POST":
                problem = _invalid_body(body)
                if problem:
                    return problem
                created = self._create(issue, body["body"], self.login)
                return 201, self._comment_json(created), {}
        if route == COMMENT:
            comment = self._comments.get(int(params["comment_id"]))
            if comment is None:
                return not_found
            if method == "PATCH":
                problem = _invalid_body(body)
                if problem:
                    return problem
                self._clock += 1
                comment.body = body["body"]
                comment.updated_at = f"2025-01-02T00:00:{self._clock % 60:02d}Z"
                return 200, self._comment_json(comment), {}
            if method == "DELETE":
                del self._comments[comment.id]
                return 204, None, {}
        return 404, {"message": "Not Found", "documentation_url": DOCS}, {}

    def _list(self, issue: int, query: Mapping[str, str]) -> tuple[int, Any, dict[str, str]]:
        try:
            per_page = min(max(int(query.get("per_page", "30")), 1), 100)
            page = max(int(query.get("page", "1")), 1)
        except ValueError:
            return 422, {"message": "Validation Failed"}, {}
        every = sorted((c for c in self._comments.values() if c.issue == issue), key=lambda c: c.id)
        last = max(1, -(-len(every) // per_page))
        items = every[(page - 1) * per_page : page * per_page]
        headers: dict[str, str] = {}
        if last > 1:
            base = f"{self.url}/repos/{self.repository}/issues/{issue}/comments"

            def link(n: int) -> str:
                rest = {k: v for k, v in query.items() if k != "page"}
                return f"<{base}?{urllib.parse.urlencode({**rest, 'page': n})}>"

            links = []
            if page > 1:
                links += [f'{link(page - 1)}; rel="prev"']
            if page < last:
                links += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
            if page > 1:
                links += [f'{link(1)}; rel="first"']
            headers["link"] = ", ".join(links)
        return 200, [self._comment_json(c) for c in items], headers

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urllib.parse.urlsplit(handler.path)
        method = handler.command
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = split.path
        below = path[len(self.prefix) :] if path.startswith(self.prefix + "/") else None
        route, params = None, {}
        for template, pattern in _PATTERNS.items():
            match = pattern.match(below or "")
            if match:
                route, params = template, match.groupdict()
                break
        query = dict(urllib.parse.parse_qsl(split.query))
        auth = handler.headers.get("Authorization", "")
        authorized = auth in (f"Bearer {self.token}", f"token {self.token}")
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self._requests.append(
                Request(
                    method, path, below or path, route, params, query, headers, body, authorized
                )
            )
            queue = self._queues.get((method, route)) if route else None
            reply = queue.popleft() if queue else None
            if not authorized:
                status, data, extra = 401, {"message": "Bad credentials"}, {}
            elif reply is not None and not reply.apply:
                status, data, extra = reply.status, reply.body, dict(reply.headers)
            else:
                status, data, extra = self._handle(method, route, params, query, body)
                if reply is not None:
                    status, data, extra = reply.status, reply.body, dict(reply.headers)
        payload = json.dumps(data).encode() if data is not None else b""
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
        for name, value in extra.items():
            handler.send_header(name, value)
        handler.end_headers()
        if payload:
            handler.wfile.write(payload)


def _invalid_body(body: Any) -> tuple[int, Any, dict[str, str]] | None:
    if not isinstance(body, dict) or not isinstance(body.get("body"), str):
        return 422, {"message": "Invalid request.", "documentation_url": DOCS}, {}
    if len(body["body"]) > COMMENT_LIMIT:
        error = {
            "resource": "IssueComment",
            "code": "custom",
            "field": "body",
            "message": f"body is too long (maximum is {COMMENT_LIMIT} characters)",
        }
        return (
            422,
            {"message": "Validation Failed", "errors": [error], "documentation_url": DOCS},
            {},
        )
    return None


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub  # set per server by FakeGitHub.start

    def do_GET(self) -> None:
        self.fake._serve(self)

    do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; `FakeGitHub.requests` has everything


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """A started fake with the defaults (Actions token, `octo-org/octo-repo`)."""
    with FakeGitHub() as github:
        yield github


# --- event payloads, shaped like the runner's `GITHUB_EVENT_PATH` -----------------------


def pull_request_event(
    number: int,
    head_sha: str,
    repository: str,
    *,
    head_repository: str | None = None,
    action: str = "synchronize",
) -> dict[str, Any]:
    """A `pull_request` / `pull_request_target` payload (`head_repository` for a fork)."""
    head_repo = head_repository or repository
    owner, _, name = repository.partition("/")
    head_owner = head_repo.partition("/")[0]
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "url": f"https://api.github.example/repos/{repository}/pulls/{number}",
            "id": 100_000 + number,
            "number": number,
            "state": "open",
            "title": "Update the pipeline",
            "user": {"login": head_owner, "type": "User"},
            "head": {
                "label": f"{head_owner}:feature",
                "ref": "feature",
                "sha": head_sha,
                "repo": {
                    "full_name": head_repo,
                    "name": head_repo.partition("/")[2],
                    "fork": head_repo != repository,
                    "owner": {"login": head_owner},
                },
            },
            "base": {
                "label": f"{owner}:main",
                "ref": "main",
                "sha": "0" * 40,
                "repo": {"full_name": repository, "name": name, "owner": {"login": owner}},
            },
        },
        "repository": {"full_name": repository, "name": name, "owner": {"login": owner}},
        "sender": {"login": head_owner, "type": "User"},
    }


def push_event(sha: str, repository: str, *, ref: str = "refs/heads/feature") -> dict[str, Any]:
    owner, _, name = repository.partition("/")
    return {
        "ref": ref,
        "before": "0" * 40,
        "after": sha,
        "head_commit": {"id": sha, "message": "Update the pipeline"},
        "repository": {"full_name": repository, "name": name, "owner": {"login": owner}},
        "pusher": {"name": owner},
        "sender": {"login": owner, "type": "User"},
    }


def write_event(directory: Path, payload: Mapping[str, Any]) -> Path:
    """The payload as `event.json` in `directory`, for `GITHUB_EVENT_PATH`."""
    path = directory / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path
