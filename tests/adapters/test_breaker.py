"""The HTTP breaker of a long-running process (issue 20): after an outage it half-opens once a
cool-down has passed, lets one probe through, closes on its success and stays open (for another
cool-down) on its failure; a command's run (no cool-down) still stops calling for good."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from ztix.adapters.http import ApiClient, ApiDown, Breaker, RetryPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Api:
    """A transport whose server is down or up, counting what reaches it."""

    def __init__(self) -> None:
        self.up = False
        self.seen = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.seen += 1
        if not self.up:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"ok": True})


async def no_sleep(_: float) -> None:
    return None


def client(api: Api, breaker: Breaker) -> ApiClient:
    return ApiClient(
        "http://api.test",
        {},
        transport=httpx.MockTransport(api.handler),
        breaker=breaker,
        policy=RetryPolicy(attempts=3, sleep=no_sleep),
    )


async def call(c: ApiClient) -> str:
    try:
        await c.request("GET", "/x")
    except ApiDown:
        return "down"
    except Exception as exc:
        return type(exc).__name__
    return "ok"


def test_it_half_opens_after_the_cooldown_and_closes_when_the_api_is_back() -> None:
    async def go() -> None:
        api, clock = Api(), Clock()
        breaker = Breaker(threshold=4, give_up=20, clock=clock, cooldown=30)
        c = client(api, breaker)
        assert await call(c) == "ApiUnavailable"  # 3 attempts
        assert await call(c) == "down" and breaker.state == "open"  # the 4th opens it
        seen = api.seen
        assert await call(c) == "down" and api.seen == seen  # nothing sent while open
        clock.now += 31
        assert await call(c) == "down" and api.seen == seen + 1  # one probe, it failed
        assert breaker.state == "open"
        assert await call(c) == "down" and api.seen == seen + 1  # another cool-down first
        api.up = True
        clock.now += 29
        assert await call(c) == "down"  # not yet
        clock.now += 2
        assert await call(c) == "ok" and breaker.state == "closed"  # the probe closed it
        assert await call(c) == "ok" and api.seen == seen + 3
        await c.aclose()

    asyncio.run(go())


def test_one_probe_at_a_time() -> None:
    async def go() -> None:
        api, clock = Api(), Clock()
        breaker = Breaker(threshold=1, clock=clock, cooldown=10)
        c = client(api, breaker)
        await call(c)
        assert breaker.open
        clock.now += 11
        assert breaker.admit() and breaker.state == "half-open"
        assert not breaker.admit()  # a second caller waits for the probe's answer
        breaker.success()
        assert breaker.admit() and breaker.state == "closed"
        await c.aclose()

    asyncio.run(go())


@pytest.mark.parametrize("wait", [0, 3600])
def test_a_commands_run_never_calls_again(wait: float) -> None:
    async def go() -> None:
        api, clock = Api(), Clock()
        breaker = Breaker(threshold=2, clock=clock)  # no cool-down: a CLI run
        c = client(api, breaker)
        await call(c)
        clock.now += wait
        seen = api.seen
        assert await call(c) == "down" and api.seen == seen
        await c.aclose()

    asyncio.run(go())
