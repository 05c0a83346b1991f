"""`show route all` read the same from BIRD 2.0.12, 2.19.2 and 3.3.2 (replies recorded from the
real daemons: tests/bird/samples/routes.json; BIRD 3 prints `bgp_path:`, BIRD 2 `BGP.as_path:`)."""

from __future__ import annotations

import json

import pytest

from tests.birdtools import by_prefix
from tests.paths import SAMPLES
from ztix.bird.routes import attribute_name, parse_routes

REPLIES: dict[str, dict[str, str]] = json.loads((SAMPLES / "routes.json").read_text())


@pytest.mark.parametrize("version", sorted(REPLIES))
def test_recorded_routes_read_alike_in_every_version(version: str) -> None:
    accepted = parse_routes(REPLIES[version]["show_route_all"])
    filtered = parse_routes(REPLIES[version]["show_route_filtered_all"])
    assert [r.prefix for r in accepted] == ["23.1.1.0/24"]
    assert [r.prefix for r in filtered] == ["23.1.2.0/24"]
    route = accepted[0]
    assert route.protocol == "m1" and route.primary and route.source == "127.0.0.2"
    assert route.path == (64500, 64500)
    assert route.next_hops == ("127.0.0.2",)
    assert route.local_pref == 100 and route.get("bgp_med") == "7"
    assert route.communities == {(0, 64501), (65535, 0)}
    assert route.large_communities == {(64500, 1, 2), (64511, 1000, 2)}
    assert (64511, 1101, 9) in filtered[0].large_communities


def test_attribute_names_follow_the_filter_language() -> None:
    assert attribute_name("BGP.as_path") == "bgp_path"
    assert attribute_name("BGP.large_community") == "bgp_large_community"
    assert attribute_name("bgp_large_community") == "bgp_large_community"
    assert attribute_name("BGP.otc") == "bgp_otc"


def test_several_routes_per_prefix_and_two_ipv6_next_hops() -> None:
    # BIRD 2 layout: a second route for a prefix repeats the line without the prefix.
    text = (
        "Table master6:\n"
        "2a0b:1:1::/48        unicast [AS64500_a_v6 2026-12-01 11:39:05.117 from fd00:1::10] "
        "(100) [AS64500i]\n"
        "\tvia fd00:1::10 on eth0\n"
        "\tType: BGP univ\n"
        "\tBGP.as_path: 64500 {64496 64497}\n"
        "\tBGP.next_hop: fd00:1::10 fe80::1c2a:ff:fe00:10\n"
        "                     unicast [AS64501_b_v6 2026-12-01 11:39:06.000 from fd00:1::11] * "
        "(100) [AS64501i]\n"
        "\tvia fd00:1::11 on eth0\n"
        "\tBGP.as_path: 64501\n"
        "\tBGP.next_hop: fd00:1::11\n"
    )
    routes = parse_routes(text)
    assert [(r.prefix, r.protocol, r.primary) for r in routes] == [
        ("2a0b:1:1::/48", "AS64500_a_v6", False),
        ("2a0b:1:1::/48", "AS64501_b_v6", True),
    ]
    assert routes[0].next_hops == ("fd00:1::10", "fe80::1c2a:ff:fe00:10")
    assert routes[0].path == (64500,)  # the AS_SET is not a sequence of origins
    assert by_prefix(routes)["2a0b:1:1::/48"].protocol == "AS64501_b_v6"
