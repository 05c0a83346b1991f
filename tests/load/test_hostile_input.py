"""Hostile input, class by class (issue 10): every one is a located problem, never a traceback,
never a value that validates and then breaks render, `bird -p` or the ZeroTier API."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest

from tests.conftest import Edit, repo_files, write_repo
from tests.load.test_validation_errors import P, peer
from ztix.cli import main
from ztix.errors import ValidationFailed
from ztix.load.loader import load_files

IX = "ix.yaml"
V6 = "    ipv6: fd00:1::12\n"


def conn(ipv4: str = "10.0.0.12", ipv6: str | None = None) -> str:
    lines = f"connections:\n  - zerotier_node_id: a000000003\n    ipv4: {ipv4}\n"
    return lines + (f"    ipv6: {ipv6}\n" if ipv6 is not None else "")


def laughs(levels: int, width: int = 9) -> str:
    """A 'billion laughs' document: each level repeats the one before `width` times."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPmD0uHkYX"
TYPE_ONLY = "AAAAC3NzaC1lZDI1NTE5"  # the blob holds only the type name "ssh-ed25519"
TRUNCATED = "AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPm"

CASES: list[tuple[str, dict[str, str | None], tuple[Edit, ...], list[str]]] = [
    # ------------------------------------------------ values whose implicit type fails to construct
    (
        "date-out-of-range",
        {P: peer("requested_by:\n  peeringdb_user_id: 7\n  date: 2026-02-30\n")},
        (),
        [
            "peers/AS64502.yaml:9:9: requested_by.date: '2026-02-30' looks like a date but is not a valid one (day is out of range for month) (hint: quote it if it is text)",
        ],
    ),
    (
        "date-month-13",
        {P: peer("requested_by:\n  peeringdb_user_id: 7\n  date: 2026-13-01\n")},
        (),
        [
            "peers/AS64502.yaml:9:9: requested_by.date: '2026-13-01' looks like a date but is not a valid one (month must be in 1..12) (hint: quote it if it is text)",
        ],
    ),
    (
        "hex-without-digits",
        {P: peer(asn="0x_")},
        (),
        [
            "peers/AS64502.yaml:1:6: asn: '0x_' looks like an integer but is not a valid one (invalid literal for int() with base 16: '') (hint: quote it if it is text)",
        ],
    ),
    (
        "octal-bad-digit",
        {P: peer("max_prefix:\n  ipv4: 0o9\n")},
        (),
        [
            "peers/AS64502.yaml:8:3: max_prefix.ipv4: must be an integer, not a string",
        ],
    ),
    (
        "integer-5000-digits",
        {P: peer("max_prefix:\n  ipv4: " + "9" * 5000 + "\n")},
        (),
        [
            "peers/AS64502.yaml:8:9: max_prefix.ipv4: a number of 5000 digits (limit 4000)",
        ],
    ),
    (
        "datetime-for-date",
        {P: peer("requested_by:\n  peeringdb_user_id: 7\n  date: 2026-11-02 10:00:00\n")},
        (),
        [
            "peers/AS64502.yaml:9:3: requested_by.date: must be a date like 2026-11-02 (unquoted), not a date with a time",
        ],
    ),
    # ------------------------------------------------ explicit tags
    (
        "tag-int-bad-value",
        {P: peer(asn="!!int abc")},
        (),
        [
            "peers/AS64502.yaml:1:6: asn: YAML tag 'tag:yaml.org,2002:int' is not allowed (hint: write the value without a tag; quote it if it is text)",
        ],
    ),
    (
        "tag-str-on-number",
        {P: peer("max_prefix:\n  ipv4: !!str 10\n")},
        (),
        [
            "peers/AS64502.yaml:8:9: max_prefix.ipv4: YAML tag 'tag:yaml.org,2002:str' is not allowed (hint: write the value without a tag; quote it if it is text)",
        ],
    ),
    (
        "tag-local",
        {P: peer("description: !secret x\n")},
        (),
        [
            "peers/AS64502.yaml:7:14: description: YAML tag '!secret' is not allowed (hint: write the value without a tag; quote it if it is text)",
        ],
    ),
    (
        "tag-on-mapping",
        {P: peer("max_prefix: !!map {ipv4: 10}\n")},
        (),
        [
            "peers/AS64502.yaml:7:13: max_prefix: YAML tag 'tag:yaml.org,2002:map' is not allowed (hint: write the value without a tag; quote it if it is text)",
        ],
    ),
    (
        "tag-in-ix-yaml",
        {},
        ((IX, "  port: 8323", "  port: !!int 8323"),),
        [
            "ix.yaml:25:13: rpki.rtr_servers[0].port: YAML tag 'tag:yaml.org,2002:int' is not allowed (hint: write the value without a tag; quote it if it is text)",
        ],
    ),
    # ------------------------------------------------ aliases and their expansion
    (
        "billion-laughs",
        {P: peer() + laughs(9)},
        (),
        [
            "peers/AS64502.yaml:11:10: a4[0]: the file expands to more than 10000 values (limit) (hint: aliases that repeat large parts multiply the size; write the values out)",
        ],
    ),
    (
        "laughs-in-ix-yaml",
        {},
        ((IX, "policy:\n", laughs(9) + "policy:\n"),),
        [
            "ix.yaml:30:10: a4[0]: the file expands to more than 10000 values (limit) (hint: aliases that repeat large parts multiply the size; write the values out)",
        ],
    ),
    (
        "too-many-aliases",
        {P: peer("x: &x 1\n" + "".join(f"y{i}: *x\n" for i in range(40)))},
        (),
        [
            "peers/AS64502.yaml:40:6: y32: more than 32 aliases (limit)",
        ],
    ),
    (
        "alias-undefined",
        {P: peer("description: *nothing\n")},
        (),
        [
            "peers/AS64502.yaml:7:14: description: alias *nothing refers to no earlier anchor",
        ],
    ),
    (
        "alias-to-itself",
        {P: peer("description: &a [*a]\n")},
        (),
        [
            "peers/AS64502.yaml:7:18: description[0]: alias *a refers to no earlier anchor",
        ],
    ),
    (
        "merge-key",
        {P: peer("<<: {description: x}\n")},
        (),
        [
            "peers/AS64502.yaml:7:1: YAML merge keys (<<) are not supported (hint: write the keys out)",
        ],
    ),
    # ------------------------------------------------ nesting
    (
        "flow-nesting-1000",
        {P: peer("description: " + "[" * 1000 + "]" * 1000 + "\n")},
        (),
        [
            "peers/AS64502.yaml:7:1013: YAML syntax error: while increasing flow level exceeded maximum nesting depth",
        ],
    ),
    (
        "block-nesting-40",
        {P: peer("description:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 41)))},
        (),
        [
            "peers/AS64502.yaml:23:33: description.k1.k2.k3.k4.k5.k6.k7.k8.k9.k10.k11.k12.k13.k14.k15: nested more than 16 levels deep (limit)",
        ],
    ),
    (
        "sequence-nesting-30",
        {P: peer("description: " + "- " * 30 + "x\n")},
        (),
        [
            "peers/AS64502.yaml:7:14: YAML syntax error: block sequence entries are not allowed in this context",
        ],
    ),
    # ------------------------------------------------ IPv6 zone ids and non-canonical addresses
    (
        "ipv6-zone-injection",
        {P: peer(connections=conn(ipv6='"fd00:1::12%x\\"; }; evil"'))},
        (),
        [
            "peers/AS64502.yaml:7:5: connections[0].ipv6: 'fd00:1::12%x\"; }; evil': a zone id (%...) is not allowed in a peering address",
        ],
    ),
    (
        "ipv6-zone-id",
        {P: peer(connections=conn(ipv6="fd00:1::12%eth0"))},
        (),
        [
            "peers/AS64502.yaml:7:5: connections[0].ipv6: 'fd00:1::12%eth0': a zone id (%...) is not allowed in a peering address",
        ],
    ),
    (
        "ipv6-upper-case",
        {P: peer(connections=conn(ipv6="FD00:1::12"))},
        (),
        [
            "peers/AS64502.yaml:7:5: connections[0].ipv6: 'FD00:1::12' is not written canonically; write fd00:1::12",
        ],
    ),
    (
        "ipv6-uncompressed",
        {P: peer(connections=conn(ipv6="fd00:1:0:0:0:0:0:12"))},
        (),
        [
            "peers/AS64502.yaml:7:5: connections[0].ipv6: 'fd00:1:0:0:0:0:0:12' is not written canonically; write fd00:1::12",
        ],
    ),
    (
        "ipv6-same-as-other-spelled-otherwise",
        {P: peer(connections=conn(ipv6="fd00:1:0::10"))},
        (),
        [
            "peers/AS64502.yaml:7:5: connections[0].ipv6: 'fd00:1:0::10' is not written canonically; write fd00:1::10",
        ],
    ),
    (
        "ipv4-mapped-in-ipv6",
        {P: peer(connections=conn(ipv6="::ffff:10.0.0.12"))},
        (),
        [
            "peers/AS64502.yaml:7:5: connections[0].ipv6: '::ffff:10.0.0.12' is an IPv4-mapped address; give 10.0.0.12",
        ],
    ),
    (
        "ipv4-leading-zeros",
        {P: peer(connections=conn(ipv4="010.0.0.12"))},
        (),
        [
            "peers/AS64502.yaml:6:5: connections[0].ipv4: '010.0.0.12' is not an IPv4 address",
        ],
    ),
    (
        "lan-prefix-upper-case",
        {},
        ((IX, "ipv6: fd00:1::/64", "ipv6: FD00:1::/64"),),
        [
            "ix.yaml:5:3: peering_lan.ipv6: 'FD00:1::/64' is not written canonically; write fd00:1::/64",
        ],
    ),
    # ------------------------------------------------ numbers BIRD or the domain cannot take
    (
        "max-prefix-1e20",
        {P: peer("max_prefix:\n  ipv4: 100000000000000000000\n")},
        (),
        [
            "peers/AS64502.yaml:8:3: max_prefix.ipv4: Input should be less than or equal to 10000000",
        ],
    ),
    (
        "ceiling-2-to-32",
        {},
        (
            (
                IX,
                "policy:\n",
                "policy:\n  ipv4:\n    min_length: 8\n    max_length: 24\n    max_prefix_default: 100\n    max_prefix_ceiling: 4294967296\n",
            ),
        ),
        [
            "ix.yaml:31:5: policy.ipv4.max_prefix_ceiling: Input should be less than or equal to 10000000",
        ],
    ),
    (
        "default-2-to-32",
        {},
        (
            (
                IX,
                "policy:\n",
                "policy:\n  ipv6:\n    min_length: 12\n    max_length: 48\n    max_prefix_default: 4294967296\n    max_prefix_ceiling: 4294967296\n",
            ),
        ),
        [
            "ix.yaml:30:5: policy.ipv6.max_prefix_default: Input should be less than or equal to 10000000",
            "ix.yaml:31:5: policy.ipv6.max_prefix_ceiling: Input should be less than or equal to 10000000",
        ],
    ),
    (
        "peeringdb-id-huge",
        {P: peer("peeringdb_net_id: 99999999999\n")},
        (),
        [
            "peers/AS64502.yaml:7:1: peeringdb_net_id: Input should be less than or equal to 2147483647",
        ],
    ),
    (
        "min-length-zero",
        {},
        (
            (
                IX,
                "policy:\n",
                "policy:\n  ipv4:\n    min_length: 0\n    max_length: 24\n    max_prefix_default: 100\n    max_prefix_ceiling: 1000\n",
            ),
        ),
        [
            "ix.yaml:28:5: policy.ipv4.min_length: Input should be greater than or equal to 1",
        ],
    ),
    # ------------------------------------------------ lax coercion in ix.yaml
    (
        "path-length-string",
        {},
        ((IX, "policy:\n", 'policy:\n  max_as_path_length: "32"\n'),),
        [
            "ix.yaml:27:3: policy.max_as_path_length: must be an integer, not a string",
        ],
    ),
    (
        "path-length-bool",
        {},
        ((IX, "policy:\n", "policy:\n  max_as_path_length: true\n"),),
        [
            "ix.yaml:27:3: policy.max_as_path_length: must be an integer, not a boolean",
        ],
    ),
    (
        "path-length-float",
        {},
        ((IX, "policy:\n", "policy:\n  max_as_path_length: 32.0\n"),),
        [
            "ix.yaml:27:3: policy.max_as_path_length: must be an integer, not a number",
        ],
    ),
    (
        "port-string",
        {},
        ((IX, "      port: 8323", '      port: "8323"'),),
        [
            "ix.yaml:25:7: rpki.rtr_servers[0].port: must be an integer, not a string",
        ],
    ),
    (
        "asn-float",
        {},
        ((IX, "asn: 64511", "asn: 64511.0"),),
        [
            "ix.yaml:2:1: asn: must be an integer, not a number",
        ],
    ),
    # ------------------------------------------------ names that become BIRD symbols
    (
        "rtr-name-bgp",
        {},
        ((IX, "name: rtr1", "name: bgp"),),
        [
            "ix.yaml:23:7: rpki.rtr_servers[0].name: 'bgp' is a BIRD keyword; choose another name",
        ],
    ),
    (
        "rtr-name-filter",
        {},
        ((IX, "name: rtr1", "name: filter"),),
        [
            "ix.yaml:23:7: rpki.rtr_servers[0].name: 'filter' is a BIRD keyword; choose another name",
        ],
    ),
    (
        "rtr-name-generated",
        {},
        ((IX, "name: rtr1", "name: roa_v4"),),
        [
            "ix.yaml:23:7: rpki.rtr_servers[0].name: 'roa_v4' is a name ZT-IX's BIRD config uses itself; choose another name",
        ],
    ),
    (
        "rtr-name-default-proto-name",
        {},
        ((IX, "name: rtr1", "name: rpki1"),),
        [
            "ix.yaml:23:7: rpki.rtr_servers[0].name: 'rpki1' is a name ZT-IX's BIRD config uses itself; choose another name",
        ],
    ),
    (
        "rtr-name-include",
        {},
        ((IX, "name: rtr1", "name: include"),),
        [
            "ix.yaml:23:7: rpki.rtr_servers[0].name: 'include' is a BIRD keyword; choose another name",
        ],
    ),
    # ------------------------------------------------ the domain: LAN, router id, host key, URL
    (
        "lan-slash-0",
        {},
        ((IX, "ipv4: 10.0.0.0/24", "ipv4: 0.0.0.0/0"),),
        [
            "ix.yaml:4:3: peering_lan.ipv4: 0.0.0.0/0 is not a peering LAN: use a /8 to /29",
        ],
    ),
    (
        "lan-slash-31",
        {},
        ((IX, "ipv4: 10.0.0.0/24", "ipv4: 10.0.0.0/31"),),
        [
            "ix.yaml:4:3: peering_lan.ipv4: 10.0.0.0/31 is not a peering LAN: use a /8 to /29",
        ],
    ),
    (
        "lan-multicast",
        {},
        ((IX, "ipv4: 10.0.0.0/24", "ipv4: 224.0.0.0/24"),),
        [
            "ix.yaml:4:3: peering_lan.ipv4: 224.0.0.0/24 is multicast, loopback, link-local or reserved space",
        ],
    ),
    (
        "lan-link-local-v6",
        {},
        ((IX, "ipv6: fd00:1::/64", "ipv6: fe80::/64"),),
        [
            "ix.yaml:5:3: peering_lan.ipv6: fe80::/64 is multicast, loopback, link-local or reserved space",
        ],
    ),
    (
        "router-id-zero",
        {},
        ((IX, "router_id: 10.0.0.1", "router_id: 0.0.0.0"),),
        [
            "ix.yaml:15:5: route_servers[0].router_id: 0.0.0.0 is not a router id (RFC 6286: a non-zero 32-bit number)",
        ],
    ),
    (
        "host-key-type-only",
        {},
        ((IX, KEY, TYPE_ONLY),),
        [
            "ix.yaml:20:7: route_servers[0].ssh.host_key: not a whole ssh-ed25519 key (the key bytes are missing or cut)",
        ],
    ),
    (
        "host-key-truncated",
        {},
        ((IX, KEY, TRUNCATED),),
        [
            "ix.yaml:20:7: route_servers[0].ssh.host_key: the key is not valid base64",
        ],
    ),
    (
        "host-key-trailing-words",
        {},
        ((IX, KEY, KEY + " root@rs1"),),
        [
            "ix.yaml:20:7: route_servers[0].ssh.host_key: must be '<type> <base64>' as in an OpenSSH known_hosts or .pub line",
        ],
    ),
    (
        "api-url-not-http",
        {},
        ((IX, "api_url: http://127.0.0.1:9993", "api_url: file:///etc/passwd"),),
        [
            "ix.yaml:8:3: zerotier.api_url: 'file:///etc/passwd' must be an http(s) URL without credentials, query or fragment, e.g. http://127.0.0.1:9993",
        ],
    ),
    (
        "api-url-credentials",
        {},
        ((IX, "api_url: http://127.0.0.1:9993", "api_url: http://user:pw@127.0.0.1:9993"),),
        [
            "ix.yaml:8:3: zerotier.api_url: 'http://user:pw@127.0.0.1:9993' must be an http(s) URL without credentials, query or fragment, e.g. http://127.0.0.1:9993",
        ],
    ),
    (
        "rtr-host-not-canonical",
        {},
        (
            (
                IX,
                "      host: 127.0.0.1\n      port: 8323",
                "      host: 127.000.0.1\n      port: 8323",
            ),
        ),
        [
            "ix.yaml:24:7: rpki.rtr_servers[0].host: '127.000.0.1' is neither an IP address nor a host name",
        ],
    ),
    # ------------------------------------------------ AS-SET look-alikes and reserved names
    (
        "as-set-kelvin-sign",
        {P: peer("as_set: AS-\u212aELVIN\n")},
        (),
        [
            "peers/AS64502.yaml:7:1: as_set: 'AS-\\u212aELVIN' is not an AS-SET: it holds characters that are not ASCII ('\\u212a')",
        ],
    ),
    (
        "as-set-long-s",
        {P: peer("as_set: A\u017f-FOO\n")},
        (),
        [
            "peers/AS64502.yaml:7:1: as_set: 'A\\u017f-FOO' is not an AS-SET: it holds characters that are not ASCII ('\\u017f')",
        ],
    ),
    (
        "as-set-any",
        {P: peer("as_set: AS-ANY\n")},
        (),
        [
            "peers/AS64502.yaml:7:1: as_set: 'AS-ANY': AS-ANY is reserved by RFC 2622 and names no member",
        ],
    ),
    (
        "as-set-any-qualified",
        {P: peer("as_set: RIPE::AS-ANY\n")},
        (),
        [
            "peers/AS64502.yaml:7:1: as_set: 'RIPE::AS-ANY': AS-ANY is reserved by RFC 2622 and names no member",
        ],
    ),
    (
        "as-set-any-hierarchical",
        {P: peer("as_set: AS3320:AS-ANY\n")},
        (),
        [
            "peers/AS64502.yaml:7:1: as_set: 'AS3320:AS-ANY': AS-ANY is reserved by RFC 2622 and names no member",
        ],
    ),
    # ------------------------------------------------ names in peers/
    (
        "peer-file-upper-extension",
        {"peers/AS64503.YAML": peer(asn="64503")},
        (),
        [
            "peers/AS64503.YAML:1:1: a peer file must be named AS<asn>.yaml (hint: rename it to AS64503.yaml)",
        ],
    ),
    (
        "peer-file-mixed-extension",
        {"peers/AS64503.Yaml": peer(asn="64503")},
        (),
        [
            "peers/AS64503.Yaml:1:1: a peer file must be named AS<asn>.yaml (hint: rename it to AS64503.yaml)",
        ],
    ),
    (
        "peer-file-lower-as",
        {"peers/as64503.yaml": peer(asn="64503")},
        (),
        [
            "peers/as64503.yaml:1:1: a peer file must be named AS<asn>.yaml (hint: rename it to AS64503.yaml)",
        ],
    ),
    (
        "peer-file-leading-zero",
        {"peers/AS064503.yaml": peer(asn="64503")},
        (),
        [
            "peers/AS064503.yaml:1:1: a peer file must be named AS<asn>.yaml (hint: rename it to AS64503.yaml)",
        ],
    ),
    (
        "stray-file",
        {"peers/notes.txt": "hello"},
        (),
        [
            "peers/notes.txt:1:1: a peer file must be named AS<asn>.yaml (hint: move it out of peers/; besides peer files only .gitkeep, README, README.md may be there)",
        ],
    ),
    ("readme-is-allowed", {"peers/README.md": "# members\n", "peers/.gitkeep": ""}, (), []),
]


@pytest.mark.parametrize(
    ("add", "edits", "expected"),
    [pytest.param(add, edits, expected, id=name) for name, add, edits, expected in CASES],
)
def test_hostile_input_is_located(
    add: dict[str, str | None], edits: tuple[Edit, ...], expected: list[str]
) -> None:
    start = time.perf_counter()
    try:
        load_files(repo_files(add, edits))
        problems: list[str] = []
    except ValidationFailed as exc:
        problems = [str(p) for p in exc.problems]
    assert problems == expected
    assert time.perf_counter() - start < 1.0


def test_an_alias_bomb_is_refused_fast_and_small() -> None:
    bomb = laughs(10)
    assert len(bomb.encode()) < 1024
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValidationFailed, match="expands to more than"):
            load_files(repo_files({P: bomb}))
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 0.1 and peak < 50 * 2**20, (elapsed, peak)


# ---------------------------------------------------------------------- entries on disk


def validate(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["validate", "--repo", str(root)])
    return code, capsys.readouterr().err.splitlines()


def test_a_symlink_to_a_file_outside_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo(tmp_path / "ix", repo_files())
    secret = tmp_path / "secret.yaml"
    secret.write_text(peer(asn="64502"))
    (root / "peers" / "AS64502.yaml").symlink_to(secret)
    code, err = validate(root, capsys)
    assert code == 1
    assert err[0] == (
        "peers/AS64502.yaml:1:1: a peer file must be a regular file, not a symbolic link "
        "(hint: commit the file itself)"
    )


def test_a_symlink_to_another_peer_file_is_not_a_member(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo(tmp_path / "ix", repo_files())
    (root / "peers" / "AS64502.yaml").symlink_to(root / "peers" / "AS64500.yaml")
    code, err = validate(root, capsys)
    assert code == 1 and "not a symbolic link" in err[0]


def test_subdirectories_and_special_files_are_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo(tmp_path / "ix", repo_files({"peers/old/AS64502.yaml": peer()}))
    os.mkfifo(root / "peers" / "pipe")
    code, err = validate(root, capsys)
    assert code == 1
    assert err[:2] == [
        "peers/old:1:1: an entry in peers/ must be a regular file, not a directory",
        "peers/pipe:1:1: an entry in peers/ must be a regular file, not a special file",
    ]


def test_exchange_file_and_peers_folder_must_not_be_links(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = write_repo(tmp_path / "real", repo_files())
    root = tmp_path / "ix"
    root.mkdir()
    (root / "ix.yaml").symlink_to(real / "ix.yaml")
    (root / "peers").symlink_to(real / "peers")
    code, err = validate(root, capsys)
    assert code == 1
    assert err[:2] == [
        "ix.yaml:1:1: must be a regular file, not a symbolic link",
        "peers:1:1: peers must be a folder, not a symbolic link",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"asn: 64502\nname: Caf\xe9\n",
            "peers/AS64502.yaml:2:10: the file is not valid UTF-8 text",
        ),
        (
            b"asn: 64502\n" + b"#" * 70000 + b"\n",
            "peers/AS64502.yaml:1:1: the file is larger than 65536 bytes (limit)",
        ),
        (
            b"asn: 64502\nname: a\x00b\n",
            "peers/AS64502.yaml:2:8: character '\\x00' is not allowed in YAML (special characters are not allowed)",
        ),
    ],
    ids=["not-utf8", "too-large", "nul-byte"],
)
def test_bytes_that_are_not_a_peer_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, message: str
) -> None:
    root = write_repo(tmp_path / "ix", repo_files())
    (root / "peers" / "AS64502.yaml").write_bytes(data)
    code, err = validate(root, capsys)
    assert code == 1 and err[0] == message


def test_a_byte_order_mark_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_repo(tmp_path / "ix", repo_files())
    (root / "peers" / "AS64502.yaml").write_bytes(b"\xef\xbb\xbf" + peer().encode())
    assert validate(root, capsys)[0] == 0
