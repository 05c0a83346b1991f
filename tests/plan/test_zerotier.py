"""The pure diff: desired members and network against live state."""

from __future__ import annotations

from tests.adapters.zerotier.conftest import repo
from ztix.plan.zerotier import (
    RULES,
    desired_members,
    desired_network,
    normalise_network,
    normalise_rules,
    plan_members,
    plan_network,
)
from ztix.ports.zerotier import Member


def desired() -> dict[str, Member]:
    r = repo()
    return desired_members(r.exchange.model, [p.model for p in r.peers])


def test_desired_members_cover_route_servers_and_peers() -> None:
    assert desired() == {
        "1000000001": Member("1000000001", "AS64511-rs1", True, ("10.0.0.1", "fd00:1::1")),
        "a000000001": Member("a000000001", "AS64500", True, ("10.0.0.10", "fd00:1::10")),
        "a000000002": Member("a000000002", "AS64501", True, ("10.0.0.11",)),
    }


def test_address_order_does_not_count_as_a_change() -> None:
    want = desired()
    live = [Member("a000000001", "AS64500", True, ("fd00:1::10", "10.0.0.10"))]
    changes = {c.node_id: c.action for c in plan_members(want, live)}
    assert changes["a000000001"] == "unchanged"


def test_a_removed_member_already_deauthorized_needs_no_write() -> None:
    live = [Member("cccccccccc", "AS64999", False, ())]
    (change,) = [c for c in plan_members(desired(), live) if c.node_id == "cccccccccc"]
    assert change.action == "waiting" and not change.writes


def test_a_suspended_member_never_on_the_network_costs_no_write() -> None:
    r = repo(
        edits=(("peers/AS64500.yaml", "name: Peer One\n", "name: Peer One\nstate: suspended\n"),)
    )
    want = desired_members(r.exchange.model, [p.model for p in r.peers])
    changes = {c.node_id: c for c in plan_members(want, [])}
    assert changes["a000000001"].action == "absent" and not changes["a000000001"].writes
    assert changes["a000000002"].action == "created"


def test_only_ztix_names_wait_for_the_route_servers() -> None:
    live = [Member("cccccccccc", "AS64999", True, ()), Member("dddddddddd", "laptop", True, ())]
    phases = {c.node_id: c.phase for c in plan_members(desired(), live) if c.live in live}
    assert phases == {"cccccccccc": "deauthorize", "dddddddddd": "authorize"}


def test_dns_compares_whatever_form_says_none() -> None:
    want = desired_network(repo().exchange.model)
    nones: list[object] = [[], None, {}, {"domain": "", "servers": []}]
    for none in nones:
        assert "dns" not in plan_network(want, {**want, "dns": none}).patch
    assert (
        "dns" in plan_network(want, {**want, "dns": {"domain": "x", "servers": ["1.1.1.1"]}}).patch
    )


def test_every_managed_network_setting_is_compared() -> None:
    want = desired_network(repo().exchange.model)
    assert want["mtu"] == 2800 and want["multicastLimit"] == 32 and want["enableBroadcast"] is True
    live = {
        **want,
        "mtu": 1400,
        "multicastLimit": 0,
        "enableBroadcast": False,
        "capabilities": [{"id": 1}],
        "tags": [{"id": 3}],
    }
    change = plan_network(want, live)
    assert sorted(change.patch) == [
        "capabilities",
        "enableBroadcast",
        "mtu",
        "multicastLimit",
        "tags",
    ]
    assert change.live == {
        "capabilities": [{"id": 1}],
        "enableBroadcast": False,
        "mtu": 1400,
        "multicastLimit": 0,
        "tags": [{"id": 3}],
    }


def test_network_patch_only_holds_what_differs() -> None:
    want = desired_network(repo().exchange.model)
    live = {
        **want,
        "private": False,
        "rules": [{"type": "ACTION_ACCEPT"}],
        "ipAssignmentPools": [{"ipRangeStart": "10.0.0.200", "ipRangeEnd": "10.0.0.250"}],
    }
    change = plan_network(want, live)
    assert sorted(change.patch) == ["ipAssignmentPools", "private", "rules"]
    assert plan_network(want, want).patch == {}


def test_rule_masks_compare_as_strings_or_numbers() -> None:
    as_number = [{**r, "mask": 0x1000000000000000} if "mask" in r else r for r in RULES]
    assert normalise_rules(as_number) == normalise_rules(list(RULES))


def test_legacy_v4_assign_mode_string() -> None:
    assert normalise_network({"v4AssignMode": "zt"}) == {"v4AssignMode": {"zt": True}}
