"""The IRR adapter: bgpq4 against the exchange's IRR servers, in order, under a timeout.

bgpq4's failure shapes (LAB-NOTES, bgpq4 1.9): exit 1 when the server is down or a source is
unknown, 255 when the connection is cut mid-reply, an `ERROR:` line on stderr with exit 0 and
empty output when the server answers with an error, and no end at all when a server accepts and
never answers. A missing AS-SET looks exactly like an empty one, so existence is asked over
whois first (ztix.irr.whois).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
from collections.abc import Sequence

from ztix.adapters.irr.whois import set_exists
from ztix.models import Irr, IrrServer
from ztix.ports.irr import Expansion, IrrError, IrrNotFound, IrrUnavailable

# bgpq4 leaves out private and documentation ASNs unless told (-p) and says so on stderr; that
# is not a failure (the route servers reject such ASNs in paths anyway).
_SKIPPED_ASN = re.compile(r"^ERROR:Invalid AS number: \d+$")
_ASN_NAME = re.compile(r"AS([1-9][0-9]{0,9})")


class Bgpq4Resolver:
    """Expands names with the `bgpq4` binary; the first server that answers is used."""

    def __init__(
        self,
        servers: Sequence[IrrServer],
        sources: Sequence[str],
        *,
        timeout: float,
        special_asns: bool = False,
        binary: str = "bgpq4",
    ) -> None:
        self.servers = tuple(servers)
        self.sources = tuple(sources)
        self.timeout = timeout
        self.special_asns = special_asns
        self.binary = binary

    async def expand(self, name: str) -> Expansion:
        """Origins, IPv4 and IPv6 prefixes of `name` from the first server that answers."""
        last: IrrUnavailable | None = None
        for server in self.servers:
            try:
                return await self._expand_on(server, name)
            except IrrUnavailable as exc:
                last = exc
        assert last is not None
        raise last

    async def _expand_on(self, server: IrrServer, name: str) -> Expansion:
        where = f"{server.host}:{server.port}"
        origins = await self._run(where, "-t", name)
        if not origins:
            # bgpq4 prints an empty list for a set that does not exist too: tell them apart over
            # whois (only then: a set with members exists). No origins, no prefixes either.
            if _ASN_NAME.fullmatch(name) is None and not await set_exists(
                server.host, server.port, self.sources, name, self.timeout
            ):
                raise IrrNotFound(f"{name} exists in none of the sources {', '.join(self.sources)}")
            return Expansion(frozenset(), frozenset(), frozenset(), server=where)
        ipv4 = await self._run(where, "-4", name)
        ipv6 = await self._run(where, "-6", name)
        return Expansion(
            origins=frozenset(_asn(value) for value in origins),
            ipv4=frozenset(_prefix(value, 4) for value in ipv4),
            ipv6=frozenset(_prefix(value, 6) for value in ipv6),
            server=where,
        )

    async def _run(self, where: str, kind: str, name: str) -> list[object]:
        argv = [self.binary, "-h", where, "-S", ",".join(self.sources), "-j", "-l", "x", kind]
        if self.special_asns:
            argv.append("-p")
        argv.append(name)
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise IrrError(f"cannot run {self.binary}: {exc.strerror}") from None
        try:
            out, err = await asyncio.wait_for(proc.communicate(), self.timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise IrrUnavailable(f"{where}: no answer within {self.timeout:.0f} s") from None
        errors = [
            line
            for line in err.decode("utf-8", "replace").splitlines()
            if line.startswith("ERROR:") and not _SKIPPED_ASN.match(line)
        ]
        if proc.returncode != 0:
            why = errors[-1][6:] if errors else f"bgpq4 exited {proc.returncode}"
            raise IrrUnavailable(f"{where}: {why[:200]}")
        if errors:
            raise IrrError(f"{where}: {errors[-1][6:][:200]}")
        try:
            listed = json.loads(out)["x"]
        except (ValueError, KeyError, TypeError):
            raise IrrError(f"{where}: bgpq4 printed something that is not its JSON") from None
        if not isinstance(listed, list):
            raise IrrError(f"{where}: bgpq4 printed something that is not its JSON")
        return listed


def _asn(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**32:
        return value
    raise IrrError(f"bgpq4 listed {value!r} as an origin ASN")


def _prefix(value: object, version: int) -> str:
    text = value.get("prefix") if isinstance(value, dict) else None
    try:
        network = ipaddress.ip_network(str(text))
    except ValueError:
        raise IrrError(f"bgpq4 listed {text!r} as a prefix") from None
    if network.version != version:
        raise IrrError(f"bgpq4 listed {text!r} as an IPv{version} prefix")
    return network.compressed


def bgpq4_resolver(settings: Irr, special_asns: bool, timeout: float) -> Bgpq4Resolver:
    """The resolver for ix.yaml's irr: settings (an `IrrResolverFactory`)."""
    return Bgpq4Resolver(
        settings.servers, settings.sources, timeout=timeout, special_asns=special_asns
    )
