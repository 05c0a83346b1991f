"""HTTP with retries for remote APIs: backoff with jitter, Retry-After, rate-limit headers, and
a circuit breaker.

Only idempotent requests go through here (GETs, and POSTs that set absolute values), so retrying
after a timeout, a reset, a 429 or a 5xx can never apply a change twice. When the API is down
(every attempt of every call failing, no success in between), the breaker opens after a bounded
number of attempts or seconds and every further call fails at once: a run against a dead
controller ends in seconds with one report, instead of thousands of attempts and one error per
member.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ztix.errors import AdapterError, CredentialsRejected, Down, Unavailable
from ztix.settings.defaults import HTTP_TIMEOUT

Sleep = Callable[[float], Awaitable[None]]


class ApiError(AdapterError):
    """A remote API call failed."""


class ApiAuthError(ApiError, CredentialsRejected):
    """The API refused the credentials (401/403); retrying will not help."""


class ApiUnavailable(ApiError, Unavailable):
    """The API kept failing (timeouts, resets, 429, 5xx) after every retry."""


class ApiDown(ApiUnavailable, Down):
    """The circuit breaker is open: the API failed every attempt for too long; nothing more is
    sent this run."""


@dataclass(frozen=True)
class ErrorSet:
    """The exception classes an API client raises, so each adapter keeps its own names."""

    error: type[ApiError] = ApiError
    auth: type[ApiError] = ApiAuthError
    unavailable: type[ApiUnavailable] = ApiUnavailable
    down: type[ApiDown] = ApiDown


@dataclass
class Breaker:
    """Opens after `threshold` consecutive failed attempts or `give_up` seconds of failures
    without a success in between; a success closes it again.

    A command's run (`cooldown` None) stops calling an API that is down and reports it once.
    A long-running process (the portal) sets `cooldown`: once it has passed, one call goes
    through as a probe (half-open); its success closes the breaker, its failure keeps it open
    for another cool-down. So an outage never outlives itself in the process.
    """

    threshold: int = 8
    give_up: float = 20.0
    clock: Callable[[], float] = time.monotonic
    cooldown: float | None = None
    failures: int = 0  # consecutive
    attempts: int = 0  # all attempts while failing, for the report
    first_failure: float | None = None
    open: bool = False
    opened_at: float = 0.0
    probing: bool = False

    @property
    def state(self) -> str:
        """closed, open or half-open (a probe is out)."""
        if not self.open:
            return "closed"
        return "half-open" if self.probing else "open"

    def admit(self) -> bool:
        """Whether a call may go out now (while open: only the one probe after the cool-down)."""
        if not self.open:
            return True
        if self.cooldown is None or self.probing:
            return False
        if self.clock() - self.opened_at >= self.cooldown:
            self.probing = True
            return True
        return False

    def cooldown_left(self) -> float:
        """Seconds until an open breaker lets its probe through (0 when closed or due)."""
        if not self.open or self.cooldown is None:
            return 0.0
        return max(0.0, self.cooldown - (self.clock() - self.opened_at))

    def trip(self, seconds: float) -> None:
        """Open for `seconds` (another process found the API down), then probe as usual."""
        self.open, self.probing = True, False
        self.opened_at = self.clock() - max(0.0, (self.cooldown or 0.0) - seconds)

    def success(self) -> None:
        """An answer came back: the API is up."""
        self.failures, self.attempts, self.first_failure = 0, 0, None
        self.open, self.probing = False, False

    def failure(self) -> None:
        """An attempt failed (refused, reset, timed out, 5xx)."""
        now = self.clock()
        self.failures += 1
        self.attempts += 1
        if self.first_failure is None:
            self.first_failure = now
        if self.probing:  # the probe failed: another cool-down
            self.probing = False
            self.opened_at = now
            return
        if not self.open and (
            self.failures >= self.threshold or now - self.first_failure >= self.give_up
        ):
            self.open = True
            self.opened_at = now


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in attempts and delay."""

    attempts: int = 6
    base: float = 0.2
    cap: float = 10.0
    max_retry_after: float = 60.0
    sleep: Sleep = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt` (0-based): uniform in [0, min(cap, base*2^n)]."""
        return self.rng.uniform(0, min(self.cap, self.base * 2**attempt))


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date, RFC 9110 10.2.3)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class ApiClient:
    """One API's HTTP client: auth header, timeouts, bounded concurrency, retries."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        *,
        timeout: float = HTTP_TIMEOUT,
        concurrency: int = 8,
        keepalive: bool = True,
        policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        errors: ErrorSet | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        self.errors = errors or ErrorSet()
        self.base_url = base_url.rstrip("/")
        self.breaker = breaker or Breaker()
        limits = httpx.Limits(
            max_connections=concurrency, max_keepalive_connections=concurrency if keepalive else 0
        )
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout),
            limits=limits,
            transport=transport,
        )
        self._gate = asyncio.Semaphore(concurrency)
        self.policy = policy or RetryPolicy()
        self._not_before = 0.0  # monotonic time before which no request may start
        self.calls: list[tuple[str, str, int]] = []  # (method, path, status) of every attempt

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self._client.aclose()

    async def request(
        self, method: str, path: str, body: Any = None, *, retry: bool = True
    ) -> httpx.Response:
        """Send with retries; 2xx and 404 are returned, anything else raises an ApiError.

        `retry=False` is for requests that are not idempotent (creating a pull request).
        """
        last = ""
        sent = False  # whether the last failed attempt reached the server
        attempts = self.policy.attempts if retry else 1
        for attempt in range(attempts):
            async with self._gate:
                if not self.breaker.admit():
                    raise self._down()
                await self._respect_rate_limit()
                try:
                    response = await self._client.request(method, path, json=body)
                except httpx.TimeoutException as exc:
                    last = "timed out"
                    sent = not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
                    self._failed(method, path)
                except httpx.TransportError as exc:  # refused, reset, closed mid-response
                    last = f"connection failed ({type(exc).__name__})"
                    sent = not isinstance(exc, httpx.ConnectError)
                    self._failed(method, path)
                else:
                    if self._answered(method, path, response):
                        return response
                    sent = False  # the server answered: it says it did not do it
                    last = f"HTTP {response.status_code}"
                    wait = retry_after(response)
                    if wait is not None and attempt + 1 < attempts:
                        await self.policy.sleep(min(wait, self.policy.max_retry_after))
                        continue
            if self.breaker.open:
                break  # no retries into an open breaker (a failed probe included)
            if attempt + 1 < attempts:
                await self.policy.sleep(self.policy.backoff(attempt))
        if self.breaker.open:
            raise self._down()
        error = self.errors.unavailable(
            f"{method} {path}: {last} after {attempts} attempt{'s' if attempts > 1 else ''}; "
            "try again when the API is back"
        )
        error.maybe_applied = sent and method != "GET"
        raise error

    def _answered(self, method: str, path: str, response: httpx.Response) -> bool:
        """Note an answer; True to return it (2xx, 404), False to retry (429, 5xx); raises for
        the rest (refused credentials, other client errors)."""
        self.calls.append((method, path, response.status_code))
        self._note_rate_limit(response)
        status = response.status_code
        if status >= 500:
            self.breaker.failure()
        elif status != 429:
            self.breaker.success()
        if status in (401, 403):
            raise self.errors.auth(
                f"{method} {path}: HTTP {status}: the API refused the credentials; set valid "
                "ones in the environment (see README)"
            )
        if status < 400 or status == 404:
            return True
        if status != 429 and status < 500:
            raise self.errors.error(f"{method} {path}: HTTP {status}: {_excerpt(response)}")
        return False

    def _failed(self, method: str, path: str) -> None:
        self.calls.append((method, path, 0))
        self.breaker.failure()

    def _down(self) -> ApiDown:
        breaker = self.breaker
        then = (
            "nothing more is sent this run"
            if breaker.cooldown is None
            else f"it is tried again every {breaker.cooldown:.0f} s"
        )
        return self.errors.down(
            f"{self.base_url} unreachable after {breaker.attempts} failed attempts (no answer "
            f"for {breaker.give_up:.0f} s or {breaker.threshold} attempts in a row); {then}"
        )

    async def _respect_rate_limit(self) -> None:
        wait = self._not_before - time.monotonic()
        if wait > 0:
            await self.policy.sleep(wait)

    def _note_rate_limit(self, response: httpx.Response) -> None:
        # Central sends X-Ratelimit-Remaining/-Reset: when the budget is spent, pause until reset.
        remaining = response.headers.get("X-Ratelimit-Remaining")
        reset = response.headers.get("X-Ratelimit-Reset")
        if remaining is None or reset is None:
            return
        try:
            left, when = int(remaining), float(reset)
        except ValueError:
            return
        if left > 0:
            return
        # Reset is epoch seconds on most APIs; small values are a delay in seconds.
        delay = when - time.time() if when > 1e9 else when
        delay = min(max(delay, 0.0), self.policy.max_retry_after)
        self._not_before = max(self._not_before, time.monotonic() + delay)


def _excerpt(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:200] or response.reason_phrase
