"""The sticky PR comment: a small GitHub REST client on `urllib`, and the logic that keeps
exactly one opsguard comment per pull request, current and never stale.

The context comes from the runner's documented environment: `GITHUB_EVENT_NAME`
and the payload at `GITHUB_EVENT_PATH` (for the PR number and the head SHA;
`GITHUB_REF` is never parsed), `GITHUB_REPOSITORY`, `GITHUB_API_URL` (so GitHub
Enterprise Server works; no host is hardcoded), `GITHUB_SERVER_URL`,
`GITHUB_RUN_ID`, `GITHUB_RUN_ATTEMPT`, `GITHUB_SHA`, and the token from
`GITHUB_TOKEN`.

Finding the comment: every page of `GET …/issues/{n}/comments?per_page=100`
(following `Link: rel="next"`), keeping comments whose body starts with the
marker (`MARKER_PREFIX`) AND whose author is this token's user (`GET /user`,
or `github-actions[bot]` for the Actions token, for which `/user` is 403). The
oldest is updated, the others deleted, and a comment is created only when
there is none: duplicates from earlier races heal on the next run.

Never overwriting newer results: before writing, the PR's current head SHA is
read; a report for an older head is not posted, and neither is one whose run
is older (run id, then run attempt, as integers) than the run that wrote the
existing comment for the same head.

Safety: the token goes only to the API's own origin (redirects are not
followed; pagination links to another origin are refused) and is never
printed. Response bodies are never printed: only status codes and GitHub's
`message` field, cleaned. Retries follow `opsguard.retry.classify_github`,
within one time budget for the whole command; a POST that failed ambiguously
(5xx, lost connection) is never repeated blindly: the comments are listed
again first.
"""

from __future__ import annotations

import http.client
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

import orjson

from .._version import __version__
from ..report.markdown import COMMENT_LIMIT, MARKER_PREFIX
from ..retry import RetryNotice, RetryPolicy, classify_github

__all__ = [
    "BOT_LOGIN",
    "GITHUB_POLICY",
    "TOTAL_TIMEOUT",
    "ApiError",
    "Comment",
    "Context",
    "GitHubClient",
    "Level",
    "Marker",
    "Outcome",
    "Plan",
    "Say",
    "clean",
    "context_from_env",
    "deliver_comment",
    "fit_body",
    "is_newer",
    "next_link",
    "own_marker",
    "parse_marker",
    "plan_comment",
]

# Total seconds for every API call of one command, waits included. Long enough for one
# 60-75 s secondary-rate-limit wait, short enough that a stuck API cannot hold a job.
TOTAL_TIMEOUT = 180.0
# One socket operation (connect, or one read), within what remains of the budget.
REQUEST_TIMEOUT = 30.0
GITHUB_POLICY = RetryPolicy(
    attempts=5,
    timeout=TOTAL_TIMEOUT,
    max_wait=90.0,
    wait_initial=0.25,
    wait_max=8.0,
    wait_jitter=0.25,
)
API_VERSION = "2022-11-28"
# The author of comments made with the Actions token (REST `user.login`).
BOT_LOGIN = "github-actions[bot]"
PER_PAGE = 100
MAX_PAGES = 500  # 50,000 comments: a server that links on forever is a bug, not a PR
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_ERROR_BYTES = 64 * 1024
# A POST that failed ambiguously is retried after listing again, at most this many times.
CREATE_ROUNDS = 3
_TRUNCATED_NOTE = (
    "\n\n_This comment was cut to GitHub's 65,536-character limit; the full report is "
    "in the job summary._\n"
)
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_monotonic: Callable[[], float] = time.monotonic

Level = Literal["info", "notice", "warning"]
Say = Callable[[Level, str], None]


class ApiError(Exception):
    """A GitHub API call that failed: a status (None: no response) and GitHub's message.

    `status` and `headers` make it readable by `opsguard.retry`; `message` is
    GitHub's JSON `message` field, cleaned, never the raw body.
    """

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        headers: Mapping[str, str] | None = None,
        *,
        message: str = "",
        reason: str = "",
    ) -> None:
        self.method, self.path, self.status = method, path, status
        self.headers = dict(headers or {})
        self.message, self.reason = message, reason
        super().__init__(self.summary())

    def summary(self) -> str:
        """One line: `POST /repos/o/r/issues/7/comments: HTTP 403 (GitHub's message)`."""
        what = f"HTTP {self.status}" if self.status is not None else self.reason or "failed"
        detail = self.message or (self.reason if self.status is not None else "")
        return f"{self.method} {self.path}: {what}" + (f" ({detail})" if detail else "")

    @property
    def ambiguous(self) -> bool:
        """The request may have been carried out anyway (no response, or a server error)."""
        return self.status is None or self.status >= 500

    @property
    def permission(self) -> bool:
        """A 403 that is not a rate limit: this token may not do this."""
        return self.status == 403 and not classify_github(self, method=self.method).retry


@dataclass(frozen=True, slots=True)
class Context:
    """The run, from the environment. `token` is left out of the repr, so it never prints."""

    api_url: str | None
    server_url: str | None
    repository: str | None
    event_name: str | None
    event: Mapping[str, Any] | None
    sha: str | None
    run_id: str | None
    run_attempt: str | None
    token: str | None = field(default=None, repr=False)
    event_error: str | None = None  # why the payload could not be read


def context_from_env(environ: Mapping[str, str]) -> Context:
    """The GitHub Actions context, with Nones for what the environment does not say."""

    def get(name: str) -> str | None:
        return environ.get(name, "").strip() or None

    event: Mapping[str, Any] | None = None
    event_error = None
    event_path = get("GITHUB_EVENT_PATH")
    if event_path:
        try:
            loaded = orjson.loads(Path(event_path).read_bytes())
        except OSError as exc:
            event_error = f"cannot read the event payload ({exc.strerror or type(exc).__name__})"
        except orjson.JSONDecodeError:
            event_error = "the event payload is not JSON"
        else:
            if isinstance(loaded, dict):
                event = loaded
            else:
                event_error = "the event payload is not a JSON object"
    api_url = get("GITHUB_API_URL")
    return Context(
        api_url=api_url.rstrip("/") if api_url else None,
        server_url=get("GITHUB_SERVER_URL"),
        repository=get("GITHUB_REPOSITORY"),
        event_name=get("GITHUB_EVENT_NAME"),
        event=event,
        sha=get("GITHUB_SHA"),
        run_id=get("GITHUB_RUN_ID"),
        run_attempt=get("GITHUB_RUN_ATTEMPT"),
        # Not stripped: a token is used exactly as given.
        token=environ.get("GITHUB_TOKEN") or None,
        event_error=event_error,
    )


# --- the marker -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Marker:
    """The machine state in a comment's first line (`<!-- opsguard:v1 {json} -->`)."""

    head_sha: str | None = None
    run_id: int | None = None
    run_attempt: int | None = None
    status: str | None = None


def parse_marker(body: str) -> Marker | None:
    """The marker of a comment body, or None when its first line is not a readable marker.

    Tolerates missing fields (`run_attempt` came later) and ids as strings or integers.
    """
    first = body.split("\n", 1)[0].rstrip("\r")
    if not first.startswith(MARKER_PREFIX) or not first.endswith("-->"):
        return None
    try:
        state = orjson.loads(first[len(MARKER_PREFIX) : -len("-->")])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(state, dict):
        return None
    head_sha, status = state.get("head_sha"), state.get("status")
    return Marker(
        head_sha=head_sha if isinstance(head_sha, str) and head_sha else None,
        run_id=_as_int(state.get("run_id")),
        run_attempt=_as_int(state.get("run_attempt")),
        status=status if isinstance(status, str) else None,
    )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def is_newer(existing: Marker | None, own: Marker) -> bool:
    """Whether `existing` reports a later run than `own` for the same head commit.

    Run ids and attempts are compared as integers ("10" > "9"). An unknown
    attempt counts as the lowest, so an existing comment with a known retry is
    never overwritten by a run that cannot say which attempt it is.
    """
    if existing is None or own.head_sha is None or existing.head_sha != own.head_sha:
        return False
    if existing.run_id is None or own.run_id is None:
        return False
    if existing.run_id != own.run_id:
        return existing.run_id > own.run_id
    return (existing.run_attempt or 0) > (own.run_attempt or 0)


def fit_body(body: str, limit: int = COMMENT_LIMIT) -> tuple[str, bool]:
    """The body cut to `limit` characters with a note (True), or unchanged (False)."""
    if len(body) <= limit:
        return body, False
    return body[: limit - len(_TRUNCATED_NOTE)] + _TRUNCATED_NOTE, True


# --- the REST client --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str]
    data: Any


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would resend the Authorization header to wherever a redirect points.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class GitHubClient:
    """REST calls against one API base URL, with one token and one time budget.

    Holds state (the opener, the deadline), hence a class. The token is sent
    only to `api_url`'s origin and path prefix, and is not an attribute anyone
    prints: it lives in the prepared headers only.
    """

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        total_timeout: float = TOTAL_TIMEOUT,
        policy: RetryPolicy = GITHUB_POLICY,
        say: Say | None = None,
        trace: bool = False,
    ) -> None:
        base = urllib.parse.urlsplit(api_url.rstrip("/"))
        if base.scheme not in ("http", "https") or not base.netloc:
            raise ApiError("GET", api_url, None, reason="GITHUB_API_URL is not an http(s) URL")
        self._base = base
        self._headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"opsguard/{__version__}",
            "Authorization": f"Bearer {token}",
        }
        # An error message that echoes the token (it happens) must not carry it further.
        self._redact: Callable[[str], str] = lambda text: (
            text.replace(token, "***") if token else text
        )
        self._deadline = _monotonic() + total_timeout
        self._policy = policy
        self._say = say
        self._trace = trace  # say every call and its status (the dry run shows its reads)
        self._opener = urllib.request.build_opener(_NoRedirect)

    def __repr__(self) -> str:
        return f"GitHubClient({urllib.parse.urlunsplit(self._base)!r})"

    def request(
        self,
        method: str,
        target: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Response:
        """One API call, retried per GitHub's rules within the budget; `ApiError` if it fails.

        `target` is a path under the API URL (`/repos/o/r/pulls/7`) or a full URL
        from a `Link` header, which must point under the API URL too.
        """
        url, shown = self._resolve(method, target, query)
        payload = orjson.dumps(body) if body is not None else None
        remaining = self._deadline - _monotonic()
        if remaining <= 0:
            raise ApiError(method, shown, None, reason="the time budget is spent")
        policy = replace(
            self._policy,
            timeout=remaining,
            classify=partial(classify_github, method=method),
            notify=partial(self._notice, method, shown),
        )

        # Closes over the call instead of passing arguments: stamina's instrumentation
        # logs a retried callable's arguments, and these hold the request body.
        def github_request() -> Response:
            return self._send(method, url, shown, payload)

        try:
            response = policy.call(github_request)
        except ApiError as exc:
            if self._trace and self._say is not None:
                self._say("info", f"{method} {shown}: HTTP {exc.status}")
            raise
        except (OSError, http.client.HTTPException) as exc:
            raise ApiError(method, shown, None, reason=_transport_reason(exc)) from None
        if self._trace and self._say is not None:
            self._say("info", f"{method} {shown}: HTTP {response.status}")
        return response

    def paginate(self, path: str, query: Mapping[str, str] | None = None) -> list[Any]:
        """Every item of a list endpoint, following `Link: rel="next"` until there is none."""
        items: list[Any] = []
        target: str | None = path
        seen: set[str] = set()
        page_query = query
        while target is not None:
            if len(seen) >= MAX_PAGES or target in seen:
                raise ApiError("GET", path, None, reason="pagination does not end")
            seen.add(target)
            response = self.request("GET", target, query=page_query)
            if not isinstance(response.data, list):
                raise ApiError("GET", path, response.status, reason="expected a JSON list")
            items.extend(response.data)
            target = next_link(response.headers.get("link", ""))
            page_query = None  # the next link carries its own query
        return items

    def _resolve(
        self, method: str, target: str, query: Mapping[str, str] | None
    ) -> tuple[str, str]:
        base_path = self._base.path.rstrip("/")
        if target.startswith("/"):
            path, query_text = target, urllib.parse.urlencode(query or {})
        else:
            link = urllib.parse.urlsplit(target)
            # The token goes only where it came for: same scheme, host, port and API prefix.
            if (link.scheme, link.netloc) != (self._base.scheme, self._base.netloc) or not (
                link.path.startswith(base_path + "/")
            ):
                raise ApiError(method, "(link)", None, reason="a link points off the API URL")
            path, query_text = link.path[len(base_path) :], link.query
        shown = path + (f"?{query_text}" if query_text else "")
        url = urllib.parse.urlunsplit(
            (self._base.scheme, self._base.netloc, base_path + path, query_text, "")
        )
        return url, shown

    def _send(self, method: str, url: str, shown: str, payload: bytes | None) -> Response:
        headers = dict(self._headers)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        # `url` is always http(s): `_resolve` builds it from the checked API URL's scheme.
        request = urllib.request.Request(url, data=payload, headers=headers, method=method)  # noqa: S310
        timeout = max(0.1, min(REQUEST_TIMEOUT, self._deadline - _monotonic()))
        try:
            with self._opener.open(request, timeout=timeout) as response:
                raw = response.read(MAX_RESPONSE_BYTES + 1)
                status = response.status
                response_headers = _lower(response.headers)
        except urllib.error.HTTPError as err:
            error_headers = _lower(err.headers)
            try:
                error_body = err.read(MAX_ERROR_BYTES)
            except (OSError, http.client.HTTPException):
                error_body = b""
            finally:
                err.close()
            message = self._redact(_api_message(error_body))
            if 300 <= err.code < 400:
                message = message or "redirect not followed"
            raise ApiError(method, shown, err.code, error_headers, message=message) from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise ApiError(method, shown, status, reason="the response is too large")
        if not raw.strip():
            return Response(status, response_headers, None)
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ApiError(method, shown, status, reason="the response is not JSON") from None
        return Response(status, response_headers, data)

    def _notice(self, method: str, shown: str, notice: RetryNotice) -> None:
        if self._say is None:
            return
        what = f"{method} {shown}: {notice.reason or 'failed'}"
        if not notice.gave_up:
            self._say("info", f"{what}; retrying in {notice.wait:.1f} s")
        elif notice.gave_up == "attempts":
            self._say("info", f"{what}; giving up after {notice.attempt} attempts")
        else:
            self._say(
                "info",
                f"{what}; waiting {notice.wait:.0f} s would exceed the time budget, giving up",
            )


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()} if headers is not None else {}


def _api_message(raw: bytes) -> str:
    """GitHub's `message` field from an error body, cleaned; never the body itself."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return clean(message) if isinstance(message, str) else ""


def _transport_reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) or (
        isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, TimeoutError)
    ):
        return "timed out"
    # The class name only: a reason's text can hold a proxy URL with credentials.
    inner = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return f"connection failed ({type(inner).__name__})"


def clean(text: str, limit: int = 200) -> str:
    """Text from the API made safe for one log line: no control characters, bounded."""
    one_line = " ".join(_CONTROL.sub(" ", text).split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def next_link(header: str) -> str | None:
    """The `rel="next"` URL of a `Link` header, or None (the last page has none)."""
    for url, params in re.findall(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)", header):
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "rel" and "next" in value.strip().strip('"').split():
                return str(url)
    return None


# --- keeping one comment ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    login: str
    body: str
    html_url: str


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do on one PR: create, update the kept comment, leave it, or skip (why)."""

    action: Literal["create", "update", "unchanged", "skip"]
    keep: Comment | None = None
    delete: tuple[Comment, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How delivery ended, for the step outputs and the exit code."""

    delivery: Literal["comment", "skipped", "failed"]
    comment_id: int | None = None
    comment_url: str | None = None
    # A 403 that is a permission problem (fork, Dependabot, missing `pull-requests: write`).
    permission: bool = False


def _normalized(body: str) -> str:
    # Bodies edited on github.com come back with CRLF line ends.
    return body.replace("\r\n", "\n")


def plan_comment(comments: Sequence[Comment], body: str, own: Marker, login: str) -> Plan:
    """Decide from the PR's comments: ours are marker-first AND by `login`, oldest kept."""
    ours = sorted(
        (c for c in comments if c.body.startswith(MARKER_PREFIX) and c.login == login),
        key=lambda c: c.id,
    )
    if not ours:
        return Plan("create")
    for comment in ours:
        existing = parse_marker(comment.body)
        if existing is not None and is_newer(existing, own):
            return Plan(
                "skip",
                reason=f"comment {comment.id} already reports a newer run "
                f"({existing.run_id}, attempt {existing.run_attempt or '?'}) of this commit",
            )
    keep, extra = ours[0], tuple(ours[1:])
    action: Literal["update", "unchanged"] = (
        "unchanged" if _normalized(keep.body) == _normalized(body) else "update"
    )
    return Plan(action, keep, extra)


def _comment(data: Any, what: str) -> Comment:
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise ApiError("read", what, None, reason="unexpected comment data")
    user = data.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    body = data.get("body")
    url = data.get("html_url")
    return Comment(
        id=data["id"],
        login=login if isinstance(login, str) else "",
        body=body if isinstance(body, str) else "",
        html_url=url if isinstance(url, str) else "",
    )


class _Session:
    """One delivery: the client, the repository, the body, what to say, dry run or not."""

    def __init__(
        self, client: GitHubClient, repository: str, body: str, *, own: Marker, say: Say, dry: bool
    ) -> None:
        self.client, self.repo, self.body, self.own = client, repository, body, own
        self.say, self.dry = say, dry
        self._login: str | None = None

    def login(self) -> str:
        """The token's user (a PAT); the Actions bot when `/user` refuses (the Actions token)."""
        if self._login is None:
            try:
                data = self.client.request("GET", "/user").data
            except ApiError as exc:
                if exc.status not in (401, 403):
                    raise
                self._login = BOT_LOGIN
            else:
                login = data.get("login") if isinstance(data, dict) else None
                self._login = login if isinstance(login, str) and login else BOT_LOGIN
        return self._login

    def comments(self, number: int) -> list[Comment]:
        path = f"/repos/{self.repo}/issues/{number}/comments"
        return [
            _comment(item, path) for item in self.client.paginate(path, {"per_page": str(PER_PAGE)})
        ]

    def head_sha(self, number: int) -> str:
        data = self.client.request("GET", f"/repos/{self.repo}/pulls/{number}").data
        head = data.get("head") if isinstance(data, dict) else None
        sha = head.get("sha") if isinstance(head, dict) else None
        if not isinstance(sha, str):
            raise ApiError("GET", f"/repos/{self.repo}/pulls/{number}", None, reason="no head")
        return sha

    def deliver(self, number: int) -> Outcome:
        if self.own.head_sha is not None:
            head = self.head_sha(number)
            if head != self.own.head_sha:
                self.say(
                    "notice",
                    f"pull request #{number} has moved on to {clean(head)[:12]}; this report is "
                    f"for {clean(self.own.head_sha)[:12]}, so it does not replace the newer one",
                )
                return Outcome("skipped")
        comments = self.comments(number)
        for round_ in range(1, CREATE_ROUNDS + 1):
            login = self.login() if any(c.body.startswith(MARKER_PREFIX) for c in comments) else ""
            plan = plan_comment(comments, self.body, self.own, login)
            if plan.action == "skip":
                self.say("notice", f"pull request #{number}: {plan.reason}; not overwriting it")
                return Outcome("skipped")
            if plan.keep is not None:
                return self._keep(plan.keep, plan)
            try:
                return self._create(number)
            except ApiError as exc:
                if not exc.ambiguous or round_ == CREATE_ROUNDS:
                    raise
                # The comment may exist now: look before creating a second one.
                self.say("info", f"{exc.summary()}; listing the comments again before retrying")
                comments = self.comments(number)
        raise AssertionError("unreachable: the last round returns or raises")

    def _create(self, number: int) -> Outcome:
        path = f"/repos/{self.repo}/issues/{number}/comments"
        if self.dry:
            self.say("info", f"would POST {path} (a new comment, {len(self.body)} characters)")
            return Outcome("skipped")
        created = _comment(self.client.request("POST", path, body={"body": self.body}).data, path)
        self.say("info", f"created comment {created.id} on pull request #{number}")
        return Outcome("comment", created.id, created.html_url)

    def _keep(self, keep: Comment, plan: Plan) -> Outcome:
        path = f"/repos/{self.repo}/issues/comments/{keep.id}"
        result = Outcome("comment", keep.id, keep.html_url)
        if plan.action == "unchanged":
            self.say("info", f"comment {keep.id} is up to date")
        elif self.dry:
            self.say("info", f"would PATCH {path} ({len(self.body)} characters)")
        else:
            updated = _comment(
                self.client.request("PATCH", path, body={"body": self.body}).data, path
            )
            result = Outcome("comment", updated.id, updated.html_url or keep.html_url)
            self.say("info", f"updated comment {keep.id}")
        for extra in plan.delete:
            extra_path = f"/repos/{self.repo}/issues/comments/{extra.id}"
            if self.dry:
                self.say("info", f"would DELETE {extra_path} (a duplicate)")
                continue
            try:
                self.client.request("DELETE", extra_path)
            except ApiError as exc:
                if exc.status != 404:  # 404: another run removed it first
                    raise
            self.say("info", f"deleted duplicate comment {extra.id}")
        return result if not self.dry else Outcome("skipped")


def _pull_numbers(context: Context, client: GitHubClient | None, say: Say) -> list[int] | Outcome:
    """The PRs to comment on, or the Outcome that ends delivery (skipped or failed)."""
    event_name, event, repository = context.event_name, context.event, context.repository
    if event_name in ("pull_request", "pull_request_target"):
        if event is None:
            say("warning", context.event_error or "GITHUB_EVENT_PATH is not set")
            return Outcome("failed")
        pull = event.get("pull_request")
        number = _as_int(event.get("number"))
        if number is None and isinstance(pull, dict):
            number = _as_int(pull.get("number"))
        if number is None or number < 1:
            say("warning", f"the {event_name} event payload names no pull request number")
            return Outcome("failed")
        if event_name == "pull_request" and _from_fork(pull, repository):
            # Known up front: the token of a fork's PR is read-only, so say so and make no call.
            say(
                "notice",
                f"pull request #{number} comes from a fork, whose token is read-only: no PR "
                "comment; the report is in the job summary",
            )
            return Outcome("skipped")
        return [number]
    if event_name == "push":
        sha = context.sha
        if sha is None or not _SHA.match(sha):
            say("warning", "GITHUB_SHA is not a commit SHA: cannot find the pull request")
            return Outcome("failed")
        if client is None:
            say("info", f"would GET /repos/{repository}/commits/{sha}/pulls (open PRs at {sha})")
            return []
        pulls = client.request("GET", f"/repos/{repository}/commits/{sha}/pulls").data
        numbers = sorted(
            number
            for pull in (pulls if isinstance(pulls, list) else [])
            if isinstance(pull, dict)
            and pull.get("state") == "open"
            and isinstance(pull.get("head"), dict)
            and pull["head"].get("sha") == sha
            and not _from_fork(pull, repository)
            and (number := _as_int(pull.get("number"))) is not None
        )
        if not numbers:
            say("notice", f"no open pull request has {sha[:12]} as its head: no PR comment")
            return Outcome("skipped")
        return numbers
    shown = clean(event_name or "(none)")
    say("notice", f"the {shown} event has no pull request to comment on: no PR comment")
    return Outcome("skipped")


def _from_fork(pull: Any, repository: str | None) -> bool:
    head = pull.get("head") if isinstance(pull, dict) else None
    repo = head.get("repo") if isinstance(head, dict) else None
    full_name = repo.get("full_name") if isinstance(repo, dict) else None
    # A deleted fork has `repo: null`: it is not this repository either.
    return not isinstance(full_name, str) or full_name.lower() != (repository or "").lower()


def own_marker(body: str, context: Context) -> Marker:
    """This run's marker: the body's, completed from the environment where it is silent."""
    marker = parse_marker(body) or Marker()
    head_sha = marker.head_sha
    if head_sha is None and isinstance(context.event, dict):
        pull = context.event.get("pull_request")
        head = pull.get("head") if isinstance(pull, dict) else None
        sha = head.get("sha") if isinstance(head, dict) else None
        head_sha = sha if isinstance(sha, str) and sha else None
    if head_sha is None and context.event_name == "push":
        head_sha = context.sha
    run_id = marker.run_id if marker.run_id is not None else _as_int(context.run_id)
    run_attempt = marker.run_attempt
    if run_attempt is None and run_id is not None and run_id == _as_int(context.run_id):
        run_attempt = _as_int(context.run_attempt)
    return Marker(head_sha, run_id, run_attempt, marker.status)


def deliver_comment(
    body: str,
    context: Context,
    *,
    say: Say,
    dry_run: bool = False,
    total_timeout: float = TOTAL_TIMEOUT,
) -> Outcome:
    """Create or update the one opsguard comment on the run's pull request(s).

    Never raises for a posting problem: it says a warning and returns a
    `failed` Outcome (`permission=True` for a 403 that is not a rate limit).
    With `dry_run`, makes only GET calls (and only with a token) and says
    which writes it would make.
    """
    own = own_marker(body, context)
    repository = context.repository
    if context.event_name is None or repository is None:
        say("notice", "not running in GitHub Actions (no GITHUB_EVENT_NAME or GITHUB_REPOSITORY)")
        return Outcome("skipped")
    if not _REPOSITORY.match(repository):
        say("warning", "GITHUB_REPOSITORY is not owner/name")
        return Outcome("failed")
    can_read = context.token is not None and context.api_url is not None
    if not can_read and not dry_run:
        missing = "GITHUB_TOKEN" if context.token is None else "GITHUB_API_URL"
        say("warning", f"{missing} is not set: cannot comment; the report is in the job summary")
        return Outcome("failed")
    try:
        client = (
            GitHubClient(
                context.api_url or "",
                context.token or "",
                total_timeout=total_timeout,
                say=say,
                trace=dry_run,
            )
            if can_read
            else None
        )
        targets = _pull_numbers(context, client, say)
        if isinstance(targets, Outcome):
            return targets
        if client is None:
            for number in [str(n) for n in targets] or ["{number}"]:
                say("info", f"would GET /repos/{repository}/pulls/{number} (the current head)")
                say("info", f"would GET /repos/{repository}/issues/{number}/comments?per_page=100")
            say("info", "then PATCH the oldest opsguard comment and DELETE duplicates, or POST")
            return Outcome("skipped")
        session = _Session(client, repository, body, own=own, say=say, dry=dry_run)
        outcomes = [session.deliver(number) for number in targets]
    except ApiError as exc:
        return _failed(exc, say)
    for delivery in ("comment", "skipped"):
        for outcome in outcomes:
            if outcome.delivery == delivery:
                return outcome
    return Outcome("skipped")


def _failed(exc: ApiError, say: Say) -> Outcome:
    if exc.permission:
        say(
            "warning",
            f"the token cannot comment ({exc.summary()}): a fork or Dependabot PR, or a "
            "workflow without `permissions: pull-requests: write`; the report is in the job "
            "summary",
        )
        return Outcome("failed", permission=True)
    say("warning", f"could not comment: {exc.summary()}; the report is in the job summary")
    return Outcome("failed")
