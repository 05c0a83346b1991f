"""Fault injection: 429 storms, 500s, timeouts and resets; reruns converge, nothing twice."""

from __future__ import annotations

import asyncio

from tests.adapters.zerotier.conftest import Env, repo
from tests.fakes.server import Fault, Request
from ztix.adapters.zerotier.http import RetryPolicy
from ztix.apply import zerotier as run
from ztix.apply.zerotier import ApplyResult
from ztix.load.loader import Repository
from ztix.plan.zerotier import desired_members, desired_network, plan_members, plan_network


def is_member_post(request: Request) -> bool:
    return request.method == "POST" and "/member/" in request.path


def apply_once(env: Env, r: Repository | None = None, **kw: object) -> ApplyResult:
    async def go() -> ApplyResult:
        provider = env.make(**kw)
        try:
            rr = r or repo()
            planned = await run.plan(provider, rr.exchange.model, [p.model for p in rr.peers])
            return await run.apply(provider, planned)
        finally:
            await provider.aclose()

    return asyncio.run(go())


def assert_converged_once(env: Env) -> None:
    """Each managed member was changed exactly once on the server, and a rerun writes nothing."""
    env.fake.wait_idle()  # requests the client gave up on may still be finishing on the server
    members = [k for k in env.fake.changes if "/" in k]
    assert sorted(k.split("/")[1] for k in members) == ["1000000001", "a000000001", "a000000002"]
    assert all(env.fake.changes[k] == 1 for k in members), env.fake.changes
    writes = env.fake.write_calls()
    result = apply_once(env)
    env.fake.wait_idle()
    assert result.ok and not result.done and env.fake.write_calls() == writes


def test_429_storm_is_waited_out_honouring_retry_after(env: Env) -> None:
    env.fake.add_faults(
        *[Fault("status", 429, {"Retry-After": "2"}, match=is_member_post) for _ in range(8)]
    )
    result = apply_once(env, policy=RetryPolicy(attempts=10, sleep=env.sleeps))
    assert result.ok
    assert env.sleeps.delays.count(2.0) == 8  # the server's Retry-After, not our own guess
    assert_converged_once(env)


def test_500s_are_retried_with_backoff(env: Env) -> None:
    env.fake.add_faults(*[Fault("status", 503) for _ in range(4)])
    result = apply_once(env)
    assert result.ok
    assert len(env.sleeps.delays) == 4 and all(0 <= d <= 10 for d in env.sleeps.delays)
    assert_converged_once(env)


def test_resets_before_and_after_the_write_converge(env: Env) -> None:
    env.fake.add_faults(
        Fault("reset", match=is_member_post),
        Fault("reset", after_apply=True, match=is_member_post),  # applied, answer lost
        Fault("reset", after_apply=True, match=is_member_post),
    )
    result = apply_once(env)
    assert result.ok
    assert_converged_once(env)


def test_timeouts_after_the_server_applied_converge(env: Env) -> None:
    env.fake.add_faults(
        Fault("delay", seconds=0.6, match=is_member_post),
        Fault("delay", seconds=0.6, after_apply=True, match=is_member_post),
    )
    result = apply_once(env, timeout=0.3)
    assert result.ok
    assert_converged_once(env)


def test_a_failure_part_way_is_completed_by_the_next_run(env: Env) -> None:
    def peer_two(request: Request) -> bool:
        return is_member_post(request) and request.path.endswith("a000000002")

    env.fake.add_faults(*[Fault("status", 502, match=peer_two) for _ in range(3)])
    first = apply_once(env, policy=RetryPolicy(attempts=3, sleep=env.sleeps))
    assert not first.ok
    assert [c.node_id for c, _ in first.failed] == ["a000000002"]
    assert "after 3 attempts" in first.failed[0][1]
    assert sorted(c.node_id for c in first.done) == ["1000000001", "a000000001"]
    second = apply_once(env)
    assert second.ok and [c.node_id for c in second.done] == ["a000000002"]
    assert_converged_once(env)


def test_a_write_whose_answer_is_lost_every_time_is_re_read_not_failed(env: Env) -> None:
    def peer_one(request: Request) -> bool:
        return is_member_post(request) and request.path.endswith("a000000001")

    # Every attempt is applied by the server and its answer lost (a reset after applying).
    env.fake.add_faults(*[Fault("reset", after_apply=True, match=peer_one) for _ in range(3)])
    result = apply_once(env, policy=RetryPolicy(attempts=3, sleep=env.sleeps))
    assert result.ok, result.problems()
    assert "a000000001" in [c.node_id for c in result.done]  # re-read: it landed
    assert not result.failed and not result.unknown


def _dead_api_run(planned: run.ZeroTierPlan) -> tuple[ApplyResult, int]:
    from ztix.adapters.zerotier.controller import ControllerProvider  # noqa: PLC0415
    from ztix.adapters.zerotier.http import Breaker  # noqa: PLC0415

    async def no_sleep(_: float) -> None:
        return None

    async def go() -> tuple[ApplyResult, int]:
        # Nothing listens on port 1 of loopback: every attempt is refused.
        provider = ControllerProvider(
            "http://127.0.0.1:1",
            "token",
            network_id="1122334455667788",
            policy=RetryPolicy(sleep=no_sleep),
            breaker=Breaker(threshold=8, give_up=20),
        )
        try:
            result = await run.apply(provider, planned, api_url="http://127.0.0.1:1")
            return result, len(provider.api.calls)
        finally:
            await provider.aclose()

    return asyncio.run(go())


def test_a_dead_api_while_setting_the_network_is_one_report() -> None:
    r = repo()
    exchange = r.exchange.model
    planned = run.ZeroTierPlan(
        "1122334455667788",
        plan_network(desired_network(exchange), None),
        tuple(plan_members(desired_members(exchange, [p.model for p in r.peers]), [])),
    )
    result, attempts = _dead_api_run(planned)
    assert not result.ok and attempts == 6  # one call, its retries, nothing after it
    (problem,) = result.problems()
    assert "unreachable at http://127.0.0.1:1" in problem
    assert "0 of 3 member writes done" in problem


def test_a_dead_api_opens_the_breaker_after_a_bounded_number_of_attempts() -> None:
    members = tuple(
        run.MemberChange(
            f"{0xA000000000 + i:010x}",
            "created",
            run.Member(
                f"{0xA000000000 + i:010x}",
                f"AS{64500 + i}",
                True,
                (f"10.0.{i // 200}.{i % 200 + 10}",),
            ),
            None,
        )
        for i in range(300)
    )
    planned = run.ZeroTierPlan("1122334455667788", run.NetworkChange({}, exists=True), members)
    result, attempts = _dead_api_run(planned)
    # 8 failures in a row open the breaker; the 4 calls in flight stop at their next attempt.
    assert attempts <= 8 + 4, attempts
    (problem,) = result.problems()  # one line, not one per member
    assert "unreachable after" in problem and "0 of 300 member writes done" in problem
    assert len(result.not_attempted) == 300 and not result.failed
