"""Address allocation: the lowest free host address, never the network or broadcast address."""

from __future__ import annotations

import ipaddress

import pytest

from ztix.portal.allocate import LanFull, lowest_free


def test_lowest_free_skips_used_addresses() -> None:
    lan = ipaddress.ip_network("10.0.0.0/29")
    used = {ipaddress.ip_address(a) for a in ("10.0.0.1", "10.0.0.2", "10.0.0.4", "192.0.2.1")}
    assert lowest_free(lan, used) == ipaddress.ip_address("10.0.0.3")


def test_a_full_lan_is_reported_and_broadcast_is_never_given() -> None:
    lan = ipaddress.ip_network("10.0.0.0/30")  # hosts .1 and .2; .3 is broadcast
    used = {ipaddress.ip_address("10.0.0.1"), ipaddress.ip_address("10.0.0.2")}
    with pytest.raises(LanFull, match=r"no free address left in 10\.0\.0\.0/30"):
        lowest_free(lan, used)


def test_ipv6_starts_after_the_subnet_router_anycast_address() -> None:
    lan = ipaddress.ip_network("fd00:1::/64")
    assert lowest_free(lan, set()) == ipaddress.ip_address("fd00:1::1")
