"""A member that sends hand-made BGP UPDATEs: AS paths no BIRD filter can build (AS_SET,
AS_CONFED_SET), forged origins, BLACKHOLE communities.

Run inside a member's namespace as a script (`python3 -m tests.lab.speaker SPEC.json`): it opens
one IPv4 unicast session to the route server (RFC 4271 with 4-octet ASNs, RFC 6793), sends each
route of the spec once the session is up, then keeps the session alive until it is stopped.
Everything is written by hand from the RFCs, so the bytes on the wire are exactly the test's.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import struct
import sys
import time
from typing import Any

MARKER = b"\xff" * 16
OPEN, UPDATE, NOTIFICATION, KEEPALIVE = 1, 2, 3, 4
# RFC 4271 4.3 AS_PATH segment types; RFC 5065 for the confederation ones.
SEGMENTS = {"set": 1, "seq": 2, "confed_seq": 3, "confed_set": 4}
AS_TRANS = 23456  # RFC 6793: what a 4-octet ASN says in the 2-octet OPEN field
HOLD = 30


def message(kind: int, body: bytes) -> bytes:
    """One BGP message: marker, length, type, body (RFC 4271 4.1)."""
    return MARKER + struct.pack("!HB", 19 + len(body), kind) + body


def open_message(asn: int, router_id: str) -> bytes:
    """OPEN with capabilities: multiprotocol IPv4 unicast (RFC 4760), route refresh (RFC 2918),
    4-octet ASNs (RFC 6793)."""
    caps = (
        bytes([1, 4]) + struct.pack("!HBB", 1, 0, 1)
        + bytes([2, 0])
        + bytes([65, 4]) + struct.pack("!I", asn)
    )  # fmt: skip
    params = bytes([2, len(caps)]) + caps
    short_as = asn if asn <= 65535 else AS_TRANS
    body = struct.pack("!BHH", 4, short_as, HOLD) + ipaddress.IPv4Address(router_id).packed
    return message(OPEN, body + bytes([len(params)]) + params)


def attribute(flags: int, code: int, value: bytes) -> bytes:
    """A path attribute, with the extended length flag (0x10) when it needs two octets."""
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def as_path(segments: list[list[Any]]) -> bytes:
    """AS_PATH (RFC 4271 4.3, 4-octet ASNs): [["seq", [64500, ...]], ["set", [...]], ...]."""
    out = b""
    for kind, asns in segments:
        out += bytes([SEGMENTS[kind], len(asns)]) + b"".join(struct.pack("!I", a) for a in asns)
    return out


def update(route: dict[str, Any]) -> bytes:
    """An UPDATE announcing one IPv4 prefix with ORIGIN IGP, the AS_PATH, NEXT_HOP and any
    communities of `route`."""
    attrs = attribute(0x40, 1, b"\x00")  # ORIGIN: IGP
    attrs += attribute(0x40, 2, as_path(route["path"]))
    attrs += attribute(0x40, 3, ipaddress.IPv4Address(route["next_hop"]).packed)
    communities = route.get("communities", [])
    if communities:
        value = b"".join(struct.pack("!HH", high, low) for high, low in communities)
        attrs += attribute(0xC0, 8, value)  # COMMUNITIES (RFC 1997), optional transitive
    network = ipaddress.IPv4Network(route["prefix"])
    nlri = (
        bytes([network.prefixlen]) + network.network_address.packed[: (network.prefixlen + 7) // 8]
    )
    body = struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri
    return message(UPDATE, body)


def read_message(sock: socket.socket) -> tuple[int, bytes]:
    """One whole message (type, body), or ConnectionError when the peer closed."""
    header = _read(sock, 19)
    length, kind = struct.unpack("!HB", header[16:19])
    return kind, _read(sock, length - 19)


def _read(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("the route server closed the session")
        data += chunk
    return data


def run(spec: dict[str, Any]) -> None:
    """Connect, exchange OPENs, send every route, then keep the session up."""
    deadline = time.monotonic() + float(spec.get("connect_for", 60))
    while True:
        try:
            sock = socket.create_connection(
                (spec["route_server"], 179), timeout=5, source_address=(spec["address"], 0)
            )
            break
        except OSError as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"speaker: cannot connect: {exc}") from None
            time.sleep(1)
    sock.settimeout(HOLD)
    sock.sendall(open_message(spec["asn"], spec["address"]))
    kind, body = read_message(sock)
    if kind != OPEN:
        raise SystemExit(f"speaker: expected OPEN, got type {kind}: {body.hex()}")
    sock.sendall(message(KEEPALIVE, b""))
    while True:  # up once the route server's KEEPALIVE arrives (RFC 4271 8.2.2)
        kind, body = read_message(sock)
        if kind == NOTIFICATION:
            raise SystemExit(f"speaker: NOTIFICATION {body.hex()}")
        if kind == KEEPALIVE:
            break
    print("speaker: session established", flush=True)
    for route in spec["routes"]:
        sock.sendall(update(route))
        print(f"speaker: sent {route['prefix']} path {route['path']}", flush=True)
    sock.settimeout(HOLD // 3)
    while True:
        sock.sendall(message(KEEPALIVE, b""))
        try:
            kind, body = read_message(sock)
        except TimeoutError:
            continue
        if kind == NOTIFICATION:
            raise SystemExit(f"speaker: NOTIFICATION {body.hex()}")


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as handle:
        run(json.load(handle))
