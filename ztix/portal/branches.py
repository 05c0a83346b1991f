"""What main and the open change branches hold for one ASN (pure): its peer file, the addresses a
join would get, and what an open change asks for."""

from __future__ import annotations

from ztix.errors import ValidationFailed
from ztix.load.loader import EXCHANGE_FILE, Repository, load_files
from ztix.load.tree import Entry
from ztix.models import Peer
from ztix.portal.allocate import Address, LanFull, lowest_free, used_addresses
from ztix.portal.errors import RequestRefused


def peer_from(files: dict[str, Entry], asn: int) -> Peer | None:
    """The peer file of `asn` in a tree, read with only its exchange file (not every peer)."""
    path = f"peers/AS{asn}.yaml"
    if path not in files or EXCHANGE_FILE not in files:
        return None
    try:
        repo = load_files({EXCHANGE_FILE: files[EXCHANGE_FILE], path: files[path]})
    except ValidationFailed:
        return None
    return repo.peers[0].model if repo.peers else None


def planned_addresses(
    repo: Repository, branches: dict[int, dict[str, Entry]], asn: int
) -> tuple[Address | None, Address | None]:
    """The lowest free IPv4 and IPv6 peering addresses, counting main and every open change
    but `asn`'s own (an open change reserves its addresses until it is merged or closed)."""
    exchange = repo.exchange.model
    others = [p.model for p in repo.peers] + [
        peer
        for other, files in branches.items()
        if other != asn
        if (peer := peer_from(files, other)) is not None
    ]
    used = used_addresses(exchange, others)
    lan = exchange.peering_lan
    try:
        return (
            lowest_free(lan.ipv4, used) if lan.ipv4 else None,
            lowest_free(lan.ipv6, used) if lan.ipv6 else None,
        )
    except LanFull as exc:
        raise RequestRefused(f"{exc}; contact the IX admins") from None


def pending_summary(current: Peer | None, pending: Peer | None) -> str:
    """What the open change asks for, in words."""
    if pending is None:
        return "leave requested" if current is not None else ""
    if current is None:
        return "join requested"
    changes = []
    old, new = current.connections[0], pending.connections[0]
    if old.zerotier_node_id != new.zerotier_node_id:
        changes.append(f"node id {old.zerotier_node_id} \u2192 {new.zerotier_node_id}")
    if current.contact != pending.contact:
        changes.append(f"contact {current.contact} \u2192 {pending.contact}")
    if current.max_prefix != pending.max_prefix:
        changes.append("max-prefix limits")
    return "update requested: " + (", ".join(changes) or "no visible change")


def entry_text(entry: Entry | None) -> str:
    """A file entry's text ('' for a missing entry or one that is not a file)."""
    if isinstance(entry, bytes):
        return entry.decode("utf-8", errors="replace")
    return entry if isinstance(entry, str) else ""
