"""Special-purpose numbers: ASNs and prefixes that never belong to a member's routes.

The one home of these tables: the models refuse such ASNs as members' (unless ix.yaml allows
them), and the route-server policy rejects paths and prefixes holding them. Reviewed data; each
line cites the RFC or registry it comes from.
"""

# ASNs (inclusive ranges).
# 0 (RFC 7607), 23456 AS_TRANS (RFC 6793), 65535 and 4294967295 (RFC 7300), 65552-131071
# (IANA special registry: reserved).
RESERVED_ASN_RANGES = (
    (0, 0),
    (23456, 23456),
    (65535, 65535),
    (65552, 131071),
    (4294967295, 4294967295),
)
# RFC 5398: documentation ASNs.
DOCUMENTATION_ASN_RANGES = ((64496, 64511), (65536, 65551))
# RFC 6996: private use.
PRIVATE_ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))

# Documentation prefixes, never routed: RFC 5737 (TEST-NET-1/2/3) and RFC 3849.
DOCUMENTATION_V4 = ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
DOCUMENTATION_V6 = ("2001:db8::/32",)

# RFC 6890 special-purpose IPv4 blocks, RFC 5737 documentation, multicast (RFC 5771), reserved.
BOGONS_V4 = (
    "0.0.0.0/8+",
    "10.0.0.0/8+",
    "100.64.0.0/10+",
    "127.0.0.0/8+",
    "169.254.0.0/16+",
    "172.16.0.0/12+",
    "192.0.0.0/24+",
    "192.0.2.0/24+",
    "192.88.99.0/24+",
    "192.168.0.0/16+",
    "198.18.0.0/15+",
    "198.51.100.0/24+",
    "203.0.113.0/24+",
    "224.0.0.0/4+",
    "240.0.0.0/4+",
)
# RFC 6890 special-purpose IPv6 blocks inside 2000::/3 (the rest of the space is rejected whole),
# RFC 3849 documentation, 6to4 (RFC 7526 deprecates its relays), old 6bone.
BOGONS_V6 = (
    "2001:2::/48+",
    "2001:10::/28+",
    "2001:db8::/32+",
    "2002::/16+",
    "3ffe::/16+",
)
