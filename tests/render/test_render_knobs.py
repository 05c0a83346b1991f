"""Every `ix.yaml` and peer-file knob of the route servers, rendered: golden file, real `bird -p`,
and the lines each knob must produce (or not). Newer BIRDs are checked too where their binaries
are given: ZTIX_TEST_BIRDS="2.14=/opt/bird-2.19/sbin/bird,3=/opt/bird-3.3/sbin/bird"."""

from __future__ import annotations

import pytest
from pytest_regressions.file_regression import FileRegressionFixture

from tests.birdtools import assert_bird_accepts, assert_newer_bird_accepts, newer_bird
from tests.conftest import repo_files
from ztix.errors import ValidationFailed
from ztix.load.loader import load_files
from ztix.render.routeserver import render_all

KNOBS_IX = (
    (
        "ix.yaml",
        "rpki:\n",
        "    graceful_shutdown: true\n    bird:\n      log: /var/log/bird/rs1.log\nrpki:\n",
    ),
    (
        "ix.yaml",
        "      port: 8323\n",
        "      port: 8323\n"
        "    - name: rtr2\n      host: rtr.example.net\n"
        "  retry: 3\n  refresh: 600\n  expire: 3600\n  until_loaded: accept\n"
        "bgp:\n  hold_time: 9\n  keepalive_time: 3\n  bfd: true\n  role: false\n"
        "  connect_delay_time: 2\n  connect_retry_time: 7\n",
    ),
    (
        # Blackholes pass only for registered space: IRR filtering on, with its knobs.
        "ix.yaml",
        "irr:\n  enabled: false\n  reason: the test fixture's members have no IRR registrations\n",
        "irr:\n  servers:\n    - host: rr.example.net\n  sources: [RIPE]\n"
        "  origin: tag\n  prefix: tag\n  without_data: reject\n",
    ),
    (
        "ix.yaml",
        "  allow_documentation_asns: true\n",
        "  allow_documentation_asns: true\n"
        "  max_prefix_action: restart\n  max_prefix_restart_minutes: 10\n"
        "  max_prefix_counts: accepted\n  transit_free_asns: [3356, 174]\n"
        "  blackhole: propagate\n"
        "  blackhole_next_hop:\n    ipv4: 10.0.0.66\n    ipv6: fd00:1::66\n",
    ),
    (
        "peers/AS64500.yaml",
        "max_prefix:",
        "graceful_shutdown: true\nbgp:\n  hold_time: 30\n  keepalive_time: 10\n  bfd: false\n"
        "max_prefix:",
    ),
)


def knobs_files(version: str | None = None) -> dict[str, str]:
    edits = list(KNOBS_IX)
    if version:
        edits.append(("ix.yaml", "      log: /var", f"      version: '{version}'\n      log: /var"))
    return repo_files(edits=tuple(edits))


def render(files: dict[str, str]) -> str:
    repo = load_files(files)
    return render_all(repo.exchange.model, [p.model for p in repo.peers])["rs1"]


def test_every_knob_golden(file_regression: FileRegressionFixture) -> None:
    text = render(knobs_files())
    file_regression.check(text, basename="knobs_rs1", extension=".conf")
    assert_bird_accepts(text)


def test_each_knob_reaches_the_config() -> None:
    text = render(knobs_files())
    default = render(repo_files())
    pairs = [
        ('log "/var/log/bird/rs1.log" all;', "log syslog all;"),
        ("retry keep 3;", "retry keep 1;"),
        ("refresh keep 600;", "refresh keep 300;"),
        ("expire keep 3600;", "expire keep 7200;"),
        ('remote "rtr.example.net" port 323;', None),
        ("hold time 9;", "hold time 15;"),
        ("keepalive time 3;", "keepalive time 5;"),
        ("protocol bfd rs_bfd", None),
        ("import limit 10 action restart;", "receive limit 10 action disable;"),
        ("error wait time 600, 2400;", None),
        ("[= * [174, 3356] * =]", "[= * [174, 701, 1299,"),
        ("define BLACKHOLE_NH_V4 = 10.0.0.66;", None),
        ("define BLACKHOLE_NH_V6 = fd00:1::66;", None),
        ("bgp_community.add((65535, 65281));", None),
        ("  bgp_community.add((65535, 0));\n  return true;", None),  # the route server's gshut
        ("connect delay time 2;", "connect delay time 1;"),
        ("connect retry time 7;", "connect retry time 5;"),
        ("return rs_reject(17);", None),  # a blackhole for space the member never registered
        ("define IRR_AS64500_KNOWN = false;", None),
    ]
    for wanted, instead in pairs:
        assert wanted in text, wanted
        assert wanted not in default, wanted
        if instead:
            assert instead in default and instead not in text, instead
    # Knobs that remove something.
    assert "local role rs_server;" in default and "local role" not in text
    assert "RPKI_SENTINEL" in default and "RPKI_SENTINEL" not in text  # until_loaded: accept
    assert "rs_reject(12)" in default and "rs_reject(12)" not in text  # blackholes pass
    # The member's own overrides, in its own blocks only.
    own = text.split("protocol bgp AS64500_a000000001_v4", 1)[1].split("\n}\n", 1)[0]
    assert "hold time 30;" in own and "keepalive time 10;" in own and "bfd off;" in own
    assert "rs_import_ipv4(64500, 10.0.0.10, true, IRR_AS64500_KNOWN," in own
    other = text.split("protocol bgp AS64501_a000000002_v4", 1)[1].split("\n}\n", 1)[0]
    assert "hold time" not in other and "rs_import_ipv4(64501, 10.0.0.11, false, IRR" in other


def test_error_wait_time_sets_how_soon_a_session_restarts() -> None:
    default = render(repo_files())
    assert "error wait time 5, 60;" in default
    text = render(
        repo_files(edits=(("ix.yaml", "policy:\n", "bgp:\n  error_wait_time: [2, 20]\npolicy:\n"),))
    )
    assert "error wait time 2, 20;" in text and "error wait time 5, 60;" not in text
    with pytest.raises(ValidationFailed) as caught:
        load_files(
            repo_files(
                edits=(("ix.yaml", "policy:\n", "bgp:\n  error_wait_time: [30, 5]\npolicy:\n"),)
            )
        )
    assert "bgp: error_wait_time: the first wait is longer than the longest" in str(caught.value)


def test_a_peer_override_must_keep_keepalive_a_third_of_hold() -> None:
    files = repo_files(
        edits=(("peers/AS64500.yaml", "max_prefix:", "bgp:\n  hold_time: 9\nmax_prefix:"),)
    )
    with pytest.raises(ValidationFailed) as caught:
        load_files(files)
    assert "peers/AS64500.yaml:9:3: bgp.hold_time: keepalive 5 s is more than a third of hold " in (
        str(caught.value)
    )


@pytest.mark.parametrize("version", ["2.14", "3"])
@pytest.mark.parametrize("knobs", [False, True], ids=["defaults", "knobs"])
def test_newer_bird_accepts_its_syntax(version: str, knobs: bool) -> None:
    newer_bird(version)
    if knobs:
        files = knobs_files(version)
    else:
        edit = ("ix.yaml", "rpki:", f"    bird:\n      version: '{version}'\nrpki:")
        files = repo_files(edits=(edit,))
    assert_newer_bird_accepts(version, render(files))
