"""Each bad input fails with its exact location and message; nothing else is reported."""

from __future__ import annotations

import pytest

from tests.conftest import Edit, repo_files
from ztix.errors import ValidationFailed
from ztix.load.loader import load_files

P = "peers/AS64502.yaml"


def peer(body: str = "", *, asn: str = "64502", connections: str | None = None) -> str:
    """A peer file for AS64502 with `body` lines appended (keys must not repeat the defaults)."""
    conns = (
        connections
        if connections is not None
        else ("connections:\n  - zerotier_node_id: a000000003\n    ipv4: 10.0.0.12\n")
    )
    return f"asn: {asn}\nname: Peer Three\ncontact: noc@three.example\n{conns}{body}"


CASES: list[tuple[str, dict[str, str | None], tuple[Edit, ...], list[str]]] = [
    (
        "yaml-syntax",
        {P: "asn: 64502\nname: [unclosed\ncontact: x\n"},
        (),
        [
            f"{P}:3:8: YAML syntax error: while parsing a flow sequence did not find expected ',' "
            "or ']'",
        ],
    ),
    (
        "duplicate-key",
        {P: peer("name: Again\n")},
        (),
        [
            f"{P}:7:1: name: duplicate key (first defined on line 2) (hint: remove one of them)",
        ],
    ),
    (
        "not-a-mapping",
        {P: "- asn: 64502\n"},
        (),
        [
            f"{P}:1:1: the file must be a mapping of keys to values, not a list or value",
        ],
    ),
    (
        "empty-file",
        {P: "# nothing here\n"},
        (),
        [
            f"{P}:1:1: the file is empty (hint: see the README for an example)",
        ],
    ),
    (
        "unknown-key",
        {P: peer("contakt: x@y.example\n")},
        (),
        [
            f"{P}:7:1: contakt: unknown key (hint: did you mean 'contact'?)",
        ],
    ),
    (
        "unknown-nested-key",
        {P: peer("max_prefix:\n  ipv7: 3\n")},
        (),
        [
            f"{P}:8:3: max_prefix.ipv7: unknown key (hint: did you mean 'ipv6'?)",
        ],
    ),
    (
        "asn-string",
        {P: peer(asn='"64502"')},
        (),
        [
            f"{P}:1:1: asn: must be an integer, not a string",
        ],
    ),
    (
        "asn-bool",
        {P: peer(asn="yes")},
        (),
        [
            f"{P}:1:1: asn: must be an integer, not a boolean",
        ],
    ),
    (
        "file-name-mismatch",
        {P: peer(asn="64503")},
        (),
        [
            f"{P}:1:1: asn: AS64503 does not match the file name AS64502.yaml "
            "(hint: rename the file to AS64503.yaml or correct asn)",
        ],
    ),
    (
        "asn-zero",
        {"peers/AS0.yaml": peer(asn="0")},
        (),
        [
            "peers/AS0.yaml:1:1: a peer file must be named AS<asn>.yaml "
            "(hint: name it after its ASN, e.g. AS64500.yaml)",
            "peers/AS0.yaml:1:1: asn: 0 is not an ASN (1 to 4294967295)",
        ],
    ),
    (
        "asn-trans",
        {"peers/AS23456.yaml": peer(asn="23456")},
        (),
        [
            "peers/AS23456.yaml:1:1: asn: AS23456 is reserved (RFC 7607, RFC 6793, RFC 7300) "
            "and never peers",
        ],
    ),
    (
        "asn-too-large",
        {"peers/AS4294967296.yaml": peer(asn="4294967296")},
        (),
        [
            "peers/AS4294967296.yaml:1:1: asn: 4294967296 is not an ASN (1 to 4294967295)",
        ],
    ),
    (
        "asn-65535",
        {"peers/AS65535.yaml": peer(asn="65535")},
        (),
        [
            "peers/AS65535.yaml:1:1: asn: AS65535 is reserved (RFC 7607, RFC 6793, RFC 7300) "
            "and never peers",
        ],
    ),
    (
        "documentation-asn-not-allowed",
        {},
        (("ix.yaml", "allow_documentation_asns: true", "allow_documentation_asns: false"),),
        [
            "ix.yaml:2:1: asn: AS64511 is a documentation ASN (RFC 5398) (hint: set "
            "policy.allow_documentation_asns or policy.allow_private_asns only for a lab or "
            "example exchange)",
            "peers/AS64500.yaml:1:1: asn: AS64500 is a documentation ASN (RFC 5398) "
            "(hint: peers need a public ASN)",
            "peers/AS64501.yaml:1:1: asn: AS64501 is a documentation ASN (RFC 5398) "
            "(hint: peers need a public ASN)",
        ],
    ),
    (
        "private-asn",
        {"peers/AS64512.yaml": peer(asn="64512")},
        (),
        [
            "peers/AS64512.yaml:1:1: asn: AS64512 is a private ASN (RFC 6996) "
            "(hint: peers need a public ASN)",
        ],
    ),
    (
        "route-server-asn",
        {"peers/AS64511.yaml": peer(asn="64511")},
        (),
        [
            "peers/AS64511.yaml:1:1: asn: AS64511 is the route servers' own ASN and cannot be a peer",
        ],
    ),
    (
        "node-id-short",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: a00000003\n    ipv4: 10.0.0.12\n"
            )
        },
        (),
        [
            f"{P}:5:5: connections[0].zerotier_node_id: 'a00000003' is not a ZeroTier node id "
            "(exactly 10 hex digits)",
        ],
    ),
    (
        "node-id-upper",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: A000000003\n    ipv4: 10.0.0.12\n"
            )
        },
        (),
        [
            f"{P}:5:5: connections[0].zerotier_node_id: 'A000000003' must be written in lower case",
        ],
    ),
    (
        "node-id-ff",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: ff00000003\n    ipv4: 10.0.0.12\n"
            )
        },
        (),
        [
            f"{P}:5:5: connections[0].zerotier_node_id: 'ff00000003' starts with 'ff', which "
            "ZeroTier reserves",
        ],
    ),
    (
        "node-id-zero",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: '0000000000'\n"
                "    ipv4: 10.0.0.12\n"
            )
        },
        (),
        [
            f"{P}:5:5: connections[0].zerotier_node_id: 0000000000 is not a valid ZeroTier node id",
        ],
    ),
    (
        "node-id-unquoted-digits",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: 1234567890\n    ipv4: 10.0.0.12\n"
            )
        },
        (),
        [
            f"{P}:5:5: connections[0].zerotier_node_id: must be a string (quote it), not an integer",
        ],
    ),
    (
        "node-id-duplicate",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: a000000001\n    ipv4: 10.0.0.12\n"
            )
        },
        (),
        [
            "peers/AS64500.yaml:5:5: connections[0].zerotier_node_id: a000000001 is also used by peers/AS64502.yaml:5 (connections[0].zerotier_node_id)",
            "peers/AS64502.yaml:5:5: connections[0].zerotier_node_id: a000000001 is already used by peers/AS64500.yaml:5 (connections[0].zerotier_node_id)",
        ],
    ),
    (
        "node-id-of-route-server",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: "
                "'1000000001'\n    ipv4: 10.0.0.12\n"
            )
        },
        (),
        [
            "ix.yaml:12:5: route_servers[0].zerotier_node_id: 1000000001 is also used by peers/AS64502.yaml:5 (connections[0].zerotier_node_id)",
            "peers/AS64502.yaml:5:5: connections[0].zerotier_node_id: 1000000001 is already used by ix.yaml:12 (route_servers[0].zerotier_node_id)",
        ],
    ),
    (
        "ipv4-gets-ipv6",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: a000000003\n    ipv4: fd00:1::12\n"
            )
        },
        (),
        [
            f"{P}:6:5: connections[0].ipv4: fd00:1::12 is an IPv6 address, expected IPv4",
        ],
    ),
    (
        "ipv4-garbage",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: a000000003\n    ipv4: 10.0.0.256\n"
            )
        },
        (),
        [
            f"{P}:6:5: connections[0].ipv4: '10.0.0.256' is not an IPv4 address",
        ],
    ),
    (
        "outside-lan",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: a000000003\n    ipv4: 10.0.1.12\n"
            )
        },
        (),
        [
            f"{P}:6:5: connections[0].ipv4: 10.0.1.12 is outside the peering LAN 10.0.0.0/24",
        ],
    ),
    (
        "network-address",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: a000000003\n    ipv4: 10.0.0.0\n"
            )
        },
        (),
        [
            f"{P}:6:5: connections[0].ipv4: 10.0.0.0 is the network address of 10.0.0.0/24",
        ],
    ),
    (
        "broadcast-address",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: a000000003\n    ipv4: 10.0.0.255\n"
            )
        },
        (),
        [
            f"{P}:6:5: connections[0].ipv4: 10.0.0.255 is the broadcast address of 10.0.0.0/24",
        ],
    ),
    (
        "ipv6-subnet-router-anycast",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: a000000003\n    ipv6: 'fd00:1::'\n"
            )
        },
        (),
        [
            f"{P}:6:5: connections[0].ipv6: fd00:1:: is the network address of fd00:1::/64",
        ],
    ),
    (
        "route-server-address",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: a000000003\n    ipv4: 10.0.0.1\n"
            )
        },
        (),
        [
            "ix.yaml:13:5: route_servers[0].ipv4: 10.0.0.1 is also used by peers/AS64502.yaml:6 (connections[0].ipv4)",
            "peers/AS64502.yaml:6:5: connections[0].ipv4: 10.0.0.1 is already used by ix.yaml:13 (route_servers[0].ipv4)",
        ],
    ),
    (
        "address-of-other-peer",
        {
            P: peer(
                connections="connections:\n  - zerotier_node_id: a000000003\n    ipv6: fd00:1::10\n"
            )
        },
        (),
        [
            "peers/AS64500.yaml:7:5: connections[0].ipv6: fd00:1::10 is also used by peers/AS64502.yaml:6 (connections[0].ipv6)",
            "peers/AS64502.yaml:6:5: connections[0].ipv6: fd00:1::10 is already used by peers/AS64500.yaml:7 (connections[0].ipv6)",
        ],
    ),
    (
        "connection-without-address",
        {P: peer(connections="connections:\n  - zerotier_node_id: a000000003\n")},
        (),
        [
            f"{P}:5:5: connections[0]: needs an ipv4 or an ipv6 peering address (or both)",
        ],
    ),
    (
        "no-connections",
        {P: peer(connections="connections: []\n")},
        (),
        [
            f"{P}:4:1: connections: Tuple should have at least 1 item after validation, not 0",
        ],
    ),
    (
        "max-prefix-zero",
        {P: peer("max_prefix:\n  ipv4: 0\n")},
        (),
        [
            f"{P}:8:3: max_prefix.ipv4: Input should be greater than or equal to 1",
        ],
    ),
    (
        "max-prefix-over-ceiling",
        {P: peer("max_prefix:\n  ipv6: 60000\n")},
        (),
        [
            f"{P}:8:3: max_prefix.ipv6: 60000 is above the exchange's ceiling of 50000 "
            "(hint: ask the IX admins if you really announce that many prefixes)",
        ],
    ),
    (
        "max-prefix-string",
        {P: peer("max_prefix:\n  ipv4: lots\n")},
        (),
        [
            f"{P}:8:3: max_prefix.ipv4: must be an integer, not a string",
        ],
    ),
    (
        "as-set-bad",
        {P: peer("as_set: EXAMPLE-NET\n")},
        (),
        [
            "peers/AS64502.yaml:7:1: as_set: 'EXAMPLE-NET' is not an AS-SET (forms, in ASCII: AS-FOO, RIPE::AS-FOO, AS3320:AS-FOO)",
        ],
    ),
    (
        "as-set-one-of-several-bad",
        {P: peer("as_set: AS-GOOD, AS-BAD;DROP\n")},
        (),
        [
            "peers/AS64502.yaml:7:1: as_set: 'AS-BAD;DROP' is not an AS-SET (forms, in ASCII: AS-FOO, RIPE::AS-FOO, AS3320:AS-FOO)",
        ],
    ),
    (
        "email-bad",
        {P: peer().replace("noc@three.example", "noc at three")},
        (),
        [
            f"{P}:3:1: contact: 'noc at three' is not an e-mail address",
        ],
    ),
    (
        "state-bad",
        {P: peer("state: paused\n")},
        (),
        [
            f"{P}:7:1: state: Input should be 'active' or 'suspended'",
        ],
    ),
    (
        "name-injection-quote",
        {P: peer().replace("Peer Three", "'x\"; }; protocol static {'")},
        (),
        [
            f"{P}:2:1: name: contains characters that are not allowed: '\"' ';' '{{' '}}'; use "
            "letters a-z A-Z (no accents), digits, spaces and . , : _ & ( ) ' / + @ ! ? = -",
        ],
    ),
    (
        "name-newline",
        {P: peer().replace("Peer Three", '"Peer\\nThree"')},
        (),
        [
            f"{P}:2:1: name: contains characters that are not allowed: '\\n'; use letters a-z A-Z (no accents), digits, "
            "spaces and . , : _ & ( ) ' / + @ ! ? = -",
        ],
    ),
    (
        "name-empty",
        {P: peer().replace("Peer Three", '""')},
        (),
        [
            f"{P}:2:1: name: must not be empty",
        ],
    ),
    (
        "description-too-long",
        {P: peer("description: " + "x" * 501 + "\n")},
        (),
        [
            f"{P}:7:1: description: is 501 characters long; at most 500 are allowed",
        ],
    ),
    (
        "missing-contact",
        {
            P: "asn: 64502\nname: Peer Three\nconnections:\n"
            "  - zerotier_node_id: a000000003\n    ipv4: 10.0.0.12\n"
        },
        (),
        [
            f"{P}:1:1: contact: required key is missing",
        ],
    ),
    (
        "python-tag",
        {P: peer("description: !!python/object/apply:os.system ['true']\n")},
        (),
        [
            f"{P}:7:14: description: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is "
            "not allowed (hint: write the value without a tag; quote it if it is text)",
        ],
    ),
    (
        "python-tag-scalar",
        {P: peer("description: !!python/name:os.system ''\n")},
        (),
        [
            f"{P}:7:14: description: YAML tag 'tag:yaml.org,2002:python/name:os.system' is not "
            "allowed (hint: write the value without a tag; quote it if it is text)",
        ],
    ),
    (
        "date-bad",
        {P: peer("requested_by:\n  peeringdb_user_id: 7\n  date: yesterday\n")},
        (),
        [
            "peers/AS64502.yaml:9:3: requested_by.date: must be a date like 2026-11-02 (unquoted), not a string",
        ],
    ),
    (
        "yml-extension",
        {"peers/AS64502.yml": peer()},
        (),
        [
            "peers/AS64502.yml:1:1: a peer file must be named AS<asn>.yaml (hint: rename it to AS64502.yaml)",
        ],
    ),
    (
        "several-problems-sorted",
        {P: peer("state: paused\nmax_prefix:\n  ipv4: -1\n").replace("noc@three.example", "nope")},
        (),
        [
            f"{P}:3:1: contact: 'nope' is not an e-mail address",
            f"{P}:7:1: state: Input should be 'active' or 'suspended'",
            f"{P}:9:3: max_prefix.ipv4: Input should be greater than or equal to 1",
        ],
    ),
    (
        "exchange-missing",
        {"ix.yaml": None},
        (),
        [
            "ix.yaml:1:1: the exchange file is missing",
        ],
    ),
    (
        "lan-host-bits",
        {},
        (("ix.yaml", "ipv4: 10.0.0.0/24", "ipv4: 10.0.0.5/24"),),
        [
            "ix.yaml:4:3: peering_lan.ipv4: 10.0.0.5/24 has host bits set; did you mean 10.0.0.0/24?",
        ],
    ),
    (
        "lan-no-length",
        {},
        (("ix.yaml", "ipv6: fd00:1::/64", "ipv6: 'fd00:1::'"),),
        [
            "ix.yaml:5:3: peering_lan.ipv6: fd00:1:: needs a prefix length, e.g. fd00:1::/64",
        ],
    ),
    (
        "route-server-outside-lan",
        {},
        (("ix.yaml", "    ipv4: 10.0.0.1\n", "    ipv4: 10.0.9.1\n"),),
        [
            "ix.yaml:13:5: route_servers[0].ipv4: 10.0.9.1 is outside the peering LAN 10.0.0.0/24",
        ],
    ),
    (
        "route-server-without-ipv6",
        {},
        (("ix.yaml", "    ipv6: fd00:1::1\n", ""),),
        [
            "ix.yaml:11:5: route_servers[0]: needs an ipv6 address: the peering LAN has fd00:1::/64",
        ],
    ),
    (
        "host-key-bad-base64",
        {},
        (("ix.yaml", "AAAAC3NzaC1lZDI1NTE5", "AAAAC3Nz!C1lZDI1NTE5"),),
        [
            "ix.yaml:20:7: route_servers[0].ssh.host_key: the key is not valid base64",
        ],
    ),
    (
        "host-key-type-mismatch",
        {},
        (("ix.yaml", "host_key: ssh-ed25519", "host_key: ssh-rsa"),),
        [
            "ix.yaml:20:7: route_servers[0].ssh.host_key: the key data does not hold a ssh-rsa key",
        ],
    ),
    (
        "host-key-missing",
        {},
        (
            (
                "ix.yaml",
                "      host_key: ssh-ed25519 "
                "AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPmD0uHkYX\n",
                "",
            ),
        ),
        [
            "ix.yaml:16:5: route_servers[0].ssh.host_key: required key is missing (hint: the server's public host key, '<type> <base64>')",
        ],
    ),
    (
        "rtr-none",
        {},
        (
            (
                "ix.yaml",
                "  rtr_servers:\n    - name: rtr1\n      host: 127.0.0.1\n      port: 8323\n",
                "  rtr_servers: []\n",
            ),
        ),
        [
            "ix.yaml:22:3: rpki.rtr_servers: Tuple should have at least 1 item after validation, not 0",
        ],
    ),
    (
        "bird-log-is-the-config",
        {},
        (("ix.yaml", "rpki:", "    bird:\n      log: /etc/bird/bird.conf\nrpki:"),),
        [
            "ix.yaml:21:5: route_servers[0].bird: log /etc/bird/bird.conf is the config file; log to another file",
        ],
    ),
    (
        "bird-log-is-the-socket",
        {},
        (("ix.yaml", "rpki:", "    bird:\n      log: /run/bird/bird.ctl\nrpki:"),),
        [
            "ix.yaml:21:5: route_servers[0].bird: log /run/bird/bird.ctl is the control socket; log to another file",
        ],
    ),
    (
        "bird-log-is-the-deploy-lock",
        {},
        (("ix.yaml", "rpki:", "    bird:\n      log: /etc/bird/bird.conf.ztix-lock\nrpki:"),),
        [
            "ix.yaml:21:5: route_servers[0].bird: log /etc/bird/bird.conf.ztix-lock is the deploy's lock; log to another file",
        ],
    ),
    (
        "bird-log-is-the-stamp",
        {},
        (("ix.yaml", "rpki:", "    bird:\n      log: /etc/bird/bird.conf.ztix-confirmed\nrpki:"),),
        [
            "ix.yaml:21:5: route_servers[0].bird: log /etc/bird/bird.conf.ztix-confirmed is the deploy's confirmation stamp; log to another file",
        ],
    ),
    (
        "bird-log-config-spelled-otherwise",
        {},
        (("ix.yaml", "rpki:", "    bird:\n      log: /etc/bird/./bird.conf\nrpki:"),),
        [
            "ix.yaml:22:7: route_servers[0].bird.log: '/etc/bird/./bird.conf' must be a plain absolute path (no //, /./ or /../)",
        ],
    ),
    (
        "bird-log-double-slash",
        {},
        (("ix.yaml", "rpki:", "    bird:\n      log: //etc/bird/bird.conf\nrpki:"),),
        [
            "ix.yaml:22:7: route_servers[0].bird.log: '//etc/bird/bird.conf' must be a plain absolute path (no //, /./ or /../)",
        ],
    ),
    (
        "bird-socket-is-the-upload",
        {},
        (
            (
                "ix.yaml",
                "rpki:",
                "    bird:\n      control_socket: /etc/bird/bird.conf.ztix-new\nrpki:",
            ),
        ),
        [
            "ix.yaml:21:5: route_servers[0].bird: control_socket /etc/bird/bird.conf.ztix-new is the deploy's upload; give the socket a path of its own",
        ],
    ),
    (
        "bird-config-with-dotdot",
        {},
        (("ix.yaml", "rpki:", "    bird:\n      config_path: /etc/bird/../bird/bird.conf\nrpki:"),),
        [
            "ix.yaml:22:7: route_servers[0].bird.config_path: '/etc/bird/../bird/bird.conf' must be a plain absolute path (no //, /./ or /../)",
        ],
    ),
    (
        "bird-log-relative",
        {},
        (("ix.yaml", "rpki:", "    bird:\n      log: bird.log\nrpki:"),),
        [
            "ix.yaml:22:7: route_servers[0].bird.log: 'bird.log' must be syslog, stderr or an absolute file path",
        ],
    ),
    (
        "provider-unknown",
        {},
        (("ix.yaml", "provider: self_hosted_controller", "provider: zerotier"),),
        [
            "ix.yaml:7:3: zerotier.provider: Input should be 'self_hosted_controller' or 'central'",
        ],
    ),
]


@pytest.mark.parametrize(
    ("add", "edits", "expected"),
    [pytest.param(add, edits, expected, id=name) for name, add, edits, expected in CASES],
)
def test_bad_input_is_located(
    add: dict[str, str | None], edits: tuple[Edit, ...], expected: list[str]
) -> None:
    with pytest.raises(ValidationFailed) as info:
        load_files(repo_files(add, edits))
    assert [str(p) for p in info.value.problems] == expected


def test_case_names_are_unique_and_plentiful() -> None:
    names = [name for name, *_ in CASES]
    assert len(names) == len(set(names))
    assert len(names) >= 40


def test_valid_repository_loads() -> None:
    repo = load_files(repo_files({P: peer()}))
    assert [p.model.asn for p in repo.peers] == [64500, 64501, 64502]
