"""`opsguard.retry`: which failures are retried, the waits, and the caps.

Real HTTP against a loopback server in a thread. Time never passes for real:
tenacity (under stamina) sleeps through `time.sleep`, which the `clock`
fixture replaces with one that records the wait and moves the policy's
clock; the waits are asserted from that record and from stamina's own
instrumentation (`RetryDetails.wait_for`), never from the wall clock.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stamina
from stamina.instrumentation import RetryDetails, set_on_retry_hooks

from opsguard import retry
from opsguard.retry import (
    RetryNotice,
    RetryPolicy,
    call_with_retry,
    classify_github,
    classify_http,
    failure_of,
    retry_http,
)

NOW = 1_750_000_000.0  # a fixed wall clock for HTTP dates and rate-limit resets

# --- the loopback server ---------------------------------------------------------------


@dataclass
class Loopback:
    """Answers with `replies` in order, then `then` forever; counts the hits."""

    replies: list[tuple[int, Mapping[str, str]]]
    then: tuple[int, Mapping[str, str]] = (200, {})
    hits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def next_reply(self) -> tuple[int, Mapping[str, str]]:
        with self.lock:
            self.hits += 1
            return self.replies.pop(0) if self.replies else self.then


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(
        replies: Sequence[tuple[int, Mapping[str, str]]] = (),
        then: tuple[int, Mapping[str, str]] = (200, {}),
    ) -> Loopback:
        script = Loopback(list(replies), then)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers = script.next_reply()
                body = b"ok" if status == 200 else b"{}"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        # A short poll interval: shutdown() waits for it, at every test's teardown.
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
        servers.append(server)
        script.url = f"http://127.0.0.1:{server.server_address[1]}/data"
        return script

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def fetch(url: str) -> bytes:
    """A plain urllib GET (no proxy: the server is on loopback)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        data: bytes = response.read()
        return data


# --- time that never passes for real ---------------------------------------------------


@dataclass
class Clock:
    now: float = 100.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    # tenacity's default sleep (used by stamina for sync calls) calls time.sleep.
    monkeypatch.setattr(time, "sleep", fake.sleep)
    monkeypatch.setattr(retry, "_monotonic", fake.monotonic)
    monkeypatch.setattr(retry, "_wall_clock", lambda: NOW)
    return fake


@pytest.fixture
def scheduled() -> Iterator[list[RetryDetails]]:
    """stamina's view of every retry it scheduled (its instrumentation hook)."""
    seen: list[RetryDetails] = []

    def record(details: RetryDetails) -> None:
        seen.append(details)

    set_on_retry_hooks([record])
    yield seen
    set_on_retry_hooks(None)


# --- over real HTTP --------------------------------------------------------------------


def test_503_twice_then_200(serve: Any, clock: Clock, scheduled: list[RetryDetails]) -> None:
    server = serve([(503, {}), (503, {})])
    assert call_with_retry(fetch, server.url) == b"ok"
    assert server.hits == 3
    assert len(clock.sleeps) == 2
    # Exponential backoff with jitter: the second wait starts from twice the first's base.
    policy = retry.DEFAULT_POLICY
    assert policy.wait_initial <= clock.sleeps[0] <= policy.wait_initial + policy.wait_jitter
    assert (
        2 * policy.wait_initial <= clock.sleeps[1] <= 2 * policy.wait_initial + policy.wait_jitter
    )
    assert [d.wait_for for d in scheduled] == pytest.approx(clock.sleeps)


def test_429_retry_after_seconds_is_the_wait(
    serve: Any, clock: Clock, scheduled: list[RetryDetails]
) -> None:
    server = serve([(429, {"Retry-After": "1"})])
    assert call_with_retry(fetch, server.url) == b"ok"
    assert server.hits == 2
    assert clock.sleeps == [1.0]
    assert [d.wait_for for d in scheduled] == [1.0]
    assert "fetch" in scheduled[0].name


def test_404_is_not_retried(serve: Any, clock: Clock) -> None:
    server = serve(then=(404, {}))
    with pytest.raises(urllib.error.HTTPError) as caught:
        call_with_retry(fetch, server.url)
    assert caught.value.code == 404
    assert server.hits == 1
    assert clock.sleeps == []


def test_retry_after_as_an_http_date(serve: Any, clock: Clock) -> None:
    server = serve([(503, {"Retry-After": formatdate(NOW + 30, usegmt=True)})])
    assert RetryPolicy(max_wait=60).call(fetch, server.url) == b"ok"
    assert clock.sleeps == [30.0]


def test_a_retry_after_beyond_max_wait_gives_up_at_once(serve: Any, clock: Clock) -> None:
    notices: list[RetryNotice] = []
    server = serve(then=(429, {"Retry-After": "3600"}))
    policy = RetryPolicy(max_wait=30, notify=notices.append)
    with pytest.raises(urllib.error.HTTPError):
        policy.call(fetch, server.url)
    assert server.hits == 1
    assert clock.sleeps == []
    assert [(n.wait, n.gave_up) for n in notices] == [(3600.0, "max_wait")]


def test_the_total_time_cap(serve: Any, clock: Clock) -> None:
    # 10 s budget, 4 s per wait: waits at 0 and 4 fit, the one at 8 would end at 12.
    notices: list[RetryNotice] = []
    server = serve(then=(503, {"Retry-After": "4"}))
    policy = RetryPolicy(attempts=100, timeout=10, notify=notices.append)
    with pytest.raises(urllib.error.HTTPError) as caught:
        policy.call(fetch, server.url)
    assert caught.value.code == 503  # the last failure, as it was
    assert server.hits == 3
    assert clock.sleeps == [4.0, 4.0]
    assert notices[-1].gave_up == "budget"


def test_the_total_time_cap_applies_to_backoff_too(serve: Any, clock: Clock) -> None:
    server = serve(then=(502, {}))
    policy = RetryPolicy(attempts=100, timeout=1.0, wait_initial=0.4, wait_jitter=0)
    with pytest.raises(urllib.error.HTTPError):
        policy.call(fetch, server.url)
    # 0.4 fits (0.4), 0.8 does not (1.2 > 1.0).
    assert clock.sleeps == [0.4]
    assert server.hits == 2


def test_the_attempts_cap(serve: Any, clock: Clock) -> None:
    notices: list[RetryNotice] = []
    server = serve(then=(503, {}))
    with pytest.raises(urllib.error.HTTPError):
        RetryPolicy(attempts=3, notify=notices.append).call(fetch, server.url)
    assert server.hits == 3
    assert len(clock.sleeps) == 2
    assert notices[-1].gave_up == "attempts"


def test_the_decorator_with_limits(serve: Any, clock: Clock) -> None:
    server = serve(then=(500, {}))

    @retry_http(attempts=2, timeout=30, max_wait=5)
    def get(url: str) -> bytes:
        return fetch(url)

    with pytest.raises(urllib.error.HTTPError):
        get(server.url)
    assert server.hits == 2
    assert get.__name__ == "get"  # wraps keeps the identity (stamina's logs name it)


def test_the_bare_decorator_retries_and_each_call_has_its_own_budget(
    serve: Any, clock: Clock
) -> None:
    server = serve([(502, {}), (502, {})])

    @retry_http
    def get(url: str) -> bytes:
        return fetch(url)

    assert get(server.url) == b"ok"
    assert get(server.url) == b"ok"
    assert server.hits == 4


def test_a_refused_connection_is_retried(clock: Clock) -> None:
    listener = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = listener.server_address[1]
    listener.server_close()  # nothing listens there any more
    with pytest.raises(urllib.error.URLError):
        RetryPolicy(attempts=3).call(fetch, f"http://127.0.0.1:{port}/")
    assert len(clock.sleeps) == 2


def test_stamina_testing_mode_turns_retries_off(serve: Any) -> None:
    # How code using this module is tested: no waits, a chosen number of attempts.
    server = serve(then=(503, {"Retry-After": "30"}))
    with stamina.set_testing(True, attempts=2), pytest.raises(urllib.error.HTTPError):
        call_with_retry(fetch, server.url)
    assert server.hits == 2


# --- classification without a server ---------------------------------------------------


@dataclass
class FakeResponse:
    status_code: int
    headers: Mapping[str, str] = field(default_factory=dict)


class HTTPStatusError(Exception):
    """Shaped like requests' HTTPError and httpx's HTTPStatusError: `.response`."""

    def __init__(self, status: int, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.response = FakeResponse(status, dict(headers or {}))


def _foreign(module: str, *names: str) -> type[Exception]:
    """A class hierarchy `names[0] <- names[1] <- ...` that claims to live in `module`."""
    cls: type[Exception] = Exception
    for name in names:
        cls = type(name, (cls,), {"__module__": module})
    return cls


def test_a_requests_shaped_error_is_classified_by_its_response() -> None:
    assert classify_http(HTTPStatusError(503)).retry
    assert classify_http(HTTPStatusError(429, {"Retry-After": "7"})) == retry.Verdict(
        True, 7.0, "HTTP 429"
    )
    assert not classify_http(HTTPStatusError(404)).retry
    assert not classify_http(HTTPStatusError(501)).retry  # Not Implemented never heals
    failure = failure_of(HTTPStatusError(502, {"X-Thing": "1"}))
    assert failure is not None and failure.headers == {"x-thing": "1"}


def test_a_requests_shaped_error_is_retried_by_the_wrapper(clock: Clock) -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise HTTPStatusError(503)
        return "done"

    assert call_with_retry(flaky) == "done"
    assert len(calls) == 3


@pytest.mark.parametrize(
    ("module", "names", "kind"),
    [
        ("requests.exceptions", ("RequestException", "ConnectionError"), "connection"),
        ("requests.exceptions", ("RequestException", "Timeout", "ReadTimeout"), "timeout"),
        ("requests.exceptions", ("RequestException", "ConnectionError", "SSLError"), None),
        ("httpx", ("HTTPError", "TransportError", "NetworkError", "ConnectError"), "connection"),
        ("httpx", ("HTTPError", "TransportError", "TimeoutException", "ReadTimeout"), "timeout"),
        ("httpx", ("HTTPError", "TransportError", "UnsupportedProtocol"), None),
        ("mylib.errors", ("ConnectionError",), None),  # the name alone is not enough
    ],
)
def test_foreign_transport_errors_are_recognised_by_name(
    module: str, names: tuple[str, ...], kind: str | None
) -> None:
    failure = failure_of(_foreign(module, *names)())
    assert (failure.kind if failure else None) == kind
    assert classify_http(_foreign(module, *names)()).retry is (kind is not None)


def test_stdlib_transport_errors() -> None:
    assert classify_http(TimeoutError()).reason == "timeout"
    assert classify_http(ConnectionResetError()).reason == "connection"
    assert classify_http(urllib.error.URLError(ConnectionRefusedError())).retry
    assert not classify_http(urllib.error.URLError("unknown url type: ftp")).retry
    assert not classify_http(ValueError("not HTTP at all")).retry


class GitHubError(Exception):
    """Shaped like opsguard's GitHub client error: `status`, `headers`, `message`."""

    def __init__(self, status: int, headers: Mapping[str, str] | None = None, message: str = ""):
        super().__init__(f"HTTP {status}")
        self.status, self.headers, self.message = status, dict(headers or {}), message


def test_github_retry_after_wins(clock: Clock) -> None:
    exc = GitHubError(403, {"retry-after": "5", "x-ratelimit-remaining": "0"}, "rate limit")
    assert classify_github(exc, method="POST") == retry.Verdict(
        True, 5.0, "GitHub rate limit (retry-after)"
    )


def test_github_primary_limit_waits_until_the_reset(clock: Clock) -> None:
    exc = GitHubError(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 20)})
    verdict = classify_github(exc, method="GET")
    assert verdict.retry and verdict.wait == 21.0  # one second of margin


def test_github_secondary_limit_waits_at_least_a_minute() -> None:
    message = "You have exceeded a secondary rate limit. Please wait a few minutes."
    for exc in (GitHubError(403, {}, message), GitHubError(429)):
        verdict = classify_github(exc, method="POST")
        assert verdict.retry and verdict.wait is not None and 60 <= verdict.wait <= 75


def test_github_permission_403_is_never_retried() -> None:
    exc = GitHubError(
        403, {"x-ratelimit-remaining": "4999"}, "Resource not accessible by integration"
    )
    for method in ("GET", "POST", "PATCH", "DELETE"):
        assert not classify_github(exc, method=method).retry


def test_github_5xx_and_lost_connections_are_not_retried_for_post() -> None:
    for method in ("GET", "PATCH", "DELETE"):
        assert classify_github(GitHubError(502), method=method).retry
        assert classify_github(ConnectionResetError(), method=method).retry
    assert not classify_github(GitHubError(502), method="POST").retry
    assert not classify_github(TimeoutError(), method="POST").retry
    assert not classify_github(GitHubError(422), method="GET").retry


def test_a_github_rate_limit_beyond_the_budget_gives_up_without_waiting(clock: Clock) -> None:
    reset = str(int(NOW) + 2400)
    calls: list[int] = []

    def limited() -> None:
        calls.append(1)
        raise GitHubError(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})

    policy = RetryPolicy(
        timeout=180, max_wait=3000, classify=lambda e: classify_github(e, method="GET")
    )
    with pytest.raises(GitHubError):
        policy.call(limited)
    assert calls == [1]
    assert clock.sleeps == []
