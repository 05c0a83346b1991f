"""The lab exchange shared by lab tests: one ix.yaml, member peer files, member BIRD configs."""

from __future__ import annotations

import json

from ztix.load.loader import load_files
from ztix.render.routeserver import repository_configs
from ztix.render.sentinel import slurm as sentinel_slurm

RS_ASN = 64511
IX = """\
name: Lab IX
asn: 64511
peering_lan:
  ipv4: 10.0.0.0/24
  ipv6: fd00:1::/64
zerotier:
  provider: self_hosted_controller
  api_url: http://127.0.0.1:9993
  network_id: "1122334455667788"
route_servers:
  - name: rs1
    zerotier_node_id: "1000000001"
    ipv4: 10.0.0.1
    ipv6: fd00:1::1
    router_id: 10.0.0.1
    ssh:
      host: 127.0.0.1
      user: ztix
      host_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPmD0uHkYX
rpki:
  rtr_servers:
    - name: rtr1
      host: 127.0.0.1
      port: 8323
policy:
  allow_documentation_asns: true
irr:
  enabled: false
  reason: a lab without IRR data
"""
PEERS = {
    64500: ("a000000001", "10.0.0.10", "fd00:1::10", "ipv4: 40\n  ipv6: 20"),
    64501: ("a000000002", "10.0.0.11", "fd00:1::11", "ipv4: 20\n  ipv6: 20"),
    64502: ("a000000003", "10.0.0.12", None, "ipv4: 3"),
}


def peer_file(asn: int, node: str, v4: str, v6: str | None, limits: str) -> str:
    six = f"    ipv6: {v6}\n" if v6 else ""
    return (
        f"asn: {asn}\nname: Lab Member {asn}\ncontact: noc@as{asn}.example\nconnections:\n"
        f"  - zerotier_node_id: {node}\n    ipv4: {v4}\n{six}max_prefix:\n  {limits}\n"
    )


def lab_files(extra: dict[int, tuple[str, str, str | None, str]] | None = None) -> dict[str, str]:
    files = {"ix.yaml": IX}
    for asn, spec in {**PEERS, **(extra or {})}.items():
        files[f"peers/AS{asn}.yaml"] = peer_file(asn, *spec)
    return files


def rs_config(files: dict[str, str]) -> str:
    repo = load_files(files)
    return repository_configs(repo)["rs1"]


def vrps(roas: list[tuple[str, int, int]]) -> str:
    return json.dumps(
        {
            "metadata": {"buildtime": "2026-01-01T00:00:00Z"},
            "roas": [
                {"prefix": p, "maxLength": m, "asn": f"AS{a}", "ta": "lab"} for p, m, a in roas
            ],
        }
    )


def slurm(files: dict[str, str] | None = None) -> str:
    """The SLURM file (RFC 8416) `ztix rs slurm` prints for the lab exchange: the sentinel."""
    return sentinel_slurm(load_files(files or lab_files()).exchange.model)


ROAS = [
    ("5.5.0.0/16", 24, 64500),  # 5.5.5.0/24 from AS64500: valid
    ("6.6.6.0/24", 24, 64999),  # 6.6.6.0/24 from AS64500: invalid, wrong origin
    ("7.7.0.0/16", 16, 64500),  # 7.7.7.0/24: invalid, more specific than maxLength
    ("2a0b:1::/32", 48, 64500),  # 2a0b:1:1::/48: valid
    ("2a0d:1::/32", 48, 64999),  # 2a0d:1:1::/48 from AS64500: invalid
]

MEMBER = """\
log stderr all;
router id {v4};
protocol device {{}}
protocol static s4 {{
  ipv4;
{routes4}
}}
protocol bgp rs4 {{
  local {v4} as {asn};
  neighbor 10.0.0.1 as 64511;
  local role rs_client;
  connect delay time 1;
  ipv4 {{ import all; export where proto = "s4"; }};
}}
{v6block}
"""
V6BLOCK = """\
protocol bgp rs6 {{
  local {v6} as {asn};
  neighbor fd00:1::1 as 64511;
  connect delay time 1;
  ipv6 {{ import all; export none; }};
}}
"""


def statics(prefixes: list[str]) -> str:
    return "\n".join(f"  route {p} blackhole;" for p in prefixes)


def member_config(asn: int, v4: str, v6: str | None, routes: list[str]) -> str:
    """A plain member router: announces `routes` over IPv4, imports everything."""
    v6block = V6BLOCK.format(v6=v6, asn=asn) if v6 else ""
    return MEMBER.format(v4=v4, asn=asn, routes4=statics(routes), v6block=v6block)
