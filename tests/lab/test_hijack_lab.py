"""Safe by default (issue 19): an exchange exactly as `ztix init` writes it, and one with the
example's policy, stop what a member can send to hijack others, on a real BIRD route server
deployed by `ztix apply`. Whether an attack worked is read from the receiving member's own
table and its log of every route it ever imported, and why it did not from the reason the route
server tagged the route with.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.birdtools import newer_bird, require
from tests.lab import netns
from tests.lab.daemons import wait_for
from tests.lab.hijack import (
    ADDRESS,
    ATTACKER,
    ATTACKS,
    FORGED_MORE_SPECIFIC,
    OWN,
    RECEIVER,
    VICTIM,
    VICTIM_PREFIX,
    HijackLab,
    link_cut,
    rtr_restarts,
)
from tests.paths import ROOT

pytestmark = pytest.mark.lab


def example_policy() -> dict[str, Any]:
    """The example exchange's policy sections (ix.yaml at the top of this repository)."""
    example = yaml.safe_load((ROOT / "ix.yaml").read_text())
    rpki = {k: v for k, v in example["rpki"].items() if k != "rtr_servers"}
    rpki["rtr_servers"] = [{"name": "rtr1", "host": "127.0.0.1", "port": 8323}]
    policy = {**example["policy"], "allow_documentation_asns": False}
    return {"rpki": rpki, "bgp": example["bgp"], "policy": policy, "irr": example["irr"]}


# The route server's BIRD: Debian's 2.0.12 always, newer ones where ZTIX_TEST_BIRDS names them.
BIRDS = ["2.0", "2.14", "3"]


def bird(version: str) -> tuple[str, str]:
    return (version, "bird" if version == "2.0" else newer_bird(version))


def lab(
    tmp_path: Path, edit: dict[str, Any] | None = None, version: str = "2.0"
) -> Iterator[HijackLab]:
    netns.require_lab()
    require("bird")
    require("stayrtr")
    exchange = HijackLab(tmp_path, "hj", edit, bird=bird(version))
    try:
        exchange.start()
        yield exchange
    finally:
        exchange.close()


@pytest.fixture(params=[(s, v) for s in ("init", "example") for v in BIRDS], ids=str)
def hijack(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[HijackLab]:
    source, version = request.param
    yield from lab(tmp_path, example_policy() if source == "example" else None, version)


def test_a_new_exchange_stops_forged_origins_as_sets_and_foreign_blackholes(
    hijack: HijackLab,
) -> None:
    wait_for("the control route at the receiver", lambda: OWN in hijack.at_receiver())
    time.sleep(2)  # anything else the attacker sent would have arrived by now
    got = hijack.at_receiver()
    assert VICTIM_PREFIX in got and got[VICTIM_PREFIX].path == (VICTIM,)  # the victim's own
    reasons = hijack.reasons()
    assert reasons == {
        VICTIM_PREFIX: {13},  # forged origin: AS207001 is not in the attacker's AS-SET
        FORGED_MORE_SPECIFIC: {13},
        "23.5.1.0/24": {16},
        "23.5.2.0/24": {16},
        "23.5.3.0/24": {16},
        "23.5.4.0/24": {16},
        "5.5.5.5/32": {12},  # BLACKHOLE: the new exchange rejects them (policy.blackhole)
        OWN: set(),
    }
    # Never at the receiver, not even for a moment: read from its log of every import.
    for prefix in ATTACKS:
        if prefix != OWN:
            assert hijack.x.imports(RECEIVER, prefix) == [] or prefix == VICTIM_PREFIX, prefix
    victim_route = got[VICTIM_PREFIX]
    assert victim_route.next_hops == (ADDRESS[VICTIM],)  # the victim's route, never the forgery


def test_with_irr_filtering_off_the_forged_origin_arrives_as_the_warning_says(
    tmp_path: Path,
) -> None:
    """The warning `validate`, `plan` and `apply` print while IRR filtering is off is true:
    RPKI alone calls the forged path valid, and the receiver gets the attacker's route."""
    for exchange in lab(tmp_path, {"irr": {"enabled": False, "reason": "a lab"}}):
        at_receiver = exchange.at_receiver
        wait_for("the forgery at the receiver", lambda: FORGED_MORE_SPECIFIC in at_receiver())  # noqa: B023
        assert at_receiver()[FORGED_MORE_SPECIFIC].next_hops == (ADDRESS[ATTACKER],)
        assert exchange.reasons()["23.5.4.0/24"] == {16}  # AS_SETs go whatever IRR says


@pytest.fixture(params=BIRDS)
def plain(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[HijackLab]:
    """The `ztix init` exchange, on each BIRD."""
    yield from lab(tmp_path, version=request.param)


def test_a_roa_changed_while_the_cache_was_down_reaches_members_within_the_bound(
    plain: HijackLab,
) -> None:
    """BIRD 2.0.12 keeps its old RTR session across a cache restart until the cache's
    Corrupt Data error reaches it; with the default retry (1 s) the changed ROA reaches the
    members within seconds (measured: tests/benchmarks/bench_recovery.py)."""
    took = rtr_restarts(plain, 2)  # the victim's route made invalid, then valid again
    assert all(t < 20 for t in took), took  # measured median 4 s, longest 10.6 s in 24 runs
    assert plain.x.imports(RECEIVER, VICTIM_PREFIX)[-1][1] == "added"


def test_a_member_whose_link_comes_back_has_its_sessions_up_within_15_s(
    plain: HijackLab,
) -> None:
    """A member unreachable for longer than the hold time (its routes withdrawn), then back:
    with the timers ztix init writes and the member side the manual documents, its session is
    Established and its routes at other members within 15 s of the link being up."""
    session, routes = link_cut(plain, 25)
    assert session < 15 and routes < 15, (session, routes)
