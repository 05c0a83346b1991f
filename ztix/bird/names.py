"""Names a config may not give a BIRD symbol: BIRD's keywords and the symbols ZT-IX generates.

A name from `ix.yaml` that becomes a BIRD symbol (an RTR server's `protocol rpki` name) must not
be a keyword of any BIRD version ZT-IX renders for (a keyword cannot name a protocol) and must
not collide with a symbol the templates define. The keyword list is the union of every
`CF_KEYWORDS(...)` in BIRD's grammar files (`*.Y`) at tags v2.0.12, v2.19.2 and v3.3.2, lower
case as BIRD's lexer compares them (conf/cf-lex.l: keywords are matched with strcmp).
"""

from __future__ import annotations

import re

BIRD_KEYWORDS = frozenset(
    """
    accept action add address administrative advertise aes128 after aggregate aggregator aigp
    algorithm all allocator allow always ao append area as as4 asn aspa aspa_check
    aspa_check_downstream aspa_check_upstream aspa_providers attribute auth authentication
    autonomous aware babel babel_metric base bcast bfd bgp bgp_aggregator bgp_aigp
    bgp_atomic_aggr bgp_cluster_list bgp_community bgp_ext_community bgp_large_community
    bgp_local_pref bgp_med bgp_next_hop bgp_origin bgp_originator_id bgp_otc bgp_path
    bgp_pmsi_tunnel bgpmask bgppath bind bird blackhole blake2b256 blake2b512 blake2s128
    blake2s256 block bmp bool bridge broadcast bt_assert bt_check_assign bt_test_same
    bt_test_suite buffer bug by bytestring capabilities case cease change channels check
    checksum circuit class cli client clist cluster cmac code collision commands communities
    confederation config configuration confirm connect connection contains cork cost cost2
    count cryptographic current custom customer data data1 data2 dead debug decay deconfigured
    default define defined delay delete demand deprecated description dest deterministic dev
    device digest digits direct disable disabled discovery distinguisher dnssl do domain
    dont_fragment double dport drop dscp dst dump dynamic ead ebgp ec eclist ecmp eligible else
    empty enable encapsulation enforce enhanced entries enum error es eth eval events evpn exp
    expire export exported express extended external false fatal filename filter filtered
    filtering filters first first_fragment fixed flags flow4 flow6 flush for forget format
    fragment free from from_hex function garbage gateway gc generate generation generic global
    graceful group gw gw_mpls gw_mpls_stack header hello hidden high hit hmac hold hop horizon
    hostname ibgp icmp id idle if ifindex ifname ignore igp igp_metric imet import in infinity
    info instance int interface interfaces internal interpret interval ip ipv4 ipv4_mc
    ipv4_mpls ipv6 ipv6_mc ipv6_mpls ipv6_sadr is_fragment is_v4 is_v6 iso kbr_source keep
    keepalive kernel key keyed keys krt_advmss krt_congctl krt_cwnd krt_fastopen_no_cookie
    krt_feature_allfrag krt_feature_ecn krt_hoplimit krt_initcwnd krt_initrwnd krt_lock_advmss
    krt_lock_congctl krt_lock_cwnd krt_lock_fastopen_no_cookie krt_lock_hoplimit
    krt_lock_initcwnd krt_lock_initrwnd krt_lock_mtu krt_lock_quickack krt_lock_reordering
    krt_lock_rto_min krt_lock_rtt krt_lock_rttvar krt_lock_ssthresh krt_lock_sstresh
    krt_lock_window krt_metric krt_mtu krt_prefsrc krt_quickack krt_realm krt_reordering
    krt_rto_min krt_rtt krt_rttvar krt_scope krt_source krt_ssthresh krt_sstresh krt_window
    l3vpn label large last last_fragment last_nonaggregated latency lc lclist learn len length
    lifetime limit linger link lived lladdr local log long low lsa lsadb lsid mac managed
    mandatory mask match max maxlen md5 med medium member memory merge messages meticulous
    metric min missing mode monitoring mpls mpls_class mpls_label mpls_policy mrt mrtdump ms
    mtu mult multicast multihop multiplier name native nbma neighbor neighbors net netlink
    netmask networks next ng no noexport nonbroadcast none normal ns nssa of off offset older
    on onlink only option originate ospf ospf_metric1 ospf_metric2 ospf_router_id ospf_tag
    other out packets pair partial passive password passwords path paths pd pe peer perf period
    permissive persist ping pipe plaintext pointomultipoint pointopoint poison policy poll port
    post_policy pre_policy preexport prefer preference preferred prefix prepend pri primary
    print printn priority private prohibit propagate proto protocol protocols provider
    providers ptmp ptp public quad ra ra_lifetime ra_preference radv randomize range rd rdnss
    reachable real receive recursive recv refresh reject rejected reload remote repeat require
    reset resources restart restrict retrans retransmit retry return reverse rfc1583compat
    rfc5838 rib rip rip_metric rip_tag ro roa roa4 roa6 roa_check role roles route router
    routes rpki rr rs rs_client rs_server rt rtt rx rxcost s sadr scan scheduling scope sec
    secondary secret security self send sensitive set setkey sets settle sha1 sha256 sha384
    sha512 short show shutdown simple single size skip sockets soft solicited sorted source
    split sport src ssh stability stacks stale start startup states static station stats status
    stderr strict string stub stubnet summary suppression syslog system table tables tag target
    tcp template then thread threads threshold tick time timeformat timeout timer timers
    timestamps to trace transit translator transmit transport trie trigger true ttl tunnel tx
    type udp udp6 undo unicast unknown unreachable unset update us user v2 v3 valid validate
    value version via vid virtual vlan vni vpn vpn4 vpn4_mc vpn4_mpls vpn6 vpn6_mc vpn6_mpls
    vrf vxlan wait wakeup warn warning watchdog weight where wired wireless yes zero include
    """.split()  # noqa: SIM905  (a word list reads better than 617 quoted strings)
)

# Symbols the shipped templates define (templates/bird/*.j2). tests/render/test_render.py
# checks that every symbol a rendered config defines is listed here or matches GENERATED_PATTERN.
GENERATED = frozenset(
    {
        "RS_ASN",
        "BOGONS_V4",
        "BOGONS_V6",
        "IX_LAN_V4",
        "IX_LAN_V6",
        "RPKI_SENTINEL_V4",
        "RPKI_SENTINEL_V6",
        "RPKI_SENTINEL_ASN",
        "BLACKHOLE_NH_V4",
        "BLACKHOLE_NH_V6",
        "master4",
        "master6",
        "roa_v4",
        "roa_v6",
        "rs_member",
        "rs_member_ipv4",
        "rs_member_ipv6",
        "rs_reject",
        "rs_import_common",
        "rs_import_ipv4",
        "rs_import_ipv6",
        "rs_export",
    }
)
# Member sessions (AS<asn>_<node>_v4), members' IRR sets (IRR_AS<asn>_V4), anything of ours
# (rs_*), and the names BIRD gives unnamed protocols (device1, kernel2, ...: conf/cf-lex.l
# cf_default_name).
GENERATED_PATTERN = re.compile(
    r"AS[0-9]+_.*|IRR_AS[0-9]+_.*|rs_.*|(?:device|direct|kernel|static|bgp|rpki|pipe|bfd|babel|ospf|rip|radv"
    r"|mrt|perf|l3vpn|aggregator|bmp|evpn)[0-9]*",
    re.IGNORECASE,
)


def reserved(name: str) -> str | None:
    """Why `name` cannot be a BIRD symbol in a ZT-IX config, or None if it can."""
    if name.lower() in BIRD_KEYWORDS:
        return f"{name!r} is a BIRD keyword"
    if name in GENERATED or GENERATED_PATTERN.fullmatch(name):
        return f"{name!r} is a name ZT-IX's BIRD config uses itself"
    return None
