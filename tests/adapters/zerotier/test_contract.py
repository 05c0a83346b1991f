"""One contract, two providers: the same reconciliation against the controller and Central."""

from __future__ import annotations

import asyncio

import pytest

from tests.adapters.zerotier.conftest import NWID, Env, repo
from ztix.adapters.zerotier.http import ZeroTierAuthError
from ztix.apply import zerotier as run
from ztix.apply.zerotier import ApplyResult, ZeroTierPlan
from ztix.load.loader import Repository
from ztix.plan.zerotier import RULES


async def _plan_apply(env: Env, r: Repository, **kw: object) -> tuple[ZeroTierPlan, ApplyResult]:
    provider = env.make(**kw)
    try:
        exchange, peers = r.exchange.model, [p.model for p in r.peers]
        planned = await run.plan(provider, exchange, peers)
        return planned, await run.apply(provider, planned)
    finally:
        await provider.aclose()


def plan_apply(env: Env, r: Repository, **kw: object) -> tuple[ZeroTierPlan, ApplyResult]:
    return asyncio.run(_plan_apply(env, r, **kw))


def test_first_apply_authorizes_everyone_and_configures_the_network(env: Env) -> None:
    planned, result = plan_apply(env, repo())
    assert {c.node_id: c.action for c in planned.members} == {
        "1000000001": "created",
        "a000000001": "created",
        "a000000002": "created",
    }
    assert result.ok and len(result.done) == 3
    assert env.member("a000000001") == {
        "name": "AS64500",
        "authorized": True,
        "ipAssignments": ["10.0.0.10", "fd00:1::10"],
    }
    assert env.member("1000000001") == {
        "name": "AS64511-rs1",
        "authorized": True,
        "ipAssignments": ["10.0.0.1", "fd00:1::1"],
    }
    network = env.fake.networks[NWID]
    config = network.get("config", network)
    assert config["private"] is True
    assert config["v4AssignMode"] == {"zt": False}
    assert config["ipAssignmentPools"] == []
    assert sorted(r["target"] for r in config["routes"]) == ["10.0.0.0/24", "fd00:1::/64"]
    assert config["rules"] == [dict(r) for r in RULES]


def test_second_run_makes_no_write_call(env: Env) -> None:
    plan_apply(env, repo())
    writes = env.fake.write_calls()
    planned, result = plan_apply(env, repo())
    assert planned.write_count == 0
    assert {c.action for c in planned.members} == {"unchanged"}
    assert env.fake.write_calls() == writes
    assert result.ok and not result.done


def test_one_changed_peer_is_one_write(env: Env) -> None:
    plan_apply(env, repo())
    writes = env.fake.write_calls()
    changed = repo(edits=(("peers/AS64501.yaml", "ipv4: 10.0.0.11", "ipv4: 10.0.0.21"),))
    planned, _result = plan_apply(env, changed)
    assert [(c.node_id, c.action) for c in planned.members if c.writes] == [
        ("a000000002", "updated")
    ]
    assert env.fake.write_calls() == writes + 1
    assert env.member("a000000002")["ipAssignments"] == ["10.0.0.21"]  # type: ignore[index]


def test_removed_and_suspended_peers_are_deauthorized_route_servers_stay(env: Env) -> None:
    plan_apply(env, repo())
    changed = repo(
        {"peers/AS64501.yaml": None},
        (("peers/AS64500.yaml", "name: Peer One\n", "name: Peer One\nstate: suspended\n"),),
    )
    planned, result = plan_apply(env, changed)
    actions = {c.node_id: (c.action, c.phase) for c in planned.members}
    assert actions == {
        "1000000001": ("unchanged", "none"),
        # a member that leaves keeps access until the route servers dropped its session
        "a000000001": ("deauthorized", "deauthorize"),
        "a000000002": ("deauthorized", "deauthorize"),
    }
    assert result.ok
    # A member leaving is a member leaving, never an incident (issue 24: it paged on every leave).
    assert planned.incidents == ()
    (left,) = [c for c in planned.members if c.node_id == "a000000002"]
    assert left.detail == "left: its file was removed (named 'AS64501')" and not left.stranger
    for node, name in (("a000000001", "AS64500"), ("a000000002", "AS64501")):
        assert env.member(node) == {"name": name, "authorized": False, "ipAssignments": []}
    assert env.member("1000000001")["authorized"] is True  # type: ignore[index]
    again, _ = plan_apply(env, changed)
    assert again.write_count == 0


def test_an_unknown_authorized_member_is_deauthorized_and_its_addresses_cleared(
    env: Env,
) -> None:
    # A node authorized by hand with AS64501's peering address: the controller would issue it a
    # certificate for that address, so ipauth would let it use it.
    env.preset_member("bbbbbbbbbb", "noc-laptop", True, ["10.0.0.11"])
    planned, result = plan_apply(env, repo())
    (change,) = [c for c in planned.members if c.node_id == "bbbbbbbbbb"]
    assert change.action == "deauthorized" and change.phase == "authorize"  # at once
    assert "10.0.0.11" in change.incident and "no peer file or ix.yaml names it" in change.incident
    assert planned.incidents == (change.incident,)
    assert result.ok
    assert env.member("bbbbbbbbbb") == {
        "name": "noc-laptop",
        "authorized": False,
        "ipAssignments": [],
    }
    again, _ = plan_apply(env, repo())
    assert again.write_count == 0 and not again.incidents


def test_a_node_that_asked_to_join_is_left_waiting(env: Env) -> None:
    env.preset_member("dddddddddd", "", False, [])
    planned, _result = plan_apply(env, repo())
    (change,) = [c for c in planned.members if c.node_id == "dddddddddd"]
    assert change.action == "waiting" and not change.writes and not change.incident
    assert all("dddddddddd" not in path for method, path, _ in env.fake.log if method == "POST")


def test_operator_nodes_stay_authorized_but_never_hold_lan_addresses(env: Env) -> None:
    with_operator = repo(
        edits=(
            (
                "ix.yaml",
                '  network_id: "1122334455667788"\n',
                '  network_id: "1122334455667788"\n  operator_nodes:\n'
                "    - node_id: eeeeeeeeee\n      name: monitoring\n",
            ),
        )
    )
    env.preset_member("eeeeeeeeee", "monitoring", True, ["10.0.0.99", "fd00:1::99", "192.168.77.5"])
    planned, result = plan_apply(env, with_operator)
    (change,) = [c for c in planned.members if c.node_id == "eeeeeeeeee"]
    assert change.action == "updated" and "10.0.0.99 fd00:1::99" in change.incident
    assert result.ok
    assert env.member("eeeeeeeeee") == {
        "name": "monitoring",
        "authorized": True,
        "ipAssignments": ["192.168.77.5"],
    }
    again, _ = plan_apply(env, with_operator)
    (quiet,) = [c for c in again.members if c.node_id == "eeeeeeeeee"]
    assert quiet.action == "unchanged" and again.write_count == 0


def test_bridges_capabilities_and_tags_set_by_hand_are_removed(env: Env) -> None:
    plan_apply(env, repo())
    record = env.fake.member(NWID, "a000000001")
    assert record is not None
    config = record.get("config", record)
    config.update(activeBridge=True, capabilities=[1], tags=[[1, 2]])
    planned, result = plan_apply(env, repo())
    (change,) = [c for c in planned.members if c.node_id == "a000000001"]
    assert change.action == "updated" and "bridge" in change.transition()
    assert result.ok
    stored = env.fake.member(NWID, "a000000001")
    assert stored is not None
    config = stored.get("config", stored)
    assert config["activeBridge"] is False and config["capabilities"] == [] and config["tags"] == []


def test_a_member_named_by_hand_but_listed_in_a_peer_file_is_taken_over(env: Env) -> None:
    env.preset_member("a000000001", "bobs-router", False, [])
    planned, _ = plan_apply(env, repo())
    change = next(c for c in planned.members if c.node_id == "a000000001")
    assert change.action == "updated" and "bobs-router" in change.detail
    assert env.member("a000000001")["name"] == "AS64500"  # type: ignore[index]


def test_a_wrong_token_is_refused_without_leaking_it(env: Env) -> None:
    with pytest.raises(ZeroTierAuthError) as info:
        plan_apply(env, repo(), token="not-the-token")
    assert "not-the-token" not in str(info.value)
    assert "401" in str(info.value)


def test_network_settings_changed_by_hand_are_set_back(env: Env) -> None:
    plan_apply(env, repo())
    network = env.fake.networks[NWID]
    config = network.get("config", network)
    config.update(
        mtu=1400,
        multicastLimit=0,
        enableBroadcast=False,
        dns={"domain": "evil.example", "servers": ["10.0.0.66"]},
        capabilities=[{"id": 1, "default": True, "rules": []}],
        tags=[{"id": 2, "default": 0}],
    )
    planned, result = plan_apply(env, repo())
    assert sorted(planned.network.patch) == [
        "capabilities",
        "dns",
        "enableBroadcast",
        "mtu",
        "multicastLimit",
        "tags",
    ]
    assert result.ok and result.network_written
    config = env.fake.networks[NWID].get("config", env.fake.networks[NWID])
    assert (config["mtu"], config["multicastLimit"], config["enableBroadcast"]) == (2800, 32, True)
    assert config["dns"] == {"domain": "", "servers": []}
    assert config["capabilities"] == [] and config["tags"] == []
    again, _ = plan_apply(env, repo())
    assert again.write_count == 0
