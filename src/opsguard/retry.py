"""Retrying HTTP calls: which failures to retry, how long to wait, when to give up.

Built on `stamina` (which does the retry loop, the instrumentation and the
testing mode), this module adds what plain `stamina.retry(on=SomeError)`
does not know:

- **Which failures are transient.** Connection errors, timeouts, 408, 429
  and 5xx are retried; every other 4xx never is (a 404 or a 401 will not heal
  by asking again). It reads `urllib`'s `HTTPError`/`URLError`, the built-in
  `TimeoutError`/`ConnectionError` family, and `requests`/`httpx` errors —
  by duck typing (`exc.response.status_code`, `exc.response.headers`) and by
  class name in the MRO — without importing or depending on either library.
- **Waits the server asked for.** `Retry-After` in seconds or as an HTTP date
  is honoured exactly instead of a guessed backoff; a server asking for more
  than `max_wait` makes the call fail at once, because retrying earlier than
  told only burns an attempt (and, on a rate limit, prolongs it).
- **A real total-time cap.** stamina's `timeout` is checked after a wait; here
  a wait that would end past the budget is not started, so the call gives up
  cleanly (the last exception propagates) within `timeout`.
- **GitHub's rate-limit rules** (`classify_github`): `retry-after`, then
  `x-ratelimit-remaining: 0` until `x-ratelimit-reset`, then at least 60 s
  with jitter for a "secondary rate limit"; a 403 that is not a rate limit
  ("Resource not accessible by integration") is a permission error and is
  never retried; a 5xx or a lost connection is retried for GET, PATCH and
  DELETE but not for POST, which is not idempotent: the caller must look
  before it creates again.

Everything goes through a stamina *backoff hook* (`on=` returning False, or a
float wait in seconds). The hook always returns the wait itself, computing the
jittered exponential backoff like stamina does, because only a known wait can
be checked against the remaining budget. Each call gets a fresh hook, so the
budget and the attempt count are per call, never shared between calls.

Under `stamina.set_testing(True)` every wait is zero, as for any stamina
retry. Instrumentation hooks (stamina's logging, structlog or Prometheus
hooks) see the wrapped callable's arguments: never pass a secret (a token) as
an argument of a retried callable; close over it instead.
"""

from __future__ import annotations

import functools
import http.client
import random
import ssl
import time
import urllib.error
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, Literal, ParamSpec, TypeVar, overload

import stamina

__all__ = [
    "DEFAULT_POLICY",
    "Failure",
    "RetryNotice",
    "RetryPolicy",
    "Verdict",
    "call_with_retry",
    "classify_github",
    "classify_http",
    "failure_of",
    "retry_after_seconds",
    "retry_http",
]

P = ParamSpec("P")
T = TypeVar("T")

# Statuses worth asking again: request timeout, too many requests, and server errors
# except 501 Not Implemented and 505 HTTP Version Not Supported, which never heal.
RETRY_STATUSES = frozenset({408, 429} | set(range(500, 600)) - {501, 505})
# GitHub: wait at least this long on a secondary rate limit that names no time.
SECONDARY_RATE_LIMIT_WAIT = 60.0
# Requests that must not be repeated blindly after an ambiguous failure.
NON_IDEMPOTENT = frozenset({"POST"})

# The clocks, one indirection away so that tests can move time without sleeping.
_monotonic: Callable[[], float] = time.monotonic
_wall_clock: Callable[[], float] = time.time

# Transport failures of libraries that are never imported here, recognised by the
# top-level module and the class name anywhere in the exception's MRO.
_FOREIGN_TRANSIENT = {
    "requests": frozenset({"ConnectionError", "Timeout", "ChunkedEncodingError"}),
    "httpx": frozenset({"TransportError", "TimeoutException"}),
}
# Subclasses of the above that are a configuration problem, not a transient one.
_FOREIGN_PERMANENT = {
    "requests": frozenset({"SSLError", "InvalidURL", "InvalidSchema", "MissingSchema"}),
    "httpx": frozenset({"UnsupportedProtocol", "LocalProtocolError", "ProxyError"}),
}


@dataclass(frozen=True, slots=True)
class Failure:
    """What an exception says about an HTTP call: a status (None: no response) and headers."""

    kind: Literal["status", "timeout", "connection"]
    status: int | None = None
    # Header names lower-cased; values as sent.
    headers: Mapping[str, str] = field(default_factory=dict)
    # A short server-side message (GitHub's JSON `message`), when the caller parsed one.
    message: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether to retry, and after how long (None: the policy's exponential backoff)."""

    retry: bool
    wait: float | None = None
    # For people: "HTTP 503", "timeout", "GitHub secondary rate limit".
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RetryNotice:
    """Told to `RetryPolicy.notify` when a call fails: the wait before the next attempt,
    or None when the policy gives up on a failure it would otherwise retry."""

    attempt: int  # the attempt that failed, from 1
    reason: str
    wait: float | None
    # Why it gave up (wait None): "attempts", "budget" or "max_wait".
    gave_up: str = ""


def failure_of(exc: BaseException) -> Failure | None:
    """The HTTP facts of `exc`, or None when it is not an HTTP or transport failure."""
    response = getattr(exc, "response", None)
    status_code = getattr(response, "status_code", None)
    if isinstance(status_code, int) and not isinstance(status_code, bool):
        # requests' HTTPError and httpx's HTTPStatusError both carry the response.
        return Failure("status", status_code, _headers(getattr(response, "headers", None)))
    if isinstance(exc, urllib.error.HTTPError):
        return Failure("status", exc.code, _headers(exc.headers), _message(exc))
    status = getattr(exc, "status", None)
    if isinstance(status, int) and not isinstance(status, bool) and hasattr(exc, "headers"):
        # Anything else shaped like a response error (aiohttp, opsguard's GitHub client).
        return Failure("status", status, _headers(exc.headers), _message(exc))
    foreign = _foreign_kind(exc)
    if foreign is not None:
        return Failure(foreign) if foreign != "permanent" else None
    if isinstance(exc, ssl.SSLError):
        return None  # a certificate or TLS setup problem does not heal by retrying
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError
        return Failure("timeout")
    if isinstance(exc, ConnectionError | http.client.IncompleteRead):
        return Failure("connection")
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, ssl.SSLError) or not isinstance(reason, OSError):
            return None  # TLS, or "unknown url type": not transient
        return Failure("timeout" if isinstance(reason, TimeoutError) else "connection")
    return None


def _foreign_kind(exc: BaseException) -> Literal["timeout", "connection", "permanent"] | None:
    kind: Literal["timeout", "connection", "permanent"] | None = None
    for cls in type(exc).__mro__:
        library = cls.__module__.partition(".")[0]
        if library not in _FOREIGN_TRANSIENT:
            continue
        if cls.__name__ in _FOREIGN_PERMANENT[library]:
            return "permanent"
        if kind is None and cls.__name__ in _FOREIGN_TRANSIENT[library]:
            kind = "timeout" if "Timeout" in cls.__name__ else "connection"
    return kind


def _headers(raw: Any) -> dict[str, str]:
    items = getattr(raw, "items", None)
    if items is None:
        return {}
    try:
        return {str(k).lower(): str(v) for k, v in items()}
    except Exception:  # a foreign headers object we cannot read: no hints, still classified
        return {}


def _message(exc: BaseException) -> str:
    message = getattr(exc, "message", "")
    return message if isinstance(message, str) else ""


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """`Retry-After` as seconds from now (delta-seconds or an HTTP date), None if absent or bad."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive parse means "-0000"
        when = when.replace(tzinfo=UTC)
    current = _wall_clock() if now is None else now
    return max(0.0, when.timestamp() - current)


def classify_http(exc: BaseException) -> Verdict:
    """The generic policy: transport errors, 408, 429 and 5xx retried, honouring Retry-After."""
    failure = failure_of(exc)
    if failure is None:
        return Verdict(False)
    if failure.status is None:
        return Verdict(True, reason=failure.kind)
    reason = f"HTTP {failure.status}"
    if failure.status not in RETRY_STATUSES:
        return Verdict(False, reason=reason)
    return Verdict(True, retry_after_seconds(failure.headers), reason)


def classify_github(exc: BaseException, *, method: str) -> Verdict:
    """GitHub's documented rules for its REST API, for a request made with `method`.

    Rate limits (403/429): `retry-after` wins, then `x-ratelimit-remaining: 0`
    waits until `x-ratelimit-reset`, then a secondary rate limit (or a bare 429)
    waits at least 60 s with jitter. Any other 403 is a permission error and is
    never retried. 5xx and transport failures are retried except for POST,
    where the request may have been carried out: the caller re-reads before it
    creates again. A rate-limited POST was refused, not carried out, so it is
    retried like any other request.
    """
    failure = failure_of(exc)
    if failure is None:
        return Verdict(False)
    idempotent = method.upper() not in NON_IDEMPOTENT
    status = failure.status
    if status is None:
        return Verdict(idempotent, reason=failure.kind)
    reason = f"HTTP {status}"
    if status in (403, 429):
        headers = failure.headers
        retry_after = retry_after_seconds(headers)
        if retry_after is not None:
            return Verdict(True, retry_after, "GitHub rate limit (retry-after)")
        if headers.get("x-ratelimit-remaining", "").strip() == "0":
            reset = _int(headers.get("x-ratelimit-reset"))
            if reset is not None:
                # One second more: the reset time is whole seconds and clocks differ.
                wait = max(0.0, reset - _wall_clock()) + 1.0
                return Verdict(True, wait, "GitHub rate limit (x-ratelimit-reset)")
        if status == 429 or "secondary rate limit" in failure.message.lower():
            wait = SECONDARY_RATE_LIMIT_WAIT + random.uniform(0, 15)  # noqa: S311 (jitter)
            return Verdict(True, wait, "GitHub secondary rate limit")
        return Verdict(False, reason=f"{reason} (permission)")
    if status in RETRY_STATUSES:
        return Verdict(idempotent, retry_after_seconds(failure.headers), reason)
    return Verdict(False, reason=reason)


def _int(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry; `call` and `wrap` apply it.

    `attempts` counts every try (the first included); `timeout` caps the total
    time in seconds, waits included; `max_wait` caps one server-requested wait
    (a longer `Retry-After` gives up at once). Between other attempts the wait
    is `min(wait_max, wait_initial * 2**(n-1) + uniform(0, wait_jitter))`.
    `notify`, if set, hears of every retry and every give-up (for a log line).
    """

    attempts: int = 5
    timeout: float = 60.0
    max_wait: float = 30.0
    wait_initial: float = 0.5
    wait_max: float = 8.0
    wait_jitter: float = 0.5
    classify: Callable[[BaseException], Verdict] = classify_http
    notify: Callable[[RetryNotice], None] | None = None

    def hook(self) -> Callable[[Exception], bool | float]:
        """A fresh stamina backoff hook: the budget starts now and counts this call only."""
        deadline = _monotonic() + self.timeout
        failures = 0

        def on(exc: Exception) -> bool | float:
            nonlocal failures
            failures += 1
            verdict = self.classify(exc)
            if not verdict.retry:
                return False
            if verdict.wait is None:
                jitter = random.uniform(0, self.wait_jitter)  # noqa: S311 (jitter, not crypto)
                wait = min(self.wait_max, self.wait_initial * 2 ** (failures - 1) + jitter)
            else:
                wait = verdict.wait
            gave_up = ""
            if failures >= self.attempts:
                gave_up = "attempts"
            elif verdict.wait is not None and wait > self.max_wait:
                gave_up = "max_wait"
            elif _monotonic() + wait > deadline:
                gave_up = "budget"
            if self.notify is not None:
                self.notify(RetryNotice(failures, verdict.reason, wait, gave_up))
            return False if gave_up else float(wait)

        return on

    def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)`, retried under this policy; the last exception if it gives up."""
        # The attempts and the timeout are enforced by the hook; stamina gets them too,
        # so that its testing mode (`set_testing(attempts=...)`) still applies.
        retrying = stamina.retry(on=self.hook(), attempts=self.attempts, timeout=self.timeout)
        return retrying(fn)(*args, **kwargs)

    def wrap(self, fn: Callable[P, T], /) -> Callable[P, T]:
        """`fn`, retried under this policy on every call (each call has its own budget)."""

        @functools.wraps(fn)
        def retried(*args: P.args, **kwargs: P.kwargs) -> T:
            return self.call(fn, *args, **kwargs)

        return retried


DEFAULT_POLICY = RetryPolicy()


def call_with_retry(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` under `DEFAULT_POLICY`.

    Every keyword goes to `fn` (so `urlopen(url, timeout=10)` keeps its own
    `timeout`); for other limits use `RetryPolicy(attempts=..., ...).call(fn, ...)`.
    """
    return DEFAULT_POLICY.call(fn, *args, **kwargs)


@overload
def retry_http(fn: Callable[P, T], /) -> Callable[P, T]: ...


@overload
def retry_http(
    *,
    attempts: int = ...,
    timeout: float = ...,
    max_wait: float = ...,
    policy: RetryPolicy = ...,
) -> Callable[[Callable[P, T]], Callable[P, T]]: ...


def retry_http(
    fn: Callable[P, T] | None = None,
    /,
    *,
    attempts: int | None = None,
    timeout: float | None = None,
    max_wait: float | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> Callable[P, T] | Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorator: retry the function's transient HTTP failures (`@retry_http` or with limits).

    `@retry_http(attempts=3, timeout=20, max_wait=10)` overrides those fields
    of `policy` (default `DEFAULT_POLICY`).
    """
    chosen = replace(
        policy,
        attempts=policy.attempts if attempts is None else attempts,
        timeout=policy.timeout if timeout is None else timeout,
        max_wait=policy.max_wait if max_wait is None else max_wait,
    )
    if fn is not None:
        return chosen.wrap(fn)
    return chosen.wrap
