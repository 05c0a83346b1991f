"""The sentinel ROA as a SLURM file (RFC 8416) for the operator's RTR caches.

With `rpki.until_loaded: hold`, member routes wait until the sentinel ROA is valid on the route
server; a cache serves it only once its own data is loaded, because the operator adds it to the
cache's output as a locally added assertion (stayrtr `-slurm`, Routinator `--exceptions`, FORT
`--slurm`). `ztix rs slurm` prints this file.
"""

from __future__ import annotations

import json

from ztix.models import Exchange

COMMENT = "ZT-IX sentinel: route servers hold member routes until this is valid"


def slurm(exchange: Exchange) -> str:
    """The SLURM document that adds the exchange's sentinel ROAs (one per family)."""
    sentinel = exchange.rpki.sentinel
    asn = sentinel.asn or exchange.asn
    assertions = [
        {
            "asn": asn,
            "prefix": str(network),
            "maxPrefixLength": network.prefixlen,
            "comment": COMMENT,
        }
        for network in (sentinel.ipv4, sentinel.ipv6)
    ]
    document = {
        "slurmVersion": 1,
        "validationOutputFilters": {"prefixFilters": [], "bgpsecFilters": []},
        "locallyAddedAssertions": {"prefixAssertions": assertions, "bgpsecAssertions": []},
    }
    return json.dumps(document, indent=2) + "\n"
