"""Route-server configs with IRR filtering: golden file, real `bird -p`, each setting's lines."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_regressions.file_regression import FileRegressionFixture

from tests.birdtools import assert_bird_accepts, assert_newer_bird_accepts, newer_bird
from tests.irr.fixtures import irr_repo, without_irr
from ztix.bird.text import elements
from ztix.load.loader import load_files
from ztix.render.irr import _prefix_set, set_elements
from ztix.render.routeserver import render_all


def render(files: dict[str, str]) -> str:
    repo = load_files(files)
    peers = [p.model for p in repo.peers]
    return render_all(repo.exchange.model, peers, irr=repo.irr_data())["rs1"]


def test_irr_golden(file_regression: FileRegressionFixture) -> None:
    text = render(irr_repo())
    file_regression.check(text, basename="irr_rs1", extension=".conf")
    assert_bird_accepts(text)


def test_each_member_gets_its_sets_and_passes_them_to_the_shared_filter() -> None:
    text = render(irr_repo())
    assert "define IRR_AS64500_V4 = [\n  5.5.0.0/16{16,24},\n  23.1.0.0/16{16,24},\n" in text
    assert "define IRR_AS64500_V6 = [\n  2a0b:1::/32{32,48}\n];" in text
    assert "define IRR_AS64500_ORIGINS = [\n  64500,\n  64510\n];" in text
    # AS64501 has no IRR file: empty sets, and `false` for "known"
    assert "define IRR_AS64501_KNOWN = false;\ndefine IRR_AS64501_V4 = [];" in text
    assert "define IRR_AS64500_KNOWN = true;" in text
    assert (
        "import where rs_import_ipv4(64500, 10.0.0.10, false, IRR_AS64500_KNOWN, "
        "IRR_AS64500_V4, IRR_AS64500_ORIGINS);" in text
    )
    assert (
        "import where rs_import_ipv4(64501, 10.0.0.11, false, IRR_AS64501_KNOWN, "
        "IRR_AS64501_V4, IRR_AS64501_ORIGINS);" in text
    )
    assert "return rs_reject(13);" in text and "return rs_reject(14);" in text
    assert (
        "if bgp_path.last != peer_as || !rs_rpki_valid() then return rs_reject(15);" in text
    )  # without_data: rpki_valid


@pytest.mark.parametrize(
    ("extra", "present", "absent"),
    [
        ("  more_specifics: false\n", ["  5.5.0.0/16,\n"], ["5.5.0.0/16{16,24}"]),
        ("  origin: tag\n", ["(RS_ASN, 1000, 7)"], ["rs_reject(13)"]),
        ("  prefix: tag\n", ["(RS_ASN, 1000, 6)"], ["rs_reject(14)"]),
        ("  rpki_as_route_objects: false\n", ["rs_reject(14)"], ["(RS_ASN, 1000, 5)"]),
        ("  without_data: reject\n", ["    return rs_reject(15);"], ["(RS_ASN, 1000, 8)"]),
    ],
)
def test_each_irr_setting_reaches_the_config(
    extra: str, present: list[str], absent: list[str]
) -> None:
    text = render(irr_repo(extra))
    for wanted in present:
        assert wanted in text, wanted
    for unwanted in absent:
        assert unwanted not in text, unwanted
    assert_bird_accepts(text)


def test_with_irr_filtering_off_the_config_has_no_irr_part() -> None:
    files = irr_repo()
    files["ix.yaml"] = without_irr(files["ix.yaml"]) + "irr:\n  enabled: false\n  reason: lab\n"
    text = render(files)
    assert "IRR_AS" not in text and "irr_prefixes" not in text


@pytest.mark.parametrize("version", ["2.14", "3"])
def test_newer_bird_accepts_the_irr_policy(version: str) -> None:
    newer_bird(version)
    edit = ("ix.yaml", "rpki:", f"    bird:\n      version: '{version}'\nrpki:")
    assert_newer_bird_accepts(version, render(irr_repo(edits=(edit,))))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.builds(
            lambda a, n: str(ipaddress.ip_network((a, n), strict=False)),
            st.integers(0, 2**32 - 1),
            st.integers(1, 32),
        ),
        max_size=30,
    ),
    st.integers(1, 32),
    st.booleans(),
)
def test_a_prefix_set_gives_each_entry_its_own_range(
    prefixes: list[str], longest: int, more: bool
) -> None:
    """Every entry in order, with `{len,max}` exactly where its length is below the longest."""
    body = _prefix_set(tuple(prefixes), longest, more)
    entries = body.strip().split(",\n  ") if prefixes else []
    expected = []
    for prefix in prefixes:
        length = int(prefix.rsplit("/", 1)[1])
        expected.append(f"{prefix}{{{length},{longest}}}" if more and longest > length else prefix)
    assert entries == expected
    assert body == ("" if not prefixes else "\n  " + ",\n  ".join(expected) + "\n")
    # The plan splits the sets it rendered; the config's text read back gives the same.
    assert set_elements(body) == elements(body) == tuple(expected)
