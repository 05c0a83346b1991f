"""RTR caches and ROAs as BIRD 2.0.12, 2.19.2 and 3.3.2 print them (recorded from real BIRDs
talking to stayrtr: tests/bird/samples/rpki.json)."""

from __future__ import annotations

import json

import pytest

from tests.paths import SAMPLES
from ztix.bird.state import counted, roa_listed, rtr_caches

RECORDED = json.loads((SAMPLES / "rpki.json").read_text())


@pytest.mark.parametrize("version", sorted(RECORDED))
def test_rtr_caches_with_their_state_age_and_roas(version: str) -> None:
    caches = rtr_caches(RECORDED[version]["show protocols all"])
    assert set(caches) == {"rtr1", "rtr2"}
    up, down = caches["rtr1"], caches["rtr2"]
    assert up.established and up.status == "Established"
    assert up.last_update is not None and 0 <= up.last_update < 60
    assert up.roas == {"roa4": 2, "roa6": 1}
    assert not down.established and down.status == "Transport-Error"
    assert down.last_update is None and down.roas == {}


@pytest.mark.parametrize("version", sorted(RECORDED))
def test_the_sentinel_lookup_and_counts(version: str) -> None:
    assert roa_listed(RECORDED[version]["sentinel"])
    assert not roa_listed("Table roa_v4:\n")
    assert counted(RECORDED[version]["count"]) == 2
    assert (
        counted(
            "3 of 3 routes for 3 networks in table master4\n1 of 1 routes for 1 networks in table master6\n"
        )
        == 4
    )
