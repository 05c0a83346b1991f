"""A stand-in IRRd whois server speaking the protocol exactly as bgpq4 1.9 uses it (captured
between bgpq4 and IRRd 4.5, LAB-NOTES), with switches for the failures a real server shows.

Queries: `!!` (no reply), `!n<agent>` (C), `!a` alone (IRRd's "F Missing required set name"),
`!s<sources>` (C, or F for an unknown source), `!a4<set>`/`!a6<set>` (prefixes of a set),
`!i<set>,1` (its ASNs, recursively), `!i<set>` (its members, one level), `!gas<N>`/`!6as<N>` (an ASN's prefixes), `!m<class>,<key>`
(an object), `!q`. Replies: `A<n>` + payload + `C`, `C`, `D` (not found or empty), `F <text>`.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["ok", "silent", "cut", "error"]


@dataclass
class Registry:
    """IRR objects per source: AS-SETs (members) and route objects (origin -> prefixes)."""

    sets: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    routes: dict[str, dict[int, list[str]]] = field(default_factory=dict)

    def find_set(self, name: str, sources: list[str]) -> list[str] | None:
        """The members of `name` from the first source that has it (bgpq4 -S order)."""
        for source in sources:
            if name in self.sets.get(source, {}):
                return self.sets[source][name]
        return None

    def asns(self, name: str, sources: list[str], seen: set[str] | None = None) -> set[int]:
        """Every ASN a set holds, through nested sets, loops cut."""
        seen = seen if seen is not None else set()
        if name in seen:
            return set()
        seen.add(name)
        out: set[int] = set()
        for member in self.find_set(name, sources) or []:
            if member.startswith("AS-") or ":" in member:
                out |= self.asns(member, sources, seen)
            else:
                out.add(int(member[2:]))
        return out

    def prefixes(self, asn: int, sources: list[str], version: int) -> list[str]:
        out = []
        for source in sources:
            for prefix in self.routes.get(source, {}).get(asn, []):
                if (":" in prefix) == (version == 6):
                    out.append(prefix)
        return out


class _Handler(socketserver.StreamRequestHandler):
    server: StandIn

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode())  # one write per reply: bgpq4 reads each with one read

    def data(self, payload: str) -> None:
        if not payload:
            self.reply("D\n")
        else:
            self.reply(f"A{len(payload) + 1}\n{payload}\nC\n")

    def handle(self) -> None:
        with self.server.lock:
            self.server.active += 1
            self.server.most = max(self.server.most, self.server.active)
        try:
            if self.server.delay:
                self.server.closing.wait(self.server.delay)
            self.serve()
        finally:
            with self.server.lock:
                self.server.active -= 1

    def serve(self) -> None:
        registry = self.server.registry
        sources = self.server.default_sources
        mode = self.server.mode
        while line := self.rfile.readline():
            query = line.decode().strip()
            self.server.queries.append(query)
            if query == "!!" or not query:
                continue
            if query.lower() == "!q":
                return
            if query.startswith("!n"):
                self.reply("C\n")
            elif query == "!a":
                self.reply("F Missing required set name for A query\n")
            elif query.startswith("!s"):
                wanted = query[2:].split(",")
                if any(s not in registry.sets and s not in registry.routes for s in wanted):
                    self.reply("F One or more selected sources are unavailable.\n")
                else:
                    sources = wanted
                    self.reply("C\n")
            elif mode == "silent":
                self.server.closing.wait(120)  # a server that accepts and never answers
                return
            elif mode == "error":
                self.reply("F Internal error while processing the query\n")
            elif mode == "cut":
                self.wfile.write(b"A9999\n5.5.0.0/16 23.")
                return
            else:
                self.answer(query, registry, sources)

    def answer(self, query: str, registry: Registry, sources: list[str]) -> None:
        if query.startswith(("!a4", "!a6")):
            version = int(query[2])
            asns = registry.asns(query[3:], sources)
            found = [p for asn in sorted(asns) for p in registry.prefixes(asn, sources, version)]
            self.data(" ".join(found))
        elif query.startswith("!i") and query.endswith(",1"):
            asns = registry.asns(query[2:-2], sources)
            self.data(" ".join(f"AS{a}" for a in sorted(asns)))
        elif query.startswith("!i"):  # one level: bgpq4 walks a source-qualified set itself
            self.data(" ".join(registry.find_set(query[2:], sources) or []))
        elif query.startswith(("!gas", "!6as")):
            version = 6 if query.startswith("!6") else 4
            self.data(" ".join(registry.prefixes(int(query[4:]), sources, version)))
        elif query.startswith("!mas-set,"):
            name = query.split(",", 1)[1]
            members = registry.find_set(name, sources)
            self.data("" if members is None else f"as-set: {name}\nmembers: {', '.join(members)}")
        else:
            self.reply(f"F Unrecognised query {query}\n")


class StandIn(socketserver.ThreadingTCPServer):
    """The stand-in server on a loopback port; `mode` switches its failure behaviour."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, registry: Registry, default_sources: list[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.registry = registry
        self.default_sources = default_sources
        self.mode: Mode = "ok"
        self.queries: list[str] = []
        self.closing = threading.Event()
        # Connections open now and at most at once; `delay` holds each connection that long.
        self.lock = threading.Lock()
        self.active = 0
        self.most = 0
        self.delay = 0.0

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@contextmanager
def standin(registry: Registry, default_sources: list[str]) -> Iterator[StandIn]:
    """Run a stand-in server in a thread for the duration of the block."""
    server = StandIn(registry, default_sources)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
