"""BIRD configs: golden files, real `bird -p`, determinism, per-peer stability, variants."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from pytest_regressions.file_regression import FileRegressionFixture

from tests.birdtools import assert_bird_accepts
from tests.conftest import repo_files
from tests.paths import ROOT
from ztix.cli import main
from ztix.load.loader import Repository, load, load_files
from ztix.models import Peer
from ztix.render.routeserver import render_all
from ztix.render.templates import from_directory, shipped

# A fixed copy of the example exchange: the root ix.yaml and peers/ belong to whoever forks this
# repository, so no test depends on more than "they validate" (tests/commands/test_cli_validate.py).
EXAMPLE = ROOT / "tests" / "data" / "example"


def configs(repo: Repository) -> dict[str, str]:
    return render_all(repo.exchange.model, [p.model for p in repo.peers])


def blocks(config: str) -> dict[str, str]:
    """protocol name -> its whole `protocol bgp` block."""
    found = re.findall(r"^(protocol bgp (\S+) .*?^})", config, flags=re.M | re.S)
    return {name: block for block, name in found}


@pytest.mark.parametrize("rs", ["rs1", "rs2"])
def test_example_exchange_golden(rs: str, file_regression: FileRegressionFixture) -> None:
    text = configs(load(EXAMPLE))[rs]
    file_regression.check(text, basename=f"example_{rs}", extension=".conf")
    assert_bird_accepts(text)


def test_test_repository_golden(file_regression: FileRegressionFixture) -> None:
    text = configs(load_files(repo_files()))["rs1"]
    file_regression.check(text, basename="testrepo_rs1", extension=".conf")
    assert_bird_accepts(text)


def test_render_is_deterministic_and_sorted() -> None:
    repo = load(EXAMPLE)
    peers = [p.model for p in repo.peers]
    first = render_all(repo.exchange.model, peers)
    shuffled = peers[:]
    random.Random(7).shuffle(shuffled)
    assert render_all(repo.exchange.model, shuffled) == first
    names = list(blocks(first["rs1"]))
    assert names == sorted(names, key=lambda n: int(n.split("_")[0][2:]))


def test_changing_one_peer_leaves_other_blocks_identical() -> None:
    before = blocks(configs(load_files(repo_files()))["rs1"])
    changed = repo_files(edits=(("peers/AS64500.yaml", "  ipv4: 10\n", "  ipv4: 11\n"),))
    after = blocks(configs(load_files(changed))["rs1"])
    assert set(before) == set(after)
    differing = {name for name in before if before[name] != after[name]}
    assert differing == {"AS64500_a000000001_v4"}


def test_adding_a_peer_only_adds_blocks() -> None:
    before = blocks(configs(load_files(repo_files()))["rs1"])
    added = repo_files(
        {
            "peers/AS64502.yaml": "asn: 64502\nname: Three\ncontact: a@b.example\n"
            "connections:\n  - zerotier_node_id: a000000003\n    ipv6: fd00:1::12\n"
        }
    )
    after = blocks(configs(load_files(added))["rs1"])
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {"AS64502_a000000003_v6"}


def test_suspended_peer_keeps_a_disabled_block() -> None:
    files = repo_files(
        edits=(("peers/AS64501.yaml", "name: Peer Two\n", "name: Peer Two\nstate: suspended\n"),)
    )
    block = blocks(configs(load_files(files))["rs1"])["AS64501_a000000002_v4"]
    assert "  disabled;\n" in block


def test_max_prefix_default_comes_from_policy() -> None:
    block = blocks(configs(load_files(repo_files()))["rs1"])["AS64501_a000000002_v4"]
    assert "receive limit 100 action disable;" in block  # counts every route received


def test_32bit_route_server_asn_uses_large_communities_only() -> None:
    files = repo_files(edits=(("ix.yaml", "asn: 64511", "asn: 65551"),))
    text = configs(load_files(files))["rs1"]
    assert "(0, RS_ASN)" not in text and "(RS_ASN, *)" not in text
    assert "(RS_ASN, 0, 0) ~ bgp_large_community" in text
    assert_bird_accepts(text)


def test_rpki_tag_mode_accepts_invalid_with_tag() -> None:
    files = repo_files(
        edits=(("ix.yaml", "      port: 8323\n", "      port: 8323\n  invalid: tag\n"),)
    )
    text = configs(load_files(files))["rs1"]
    assert "rs_reject(9)" not in text
    assert "bgp_large_community.add((RS_ASN, 1000, 3));" in text
    assert_bird_accepts(text)


def test_private_and_documentation_asns_in_paths_are_bogons_even_where_members_may_use_them() -> (
    None
):
    lab = configs(load_files(repo_files()))["rs1"]  # allows documentation ASNs as members
    check = (
        "delete(bgp_path, peer_as) ~ [= * [0, 23456, 64496..131071, 4200000000..4294967295] * =]"
    )
    assert check in lab
    files = repo_files(
        {"peers/AS64500.yaml": None, "peers/AS64501.yaml": None},
        (
            ("ix.yaml", "asn: 64511", "asn: 65000"),
            ("ix.yaml", "allow_documentation_asns: true", "allow_private_asns: true"),
        ),
    )
    assert check in configs(load_files(files))["rs1"]  # the same check everywhere


@pytest.mark.parametrize("version", ["2.14", "3"])
def test_newer_bird_versions_declare_return_types(version: str) -> None:
    text = repo_files()["ix.yaml"].replace("rpki:", f"    bird:\n      version: '{version}'\nrpki:")
    repo = load_files({**repo_files(), "ix.yaml": text})
    config = configs(repo)["rs1"]
    functions = re.findall(r"^function .*$", config, flags=re.M)
    assert functions and all(f.endswith(" -> bool") for f in functions)
    assert "case " not in config  # BIRD 3 needs braces on case arms; the policy uses none


def test_render_command_writes_one_file_per_route_server(tmp_path: Path) -> None:
    assert main(["render", "--repo", str(EXAMPLE), "--out", str(tmp_path)]) == 0
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.conf"))
    assert written == ["rs1/bird.conf", "rs2/bird.conf"]
    assert (tmp_path / "rs1" / "bird.conf").read_text() == configs(load(EXAMPLE))["rs1"]


def test_peer_type_is_frozen() -> None:
    peer = load(EXAMPLE).peers[0].model
    assert isinstance(peer, Peer)
    with pytest.raises(Exception, match="frozen"):
        peer.name = "x"  # type: ignore[misc]


def test_a_repository_may_carry_its_own_templates(tmp_path: Path) -> None:
    repo = tmp_path / "ix"
    shutil.copytree(ROOT / "tests" / "data" / "repo", repo)
    shutil.copytree(ROOT / "templates", repo / "templates")
    base = repo / "templates" / "bird" / "base.conf.j2"
    base.write_text(base.read_text().replace("router id", "# our own policy\nrouter id"))
    assert from_directory(repo).origins["bird"].startswith("the repository's templates/")
    out = tmp_path / "out"
    assert main(["render", "--repo", str(repo), "--out", str(out)]) == 0
    assert "# our own policy" in (out / "rs1" / "bird.conf").read_text()
    # The shipped ones otherwise.
    assert from_directory(tmp_path / "elsewhere").files == shipped().files


def test_session_identity_includes_inherited_templates() -> None:
    from ztix.bird.text import protocol_blocks  # noqa: PLC0415

    config = configs(load_files(repo_files()))["rs1"]
    blocks = protocol_blocks(config)
    sessions = {"AS64500_a000000001_v4", "AS64500_a000000001_v6", "AS64501_a000000002_v4"}
    assert sessions | {"rtr1"} <= set(blocks)
    session = blocks["AS64500_a000000001_v4"]
    assert "template bgp rs_member_ipv4 from rs_member" in session
    assert "template bgp rs_member {" in session
    # A template change is a change of every session that uses it; a filter change is not.
    changed_template = config.replace("    secondary on;", "    secondary off;")
    assert protocol_blocks(changed_template)["AS64500_a000000001_v4"] != session
    changed_filter = config.replace("bgp_path.len > 32", "bgp_path.len > 33")
    assert protocol_blocks(changed_filter)["AS64500_a000000001_v4"] == session


def test_every_symbol_the_config_defines_is_reserved_from_user_names() -> None:
    """A name from ix.yaml can never collide with a symbol the templates define."""
    from ztix.bird.names import GENERATED, GENERATED_PATTERN  # noqa: PLC0415

    config = configs(load(EXAMPLE))["rs1"]
    defined = set(re.findall(r"^define (\w+) =", config, re.M))
    defined |= set(re.findall(r"^function (\w+)\(", config, re.M))
    defined |= set(re.findall(r"^(?:protocol|template) \w+ (\w+)", config, re.M))
    defined |= set(re.findall(r"^(?:ipv4|ipv6|roa4|roa6) table (\w+)", config, re.M))
    rtr_names = {rtr.name for rtr in load(EXAMPLE).exchange.model.rpki.rtr_servers}
    unlisted = {
        name
        for name in defined - rtr_names
        if name not in GENERATED and not GENERATED_PATTERN.fullmatch(name)
    }
    assert len(defined) > 20 and not unlisted, unlisted


@pytest.mark.parametrize(
    ("make", "said"),
    [
        ("fifo", "is not a regular file (a FIFO, socket or device)"),
        ("device", "is a symbolic link; templates must be regular files"),
        ("huge", "larger than 262144 bytes"),
        ("binary", "not UTF-8 (byte 0)"),
    ],
)
def test_a_template_that_is_no_template_file_is_an_error_not_skipped(
    tmp_path: Path, make: str, said: str
) -> None:
    """A repository's own template that cannot be read must not leave the shipped one in its
    place unsaid (nor hang: a FIFO)."""
    import os  # noqa: PLC0415

    from ztix.errors import TemplateError  # noqa: PLC0415

    folder = tmp_path / "templates" / "bird"
    folder.mkdir(parents=True)
    target = folder / "bird.conf.j2"
    if make == "fifo":
        os.mkfifo(target)
    elif make == "device":
        target.symlink_to("/dev/zero")
    elif make == "huge":
        target.write_text("#" * 262_145)
    else:
        target.write_bytes(b"\xff{{ x }}")
    with pytest.raises(TemplateError) as caught:
        from_directory(tmp_path)
    assert str(caught.value).startswith("templates/bird/bird.conf.j2: ") and said in str(
        caught.value
    )
