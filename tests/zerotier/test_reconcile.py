"""The pure diff: desired members and network against live state."""

from __future__ import annotations

from tests.zerotier.conftest import repo
from ztix.zerotier.model import RULES, Member, normalise_network, normalise_rules
from ztix.zerotier.reconcile import desired_members, desired_network, plan_members, plan_network


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


def test_managed_name_pattern() -> None:
    assert Member("x", "AS64500", True, ()).managed
    assert Member("x", "AS64511-rs1", True, ()).managed
    for name in ("", "AS64500 laptop", "as64500", "monitoring", "AS-FOO"):
        assert not Member("x", name, True, ()).managed


def test_a_removed_member_already_deauthorized_needs_no_write() -> None:
    live = [Member("cccccccccc", "AS64999", False, ())]
    (change,) = [c for c in plan_members(desired(), live) if c.node_id == "cccccccccc"]
    assert change.action == "unchanged" and not change.writes


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
