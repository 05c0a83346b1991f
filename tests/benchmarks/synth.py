"""Generate a valid synthetic exchange with N peers (for benchmarks and scale tests)."""

from __future__ import annotations

import ipaddress

IX_TEMPLATE = """\
name: Bench IX
asn: 64511
peering_lan:
  ipv4: 10.64.0.0/16
  ipv6: fd00:64::/64
zerotier:
  provider: self_hosted_controller
  api_url: http://127.0.0.1:9993
  network_id: "1122334455667788"
route_servers:
{route_servers}
rpki:
  rtr_servers:
    - name: rtr1
      host: 127.0.0.1
      port: 8323
policy:
  allow_documentation_asns: true
  allow_private_asns: true
"""
RS_TEMPLATE = """\
  - name: rs{n}
    zerotier_node_id: "{node}"
    ipv4: 10.64.0.{n}
    ipv6: fd00:64::{n}
    router_id: 10.64.0.{n}
    ssh:
      host: 127.0.0.1
      port: 2222
      user: ztix
      host_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPmD0uHkYX
"""
PEER_TEMPLATE = """\
asn: {asn}
name: Synthetic Member {index}
contact: noc@member{index}.example
as_set: AS-MEMBER{index}
connections:
  - zerotier_node_id: "{node}"
    ipv4: {ipv4}
    ipv6: {ipv6}
max_prefix:
  ipv4: 100
  ipv6: 20
"""


def peer_asn(index: int) -> int:
    """The ASN of synthetic peer `index` (private 32-bit range, allowed by the bench IX)."""
    return 4200000000 + index


IRR_OFF = "irr:\n  enabled: false\n  reason: synthetic members have no IRR data\n"


def synthetic_files(peers: int, route_servers: int = 1, irr: str = IRR_OFF) -> dict[str, str]:
    """The files of an exchange with `peers` members (relative path -> text); `irr` is its
    `irr:` section (off unless given)."""
    servers = "".join(
        RS_TEMPLATE.format(n=n, node=f"{0xE000000000 + n:010x}")
        for n in range(1, route_servers + 1)
    )
    files = {"ix.yaml": IX_TEMPLATE.format(route_servers=servers.rstrip("\n")) + irr}
    base4 = ipaddress.IPv4Address("10.64.1.0")
    base6 = ipaddress.IPv6Address("fd00:64::1:0")
    for index in range(1, peers + 1):
        asn = peer_asn(index)
        files[f"peers/AS{asn}.yaml"] = PEER_TEMPLATE.format(
            asn=asn,
            index=index,
            node=f"{0xA000000000 + index:010x}",
            ipv4=base4 + index,
            ipv6=base6 + index,
        )
    return files
